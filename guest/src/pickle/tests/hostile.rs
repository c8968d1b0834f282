//! Hostile payloads, one or more per technique group of `pickle-threats.md` §2.2: none may be `clean`,
//! and `decode` (policy `data`) refuses every one. Nothing here is ever executed — there is no code path
//! that could.

use super::decode_with;
use crate::pickle::value::Node;
use crate::pickle::{ErrorCode, FindingKind, FindingSeverity, Policy, Verdict, scan};

fn refused(data: &[u8]) -> ErrorCode {
    decode_with(data, Policy::Data).expect_err("decode must refuse").code
}

fn verdict(data: &[u8]) -> Verdict {
    scan(data, &Default::default()).verdict
}

/// Every hostile case: (name, payload).
const CASES: &[(&str, &[u8])] = &[
    // A. stream differentials
    ("frame straddle", b"\x80\x04\x95\x03\x00\x00\x00\x00\x00\x00\x00\x8c\x05hello."),
    ("payload then garbage", b"cos\nsystem\n(S'true'\ntR.garbage"),
    ("payload, no STOP", b"cos\nsystem\n(S'true'\ntR"),
    ("second pickle hides payload", b"K\x01.cos\nsystem\n(S'true'\ntR."),
    // B. name tricks
    ("C alias posix", b"cposix\nsystem\n(S'true'\ntR."),
    ("python 2 alias", b"c__builtin__\neval\n(S'1'\ntR."),
    ("submodule", b"\x80\x04\x8c\x13asyncio.unix_events\x8c\x05thing\x93)R."),
    ("dotted qualname", b"\x80\x04\x8c\x07pathlib\x8c\x09os.system\x93\x8c\x04true\x85R."),
    ("dotted recognized name", b"\x80\x04\x8c\x0bcollections\x8c\x14OrderedDict.__init__\x93)R."),
    ("unknown module", b"\x80\x04\x8c\x09importlib\x8c\x0dimport_module\x93\x8c\x02os\x85R."),
    ("unlisted global", b"\x80\x04\x8c\x0amy_package\x8c\x06Gadget\x93)R."),
    // C. memo / stack tricks
    ("MEMOIZE after POP", b"\x80\x04\x8c\x08builtins\x8c\x05dummy0\x940\x8c\x04exec\x940h\x00h\x01\x93\x8c\x01x\x85R."),
    ("mixed BINPUT / MEMOIZE", b"\x80\x04\x8c\x02osq\x05\x8c\x06system\x94h\x05h\x01\x93\x8c\x04true\x85R."),
    ("non-str STACK_GLOBAL", b"\x80\x04C\x02osC\x06system\x93\x8c\x04true\x85R."),
    ("computed STACK_GLOBAL", b"\x80\x04\x8c\x06my_mod\x8c\x01f\x93\x8c\x02os\x85R\x8c\x06system\x93)R."),
    ("BUILD setattr on a global", b"\x80\x04\x8c\x05numpy\x8c\x04prod\x93N}\x8c\x01a\x8c\x02os\x86b."),
    ("DUP of a call", b"cos\nsystem\n(S'true'\ntR2."),
    ("BINGET unset key", b"\x80\x02h\x07."),
    // D. call-capable opcodes
    ("INST", b"(S'true'\nios\nsystem\n."),
    ("OBJ then POP", b"(cos\nsystem\nS'true'\no0N."),
    ("NEWOBJ", b"\x80\x02csubprocess\nPopen\n)\x81."),
    ("NEWOBJ_EX", b"\x80\x04\x8c\x0asubprocess\x8c\x05Popen\x93)}\x92."),
    ("EXT1", b"\x80\x02\x82\x01)R."),
    ("BINPERSID", b"\x80\x02K\x01Q."),
    ("PERSID", b"Pstorage\n."),
    ("SETITEM on a global", b"\x80\x04\x8c\x02os\x8c\x07environ\x93K\x01K\x02s."),
    ("APPENDS on a class", b"\x80\x02ccollections\nUserList\n(K\x01e."),
    ("recognized class, odd args", b"\x80\x02cbuiltins\nset\nK\x01\x85R."),
    (
        "reconstruct without BUILD",
        b"\x80\x02cnumpy._core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85C\x01b\x87R.",
    ),
    // E. denylist gaps (labels only; unknown-ness alone refuses)
    ("_io.FileIO", b"\x80\x04\x8c\x03_io\x8c\x06FileIO\x93\x8c\x01x\x85R."),
    ("pkgutil.resolve_name", b"\x80\x04\x8c\x07pkgutil\x8c\x0cresolve_name\x93\x8c\x09os:system\x85R."),
    ("marshal.loads", b"\x80\x04\x8c\x07marshal\x8c\x05loads\x93C\x01x\x85R."),
    ("_posixsubprocess", b"\x80\x04\x8c\x10_posixsubprocess\x8c\x09fork_exec\x93)R."),
    ("uuid private", b"\x80\x04\x8c\x04uuid\x8c\x13_get_command_stdout\x93)R."),
    ("operator alias", b"\x80\x04\x8c\x09_operator\x8c\x0cmethodcaller\x93\x8c\x06system\x85R."),
    // G. resource exhaustion
    ("huge BINBYTES8", b"\x80\x04\x8e\xff\xff\xff\xff\xff\xff\xff\x7f"),
    ("huge FRAME", b"\x80\x04\x95\xff\xff\xff\xff\xff\xff\xff\xffN."),
    ("huge BINUNICODE8", b"\x80\x04\x8d\x00\x00\x00\x00\x00\x00\x00\x01"),
    ("huge LONG4", b"\x80\x02\x8b\xff\xff\xff\x7f"),
    ("empty", b""),
];

