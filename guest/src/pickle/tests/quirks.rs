//! CPython's opcode quirks, text forms, sharing, cycles, frames and stream layout (expected values
//! checked against CPython 3.11 `pickle.loads`).

use super::cpython_cases::CASES;
use super::{decode_with, render::render};
use crate::pickle::value::Node;
use crate::pickle::{DecodeOptions, ErrorCode, FindingKind, Policy, Verdict, decode, scan};

fn show(data: &[u8]) -> String {
    let d = decode_with(data, Policy::Data).unwrap_or_else(|e| panic!("{data:?}: {e}"));
    render(&d.graph, d.roots[0])
}

#[test]
fn text_forms_and_quirks_match_cpython() {
    let cases: &[(&[u8], &str)] = &[
        (b"(cdatetime\ntimedelta\nK\x01o.", "datetime.timedelta(days=1)"),
        (b"(0K\x01.", "1"),
        (b"I00\n.", "False"),
        (b"I01\n.", "True"),
        (b"I010\n.", "8"),
        (b"I+1\n.", "True"),
        (b"I1_000\n.", "1000"),
        (b"I99999999999999999999\n.", "99999999999999999999"),
        (b"L123L\n.", "123"),
        (b"L-0x10\n.", "-16"),
        (b"S'a\\x41\\n'\n.", "'aA\\n'"),
        (b"S\"x\"\n.", "'x'"),
        (b"Vcaf\\u00e9\n.", "'caf\u{e9}'"),
        (b"Fnan\n.", "nan"),
        (b"F-1.25\n.", "-1.25"),
        (b"K\x01K\x02.", "2"),
        (b"\x80\x02\x80\x02K\x01.", "1"),
        (b"\x80\x02]q\x00(K\x01K\x02e0h\x00.", "[1, 2]"),
        (b"(K\x01K\x021K\x03.", "3"),
        (b"(lp0\nI1\naI2\na.", "[1, 2]"),
        (b"(dp0\nS'k'\np1\nI1\ns.", "{'k': 1}"),
        (b"\x80\x04\x8f(K\x01K\x02\x90.", "{1, 2}"),
        (b"\x80\x04(K\x01\x91.", "frozenset({1})"),
        (b"\x80\x02K\x01K\x02\x86\x85.", "((1, 2),)"),
        (b"\x80\x02c__builtin__\nxrange\nK\x01K\x05K\x02\x87R.", "range(1, 5, 2)"),
        (b"\x80\x02cdatetime\ntimedelta\nK\x00M\x10\x0eK\x00\x87R.", "datetime.timedelta(seconds=3600)"),
        (b"\x80\x02K\x012.", "1"),
    ];
    for &(data, want) in cases {
        assert_eq!(show(data), want, "{data:?}");
    }
}

#[test]
fn text_form_errors_are_malformed() {
    for data in [
        b"F1e500\n.".as_slice(),
        b"I\n.",
        b"S'unterminated\n.",
        b"S'\\x4'\n.",
        b"S'\xe9'\n.",
        b"L1__0\n.",
        b"g7\n.",
        b"p-1\n.",
        b"\x80\x06N.",
        b"\xff",
        b"cmod\xff\nname\n.",
        b"\x8b\xff\xff\xff\xff.",
        b"(K\x01K\x02K\x03d.",
        b"0",
        b"2",
        b"1",
        b"\x85.",
        b"K\x01a.",
        b"\x82\x00.",
    ] {
        let e = decode_with(data, Policy::Inspect).expect_err("err");
        assert_eq!(e.code, ErrorCode::Malformed, "{data:?}: {e}");
    }
}

#[test]
fn strict_accepts_plain_data_of_every_protocol() {
    let strict_exprs =
        ["None", "b'abc'", "bytearray(b'xy')", "{1, 2}", "frozenset({1})", "complex(1, 2)", "rec()", "'\\ud800x'"];
    let mut n = 0;
    for &(expr, proto, data, repr) in CASES.iter().filter(|c| strict_exprs.contains(&c.0)) {
        let d = decode_with(data, Policy::Strict).unwrap_or_else(|e| panic!("{expr} p{proto}: {e}"));
        assert_eq!(render(&d.graph, d.roots[0]), repr);
        n += 1;
    }
    assert_eq!(n, strict_exprs.len() * 6);
    for &(expr, proto, data, _) in CASES.iter().filter(|c| c.0.starts_with("D.") || c.0.starts_with("collections")) {
        assert_eq!(decode_with(data, Policy::Strict).expect_err("err").code, ErrorCode::Unsafe, "{expr} p{proto}");
    }
    assert!(CASES.len() >= 450);
}

#[test]
fn large_containers_have_their_length() {
    for &(expr, proto, data, repr) in CASES.iter().filter(|c| c.3.starts_with("<len")) {
        let d = decode_with(data, Policy::Data).expect("ok");
        let n = match d.graph.get(d.roots[0]) {
            Node::List(v) => v.len(),
            Node::Dict(p) => p.len(),
            other => panic!("{other:?}"),
        };
        assert_eq!(format!("<len {n}>"), repr, "{expr} p{proto}");
    }
}

#[test]
fn shared_references_stay_shared_and_cycles_are_represented() {
    for &(_, _, data, _) in CASES.iter().filter(|c| c.0 == "shared()") {
        let d = decode_with(data, Policy::Data).expect("ok");
        let Node::List(items) = d.graph.get(d.roots[0]) else { panic!() };
        assert_eq!(items[0], items[1]);
        assert!(!d.graph.is_tree(), "a memo fetch of a container is sharing");
    }
    for &(_, _, data, _) in CASES.iter().filter(|c| c.0 == "rec()") {
        let d = decode_with(data, Policy::Data).expect("ok");
        let Node::List(items) = d.graph.get(d.roots[0]) else { panic!() };
        assert_eq!(items, &vec![d.roots[0]]);
        assert!(!d.graph.is_tree(), "a cycle is not a tree");
    }
}

