//! Payload decode speed, in-process: the sandboxed call through the host (fresh store per call, as in
//! production) and the same guest code built natively, on the payload files given as arguments. Prints one
//! JSON object per file (best of several runs, seconds) for `scripts/bench_decode.py`, which adds CPython,
//! joblib and picklescan measured in the same run and prints the ratios.
//! Run: `cargo bench -p wandguard --bench decode -- FILE...`

use std::time::{Duration, Instant};

use wandguard::codec::{DecodeOptions, PayloadFormat, Policy, ValueEncoding};
use wandguard::{Limits, Sandbox};
use wandguard_guest::codec::{CodecLimits, DecodeRequest, InputFormat};

fn best_of(runs: usize, mut call: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            call();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let files: Vec<String> = std::env::args().skip(1).filter(|arg| !arg.starts_with("--")).collect();
    let runs: usize = std::env::var("WANDGUARD_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    let sandbox = Sandbox::new(Limits { memory_bytes: 2 << 30, ..Limits::default() }).expect("loads");
    let options = DecodeOptions {
        format: PayloadFormat::Auto,
        policy: Policy::Data,
        output: ValueEncoding::Msgpack,
        allow_trailing: false,
        limits: None,
    };
    let native_request = DecodeRequest {
        format: InputFormat::Auto,
        policy: wandguard_guest::pickle::Policy::Data,
        output: wandguard_guest::codec::ValueEncoding::Msgpack,
        allow_trailing: false,
        limits: CodecLimits::default(),
    };
    for file in files {
        let payload = std::fs::read(&file).expect("readable payload");
        let output_bytes = match sandbox.decode(&payload, &options).expect("sandbox ok") {
            Ok(decoded) => decoded.value.len(),
            Err(error) => panic!("{file}: refused: {} {}", error.code, error.message),
        };
        let sandboxed = best_of(runs, || {
            let decoded = sandbox.decode(&payload, &options).expect("sandbox ok").expect("decodes");
            std::hint::black_box(decoded);
        });
        let native = best_of(runs, || {
            let decoded = wandguard_guest::codec::decode(&payload, &native_request).expect("decodes");
            std::hint::black_box(decoded);
        });
        println!(
            "{{\"file\": \"{file}\", \"bytes\": {}, \"output_bytes\": {output_bytes}, \"sandboxed_s\": {}, \"native_s\": {}}}",
            payload.len(),
            sandboxed.as_secs_f64(),
            native.as_secs_f64()
        );
    }
}
