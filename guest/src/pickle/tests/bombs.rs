//! Bombs and caps: each refused fast with bounded memory, and defaults that leave benign 10⁶–10⁷-element
//! payloads alone.

use std::time::Instant;

use super::decode_with;
use crate::pickle::value::Node;
use crate::pickle::{DecodeOptions, ErrorCode, PickleLimits, Policy, Verdict, decode, scan};

fn with_limits(data: &[u8], limits: PickleLimits) -> Result<crate::pickle::Decoded, crate::pickle::DecodeError> {
    decode(data, &DecodeOptions { limits, ..DecodeOptions::default() })
}

/// A protocol-4 list of `n` floats, framed and batched as CPython writes it.
fn float_list(n: usize) -> Vec<u8> {
    let mut body = vec![b']', 0x94];
    for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
        body.push(b'(');
        for &i in chunk {
            body.push(b'G');
            body.extend_from_slice(&(i as f64 * 0.5).to_be_bytes());
        }
        body.push(b'e');
    }
    body.push(b'.');
    let mut p = vec![0x80, 4, 0x95];
    p.extend_from_slice(&(body.len() as u64).to_le_bytes());
    p.extend_from_slice(&body);
    p
}

#[test]
fn a_million_floats_decode_under_default_limits() {
    let p = float_list(1_000_000);
    let d = decode_with(&p, Policy::Strict).expect("ok");
    let Node::List(items) = d.graph.get(d.roots[0]) else { panic!() };
    assert_eq!(items.len(), 1_000_000);
    assert!(matches!(d.graph.get(items[999_999]), Node::Float(v) if *v == 499_999.5));
    assert_eq!(scan(&p, &PickleLimits::default()).verdict, Verdict::Clean);
}

#[test]
fn defaults_leave_room_for_ten_million_elements() {
    let l = PickleLimits::default();
    let n = 10_000_000u64;
    assert!(l.max_opcodes >= 2 * n + n / 1000 * 2);
    assert!(l.max_nodes as u64 >= 2 * n);
    assert!(l.max_memo as u64 >= 2 * n);
    assert!(l.max_container_items as u64 >= n);
    assert!(l.max_stack as u64 >= n);
    assert!(l.max_array_bytes >= 8 * n);
}

#[test]
fn deep_mark_nesting_is_capped() {
    let mut p = vec![b'('; 200_001];
    p.push(b'.');
    let start = Instant::now();
    assert_eq!(decode_with(&p, Policy::Data).expect_err("err").code, ErrorCode::ResourceLimit);
    assert_eq!(scan(&p, &PickleLimits::default()).verdict, Verdict::Incomplete);
    let small = PickleLimits { max_mark_depth: 10, ..PickleLimits::default() };
    let e = with_limits(b"(((((((((((((((((((N.", small).expect_err("err");
    assert_eq!((e.code, e.offset), (ErrorCode::ResourceLimit, 10));
    assert!(start.elapsed().as_secs() < 5);
}

#[test]
fn deep_nesting_without_marks_needs_no_recursion() {
    // EMPTY_LIST x n, then APPEND x (n-1): a list nested a million deep.
    let n = 1_000_000;
    let mut p = vec![b']'; n];
    p.extend(std::iter::repeat_n(b'a', n - 1));
    p.push(b'.');
    let d = decode_with(&p, Policy::Strict).expect("ok");
    assert_eq!(d.graph.len(), n);
    drop(d);
    let mut tuples = vec![b'N'];
    tuples.extend(std::iter::repeat_n(0x85u8, n));
    tuples.push(b'.');
    assert!(decode_with(&tuples, Policy::Strict).is_ok());
}

#[test]
fn shared_reference_expansion_stays_a_dag() {
    // "billion laughs": each level is a list of 10 references to the previous one; 30 levels = 10^30
    // leaves if expanded, a few hundred nodes as a DAG.
    let mut p = vec![0x80, 2, b']', b'q', 0];
    for level in 1..=30u8 {
        p.push(b'(');
        for _ in 0..10 {
            p.extend_from_slice(&[b'h', level - 1]);
        }
        p.extend_from_slice(&[b'l', b'q', level]);
    }
    p.push(b'.');
    let start = Instant::now();
    let d = decode_with(&p, Policy::Strict).expect("ok");
    assert!(d.graph.len() < 100);
    assert!(start.elapsed().as_secs() < 2);
}

