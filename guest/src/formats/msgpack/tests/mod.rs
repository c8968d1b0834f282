//! msgpack transcoder tests: round trips over generated graphs, sharing and cycles, deep nesting, the
//! examples of `docs/value-model.md`, hostile and truncated input, and the caps.

mod examples;
pub(crate) mod graphs;
mod hostile;

use super::*;
use crate::pickle::value::{Graph, Node, NodeId};
use graphs::{Rng, VARIANTS, nested, random_graph, variant};

/// Decodes `bytes` with default limits, panicking with the error (test helper).
pub(crate) fn decode(bytes: &[u8]) -> (Graph, NodeId) {
    match from_msgpack(bytes, &TranscodeLimits::default()) {
        Ok(decoded) => decoded,
        Err(e) => panic!("decode failed: {e}"),
    }
}

/// Graph → msgpack → graph is the identity, and re-encoding gives the same bytes.
pub(crate) fn assert_round_trip(graph: &Graph, root: NodeId) {
    let bytes = to_msgpack(graph, root);
    let (back, back_root) = decode(&bytes);
    assert!(same_value(graph, root, &back, back_root), "round trip changed the value: {:?}", back);
    assert_eq!(to_msgpack(&back, back_root), bytes, "re-encoding differs");
}

#[test]
fn every_variant_round_trips_alone_and_in_context() {
    for which in 0..VARIANTS {
        for seed in 0..20 {
            let mut rng = Rng::new(seed * 100 + which as u64);
            let mut graph = Graph::new();
            let pool: Vec<NodeId> = (0..3).map(|i| graph.push(Node::Int(i))).collect();
            let node = variant(which, &mut rng, &mut graph, &pool);
            let root = graph.push(node);
            assert_round_trip(&graph, root);
        }
    }
}

#[test]
fn random_graphs_with_sharing_and_cycles_round_trip() {
    for seed in 0..300 {
        let (graph, root) = random_graph(seed, 80, seed % 3 != 0);
        assert_round_trip(&graph, root);
    }
}

#[test]
fn shared_containers_stay_shared_and_small_atoms_repeat() {
    let mut g = Graph::new();
    let key = g.push(Node::Str("k".into()));
    let one = g.push(Node::Int(1));
    let inner = g.push(Node::List(vec![one]));
    let d1 = g.push(Node::Dict(vec![(key, inner)]));
    let d2 = g.push(Node::Dict(vec![(key, inner)]));
    let root = g.push(Node::List(vec![d1, d2, inner]));
    let bytes = to_msgpack(&g, root);
    // [ {"k": anchor(0, [1])}, {"k": ref(0)}, ref(0) ]: the shared str key stays a plain map key.
    assert_eq!(hex(&bytes), "93 81 a1 6b d6 00 92 00 91 01 81 a1 6b d4 01 00 d4 01 00");
    let (back, back_root) = decode(&bytes);
    let Node::List(items) = back.get(back_root) else { panic!("not a list") };
    let (Node::Dict(a), Node::Dict(b)) = (back.get(items[0]), back.get(items[1])) else { panic!("not dicts") };
    assert_eq!(a[0].1, b[0].1);
    assert_eq!(a[0].1, items[2]);
    assert_ne!(a[0].0, b[0].0, "small atoms are repeated, not shared");
}

#[test]
fn cycles_are_anchored_before_their_refs() {
    let mut g = Graph::new();
    let list = g.push(Node::List(vec![]));
    if let Some(Node::List(items)) = g.get_mut(list) {
        items.push(list);
    }
    let bytes = to_msgpack(&g, list);
    assert_eq!(hex(&bytes), "c7 06 00 92 00 91 d4 01 00");
    let (back, root) = decode(&bytes);
    assert_eq!(back.get(root), &Node::List(vec![root]));

    // A tuple that holds a list that holds the tuple.
    let mut g = Graph::new();
    let list = g.push(Node::List(vec![]));
    let tuple = g.push(Node::Tuple(vec![list]));
    if let Some(Node::List(items)) = g.get_mut(list) {
        items.push(tuple);
    }
    assert_round_trip(&g, tuple);
}

#[test]
fn exponential_sharing_stays_linear() {
    let mut g = Graph::new();
    let mut id = g.push(Node::List(vec![]));
    for _ in 0..200 {
        id = g.push(Node::List(vec![id, id]));
    }
    let bytes = to_msgpack(&g, id);
    assert!(bytes.len() < 200 * 16, "{} bytes", bytes.len());
    let (back, root) = decode(&bytes);
    assert_eq!(back.len(), 201);
    assert!(same_value(&g, id, &back, root));
}

#[test]
fn deep_nesting_within_the_cap_round_trips() {
    let limits = TranscodeLimits::default();
    let wraps: [fn(Vec<NodeId>) -> Node; 3] = [Node::List, Node::Tuple, |ids| Node::Deque { items: ids, maxlen: None }];
    for wrap in wraps {
        let (g, root) = nested(limits.max_depth, wrap);
        assert_round_trip(&g, root);
        let (g, root) = nested(limits.max_depth + 1, wrap);
        let err = from_msgpack(&to_msgpack(&g, root), &limits).err();
        assert_eq!(err.map(|e| e.code), Some(RESOURCE_LIMIT));
    }
    // Dicts nest through their values.
    let mut g = Graph::new();
    let key = g.push(Node::Str("k".into()));
    let mut id = g.push(Node::None);
    for _ in 0..limits.max_depth {
        id = g.push(Node::Dict(vec![(key, id)]));
    }
    assert_round_trip(&g, id);
}

#[test]
fn very_deep_graphs_encode_without_recursion() {
    let (g, root) = nested(200_000, Node::List);
    let bytes = to_msgpack(&g, root);
    assert_eq!(bytes.len(), 200_001);
    let limits = TranscodeLimits { max_depth: 300_000, ..TranscodeLimits::default() };
    let (back, back_root) = from_msgpack(&bytes, &limits).unwrap_or_else(|e| panic!("{e}"));
    assert!(same_value(&g, root, &back, back_root));
}

#[test]
fn plain_msgpack_from_other_producers_is_read() {
    // msgpack.packb({1: [True, None, 2**64 - 1, -1.5], "s": b"\x00"}, use_single_float=False) in Python.
    let bytes = unhex("82 01 94 c3 c0 cf ff ff ff ff ff ff ff ff cb bf f8 00 00 00 00 00 00 a1 73 c4 01 00");
    let (g, root) = decode(&bytes);
    let Node::Dict(pairs) = g.get(root) else { panic!("not a dict") };
    assert_eq!(g.get(pairs[0].0), &Node::Int(1));
    let Node::List(items) = g.get(pairs[0].1) else { panic!("not a list") };
    assert_eq!(g.get(items[2]), &Node::BigInt(num_bigint::BigInt::from(u64::MAX)));
    assert_eq!(g.get(items[3]), &Node::Float(-1.5));
    assert_eq!(g.get(pairs[1].1), &Node::Bytes(vec![0]));
    // float 32 widens exactly.
    let (g, root) = decode(&unhex("ca 3f c0 00 00"));
    assert_eq!(g.get(root), &Node::Float(1.5));
}

/// Space-separated lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")
}

/// Inverse of [`hex`] (whitespace ignored).
pub(crate) fn unhex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap_or("00"), 16).unwrap_or(0))
        .collect()
}
