//! What `imr inspect` shows, found without compiling: the component's
//! top-level imports and exports, its size measures against the compile limits,
//! and whether wasmparser validates it. A linear pass over the bytes, so a
//! compile bomb is described in milliseconds instead of being compiled.

use serde::Serialize;
use wasmparser::{ComponentExternalKind, ComponentTypeRef, Parser, Payload, Validator};

use crate::compile_limits::{check_measure, measure, CompileLimits, ComponentMeasure};
use crate::mechanism::ALLOWED_IMPORTS;

/// A component described without compiling it.
#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    /// blake3 of the bytes (hex): the component's identity in receipts.
    pub blake3: String,
    /// Size in bytes.
    pub size: usize,
    /// Top-level import names (type imports left out).
    pub imports: Vec<String>,
    /// Imports outside the mechanism world.
    pub forbidden_imports: Vec<String>,
    /// Top-level exports: name and kind (`func`, `instance`, `type`, ...).
    pub exports: Vec<(String, &'static str)>,
    /// The measures the compile limits apply to.
    pub measure: ComponentMeasure,
    /// Why the component is over the compile limits, if it is.
    pub over_compile_limit: Option<String>,
    /// Why wasmparser refuses the bytes, if it does.
    pub invalid: Option<String>,
    /// How it was built: its `imr-build` section, if it has one.
    pub build: Option<crate::provenance::BuildProvenance>,
    /// Why its `imr-build` section cannot be read, if it cannot.
    pub build_error: Option<String>,
}

impl Inspection {
    /// Whether the component has the mechanism world's shape (only allowed
    /// imports, a `score` function export), is within the compile limits and
    /// validates. Loading checks the exact types when it compiles.
    pub fn admissible(&self) -> bool {
        self.forbidden_imports.is_empty()
            && self
                .exports
                .iter()
                .any(|(n, k)| n == "score" && *k == "func")
            && self.over_compile_limit.is_none()
            && self.invalid.is_none()
    }
}

/// Describes component bytes without compiling them. Errs when the bytes are
/// not a component or cannot be walked.
pub fn inspect(bytes: &[u8], limits: &CompileLimits) -> Result<Inspection, String> {
    if !Parser::is_component(bytes) {
        return Err(if Parser::is_core_wasm(bytes) {
            "a core wasm module, not a component; build mechanisms with `imr build`".into()
        } else {
            "not a WebAssembly binary (bad magic or version)".into()
        });
    }
    let measure = measure(bytes).map_err(|e| e.to_string())?;
    let mut imports = Vec::new();
    let mut exports = Vec::new();
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| e.to_string())? {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(reader) if depth == 0 => {
                for import in reader {
                    let import = import.map_err(|e| e.to_string())?;
                    // Type imports (the world's `use types.{epoch, ...}`) name no
                    // functionality: not listed, as wasmtime's component type does not.
                    if !matches!(import.ty, ComponentTypeRef::Type(_)) {
                        imports.push(import.name.name.to_string());
                    }
                }
            }
            Payload::ComponentExportSection(reader) if depth == 0 => {
                for export in reader {
                    let export = export.map_err(|e| e.to_string())?;
                    let kind = match export.kind {
                        ComponentExternalKind::Module => "module",
                        ComponentExternalKind::Func => "func",
                        ComponentExternalKind::Value => "value",
                        ComponentExternalKind::Type => "type",
                        ComponentExternalKind::Instance => "instance",
                        ComponentExternalKind::Component => "component",
                    };
                    exports.push((export.name.name.to_string(), kind));
                }
            }
            _ => {}
        }
    }
    let forbidden_imports = imports
        .iter()
        .filter(|i| !ALLOWED_IMPORTS.contains(&i.as_str()))
        .cloned()
        .collect();
    let over_compile_limit = check_measure(&measure, limits).err().map(|e| e.to_string());
    let invalid = Validator::new()
        .validate_all(bytes)
        .err()
        .map(|e| e.to_string());
    let (build, build_error) = match crate::provenance::extract(bytes) {
        Ok(build) => (build, None),
        Err(e) => (None, Some(e.to_string())),
    };
    Ok(Inspection {
        build,
        build_error,
        blake3: blake3::hash(bytes).to_hex().to_string(),
        size: bytes.len(),
        imports,
        forbidden_imports,
        exports,
        measure,
        over_compile_limit,
        invalid,
    })
}
