//! What each store holds: a WASI context that grants nothing (no preopened directories, no environment,
//! no arguments, no network), the limiter, and the bounded stdio capture.

use wasmtime_wasi::{ResourceTable, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::capture::BoundedCapture;
use super::limits::{Limiter, Limits};

/// Per-store host state.
pub(crate) struct StoreState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limiter: Limiter,
    pub(crate) output: BoundedCapture,
}

impl StoreState {
    pub(crate) fn new(limits: &Limits) -> Self {
        let output = BoundedCapture::new(limits.stderr_bytes);
        // Deliberately nothing else: no preopens, no env, no args, no sockets, no name lookup.
        let wasi = WasiCtxBuilder::new().stdout(output.clone()).stderr(output.clone()).build();
        StoreState { wasi, table: ResourceTable::new(), limiter: Limiter::new(limits), output }
    }

    /// Forgets the previous call's limit hit and captured output.
    pub(crate) fn reset_call(&mut self) {
        self.limiter.reset();
        self.output.clear();
    }
}

impl WasiView for StoreState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}
