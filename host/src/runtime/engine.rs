//! The process-wide wasmtime `Engine`: Cranelift, pooling allocator, epoch interruption, and the ticker
//! thread that advances the epoch so deadlines fire.

use std::sync::OnceLock;
use std::thread;
use std::time::Duration;

use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use super::error::SandboxError;
use super::limits::Limits;

/// How often the epoch advances; deadlines are rounded up to whole ticks.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Most stores (guest calls) alive at once in this process.
const CONCURRENT_INSTANCES: u32 = 64;
/// Core instances, memories and tables the guest component needs per instantiation (with headroom).
const CORE_INSTANCES_PER_COMPONENT: u32 = 32;
const MEMORIES_PER_COMPONENT: u32 = 4;
const TABLES_PER_COMPONENT: u32 = 8;

/// The shared engine, created on first use.
pub(crate) fn shared() -> Result<&'static Engine, SandboxError> {
    static ENGINE: OnceLock<Result<Engine, String>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let engine = Engine::new(&config()).map_err(|err| err.to_string())?;
            start_epoch_ticker(engine.clone()).map_err(|err| err.to_string())?;
            Ok(engine)
        })
        .as_ref()
        .map_err(|err| SandboxError::Setup(err.clone()))
}

fn config() -> Config {
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(CONCURRENT_INSTANCES)
        .total_core_instances(CONCURRENT_INSTANCES * CORE_INSTANCES_PER_COMPONENT)
        .total_memories(CONCURRENT_INSTANCES * MEMORIES_PER_COMPONENT)
        .total_tables(CONCURRENT_INSTANCES * TABLES_PER_COMPONENT)
        .max_core_instances_per_component(CORE_INSTANCES_PER_COMPONENT)
        .max_memories_per_component(MEMORIES_PER_COMPONENT)
        .max_tables_per_component(TABLES_PER_COMPONENT)
        .max_memory_size(Limits::MAX_MEMORY_BYTES);
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(true)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    config
}

fn start_epoch_ticker(engine: Engine) -> std::io::Result<()> {
    thread::Builder::new().name("wandguard-epoch".to_owned()).spawn(move || {
        loop {
            thread::sleep(EPOCH_TICK);
            engine.increment_epoch();
        }
    })?;
    Ok(())
}

/// Deadline in epoch ticks for a timeout (at least one tick).
pub(crate) fn deadline_ticks(timeout: Duration) -> u64 {
    let ticks = timeout.as_nanos().div_ceil(EPOCH_TICK.as_nanos()).max(1);
    u64::try_from(ticks).unwrap_or(u64::MAX)
}
