//! The `codec` interface through the real component: payloads decode, hostile ones are refused with their
//! location, every payload call runs in a fresh store (a refused or trapped call never affects the next),
//! payloads that need more memory than the cap fail as `resource-limit`, and signatures round-trip.

use wandguard::codec::{
    DecodeOptions, EncodeOptions, Layout, PayloadFormat, PayloadLimits, Policy, ValueEncoding, Verdict,
};
use wandguard::{Limits, Sandbox, SandboxError};

/// `pickle.dumps({'a': [1, 2.5, (3, 4)], 'b': b'xy'}, protocol=4)` from CPython 3.11.
const BENIGN: &[u8] = b"\x80\x04\x95'\x00\x00\x00\x00\x00\x00\x00}\x94(\x8c\x01a\x94]\x94(K\x01G@\x04\x00\x00\x00\x00\x00\x00K\x03K\x04\x86\x94e\x8c\x01b\x94C\x02xy\x94u.";
/// `os.system('true')` by STACK_GLOBAL + REDUCE, protocol 4 (inert, never loaded).
const OS_SYSTEM: &[u8] = b"\x80\x04\x95\x1c\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x94\x8c\x06system\x94\x93\x94\x8c\x04true\x94\x85\x94R\x94.";

fn decode_options(policy: Policy, output: ValueEncoding) -> DecodeOptions {
    DecodeOptions { format: PayloadFormat::Auto, policy, output, allow_trailing: false, limits: None }
}

fn sandbox() -> Sandbox {
    Sandbox::new(Limits::default()).expect("loads")
}

#[test]
fn benign_pickle_decodes_to_the_documented_json() {
    let decoded = sandbox()
        .decode(BENIGN, &decode_options(Policy::Data, ValueEncoding::Json))
        .expect("sandbox ok")
        .expect("benign payload decodes");
    assert_eq!(decoded.format, PayloadFormat::Pickle);
    assert_eq!(decoded.container, "raw");
    let json: serde_json::Value = serde_json::from_slice(&decoded.value).expect("JSON");
    assert_eq!(json["a"][0], 1);
    assert_eq!(json["a"][1], 2.5);
    assert_eq!(json["a"][2]["$type"], "tuple");
    assert_eq!(json["b"]["$type"], "bytes");
}

#[test]
fn hostile_pickle_is_refused_with_its_location_and_the_next_call_is_unaffected() {
    let sandbox = sandbox();
    let options = decode_options(Policy::Data, ValueEncoding::Msgpack);
    let error = sandbox.decode(OS_SYSTEM, &options).expect("sandbox ok").expect_err("refused");
    assert_eq!(error.code, "unsafe");
    assert_eq!(error.opcode.as_deref(), Some("STACK_GLOBAL"));
    assert!(error.findings.iter().any(|f| f.qualname.as_deref() == Some("system")), "{:?}", error.findings);
    // A fresh store per call: the benign payload right after decodes normally.
    assert!(sandbox.decode(BENIGN, &options).expect("sandbox ok").is_ok());
}

#[test]
fn inspect_policy_shows_the_call_symbolically() {
    let decoded = sandbox()
        .decode(OS_SYSTEM, &decode_options(Policy::Inspect, ValueEncoding::Json))
        .expect("sandbox ok")
        .expect("inspect never refuses a global");
    let text = String::from_utf8(decoded.value).expect("utf-8");
    assert!(text.contains("\"system\""), "{text}");
    assert!(text.contains("\"$type\""), "{text}");
}

#[test]
fn scan_reports_verdicts() {
    let sandbox = sandbox();
    assert_eq!(sandbox.scan(BENIGN, None).expect("ok").verdict, Verdict::Clean);
    let report = sandbox.scan(OS_SYSTEM, None).expect("ok");
    assert_eq!(report.verdict, Verdict::Unsafe);
    assert_eq!(report.pickles, 1);
    let truncated = sandbox.scan(&OS_SYSTEM[..OS_SYSTEM.len() - 3], None).expect("ok");
    assert_ne!(truncated.verdict, Verdict::Clean);
}

#[test]
fn payload_larger_than_the_memory_cap_is_a_resource_limit() {
    // 40 MiB of bytes in one BINBYTES8: the guest needs the input and a copy, far above a 16 MiB cap.
    let size = 40usize << 20;
    let mut payload = vec![0x80, 0x05, 0x8e];
    payload.extend_from_slice(&(size as u64).to_le_bytes());
    payload.resize(payload.len() + size, b'x');
    payload.push(b'.');
    let small = Sandbox::new(Limits { memory_bytes: 16 << 20, ..Limits::default() }).expect("loads");
    let options = decode_options(Policy::Data, ValueEncoding::Msgpack);
    let error = small.decode(&payload, &options).expect_err("over the cap");
    assert!(matches!(error, SandboxError::ResourceLimit { .. }), "{error:?}");
    assert!(small.decode(BENIGN, &options).expect("next call works").is_ok());
}

#[test]
fn guest_caps_are_configurable_per_call() {
    let limits = PayloadLimits {
        max_opcodes: 5,
        max_stack: 0,
        max_memo: 0,
        max_nodes: 0,
        max_bigint_bytes: 0,
        max_decompressed_bytes: 0,
        max_decompression_ratio: 0,
    };
    let options = DecodeOptions { limits: Some(limits), ..decode_options(Policy::Data, ValueEncoding::Msgpack) };
    let error = sandbox().decode(BENIGN, &options).expect("sandbox ok").expect_err("more than 5 opcodes");
    assert_eq!(error.code, "resource-limit");
}

#[test]
fn encode_round_trips_through_the_value_model() {
    let sandbox = sandbox();
    let decoded = sandbox
        .decode(BENIGN, &decode_options(Policy::Data, ValueEncoding::Msgpack))
        .expect("sandbox ok")
        .expect("decodes");
    for protocol in 0..=5 {
        let options = EncodeOptions { input: ValueEncoding::Msgpack, layout: Layout::Pickle, protocol, compress: None };
        let pickled = sandbox.encode(&decoded.value, &options).expect("sandbox ok").expect("encodes");
        let again = sandbox
            .decode(&pickled, &decode_options(Policy::Data, ValueEncoding::Msgpack))
            .expect("sandbox ok")
            .expect("our own output decodes");
        assert_eq!(again.value, decoded.value, "protocol {protocol}");
    }
    let symbolic = sandbox
        .decode(OS_SYSTEM, &decode_options(Policy::Inspect, ValueEncoding::Msgpack))
        .expect("sandbox ok")
        .expect("inspect");
    let options = EncodeOptions { input: ValueEncoding::Msgpack, layout: Layout::Pickle, protocol: 5, compress: None };
    let error = sandbox.encode(&symbolic.value, &options).expect("sandbox ok").expect_err("code is never written");
    assert_eq!(error.code, "unencodable");
}

#[test]
fn signatures_verify_only_with_the_same_key_and_payload() {
    let sandbox = sandbox();
    let signature = sandbox.sign(BENIGN, b"key-one").expect("ok");
    assert_eq!(signature.len(), 32);
    assert!(sandbox.verify(BENIGN, &signature, b"key-one").expect("ok"));
    assert!(!sandbox.verify(BENIGN, &signature, b"key-two").expect("ok"));
    assert!(!sandbox.verify(OS_SYSTEM, &signature, b"key-one").expect("ok"));
    assert!(!sandbox.verify(BENIGN, &signature[..31], b"key-one").expect("ok"));
}
