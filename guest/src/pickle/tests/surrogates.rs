//! Strs holding surrogates keep their code points: `'\ud83d\ude00'` (two lone surrogates, pickled with
//! `surrogatepass`) is not `'😀'`. Every protocol's CPython 3.11 bytes decode to the exact code points and
//! encode back to the very same bytes, which `pickle.loads` turns into the original str.

use super::cpython_cases::CASES;
use super::decode_with;
use crate::pickle::Policy;
use crate::pickle::encode::{EncodeOptions, Layout, encode};
use crate::pickle::value::{Graph, Node};

#[test]
fn surrogate_strs_keep_their_code_points_in_every_protocol() {
    let expected: &[(&str, &[u32])] = &[
        ("'\\ud83d\\ude00'", &[0xD83D, 0xDE00]),
        ("'a\\ud800b'", &[0x61, 0xD800, 0x62]),
        ("'\\udfff'", &[0xDFFF]),
        ("'\\ud800x'", &[0xD800, 0x78]),
    ];
    for &(expr, points) in expected {
        let cases: Vec<_> = CASES.iter().filter(|c| c.0 == expr).collect();
        assert_eq!(cases.len(), 6, "{expr}: protocols 0..=5");
        for &&(_, protocol, data, _) in &cases {
            let d = decode_with(data, Policy::Strict).unwrap_or_else(|e| panic!("{expr} p{protocol}: {e}"));
            assert_eq!(d.graph.get(d.roots[0]), &Node::SurrogateStr(points.to_vec()), "{expr} p{protocol}");
            let options = EncodeOptions { protocol, layout: Layout::Pickle };
            let out = encode(&d.graph, d.roots[0], &options).unwrap_or_else(|e| panic!("{expr} p{protocol}: {e}"));
            assert_eq!(out, data, "{expr} p{protocol}: encoder output differs from CPython's");
        }
    }
}

#[test]
fn the_astral_character_stays_one_code_point() {
    for &(_, protocol, data, _) in CASES.iter().filter(|c| c.0 == "'\\U0001f600'") {
        let d = decode_with(data, Policy::Strict).unwrap_or_else(|e| panic!("p{protocol}: {e}"));
        assert_eq!(d.graph.get(d.roots[0]), &Node::Str("\u{1F600}".into()), "p{protocol}");
    }
}

#[test]
fn out_of_range_code_points_are_refused_by_the_encoder() {
    let mut g = Graph::new();
    let root = g.push(Node::SurrogateStr(vec![0xD800, 0x11_0000]));
    let e = encode(&g, root, &EncodeOptions::default()).expect_err("not a code point");
    assert_eq!(e.code, crate::pickle::encode::INVALID);
}
