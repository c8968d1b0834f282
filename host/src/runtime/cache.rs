//! The precompiled-component cache: compiling the guest takes seconds, loading a precompiled copy from disk
//! takes well under a millisecond. Entries are keyed by the component's SHA-256 (computed at build time) and the engine's
//! compatibility hash (wasmtime version + configuration), so any change recompiles instead of failing.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use wasmtime::Engine;
use wasmtime::component::Component;

use super::error::SandboxError;

/// Environment variable that overrides the cache directory.
pub const CACHE_DIR_ENV: &str = "WANDGUARD_CACHE_DIR";

/// Where precompiled components are kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CacheLocation {
    /// `$WANDGUARD_CACHE_DIR`, else the user cache directory (`~/.cache/wandguard` on Linux).
    Default,
    /// This directory.
    Dir(PathBuf),
    /// No disk cache: compile in memory every time.
    Disabled,
}

impl CacheLocation {
    fn directory(&self) -> Option<PathBuf> {
        match self {
            CacheLocation::Default => std::env::var_os(CACHE_DIR_ENV)
                .map(PathBuf::from)
                .or_else(|| dirs::cache_dir().map(|dir| dir.join("wandguard"))),
            CacheLocation::Dir(dir) => Some(dir.clone()),
            CacheLocation::Disabled => None,
        }
    }
}

/// Loads `wasm` as a component, from the cache when a compatible entry exists, else compiling it and
/// storing the result (temp file + rename, so concurrent processes never see a partial entry). A cache
/// that cannot be written only costs speed.
pub(crate) fn load(
    engine: &Engine,
    wasm: &[u8],
    digest: &str,
    location: &CacheLocation,
) -> Result<Component, SandboxError> {
    let Some(dir) = location.directory() else {
        return compile(engine, wasm);
    };
    let path = dir.join(entry_name(engine, digest));
    if path.is_file() {
        // SAFETY: the file was written by `precompile_component` of a compatible engine (its name carries the
        // engine's compatibility hash and the component's digest) into the user's own cache directory, which
        // is trusted like the binary itself. wasmtime still checks the header and rejects foreign files.
        if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
            return Ok(component);
        }
    }
    let precompiled = engine.precompile_component(wasm).map_err(|err| setup("compiling the guest", &err))?;
    if store(&dir, &path, &precompiled).is_ok() {
        // SAFETY: as above — we just wrote this file from `precompile_component`.
        if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
            return Ok(component);
        }
    }
    // SAFETY: the bytes come from `precompile_component` on this very engine, a moment ago.
    unsafe { Component::deserialize(engine, &precompiled) }.map_err(|err| setup("loading the guest", &err))
}

fn compile(engine: &Engine, wasm: &[u8]) -> Result<Component, SandboxError> {
    Component::new(engine, wasm).map_err(|err| setup("compiling the guest", &err))
}

fn setup(what: &str, err: &wasmtime::Error) -> SandboxError {
    SandboxError::Setup(format!("{what}: {err}"))
}

/// `wandguard-<component digest>-<engine hash>.cwasm`.
fn entry_name(engine: &Engine, digest: &str) -> String {
    let mut hasher = DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    format!("wandguard-{}-{:016x}.cwasm", &digest[..digest.len().min(24)], hasher.finish())
}

fn store(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|err| err.error)?;
    Ok(())
}
