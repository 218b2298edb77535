//! The compiled-artifact cache: a cached artifact and a fresh compile agree;
//! a corrupted entry is recompiled, never an error.

use imr_host::{ArtifactCache, CacheOutcome, Mechanism};

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

    // Corrupt the entry in three ways: each is a miss that repairs the entry.
    let entry = cache.entry_path(&engine, cached.id());
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
