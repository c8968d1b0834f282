//! In-process validation speed through the sandbox: the cold first call (instantiation + schema compilation
//! inside the guest), then warm calls (p50/p90/p99), compared with the same validation compiled natively.
//! Run: `cargo bench -p wandguard --bench validate` (set WANDGUARD_BENCH_CALLS to change the call count).

use std::time::{Duration, Instant};

use wandguard::config::{DefinitionContext, Kind, Options, Syntax};
use wandguard::{CacheLocation, Limits, Sandbox};

/// A typical output configuration, as in the W&B Dagster guide.
const TYPICAL_OUTPUT_CONFIG: &[u8] = br#"{
  "description": "Training split of the churn dataset",
  "aliases": ["training", "v2-schema"],
  "type": "dataset",
  "serialization_module": {"name": "joblib", "parameters": {"compress": 3, "protocol": 4}},
  "add_files": [{"local_path": "data/train.csv", "name": "train.csv"}]
}"#;

fn options() -> Options {
    Options {
        kind: Some(Kind::ArtifactOutput),
        context: DefinitionContext::Asset,
        partitioned: false,
        artifact_object: false,
        syntax: Syntax::Json,
        resources: Vec::new(),
        ops: Vec::new(),
        max_diagnostics: 200,
    }
}

fn native_options() -> wandguard_guest::config::Options {
    wandguard_guest::config::Options {
        kind: Some(wandguard_guest::config::Kind::ArtifactOutput),
        syntax: wandguard_guest::config::Syntax::Json,
        ..wandguard_guest::config::Options::default()
    }
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn measure(calls: usize, mut call: impl FnMut()) -> Vec<Duration> {
    for _ in 0..calls / 10 {
        call();
    }
    let mut samples: Vec<Duration> = (0..calls)
        .map(|_| {
            let start = Instant::now();
            call();
            start.elapsed()
        })
        .collect();
    samples.sort();
    samples
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

fn main() {
    let calls: usize = std::env::var("WANDGUARD_BENCH_CALLS").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000);
    let cache = tempfile::tempdir().expect("temp dir");
    let location = CacheLocation::Dir(cache.path().to_path_buf());

    let start = Instant::now();
    Sandbox::with_cache(Limits::default(), &location).expect("compiles");
    let compile = start.elapsed();

    let start = Instant::now();
    let sandbox = Sandbox::with_cache(Limits::default(), &location).expect("loads from cache");
    let load = start.elapsed();
    let options = options();
    let start = Instant::now();
    let report = sandbox.validate(TYPICAL_OUTPUT_CONFIG, &options).expect("sandbox ok").expect("parses");
    let cold = start.elapsed();
    assert!(report.diagnostics.is_empty(), "the typical config is clean: {:?}", report.diagnostics);

    let warm = measure(calls, || {
        let report = sandbox.validate(TYPICAL_OUTPUT_CONFIG, &options).expect("sandbox ok").expect("parses");
        std::hint::black_box(report);
    });
    let native_options = native_options();
    let native = measure(calls, || {
        let report = wandguard_guest::config::validate(TYPICAL_OUTPUT_CONFIG, &native_options).expect("parses");
        std::hint::black_box(report);
    });

    println!("validate: typical artifact-output config ({} bytes), {calls} calls", TYPICAL_OUTPUT_CONFIG.len());
    println!("  compile component (first run, no cache) {:>10.1} ms", compile.as_secs_f64() * 1e3);
    println!("  load precompiled component from cache  {:>10.2} ms", load.as_secs_f64() * 1e3);
    println!("  cold call (instantiate + compile schema){:>10.2} ms", cold.as_secs_f64() * 1e3);
    for (label, samples) in [("sandboxed (warm instance)", &warm), ("native (same guest code)", &native)] {
        println!(
            "  {label:<27} p50 {:>8.2} µs  p90 {:>8.2} µs  p99 {:>8.2} µs",
            micros(percentile(samples, 0.5)),
            micros(percentile(samples, 0.9)),
            micros(percentile(samples, 0.99))
        );
    }
    let ratio = micros(percentile(&warm, 0.5)) / micros(percentile(&native, 0.5));
    println!("  ratio sandboxed/native p50: {ratio:.2}x   (target: sandboxed p50 <= 20 µs)");
}