#[test]
fn no_hostile_case_is_clean_and_decode_refuses_all() {
    for &(name, data) in CASES {
        assert_ne!(verdict(data), Verdict::Clean, "{name}");
        let e = decode_with(data, Policy::Data).expect_err(name);
        let _ = e.code.as_str();
        assert!(decode_with(data, Policy::Strict).is_err(), "{name}");
    }
}

#[test]
fn dangerous_names_are_named() {
    for (data, module, name) in [
        (CASES[4].1, "posix", "system"),
        (CASES[5].1, "builtins", "eval"),
        (CASES[7].1, "pathlib", "os.system"),
        (CASES[11].1, "builtins", "exec"),
        (CASES[12].1, "os", "system"),
        (CASES[18].1, "os", "system"),
        (CASES[19].1, "os", "system"),
        (CASES[29].1, "_io", "FileIO"),
        (CASES[34].1, "_operator", "methodcaller"),
    ] {
        let r = scan(data, &Default::default());
        assert_eq!(r.verdict, Verdict::Unsafe, "{module}.{name}");
        let f = r.findings.iter().find(|f| f.severity == FindingSeverity::Danger).expect("danger finding");
        assert_eq!(f.global, Some((module.to_owned(), name.to_owned())));
    }
}

#[test]
fn memoize_after_pop_reports_the_real_global() {
    let r = scan(CASES[11].1, &Default::default());
    let f = r.findings.iter().find(|f| f.opcode == "STACK_GLOBAL").expect("ok");
    assert_eq!(f.global, Some(("builtins".into(), "exec".into())));
    assert_eq!(f.offset, 34);
}

#[test]
fn verdicts_by_kind() {
    assert_eq!(verdict(CASES[10].1), Verdict::UnknownGlobals); // unlisted global
    assert_eq!(verdict(CASES[13].1), Verdict::UnknownGlobals); // non-str operands
    assert_eq!(verdict(CASES[22].1), Verdict::UnknownGlobals); // EXT1
    assert_eq!(verdict(CASES[23].1), Verdict::UnknownGlobals); // BINPERSID
    assert_eq!(verdict(CASES[28].1), Verdict::UnknownGlobals); // _reconstruct without BUILD
    assert_eq!(verdict(CASES[17].1), Verdict::Malformed); // BINGET unset
    assert_eq!(verdict(CASES[0].1), Verdict::Malformed); // straddle
    assert_eq!(verdict(CASES[2].1), Verdict::Unsafe); // truncated after a dangerous call
    assert_eq!(verdict(CASES[35].1), Verdict::Incomplete); // huge declared length
    assert_eq!(refused(CASES[37].1), ErrorCode::Malformed);
    assert_eq!(refused(CASES[38].1), ErrorCode::ResourceLimit);
    assert_eq!(refused(CASES[10].1), ErrorCode::Unsafe);
    assert_eq!(refused(CASES[1].1), ErrorCode::Unsafe);
}

#[test]
fn inspect_keeps_the_symbolic_tree() {
    let d = decode_with(CASES[19].1, Policy::Inspect).expect("ok"); // OBJ then POP: result None, call still reported
    assert!(matches!(d.graph.get(d.roots[0]), Node::None));
    assert!(d.findings.iter().any(|f| f.kind == FindingKind::CodeCapableOp && f.opcode == "OBJ"));

    let d = decode_with(CASES[25].1, Policy::Inspect).expect("ok"); // SETITEM on os.environ
    let Node::Mutate { target, items, .. } = d.graph.get(d.roots[0]) else { panic!() };
    assert_eq!(items.len(), 2);
    assert!(matches!(d.graph.get(*target), Node::Global { module, .. } if module == "os"));

    let d = decode_with(CASES[14].1, Policy::Inspect).expect("ok"); // computed name
    let Node::Call { callable, .. } = d.graph.get(d.roots[0]) else { panic!() };
    assert!(matches!(d.graph.get(*callable), Node::Unresolvable { .. }));

    let d = decode_with(CASES[22].1, Policy::Inspect).expect("ok");
    let Node::Call { callable, .. } = d.graph.get(d.roots[0]) else { panic!() };
    assert!(matches!(d.graph.get(*callable), Node::ExtRef { code: 1 }));
}

