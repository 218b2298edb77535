//! The compiled-artifact cache: a cached artifact and a fresh compile agree;
//! a corrupted entry is recompiled, never an error.

use imr_host::{
    ArtifactCache, Backend, CacheOutcome, DeterministicEngine, Limits, LoadError, Mechanism,
    RunError,
};

use crate::support::{engine, epoch_with_params, hostile};

#[test]
fn cached_and_fresh_compiles_give_identical_runs_and_corruption_is_a_miss() {
    let dir = tempfile::tempdir().unwrap();
    let cache = ArtifactCache::new(dir.path());
    let engine = engine();
    let bytes = std::fs::read(hostile()).unwrap();
    let epoch = epoch_with_params(r#"{"mode":"ok"}"#);

    let fresh = Mechanism::from_bytes(&engine, &bytes, None).unwrap();
    assert_eq!(fresh.cache_outcome(), CacheOutcome::Disabled);
    let first = Mechanism::from_bytes(&engine, &bytes, Some(&cache)).unwrap();
    assert_eq!(first.cache_outcome(), CacheOutcome::Miss);
    let cached = Mechanism::from_bytes(&engine, &bytes, Some(&cache)).unwrap();
    assert_eq!(cached.cache_outcome(), CacheOutcome::Hit);

    let a = fresh.run(&epoch.epoch, b"41");
    let b = cached.run(&epoch.epoch, b"41");
    assert_eq!(a.result, b.result);
    assert_eq!(a.fuel_consumed, b.fuel_consumed);
    assert_eq!(a.result.as_ref().unwrap().state, b"42");

    // Corrupt the entry in three ways: each is a miss that repairs the entry. (A hit maps its
    // entry: the cached mechanism is dropped before the file is rewritten in place, which imr
    // itself never does: it replaces entries by renaming.)
    let entry = cache.entry_path(&engine, cached.id());
    drop(cached);
    let original = std::fs::read(&entry).unwrap();
    let mut flipped = original.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x40;
    for corrupt in [
        flipped,
        original[..original.len() / 3].to_vec(),
        b"garbage".to_vec(),
    ] {
        std::fs::write(&entry, &corrupt).unwrap();
        let repaired = Mechanism::from_bytes(&engine, &bytes, Some(&cache)).unwrap();
        assert_eq!(repaired.cache_outcome(), CacheOutcome::Repaired);
        let c = repaired.run(&epoch.epoch, b"41");
        assert_eq!(c.result, a.result);
        assert_eq!(c.fuel_consumed, a.fuel_consumed);
        assert_eq!(std::fs::read(&entry).unwrap(), original, "entry rewritten");
    }
}

#[test]
fn cache_keys_differ_per_backend() {
    let dir = tempfile::tempdir().unwrap();
    let cache = ArtifactCache::new(dir.path());
    let cranelift = engine();
    let pulley =
        imr_host::DeterministicEngine::with(imr_host::Backend::Pulley, Default::default()).unwrap();
    assert_ne!(
        cache.entry_path(&cranelift, "x"),
        cache.entry_path(&pulley, "x")
    );
    assert_eq!(
        cache.entry_path(&cranelift, "x"),
        cache.entry_path(&engine(), "x")
    );
}

/// Loads `bytes` through `cache` on another thread, failing (not hanging) after 60 s.
fn load_bounded(cache: &ArtifactCache, bytes: &[u8]) -> Mechanism {
    let (tx, rx) = std::sync::mpsc::channel();
    let (cache, bytes) = (cache.clone(), bytes.to_vec());
    std::thread::spawn(move || {
        let _ = tx.send(Mechanism::from_bytes(&engine(), &bytes, Some(&cache)));
    });
    rx.recv_timeout(std::time::Duration::from_secs(60))
        .expect("loading through the cache hung")
        .unwrap()
}

#[test]
fn an_entry_compiled_from_another_component_is_not_run() {
    let dir = tempfile::tempdir().unwrap();
    let cache = ArtifactCache::new(dir.path());
    let engine = engine();
    let honest = std::fs::read(crate::support::time_series()).unwrap();
    let other = std::fs::read(hostile()).unwrap();
    let honest_m = Mechanism::from_bytes(&engine, &honest, Some(&cache)).unwrap();
    let other_m = Mechanism::from_bytes(&engine, &other, Some(&cache)).unwrap();
    // The attack: the other component's valid entry copied under the honest one's name.
    let honest_entry = cache.entry_path(&engine, honest_m.id());
    let original = std::fs::read(&honest_entry).unwrap();
    std::fs::copy(cache.entry_path(&engine, other_m.id()), &honest_entry).unwrap();
    let loaded = load_bounded(&cache, &honest);
    assert_eq!(loaded.cache_outcome(), CacheOutcome::Repaired);
    assert_eq!(std::fs::read(&honest_entry).unwrap(), original);
    // What runs is the honest component: the hostile guest's "ok" mode is not a time-series epoch.
    let epoch = epoch_with_params(r#"{"mode":"ok"}"#);
    let ran = loaded.run(&epoch.epoch, b"41");
    let reference = Mechanism::from_bytes(&engine, &honest, None)
        .unwrap()
        .run(&epoch.epoch, b"41");
    assert_eq!(ran.result, reference.result);
    assert_eq!(ran.fuel_consumed, reference.fuel_consumed);

    // The entry is wasmtime's artifact, then a 32-byte MAC and the magic.
    assert!(original.ends_with(b"IMRCWSM3"));
    let payload = &original[..original.len() - 40];
    // A payload forged with a public checksum (no key) in place of the MAC is refused.
    let mut forged = payload.to_vec();
    forged.extend_from_slice(blake3::hash(payload).as_bytes());
    forged.extend_from_slice(b"IMRCWSM3");
    std::fs::write(&honest_entry, forged).unwrap();
    assert_eq!(
        load_bounded(&cache, &honest).cache_outcome(),
        CacheOutcome::Repaired
    );
    assert_eq!(std::fs::read(&honest_entry).unwrap(), original);
    // So is the old format's layout (magic, checksum, payload): a miss, rewritten in the new one.
    let mut old_format = b"IMRCWSM2".to_vec();
    old_format.extend_from_slice(blake3::hash(payload).as_bytes());
    old_format.extend_from_slice(payload);
    std::fs::write(&honest_entry, old_format).unwrap();
    assert_eq!(
        load_bounded(&cache, &honest).cache_outcome(),
        CacheOutcome::Repaired
    );
    assert_eq!(std::fs::read(&honest_entry).unwrap(), original);
}

#[cfg(unix)]
#[test]
fn a_fifo_planted_as_an_entry_does_not_hang_a_load() {
    let dir = tempfile::tempdir().unwrap();
    let cache = ArtifactCache::new(dir.path());
    let bytes = std::fs::read(hostile()).unwrap();
    let id = blake3::hash(&bytes).to_hex().to_string();
    cache.check().unwrap();
    let entry = cache.entry_path(&engine(), &id);
    let status = std::process::Command::new("mkfifo")
        .arg(&entry)
        .status()
        .unwrap();
    assert!(status.success());
    let loaded = load_bounded(&cache, &bytes);
    assert_eq!(loaded.cache_outcome(), CacheOutcome::Repaired);
    assert!(std::fs::symlink_metadata(&entry).unwrap().is_file());
}

#[cfg(unix)]
#[test]
fn the_key_is_private_and_a_shared_directory_is_refused() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("cache");
    let cache = ArtifactCache::new(&dir);
    let key = cache.check().unwrap();
    assert_eq!(cache.check().unwrap(), key, "the key is created once");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join(imr_host::cache::KEY_FILE)), 0o600);

    // Group- or world-writable: refused, and loads compile without the cache.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let err = cache.check().unwrap_err().to_string();
    assert!(err.contains("must not be accessible"), "{err}");
    let bytes = std::fs::read(hostile()).unwrap();
    let m = Mechanism::from_bytes(&engine(), &bytes, Some(&cache)).unwrap();
    assert_eq!(m.cache_outcome(), CacheOutcome::Untrusted);
    assert!(!cache.entry_path(&engine(), m.id()).exists());

    // A readable key is refused as well.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let key_path = dir.join(imr_host::cache::KEY_FILE);
    std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(cache.check().is_err());
    std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o600)).unwrap();
    cache.check().unwrap();

    // A directory owned by another user (possible to set up only as root, as CI runs).
    let chown = std::process::Command::new("chown")
        .args(["65534", dir.to_str().unwrap()])
        .output()
        .unwrap();
    if chown.status.success() {
        let err = cache.check().unwrap_err().to_string();
        assert!(err.contains("not by the current user"), "{err}");
    }
}

