//! Refusals: symbolic nodes are `unencodable`, malformed values `invalid-value`, each with the path of the
//! offending node; plus the explicit stack on deep and large graphs.

use num_bigint::BigInt;

use super::test_graph::{G, dt};
use super::{EncodeError, EncodeOptions, INVALID, Layout, UNENCODABLE, encode};
use crate::pickle::value::{ArrayData, DType, Graph, Mutation, Node, NodeId};

fn run(graph: &Graph, root: NodeId, protocol: u8, layout: Layout) -> Result<Vec<u8>, EncodeError> {
    encode(graph, root, &EncodeOptions { protocol, layout })
}

fn refused(graph: &Graph, root: NodeId, protocol: u8) -> EncodeError {
    match run(graph, root, protocol, Layout::Pickle) {
        Ok(_) => panic!("encoded, expected a refusal"),
        Err(e) => e,
    }
}

#[test]
fn symbolic_nodes_are_unencodable_with_their_path() {
    let mut b = G::default();
    let global = b.add(Node::Global { module: "os".into(), qualname: "system".into() });
    let k = b.str("k");
    let d = b.dict(vec![(k, global)]);
    let one = b.int(1);
    let root = b.list(vec![one, d]);
    for protocol in 0..=5 {
        let e = refused(&b.g, root, protocol);
        assert_eq!((e.code, e.path.as_str()), (UNENCODABLE, "/items/1/items/0/value"));
        assert!(e.message.contains("os.system"), "{}", e.message);
    }
    let e = refused(&b.g, root, 5);
    assert_eq!(e.to_string(), format!("unencodable at /items/1/items/0/value: {}", e.message));
}

#[test]
fn every_symbolic_kind_is_refused() {
    let mut b = G::default();
    let g = b.add(Node::Global { module: "builtins".into(), qualname: "print".into() });
    let args = b.tuple(vec![]);
    let kinds = vec![
        Node::Call { callable: g, args },
        Node::New { class: g, args, kwargs: None },
        Node::Build { target: g, state: args },
        Node::Mutate { target: g, operation: Mutation::Append, items: vec![] },
        Node::PersistentRef { pid: args },
        Node::ExtRef { code: 1 },
        Node::OobBuffer { index: 0, readonly: true },
        Node::Unresolvable { reason: "computed name".into() },
    ];
    for node in kinds {
        let id = b.add(node);
        let e = refused(&b.g, id, 5);
        assert_eq!((e.code, e.path.as_str()), (UNENCODABLE, ""));
    }
    assert_eq!(refused(&b.g, g, 2).code, UNENCODABLE);
}

#[test]
fn unsupported_protocol() {
    let mut b = G::default();
    let n = b.none();
    let e = encode(&b.g, n, &EncodeOptions { protocol: 6, layout: Layout::Pickle }).err();
    assert_eq!(e.map(|e| e.code), Some(UNENCODABLE));
    assert_eq!(EncodeOptions::default(), EncodeOptions { protocol: 5, layout: Layout::Pickle });
}

#[test]
fn values_a_protocol_cannot_hold() {
    let mut b = G::default();
    let nan = b.float(f64::from_bits(0x7ff0_0000_0000_0001));
    let root = b.list(vec![nan]);
    assert_eq!(refused(&b.g, root, 0).path, "/items/0");
    assert!(run(&b.g, root, 1, Layout::Pickle).is_ok());
    let huge = b.big(BigInt::from(10u8).pow(4300));
    assert_eq!(refused(&b.g, huge, 1).code, UNENCODABLE);
    assert!(run(&b.g, huge, 2, Layout::Pickle).is_ok());
    // Parts of typed values are located at the typed value.
    let complex = b.add(Node::Complex(0.0, f64::from_bits(0xfff0_0000_0000_0002)));
    let fraction = b.add(Node::Fraction(Box::new(BigInt::from(10u8).pow(4300)), BigInt::from(3)));
    let root = b.list(vec![complex, fraction]);
    assert_eq!(refused(&b.g, root, 0).path, "/items/0");
    let root = b.list(vec![fraction]);
    assert_eq!(refused(&b.g, root, 1).path, "/items/0");
    assert!(run(&b.g, root, 2, Layout::Pickle).is_ok());
}

#[test]
fn unhashable_keys_and_items() {
    let mut b = G::default();
    let l = b.list(vec![]);
    let one = b.int(1);
    let d = b.dict(vec![(one, one), (l, one)]);
    let e = refused(&b.g, d, 3);
    assert_eq!((e.code, e.path.as_str()), (INVALID, "/items/1/key"));
    let t = b.tuple(vec![one, l]);
    let s = b.add(Node::Set(vec![t]));
    let root = b.list(vec![s]);
    assert_eq!(refused(&b.g, root, 4).path, "/items/0/items/0");
    let ok = b.tuple(vec![one, one]);
    let good = b.add(Node::FrozenSet(vec![ok]));
    assert!(run(&b.g, good, 1, Layout::Pickle).is_ok());
}

#[test]
fn cycles_without_a_mutable_container_are_invalid() {
    let mut b = G::default();
    let t = b.tuple(vec![]);
    if let Some(node) = b.g.get_mut(t) {
        *node = Node::Tuple(vec![t]);
    }
    for protocol in 0..=5 {
        assert_eq!(refused(&b.g, t, protocol).code, INVALID);
    }
}

