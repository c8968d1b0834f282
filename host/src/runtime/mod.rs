//! The sandbox runtime: loads the guest component once per process (precompiled, from the disk cache) and
//! runs every call under hard limits — memory cap, epoch deadline, output cap — with a WASI context that
//! grants nothing. A store that trapped is discarded, so the next call starts clean.

mod cache;
mod capture;
mod codec_calls;
mod config_calls;
mod engine;
mod error;
mod limits;
mod state;

use std::sync::{Mutex, PoisonError};

use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store};

pub use cache::{CACHE_DIR_ENV, CacheLocation};
pub use error::SandboxError;
pub use limits::{LimitHit, Limits};
use state::StoreState;

/// The generated host side of `wit/sandbox.wit` (the only place that knows the WIT).
#[allow(missing_docs)]
mod bindings {
    wasmtime::component::bindgen!({ world: "sandbox", path: "../wit" });
}

/// The types of the `codec` interface, as generated from the WIT contract.
pub mod codec {
    pub use super::bindings::exports::wandguard::sandbox::codec::{
        Compression, CompressionMethod, DecodeOptions, Decoded, EncodeOptions, Finding, FindingSeverity, Layout,
        Limits as PayloadLimits, PayloadError, PayloadFormat, Policy, ScanReport, ValueEncoding, Verdict,
    };
}

/// The types of the `config` interface, as generated from the WIT contract.
pub mod config {
    pub use super::bindings::exports::wandguard::sandbox::config::{
        Binding, DefinitionContext, Diagnostic, InputError, Kind, Options, Report, Severity, Syntax,
    };
}

/// The guest component, built by `build.rs` for `wasm32-wasip2`.
const GUEST_WASM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/wandguard_guest.wasm"));
/// SHA-256 of [`GUEST_WASM`], computed by `build.rs`; keys the precompiled-component cache.
const GUEST_DIGEST: &str = include_str!(concat!(env!("OUT_DIR"), "/wandguard_guest.sha256"));

/// A loaded sandbox. Cheap to share: calls take `&self` and are safe from many threads.
pub struct Sandbox {
    engine: &'static Engine,
    component: Component,
    pre: bindings::SandboxPre<StoreState>,
    limits: Limits,
    /// Config validation reuses one instance so schemas are compiled once, not per call.
    warm: Mutex<Option<Instance>>,
}

/// One instantiated guest and its store.
struct Instance {
    store: Store<StoreState>,
    guest: bindings::Sandbox,
}

impl Sandbox {
    /// Loads the guest with `limits`, using the default precompiled-component cache.
    pub fn new(limits: Limits) -> Result<Self, SandboxError> {
        Self::with_cache(limits, &CacheLocation::Default)
    }

    /// Loads the guest with `limits` and an explicit cache location.
    pub fn with_cache(limits: Limits, cache: &CacheLocation) -> Result<Self, SandboxError> {
        let engine = engine::shared()?;
        let component = cache::load(engine, GUEST_WASM, GUEST_DIGEST, cache)?;
        let mut linker = Linker::<StoreState>::new(engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(|err| setup("linking WASI", &err))?;
        let pre = linker.instantiate_pre(&component).map_err(|err| setup("preparing the guest", &err))?;
        let pre = bindings::SandboxPre::new(pre).map_err(|err| setup("checking the guest's exports", &err))?;
        Ok(Sandbox { engine, component, pre, limits, warm: Mutex::new(None) })
    }

    /// The interfaces the guest component imports (all WASI; the host grants them nothing: no preopened
    /// directories, no environment, no sockets), for audits.
    pub fn guest_imports(&self) -> Vec<String> {
        let mut names: Vec<String> =
            self.component.component_type().imports(self.engine).map(|(name, _)| name.to_owned()).collect();
        names.sort();
        names
    }

    /// The limits every call runs under.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Runs `call` on the warm instance (instantiating it first if needed). After any failure the instance
    /// is dropped, because a store that trapped must not be used again.
    fn call_warm<R>(
        &self,
        call: impl FnOnce(&mut Store<StoreState>, &bindings::Sandbox) -> wasmtime::Result<R>,
    ) -> Result<R, SandboxError> {
        let mut slot = self.warm.lock().unwrap_or_else(PoisonError::into_inner);
        let mut instance = match slot.take() {
            Some(instance) => instance,
            None => self.instantiate()?,
        };
        instance.store.data_mut().reset_call();
        instance.store.set_epoch_deadline(engine::deadline_ticks(self.limits.timeout));
        match call(&mut instance.store, &instance.guest) {
            Ok(result) => {
                *slot = Some(instance);
                Ok(result)
            }
            Err(err) => Err(error::classify(&err, instance.store.data(), self.limits.timeout)),
        }
    }

    /// Runs `call` on a brand-new instance that is dropped afterwards: one hostile payload can never
    /// affect the next call.
    fn call_fresh<R>(
        &self,
        call: impl FnOnce(&mut Store<StoreState>, &bindings::Sandbox) -> wasmtime::Result<R>,
    ) -> Result<R, SandboxError> {
        let mut instance = self.instantiate()?;
        call(&mut instance.store, &instance.guest)
            .map_err(|err| error::classify(&err, instance.store.data(), self.limits.timeout))
    }

    fn instantiate(&self) -> Result<Instance, SandboxError> {
        let mut store = Store::new(self.engine, StoreState::new(&self.limits));
        store.limiter(|state| &mut state.limiter);
        store.set_epoch_deadline(engine::deadline_ticks(self.limits.timeout));
        match self.pre.instantiate(&mut store) {
            Ok(guest) => Ok(Instance { store, guest }),
            Err(err) => Err(error::classify(&err, store.data(), self.limits.timeout)),
        }
    }

    fn check_output(&self, size: usize) -> Result<(), SandboxError> {
        if size > self.limits.output_bytes {
            return Err(error::output_too_large(size, self.limits.output_bytes));
        }
        Ok(())
    }
}

fn setup(what: &str, err: &wasmtime::Error) -> SandboxError {
    SandboxError::Setup(format!("{what}: {err}"))
}
