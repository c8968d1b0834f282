//! Decode arbitrary bytes under every policy and output: it must return a value or a refusal, never panic,
//! and whatever decodes must encode back or be refused as unencodable (never panic either).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wandguard_guest::codec::{self, CodecLimits, DecodeRequest, EncodeRequest, InputFormat, ValueEncoding};
use wandguard_guest::pickle::Policy;
use wandguard_guest::pickle::encode::Layout;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, payload)) = data.split_first() else {
        return;
    };
    let policy = match selector % 3 {
        0 => Policy::Strict,
        1 => Policy::Data,
        _ => Policy::Inspect,
    };
    let output = if selector & 4 == 0 { ValueEncoding::Msgpack } else { ValueEncoding::Json };
    let mut limits = CodecLimits::default();
    // Keep each run small so the fuzzer explores instead of allocating.
    limits.decompress.max_output_bytes = 1 << 20;
    limits.pickle.max_nodes = 100_000;
    let request = DecodeRequest { format: InputFormat::Auto, policy, output, allow_trailing: selector & 8 != 0, limits };
    if let Ok(decoded) = codec::decode(payload, &request) {
        let encode = EncodeRequest { input: output, layout: Layout::Pickle, protocol: selector % 6, compress: None };
        let _ = codec::encode(&decoded.value, &encode);
    }
});
