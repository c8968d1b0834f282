//! JSON transcoder tests: lossless round trips, the plain view against CPython's `json.dumps`, plain JSON
//! input, `$type` escaping, deep nesting, malformed input and caps.

mod hostile;

use super::*;
use crate::formats::msgpack::tests::graphs::{Rng, VARIANTS, nested, random_graph, variant};
use crate::formats::msgpack::{MALFORMED, RESOURCE_LIMIT, UNENCODABLE, same_value};
use crate::pickle::value::{Graph, Node, NodeId};

pub(crate) fn parse(text: &str) -> (Graph, NodeId) {
    from_json(text, &TranscodeLimits::default()).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn assert_round_trip(graph: &Graph, root: NodeId) {
    let text = to_json(graph, root);
    let (back, back_root) = parse(&text);
    assert!(same_value(graph, root, &back, back_root), "JSON round trip changed {text}");
    assert_eq!(to_json(&back, back_root), text, "re-rendering differs");
}

fn plain(graph: &Graph, root: NodeId) -> Result<String, TranscodeError> {
    to_json_plain(graph, root, &TranscodeLimits::default())
}

#[test]
fn every_variant_round_trips() {
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
fn deep_nesting_within_the_cap_round_trips() {
    let limits = TranscodeLimits::default();
    for wrap in [Node::List, Node::Tuple] {
        let (g, root) = nested(limits.max_depth, wrap);
        assert_round_trip(&g, root);
        let (g, root) = nested(limits.max_depth + 1, wrap);
        let err = from_json(&to_json(&g, root), &limits).err();
        assert_eq!(err.map(|e| e.code), Some(RESOURCE_LIMIT));
    }
    let deep_objects = "{\"k\":".repeat(limits.max_depth) + "null" + &"}".repeat(limits.max_depth);
    let (g, root) = parse(&deep_objects);
    assert_eq!(to_json(&g, root), deep_objects);
    let (g, root) = nested(200_000, Node::List);
    assert_eq!(to_json(&g, root).len(), 400_001);
}

#[test]
fn plain_view_is_byte_identical_to_python_json_dumps() {
    // The expected strings are CPython 3.11's json.dumps of the same Python values.
    let (g, root) = parse(concat!(
        r#"[1,2.5,"é😀\u007f\n",null,true,{"a":[1,2],"b":{}},[],{"$type":"tuple","items":[3,4]},1e+16,1.5e-07,"#,
        r#"-0.0,{"$type":"float","value":"nan"},{"$type":"float","value":"inf"},{"$type":"float","value":"-inf"},"#,
        r#"1000000000000000000000000000000,"\ud800x",9223372036854775808]"#
    ));
    assert_eq!(
        plain(&g, root).as_deref(),
        Ok(concat!(
            r#"[1, 2.5, "\u00e9\ud83d\ude00\u007f\n", null, true, {"a": [1, 2], "b": {}}, [], [3, 4], 1e+16, "#,
            r#"1.5e-07, -0.0, NaN, Infinity, -Infinity, 1000000000000000000000000000000, "\ud800x", "#,
            r#"9223372036854775808]"#
        ))
    );
    let (g, root) = parse(concat!(
        r#"{"$type":"dict","items":[[1,"a"],[2.5,"b"],[false,"c"],[null,"d"],"#,
        r#"[-100000000000000000000,"e"],[{"$type":"float","value":"inf"},1],["k",0]]}"#
    ));
    assert_eq!(
        plain(&g, root).as_deref(),
        Ok(
            r#"{"1": "a", "2.5": "b", "false": "c", "null": "d", "-100000000000000000000": "e", "Infinity": 1, "k": 0}"#
        )
    );
    let (g, root) = parse(concat!(
        r#"[{"$type":"ordereddict","items":[["x",1]]},{"$type":"counter","items":[["y",2]]},"#,
        r#"{"$type":"defaultdict","factory":"list","items":[["z",[]]]}]"#
    ));
    assert_eq!(plain(&g, root).as_deref(), Ok(r#"[{"x": 1}, {"y": 2}, {"z": []}]"#));
    // Shared values are written out at each use, as json.dumps does.
    let (g, root) = parse(r#"[{"$type":"anchor","id":0,"value":[1]},{"$type":"ref","id":0}]"#);
    assert_eq!(plain(&g, root).as_deref(), Ok("[[1], [1]]"));
    // numpy.float64 is a float subclass.
    let (g, root) =
        parse(r#"{"$type":"numpy_scalar","data":"AAAAAAAA+D8=","dtype":{"$type":"dtype","typestr":"<f8"}}"#);
    assert_eq!(plain(&g, root).as_deref(), Ok("1.5"));
}

#[test]
fn plain_view_refuses_what_json_dumps_refuses() {
    let cases = [
        (r#"{"$type":"bytes","value":"eA=="}"#, "Object of type bytes is not JSON serializable"),
        (
            r#"{"$type":"dict","items":[[{"$type":"tuple","items":[1,2]},3]]}"#,
            "keys must be str, int, float, bool or None, not tuple",
        ),
        (r#"{"$type":"anchor","id":0,"value":[{"$type":"ref","id":0}]}"#, "Circular reference detected"),
        (r#"{"$type":"set","items":[]}"#, "Object of type set is not JSON serializable"),
        (r#"{"$type":"global","module":"os","qualname":"system"}"#, "Object of type object is not JSON serializable"),
    ];
    for (text, message) in cases {
        let (g, root) = parse(text);
        let err = plain(&g, root).err();
        assert_eq!(err.as_ref().map(|e| (e.code, e.message.as_str())), Some((UNENCODABLE, message)), "{text}");
    }
    let mut g = Graph::new();
    let root = g.push(Node::BigInt(num_bigint::BigInt::from(10u8).pow(5000)));
    assert_eq!(plain(&g, root).map_err(|e| e.code), Err(UNENCODABLE));
    let root = g.push(Node::BigInt(num_bigint::BigInt::from(10u8).pow(4299)));
    assert_eq!(plain(&g, root).map(|s| s.len()), Ok(4300));
    // The output cap and the depth cap.
    let (g, root) = parse(&format!("[{}]", vec!["1"; 1000].join(",")));
    let small = TranscodeLimits { max_bytes: 100, ..TranscodeLimits::default() };
    assert_eq!(to_json_plain(&g, root, &small).map_err(|e| e.code), Err(RESOURCE_LIMIT));
    let (g, root) = nested(10, Node::List);
    let shallow = TranscodeLimits { max_depth: 9, ..TranscodeLimits::default() };
    assert_eq!(to_json_plain(&g, root, &shallow).map_err(|e| e.code), Err(RESOURCE_LIMIT));
}

#[test]
fn plain_json_input_reads_as_python_json_loads_would() {
    let (g, root) =
        parse(" [1, -0, 2.0, 1E2, 12345678901234567890, \"\\ud83d\\ude00\", \"\\udc00\", NaN, -Infinity, {}] ");
    let Node::List(items) = g.get(root) else { panic!("not a list") };
    let nodes: Vec<&Node> = items.iter().map(|id| g.get(*id)).collect();
    assert_eq!(nodes[0], &Node::Int(1));
    assert_eq!(nodes[1], &Node::Int(0));
    assert_eq!(nodes[2], &Node::Float(2.0));
    assert_eq!(nodes[3], &Node::Float(100.0));
    assert_eq!(nodes[4], &Node::BigInt("12345678901234567890".parse().unwrap_or_default()));
    assert_eq!(nodes[5], &Node::Str("😀".into()));
    assert_eq!(nodes[6], &Node::SurrogateStr(vec![0xDC00]));
    assert!(matches!(nodes[7], Node::Float(f) if f.is_nan()));
    assert_eq!(nodes[8], &Node::Float(f64::NEG_INFINITY));
    assert_eq!(nodes[9], &Node::Dict(vec![]));
}

#[test]
fn a_user_dict_with_a_type_key_is_escaped_as_pairs() {
    let mut g = Graph::new();
    let k = g.push(Node::Str("$type".into()));
    let v = g.push(Node::Str("tuple".into()));
    let k2 = g.push(Node::Str("items".into()));
    let v2 = g.push(Node::List(vec![]));
    let root = g.push(Node::Dict(vec![(k, v), (k2, v2)]));
    let text = to_json(&g, root);
    assert_eq!(text, r#"{"$type":"dict","items":[["$type","tuple"],["items",[]]]}"#);
    assert_round_trip(&g, root);
}

#[test]
fn tagged_members_may_come_in_any_order_after_type() {
    let (g, root) = parse(r#"{"$type":"date","day":3,"year":2020,"month":1}"#);
    assert_eq!(g.get(root), &Node::Date { year: 2020, month: 1, day: 3 });
    let (g, root) = parse(r#"{"$type":"int","hex":"-ff"}"#);
    assert_eq!(g.get(root), &Node::Int(-255));
    let (g, root) = parse(r#"{"$type":"complex","real":1,"imag":-2.5}"#);
    assert_eq!(g.get(root), &Node::Complex(1.0, -2.5));
}

#[test]
fn very_large_ints_render_as_hex() {
    let mut g = Graph::new();
    let big: num_bigint::BigInt = num_bigint::BigInt::from(-1i32) << 20_000usize;
    let root = g.push(Node::BigInt(big.clone()));
    let text = to_json(&g, root);
    assert!(text.starts_with(r#"{"$type":"int","hex":"-1000"#), "{}", &text[..40]);
    let (back, back_root) = parse(&text);
    assert_eq!(back.get(back_root), &Node::BigInt(big));
}

#[test]
fn surrogate_strs_keep_their_code_points() {
    // '\ud83d\ude00' is two code points; as a JSON string it would read back as '😀' (json.loads joins the
    // escapes), so it is written tagged. Lone surrogates stay plain strings, as json.dumps writes them.
    let mut g = Graph::new();
    let pair = g.push(Node::SurrogateStr(vec![0xD83D, 0xDE00]));
    let lone = g.push(Node::SurrogateStr(vec![0x61, 0xD800, 0x62]));
    let apart = g.push(Node::SurrogateStr(vec![0xDE00, 0xD83D]));
    let value = g.push(Node::Int(1));
    let dict = g.push(Node::Dict(vec![(pair, value)]));
    let root = g.push(Node::List(vec![pair, lone, apart, dict]));
    let text = to_json(&g, root);
    assert_eq!(
        text,
        r#"[{"$type":"surrogate_str","value":"7aC97biA"},"a\ud800b","\ude00\ud83d",{"$type":"dict","items":[[{"$type":"surrogate_str","value":"7aC97biA"},1]]}]"#
    );
    assert_round_trip(&g, root);
    let (back, back_root) = parse(&text);
    let Node::List(items) = back.get(back_root) else { panic!("not a list") };
    assert_eq!(back.get(items[0]), &Node::SurrogateStr(vec![0xD83D, 0xDE00]));
    assert_eq!(back.get(items[1]), &Node::SurrogateStr(vec![0x61, 0xD800, 0x62]));
    // json.dumps('\ud83d\ude00') == json.dumps('😀'): the plain view cannot tell them apart either.
    assert_eq!(plain(&g, pair).as_deref(), Ok(r#""\ud83d\ude00""#));
    // A tagged surrogate str must be surrogatepass UTF-8.
    let bad = from_json(r#"{"$type":"surrogate_str","value":"/w=="}"#, &TranscodeLimits::default());
    assert_eq!(bad.map_err(|e| e.code).err(), Some(MALFORMED));
}
