//! The generated component bindings and the glue `export_mechanism!` uses.
//! Only compiled for `wasm32`; only meant for the macro.

#![allow(missing_docs)]

wit_bindgen::generate!({
    path: "../wit",
    world: "mechanism",
    pub_export_macro: true,
    export_macro_name: "__export_mechanism_raw",
    default_bindings_module: "imr_guest::bindings",
    runtime_path: "imr_guest::bindings::__rt::rt",
});

pub use wit_bindgen as __rt;

use crate::{Mechanism, MechanismError as SdkError};

fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            crate::log::warn(&format!("panic: {info}"));
        }));
    });
}

/// Converts the bindings' records, runs the mechanism, converts the result back.
pub fn run<M: Mechanism>(epoch: Epoch, state: Vec<u8>) -> Result<Outcome, MechanismError> {
    install_panic_hook();
    let epoch = crate::Epoch {
        netuid: epoch.netuid,
        block: epoch.block,
        seed: epoch.seed,
        neurons: epoch
            .neurons
            .into_iter()
            .map(|n| crate::Neuron {
                uid: n.uid,
                hotkey: n.hotkey,
                stake: n.stake,
                registered_at_block: n.registered_at_block,
                validator_permit: n.validator_permit,
            })
            .collect(),
        task: epoch.task,
        responses: epoch
            .responses
            .into_iter()
            .map(|r| crate::Response {
                uid: r.uid,
                payload: r.payload,
                latency_ms: r.latency_ms,
            })
            .collect(),
        params: epoch.params,
    };
    match M::score(&epoch, &state) {
        Ok(o) => Ok(Outcome {
            scores: o
                .scores
                .into_iter()
                .map(|s| imr::mechanism::types::Scored {
                    uid: s.uid,
                    score: s.score,
                })
                .collect(),
            state: o.state,
            diagnostics: o.diagnostics,
        }),
        Err(SdkError::InvalidInput(m)) => Err(MechanismError::InvalidInput(m)),
        Err(SdkError::Failed(m)) => Err(MechanismError::Failed(m)),
    }
}