#[test]
fn malformed_typed_values() {
    let mut b = G::default();
    let bad_date = b.add(Node::Date { year: 2023, month: 2, day: 29 });
    let one = b.int(1);
    let bad_tz = b.add(Node::Time { hour: 1, minute: 0, second: 0, microsecond: 0, fold: false, tzinfo: Some(one) });
    let zero = b.int(0);
    let bad_range = b.add(Node::Range { start: zero, stop: one, step: zero });
    let long_deque = b.add(Node::Deque { items: vec![one, one], maxlen: Some(1) });
    let bad_fraction = b.add(Node::Fraction(Box::new(BigInt::from(1)), BigInt::from(0)));
    let bad_decimal = b.add(Node::Decimal("1.2.3".into()));
    let bad_factory = b.add(Node::DefaultDict { factory: Some("eval".into()), items: vec![] });
    let offset = b.timedelta(1, 0, 0);
    let bad_offset = b.add(Node::TimeZone { offset, name: None });
    let cases = [
        (bad_date, INVALID, "/items/0"),
        (bad_tz, INVALID, "/items/1/tzinfo"),
        (bad_range, INVALID, "/items/2/step"),
        (long_deque, INVALID, "/items/3"),
        (bad_fraction, INVALID, "/items/4"),
        (bad_decimal, INVALID, "/items/5"),
        (bad_factory, UNENCODABLE, "/items/6/factory"),
        (bad_offset, INVALID, "/items/7/offset"),
    ];
    let items: Vec<NodeId> = cases.iter().map(|c| c.0).collect();
    for (i, (_, code, path)) in cases.iter().enumerate() {
        let root = b.list(items[i..].to_vec());
        let e = refused(&b.g, root, 4);
        let expected_path = path.replace(&format!("/items/{i}"), "/items/0");
        assert_eq!((e.code, e.path.as_str()), (*code, expected_path.as_str()), "{}", e.message);
    }
}

#[test]
fn malformed_arrays_and_dtypes() {
    let mut b = G::default();
    let short = b.array(dt("<f8"), &[2], false, ArrayData::Bytes(vec![0; 8]));
    let one = b.int(1);
    let not_object = b.array(dt("<f8"), &[1], false, ArrayData::Objects(vec![one]));
    let bytes_for_objects = b.array(dt("|O"), &[1], false, ArrayData::Bytes(vec![0; 8]));
    let bad_typestr = b.array(dt("<q8"), &[0], false, ArrayData::Bytes(vec![]));
    let overflowing = b.array(dt("<f8"), &[u64::MAX, 2], false, ArrayData::Bytes(vec![]));
    let field_past_end = DType { typestr: "|V4".into(), fields: vec![("a".into(), dt("<f8"), 0)], subarray: None };
    let bad_struct = b.add(Node::DType(Box::new(field_past_end)));
    let bad_scalar = b.add(Node::NumpyScalar { dtype: Box::new(dt("<f4")), data: vec![0; 8] });
    for id in [short, not_object, bytes_for_objects, bad_typestr, overflowing, bad_struct, bad_scalar] {
        for layout in [Layout::Pickle, Layout::Joblib] {
            let e = run(&b.g, id, 5, layout).err();
            assert_eq!(e.map(|e| e.code), Some(INVALID), "node {id} {layout:?}");
        }
    }
}

#[test]
fn dangling_ids_are_invalid() {
    let mut b = G::default();
    let root = b.list(vec![42]);
    let e = refused(&b.g, root, 5);
    assert_eq!((e.code, e.path.as_str()), (INVALID, "/items/0"));
}

#[test]
fn joblib_nested_object_pickle_errors_keep_the_outer_path() {
    let mut b = G::default();
    let g = b.add(Node::Global { module: "os".into(), qualname: "system".into() });
    let objects = b.array(dt("|O"), &[1], false, ArrayData::Objects(vec![g]));
    let root = b.list(vec![objects]);
    let e = run(&b.g, root, 4, Layout::Joblib).err();
    assert_eq!(e.map(|e| (e.code, e.path)), Some((UNENCODABLE, "/items/0/data/0".to_string())));
}

#[test]
fn deep_and_wide_graphs_use_the_explicit_stack() {
    let mut b = G::default();
    let mut inner = b.list(vec![]);
    for _ in 0..200_000 {
        inner = b.tuple(vec![inner]);
    }
    for protocol in [0, 2, 5] {
        let out = run(&b.g, inner, protocol, Layout::Pickle).unwrap_or_else(|e| panic!("{e}"));
        assert!(out.len() > 200_000);
    }
    let floats: Vec<NodeId> = (0..300_000).map(|i| b.float(f64::from(i))).collect();
    let list = b.list(floats);
    let out = run(&b.g, list, 5, Layout::Pickle).unwrap_or_else(|e| panic!("{e}"));
    // PROTO, 5 frames of ~64 KiB, EMPTY_LIST MEMOIZE, 300 batches of MARK + 1000 floats + APPENDS, STOP.
    assert_eq!(out.len(), 2 + 2 + 300 * (2 + 9_000) + 1 + frames(&out) * 9);
}

/// Number of FRAME headers in a protocol-4+ stream of only floats and batch opcodes.
fn frames(out: &[u8]) -> usize {
    let mut count = 0;
    let mut pos = 2;
    while pos < out.len() && out[pos] == 0x95 {
        let len = u64::from_le_bytes(out[pos + 1..pos + 9].try_into().unwrap_or([0; 8])) as usize;
        count += 1;
        pos += 9 + len;
    }
    assert_eq!(pos, out.len(), "frames cover the whole stream");
    count
}