/// A hit skips the compile-limit check and the stack-limit rewrite (the entry holds the
/// instrumented component): the cached component still stops a deep recursion at the logical
/// stack limit with the fresh compile's fuel, and the run limits, which are not in the key, are
/// still checked on a hit.
#[test]
fn a_hit_keeps_the_stack_limit_and_checks_the_memory_limit() {
    let dir = tempfile::tempdir().unwrap();
    let cache = ArtifactCache::new(dir.path());
    let engine = engine();
    let bytes = std::fs::read(hostile()).unwrap();
    let epoch = epoch_with_params(r#"{"mode":"recurse_native","size":1000000000}"#);

    let fresh = Mechanism::from_bytes(&engine, &bytes, None).unwrap();
    let miss = Mechanism::from_bytes(&engine, &bytes, Some(&cache)).unwrap();
    assert_eq!(miss.cache_outcome(), CacheOutcome::Miss);
    let hit = Mechanism::from_bytes(&engine, &bytes, Some(&cache)).unwrap();
    assert_eq!(hit.cache_outcome(), CacheOutcome::Hit);
    let a = fresh.run(&epoch.epoch, &[]);
    let b = hit.run(&epoch.epoch, &[]);
    assert!(
        matches!(b.result, Err(RunError::StackLimit { .. })),
        "{:?}",
        b.result
    );
    assert_eq!(a.result, b.result);
    assert_eq!(a.fuel_consumed, b.fuel_consumed);

    // Same compile settings (memory is a run limit, not in the key), so the same entry: still refused.
    let small = DeterministicEngine::with(
        Backend::Cranelift,
        Limits {
            memory_bytes: 64 * 1024,
            ..Limits::default()
        },
    )
    .unwrap();
    assert_eq!(
        cache.entry_path(&small, hit.id()),
        cache.entry_path(&engine, hit.id())
    );
    match Mechanism::from_bytes(&small, &bytes, Some(&cache)) {
        Err(LoadError::MemoryOverLimit { limit, .. }) => assert_eq!(limit, 64 * 1024),
        Err(other) => panic!("expected MemoryOverLimit, got {other}"),
        Ok(_) => panic!("a component over the memory limit was loaded from the cache"),
    }
}
