//! Shared test support: guest components built once per test process.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use imr_host::build::{build_guest, BuildOptions};
use imr_host::epoch::EpochInput;
use imr_host::{DeterministicEngine, Mechanism};

/// The workspace root.
pub use imr_test_support::workspace_root as workspace;

/// Builds (once per process) the guest crate at `rel` (relative to the
/// workspace) and returns the component path.
pub fn component(rel: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<BTreeMap<String, PathBuf>>> = OnceLock::new();
    let map = BUILT.get_or_init(Default::default);
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = map.get(rel) {
        return p.clone();
    }
    let built = build_guest(&workspace().join(rel), &BuildOptions::default())
        .unwrap_or_else(|e| panic!("building {rel}: {e}"));
    map.insert(rel.to_string(), built.path.clone());
    built.path
}

/// The hostile test mechanism.
pub fn hostile() -> PathBuf {
    component("host/tests/guests/hostile")
}

/// The time-series example.
pub fn time_series() -> PathBuf {
    component("examples/time-series")
}

/// The default engine (Cranelift, default limits).
pub fn engine() -> DeterministicEngine {
    DeterministicEngine::new().expect("engine")
}

/// Loads the hostile mechanism in `engine`, without cache.
pub fn load_hostile(engine: &DeterministicEngine) -> Mechanism {
    Mechanism::from_bytes(engine, &std::fs::read(hostile()).unwrap(), None).expect("load hostile")
}

/// A small epoch with neurons 0..4 and `params`.
pub fn epoch_with_params(params: &str) -> EpochInput {
    let text = format!(
        r#"{{"netuid": 3, "block": 100,
            "seed": "0101010101010101010101010101010101010101010101010101010101010101",
            "neurons": [{{"uid": 0, "hotkey": "h0", "registered_at_block": 1}},
                        {{"uid": 1, "hotkey": "h1", "registered_at_block": 1}},
                        {{"uid": 2, "hotkey": "h2", "registered_at_block": 1}},
                        {{"uid": 3, "hotkey": "h3", "registered_at_block": 1}}],
            "params": {params}}}"#
    );
    EpochInput::parse(text.as_bytes(), Path::new("test-epoch.json")).expect("test epoch")
}

/// The bundled time-series epoch files, in order.
pub fn time_series_epochs() -> Vec<PathBuf> {
    imr_test_support::json_files(&workspace().join("examples/time-series/data/epochs"), false)
}
