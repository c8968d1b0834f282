//! The hard limits every guest call runs under, and the store limiter that enforces the memory cap and
//! remembers when it did (so a trap can be reported as `resource-limit` instead of a fault).

use std::time::Duration;

use wasmtime::ResourceLimiter;

/// Limits applied to every call into the sandbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest linear memory one guest instance may grow to, in bytes.
    pub memory_bytes: usize,
    /// Wall-clock deadline for one call.
    pub timeout: Duration,
    /// Largest result one call may return, in bytes (diagnostic text, decoded data).
    pub output_bytes: usize,
    /// How much of the guest's stdout/stderr is kept for error reports.
    pub stderr_bytes: usize,
}

impl Limits {
    /// Largest memory cap the engine is configured for; `memory_bytes` above it is clamped.
    pub const MAX_MEMORY_BYTES: usize = 4 << 30;
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 512 << 20,
            timeout: Duration::from_secs(30),
            output_bytes: 256 << 20,
            stderr_bytes: 64 << 10,
        }
    }
}

/// Which limit stopped a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitHit {
    /// The guest asked for more linear memory than the cap.
    Memory {
        /// Bytes the guest asked to grow to.
        requested: usize,
    },
    /// The guest asked for a larger table than allowed.
    Table,
}

/// Store limiter: denies growth beyond the caps and records the first denial.
#[derive(Debug)]
pub(crate) struct Limiter {
    memory_bytes: usize,
    hit: Option<LimitHit>,
}

/// Tables only hold function references; this is far above what the guest needs.
const MAX_TABLE_ELEMENTS: usize = 100_000;

impl Limiter {
    pub(crate) fn new(limits: &Limits) -> Self {
        Limiter { memory_bytes: limits.memory_bytes.min(Limits::MAX_MEMORY_BYTES), hit: None }
    }

    /// The limit that was hit during the current call, if any.
    pub(crate) fn hit(&self) -> Option<LimitHit> {
        self.hit
    }

    /// Forgets the previous call's hit (a warm instance serves many calls).
    pub(crate) fn reset(&mut self) {
        self.hit = None;
    }
}

impl ResourceLimiter for Limiter {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.memory_bytes {
            self.hit.get_or_insert(LimitHit::Memory { requested: desired });
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > MAX_TABLE_ELEMENTS {
            self.hit.get_or_insert(LimitHit::Table);
            return Ok(false);
        }
        Ok(true)
    }
}