#[test]
fn dunder_escape_hatches_are_dangerous_in_any_module() {
    for (data, module, name) in [
        (&b"\x80\x04\x8c\x05numpy\x8c\x0c__builtins__\x93."[..], "numpy", "__builtins__"),
        // numpy.__builtins__['eval'] through _operator.getitem (the corpus case).
        (
            b"\x80\x04\x8c\x09_operator\x8c\x07getitem\x93\x8c\x05numpy\x8c\x0c__builtins__\x93\x8c\x04eval\x86R.",
            "numpy",
            "__builtins__",
        ),
        (b"\x80\x04\x8c\x0bcollections\x8c\x15OrderedDict.__class__\x93.", "collections", "OrderedDict.__class__"),
        (b"cmy_package\n__loader__\n.", "my_package", "__loader__"),
    ] {
        let r = scan(data, &Default::default());
        assert_eq!(r.verdict, Verdict::Unsafe, "{module}.{name}");
        let f = r.findings.iter().find(|f| f.severity == FindingSeverity::Danger).expect("danger finding");
        assert_eq!(f.global, Some((module.to_owned(), name.to_owned())));
        assert_eq!(refused(data), ErrorCode::Unsafe, "{module}.{name}");
    }
}

/// Streams CPython 3.11 refuses to load because a builtin value lacks the method the opcode calls.
const MISSING_METHOD: &[(&str, &[u8])] = &[
    ("ADDITEMS on a list", b"\x80\x04](K\x01\x90."),
    ("SETITEMS on a set", b"\x80\x04\x8f(K\x01K\x02u."),
    ("SETITEMS on builtins.set([1])", b"\x80\x02c__builtin__\nset\n]K\x01a\x85R(K\x01K\x02u."),
    ("APPEND on an int", b"\x80\x02K\x01K\x02a."),
    ("APPENDS on a tuple", b"\x80\x02)(K\x02e."),
    ("SETITEM on a tuple", b"\x80\x02)K\x01K\x02s."),
    ("ADDITEMS on a frozenset", b"\x80\x04(\x91(K\x01\x90."),
    ("ADDITEMS on a dict", b"\x80\x04}(K\x01\x90."),
    ("APPEND on a dict", b"\x80\x02}K\x01a."),
    ("SETITEM on a str", b"\x80\x04\x8c\x01aK\x01K\x02s."),
];

#[test]
fn filling_a_builtin_that_lacks_the_method_is_malformed() {
    for &(name, data) in MISSING_METHOD {
        for policy in [Policy::Strict, Policy::Data, Policy::Inspect] {
            let e = decode_with(data, policy).expect_err(name);
            assert_eq!(e.code, ErrorCode::Malformed, "{name} ({policy:?}): {e}");
        }
        assert_eq!(verdict(data), Verdict::Malformed, "{name}");
    }
    // CPython loads these: nothing to add, or a method the type has.
    assert_eq!(verdict(b"\x80\x04](\x90."), Verdict::Clean); // empty ADDITEMS on a list
    assert!(decode_with(b"\x80\x04](\x90.", Policy::Data).is_ok());
    // SETITEM on a list calls list.__setitem__: not filled in place, so symbolic, never malformed.
    assert_eq!(verdict(b"\x80\x02]K\x01aK\x00K\x02s."), Verdict::UnknownGlobals);
}

#[test]
fn missing_out_of_band_buffers_are_malformed_but_scanning_goes_on() {
    for data in [&b"\x80\x05\x97."[..], b"\x80\x05\x97\x98.", b"\x80\x05\x97\x97\x86."] {
        assert_eq!(verdict(data), Verdict::Malformed, "{data:?}");
        assert_eq!(refused(data), ErrorCode::Malformed, "{data:?}");
        assert!(decode_with(data, Policy::Inspect).is_ok());
    }
    // A dangerous call after the missing buffer is still found: unsafe outranks malformed.
    let then_system = b"\x80\x05\x970\x8c\x02os\x8c\x06system\x93\x8c\x04true\x85R.";
    assert_eq!(verdict(then_system), Verdict::Unsafe);
    // READONLY_BUFFER on a value without the buffer protocol: TypeError in CPython.
    for data in [&b"\x80\x05N\x98."[..], b"\x80\x05K\x01\x98.", b"\x80\x05]\x98."] {
        assert_eq!(verdict(data), Verdict::Malformed, "{data:?}");
        assert_eq!(refused(data), ErrorCode::Malformed, "{data:?}");
    }
    assert_eq!(verdict(b"\x80\x05C\x02ab\x98."), Verdict::Clean); // bytes are already read-only
}
