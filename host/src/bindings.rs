//! Host-side bindings generated from `wit/mechanism.wit`.

#![allow(missing_docs)]

wasmtime::component::bindgen!({
    path: "../wit",
    world: "mechanism",
});
