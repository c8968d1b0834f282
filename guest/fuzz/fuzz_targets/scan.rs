//! Scan arbitrary bytes: always a report, never a panic; a clean verdict must mean the data policy decodes it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wandguard_guest::codec::{self, CodecLimits, DecodeRequest, InputFormat, ValueEncoding};
use wandguard_guest::pickle::{Policy, Verdict};

fuzz_target!(|data: &[u8]| {
    let mut limits = CodecLimits::default();
    limits.decompress.max_output_bytes = 1 << 20;
    limits.pickle.max_nodes = 100_000;
    let outcome = codec::scan(data, &limits);
    if outcome.report.verdict == Verdict::Clean {
        let request = DecodeRequest {
            format: InputFormat::Auto,
            policy: Policy::Data,
            output: ValueEncoding::Msgpack,
            allow_trailing: false,
            limits,
        };
        assert!(codec::decode(data, &request).is_ok(), "scan said clean but decode refused");
    }
});