#[test]
fn only_plain_unshared_data_is_vouched_a_tree() {
    let tree = |data: &[u8]| decode_with(data, Policy::Inspect).expect("decodes").graph.is_tree();
    // [1.5, 'ab', 'ab'] with the second 'ab' fetched from the memo: small scalars may repeat.
    assert!(tree(b"\x80\x04]\x94(G?\xf8\x00\x00\x00\x00\x00\x00\x8c\x02ab\x94h\x01e."));
    // DUP of a list makes it contain itself.
    assert!(!tree(b"\x80\x02]2a."));
    // A memo fetch of a long str, and anything built from a global.
    let long = [b"\x80\x04]\x94(X\x2c\x01\x00\x00".as_slice(), &[b'x'; 300], b"\x94h\x01e."].concat();
    assert!(!tree(&long));
    assert!(!tree(b"\x80\x04\x8c\x08builtins\x8c\x03int\x93)R."));
}

#[test]
fn frames_are_strict() {
    // FRAME of 3 bytes, but the SHORT_BINUNICODE argument runs past it (gh-154848).
    let straddle = b"\x80\x04\x95\x03\x00\x00\x00\x00\x00\x00\x00\x8c\x05hello.";
    let e = decode_with(straddle, Policy::Data).expect_err("err");
    assert_eq!((e.code, e.opcode), (ErrorCode::Malformed, Some("SHORT_BINUNICODE")));
    assert_eq!(scan(straddle, &Default::default()).verdict, Verdict::Malformed);
    // A FRAME inside an unfinished frame.
    let nested = b"\x80\x04\x95\x0b\x00\x00\x00\x00\x00\x00\x00\x95\x01\x00\x00\x00\x00\x00\x00\x00N.";
    assert_eq!(decode_with(nested, Policy::Data).expect_err("err").code, ErrorCode::Malformed);
    // Frames that end exactly at an opcode boundary are fine, and reading continues after them.
    let ok = b"\x80\x04\x95\x02\x00\x00\x00\x00\x00\x00\x00K\x07\x95\x01\x00\x00\x00\x00\x00\x00\x00.";
    assert_eq!(show(ok), "7");
}

#[test]
fn concatenated_pickles_and_trailing_data() {
    let two = b"K\x01.\x80\x02K\x02.";
    let d = decode_with(two, Policy::Data).expect("ok");
    assert_eq!(d.roots.len(), 2);
    assert_eq!(render(&d.graph, d.roots[1]), "2");
    assert!(d.findings.iter().any(|f| f.kind == FindingKind::ExtraPickle && f.offset == 3));
    let r = scan(two, &Default::default());
    assert_eq!((r.verdict, r.pickles, r.trailing_bytes), (Verdict::Clean, 2, 0));

    let garbage = b"K\x01.\n\nxx";
    let e = decode_with(garbage, Policy::Data).expect_err("err");
    assert_eq!((e.code, e.offset), (ErrorCode::TrailingData, 3));
    let allowed = decode(garbage, &DecodeOptions { allow_trailing: true, ..DecodeOptions::default() }).expect("ok");
    assert_eq!((allowed.roots.len(), allowed.consumed), (1, 3));
    let r = scan(garbage, &Default::default());
    assert_eq!((r.verdict, r.pickles, r.trailing_bytes), (Verdict::Malformed, 1, 4));

    let truncated = b"\x80\x02]q\x00(K\x01";
    let e = decode_with(truncated, Policy::Data).expect_err("err");
    assert!(e.truncated && e.code == ErrorCode::Malformed);
    assert_eq!(scan(truncated, &Default::default()).verdict, Verdict::Incomplete);
    assert_eq!(scan(b"", &Default::default()).verdict, Verdict::Malformed);
    assert_eq!(decode_with(b"", Policy::Data).expect_err("err").code, ErrorCode::Malformed);
}

#[test]
fn fix_imports_only_below_protocol_3() {
    assert_eq!(show(b"c__builtin__\nset\n((lp0\nI1\natR."), "{1}");
    let e = decode_with(b"\x80\x03c__builtin__\nset\n)R.", Policy::Data).expect_err("err");
    assert_eq!(e.code, ErrorCode::Unsafe);
    assert!(e.message.contains("__builtin__.set"), "{}", e.message);
}

#[test]
fn recognized_globals_are_reported_as_info() {
    let d = decode_with(b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01X\x01\x00\x00\x00aK\x01s.", Policy::Data)
        .expect("ok");
    assert_eq!(render(&d.graph, d.roots[0]), "OrderedDict([('a', 1)])");
    let f = &d.findings[0];
    assert_eq!((f.kind, f.offset, f.opcode), (FindingKind::RecognizedGlobal, 2, "GLOBAL"));
    assert_eq!(f.global, Some(("collections".into(), "OrderedDict".into())));
}

#[test]
fn bare_class_references_are_not_data() {
    let p = b"\x80\x02cbuiltins\nset\n\x85.";
    let e = decode_with(p, Policy::Data).expect_err("err");
    assert_eq!((e.code, e.offset), (ErrorCode::Unsafe, 2));
    assert!(decode_with(p, Policy::Inspect).is_ok());
    let r = scan(p, &Default::default());
    assert_eq!(r.verdict, Verdict::UnknownGlobals);
    assert!(r.findings.iter().any(|f| f.kind == FindingKind::NonDataValue));
}
