//! The compiled-artifact cache.
//!
//! Key: blake3 of (component hash, `Engine::precompile_compatibility_hash`,
//! imr's protocol version, backend). Each file carries a checksum of its
//! payload. Any problem loading an entry (missing, truncated, corrupted,
//! incompatible) is a miss: the component is recompiled and the entry
//! rewritten, never an error. Artifacts are never copied between machines.

use std::fs;
use std::path::{Path, PathBuf};

use wasmtime::component::Component;

use crate::engine::{DeterministicEngine, PROTOCOL_VERSION};
use crate::fsutil::write_atomic;

const MAGIC: &[u8; 8] = b"IMRCWSM1";

/// How a component was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Loaded from a valid cache entry.
    Hit,
    /// Compiled, and the entry written.
    Miss,
    /// The entry existed but could not be used; recompiled and rewritten.
    Repaired,
    /// No cache in use: compiled.
    Disabled,
}

/// A directory of compiled artifacts, private to this machine.
#[derive(Debug, Clone)]
pub struct ArtifactCache {
    dir: PathBuf,
}

impl ArtifactCache {
    /// A cache in `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The default location: `$IMR_CACHE_DIR`, else `$XDG_CACHE_HOME/imr`, else `~/.cache/imr`.
    pub fn default_dir() -> PathBuf {
        if let Some(d) = std::env::var_os("IMR_CACHE_DIR") {
            return PathBuf::from(d);
        }
        if let Some(d) = std::env::var_os("XDG_CACHE_HOME") {
            return PathBuf::from(d).join("imr");
        }
        match std::env::var_os("HOME") {
            Some(h) => PathBuf::from(h).join(".cache").join("imr"),
            None => std::env::temp_dir().join("imr-cache"),
        }
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The entry file for this component under this engine.
    pub fn entry_path(&self, engine: &DeterministicEngine, component_hash: &str) -> PathBuf {
        let mut key = blake3::Hasher::new();
        key.update(component_hash.as_bytes());
        key.update(b"\0");
        key.update(engine.compatibility_hash().as_bytes());
        key.update(b"\0");
        key.update(&PROTOCOL_VERSION.to_le_bytes());
        key.update(engine.backend().to_string().as_bytes());
        self.dir.join(format!("{}.cwasm", key.finalize().to_hex()))
    }

    /// Loads the compiled component, compiling (and caching) it on a miss.
    pub fn load_or_compile(
        &self,
        engine: &DeterministicEngine,
        component_hash: &str,
        wasm: &[u8],
    ) -> wasmtime::Result<(Component, CacheOutcome)> {
        let path = self.entry_path(engine, component_hash);
        let existed = path.exists();
        if existed {
            if let Some(c) = self.try_load(engine, &path) {
                return Ok((c, CacheOutcome::Hit));
            }
        }
        let compiled = engine.wasmtime().precompile_component(wasm)?;
        let mut file = Vec::with_capacity(compiled.len() + 40);
        file.extend_from_slice(MAGIC);
        file.extend_from_slice(blake3::hash(&compiled).as_bytes());
        file.extend_from_slice(&compiled);
        // A cache that cannot be written is not an error: the run goes on.
        let _ = fs::create_dir_all(&self.dir).and_then(|_| write_atomic(&path, &file));
        // SAFETY: `compiled` was produced just now by this engine.
        let component = unsafe { Component::deserialize(engine.wasmtime(), &compiled)? };
        Ok((
            component,
            if existed {
                CacheOutcome::Repaired
            } else {
                CacheOutcome::Miss
            },
        ))
    }

    fn try_load(&self, engine: &DeterministicEngine, path: &Path) -> Option<Component> {
        let bytes = fs::read(path).ok()?;
        if bytes.len() < 40 || &bytes[..8] != MAGIC {
            return None;
        }
        let (sum, payload) = bytes[8..].split_at(32);
        if blake3::hash(payload).as_bytes() != sum {
            return None;
        }
        // SAFETY: the entry lives in this machine's private cache directory, was
        // written by this host for this engine's compatibility hash, and its
        // checksum matches; wasmtime additionally checks the engine compatibility.
        unsafe { Component::deserialize(engine.wasmtime(), payload).ok() }
    }
}