#[test]
fn huge_memo_keys_and_memo_cap() {
    // A sparse key below max_memo is fine.
    let d = decode_with(b"\x80\x02K\x01r\x00\x00\x01\x000j\x00\x00\x01\x00.", Policy::Data).expect("ok");
    assert!(matches!(d.graph.get(d.roots[0]), Node::Int(1)));
    assert_eq!(decode_with(b"\x80\x02j\xfe\xff\xff\xff.", Policy::Data).expect_err("err").code, ErrorCode::Malformed);
    let small = PickleLimits { max_memo: 2, ..PickleLimits::default() };
    let e = with_limits(b"\x80\x04K\x01\x94\x94\x94.", small.clone()).expect_err("err");
    assert_eq!(e.code, ErrorCode::ResourceLimit);
    // Overwriting an existing key is not growth.
    assert!(with_limits(b"\x80\x02K\x01q\x00q\x01q\x00q\x01.", small.clone()).is_ok());
    // A key at or above max_memo is refused even when the memo is nearly empty.
    assert_eq!(with_limits(b"\x80\x02K\x01q\x02.", small).expect_err("err").code, ErrorCode::ResourceLimit);
}

#[test]
fn memo_index_beyond_max_memo_is_a_resource_limit() {
    // CPython's C unpickler sizes its memo array by the index: these fail there (MemoryError / OverflowError).
    let cases: [&[u8]; 4] = [
        b"\x80\x02K\x01r\xff\xff\xff\xff0j\xff\xff\xff\xff.", // LONG_BINPUT / LONG_BINGET 2^32-1
        b"\x80\x02Nr\xff\xff\xff\xffj\xff\xff\xff\xff\x86.",
        b"Np99999999999999999999999\n.", // text PUT beyond 64 bits
        b"Np4294967295\n.",
    ];
    for data in cases {
        let e = decode_with(data, Policy::Data).expect_err("err");
        assert_eq!(e.code, ErrorCode::ResourceLimit, "{data:?}: {e}");
        assert_eq!(decode_with(data, Policy::Inspect).expect_err("err").code, ErrorCode::ResourceLimit);
        assert_eq!(scan(data, &PickleLimits::default()).verdict, Verdict::Incomplete, "{data:?}");
    }
    let limits = PickleLimits { max_memo: 256, ..PickleLimits::default() };
    assert!(with_limits(b"\x80\x02Nq\xff.", limits.clone()).is_ok());
    assert_eq!(
        with_limits(b"\x80\x02Nr\x00\x01\x00\x00.", limits.clone()).expect_err("err").code,
        ErrorCode::ResourceLimit
    );
    assert_eq!(with_limits(b"Np256\n.", limits).expect_err("err").code, ErrorCode::ResourceLimit);
}

#[test]
fn each_cap_gives_resource_limit() {
    let cases: Vec<(PickleLimits, Vec<u8>)> = vec![
        (PickleLimits { max_opcodes: 5, ..PickleLimits::default() }, float_list(10)),
        (PickleLimits { max_nodes: 5, ..PickleLimits::default() }, float_list(10)),
        (PickleLimits { max_stack: 5, ..PickleLimits::default() }, float_list(10)),
        (PickleLimits { max_container_items: 5, ..PickleLimits::default() }, float_list(10)),
        (
            PickleLimits { max_bigint_bytes: 4, ..PickleLimits::default() },
            b"\x80\x02\x8b\x05\x00\x00\x00\x01\x02\x03\x04\x05.".to_vec(),
        ),
        (
            PickleLimits { max_bigint_bytes: 4, ..PickleLimits::default() },
            [b"L".as_slice(), &[b'7'; 5000], b"\n."].concat(),
        ),
        (PickleLimits { max_pickles: 2, ..PickleLimits::default() }, b"N.N.N.".to_vec()),
    ];
    for (i, (limits, data)) in cases.into_iter().enumerate() {
        let e = with_limits(&data, limits.clone()).expect_err("err");
        assert_eq!(e.code, ErrorCode::ResourceLimit, "case {i}: {e}");
        assert_eq!(scan(&data, &limits).verdict, Verdict::Incomplete, "case {i}");
    }
}

#[test]
fn truncation_anywhere_is_refused_and_never_clean() {
    let p = float_list(50);
    for cut in 0..p.len() {
        let head = &p[..cut];
        let e = decode_with(head, Policy::Data).expect_err("err");
        assert_eq!(e.code, ErrorCode::Malformed, "cut {cut}");
        assert_ne!(scan(head, &PickleLimits::default()).verdict, Verdict::Clean);
    }
}

#[test]
fn ten_thousand_dangerous_globals_keep_findings_bounded() {
    let mut p = Vec::new();
    for _ in 0..20_000 {
        p.extend_from_slice(b"cos\nsystem\n0");
    }
    p.extend_from_slice(b"N.");
    let r = scan(&p, &PickleLimits { max_findings: 100, ..PickleLimits::default() });
    assert_eq!(r.verdict, Verdict::Unsafe);
    assert_eq!(r.findings.len(), 101);
    assert!(r.findings[100].message.contains("19900"));
}
