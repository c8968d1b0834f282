//! Malformed and hostile JSON: errors carry a code and byte offset; nothing panics.

use super::*;
use crate::formats::msgpack::MALFORMED;

fn err(text: &str) -> TranscodeError {
    match from_json(text, &TranscodeLimits::default()) {
        Ok((g, _)) => panic!("accepted {text}: {g:?}"),
        Err(e) => e,
    }
}

fn malformed_at(text: &str, offset: u64, needle: &str) {
    let e = err(text);
    assert_eq!((e.code, e.offset), (MALFORMED, offset), "{text}: {e}");
    assert!(e.message.contains(needle), "{text}: {e}");
}

#[test]
fn malformed_json_names_the_offset() {
    malformed_at("", 0, "end of input");
    malformed_at("   ", 3, "end of input");
    malformed_at("[1,]", 3, "unexpected character");
    malformed_at("[1 2]", 3, "expected , or ]");
    malformed_at("{\"a\" 1}", 5, "expected :");
    malformed_at("{1:2}", 1, "string key");
    malformed_at("\"abc", 0, "unterminated");
    malformed_at("\"a\\x\"", 2, "invalid escape");
    malformed_at("\"a\u{1}\"", 2, "control character");
    malformed_at("\"\\u12g4\"", 3, "bad \\u escape");
    malformed_at("01", 0, "invalid number");
    malformed_at("1.", 0, "invalid number");
    malformed_at("-", 0, "invalid number");
    malformed_at("1 2", 2, "trailing data");
    malformed_at("[1]]", 3, "trailing data");
    malformed_at("tru", 0, "unexpected character");
    malformed_at("\u{feff}1", 0, "unexpected character");
    malformed_at(r#"{"a":1,"$type":"tuple"}"#, 7, "first member");
    malformed_at(r#"{"$type":"nope"}"#, 9, "unknown $type");
    malformed_at(r#"{"$type":3}"#, 9, "must be a string");
    malformed_at(r#"{"$type":"tuple","items":[],"items":[]}"#, 28, "duplicate member");
    malformed_at(r#"{"$type":"tuple","item":[]}"#, 17, "unknown member");
    malformed_at(r#"{"$type":"tuple"}"#, 0, "missing `items`");
    malformed_at(r#"{"$type":"tuple","items":1}"#, 25, "expected an array");
    malformed_at(r#"{"$type":"dict","items":[[1]]}"#, 25, "2 elements");
    malformed_at(r#"{"$type":"dict","items":[[1,2,3]]}"#, 30, "2 elements");
    malformed_at(r#"{"$type":"bytes","value":"abc"}"#, 0, "base64");
    malformed_at(r#"{"$type":"uuid","value":"xyz"}"#, 0, "not a UUID");
    malformed_at(r#"{"$type":"float","value":"1.5"}"#, 0, "nan, inf or -inf");
    malformed_at(r#"{"$type":"int","value":"1","hex":"1"}"#, 0, "exactly one");
    malformed_at(r#"{"$type":"time","hour":24,"minute":0,"second":0,"microsecond":0,"fold":false}"#, 0, "`hour`");
    malformed_at(r#"{"$type":"ref","id":0}"#, 0, "not defined");
    malformed_at(r#"{"$type":"anchor","value":1,"id":0}"#, 18, "before its `value`");
    malformed_at(r#"{"$type":"anchor","id":0,"value":{"$type":"ref","id":0}}"#, 42, "cannot be an anchor");
    malformed_at(r#"[{"$type":"anchor","id":0,"value":1},{"$type":"anchor","id":0,"value":2}]"#, 37, "defined twice");
    malformed_at(r#"{"$type":"anchor","id":-1,"value":1}"#, 23, "non-negative");
}

#[test]
fn caps_are_resource_limits() {
    let limits = |f: &dyn Fn(&mut TranscodeLimits)| {
        let mut l = TranscodeLimits::default();
        f(&mut l);
        l
    };
    let doc = format!("[{}]", vec!["1"; 100].join(","));
    let few_nodes = limits(&|l| l.max_nodes = 100);
    assert_eq!(from_json(&doc, &few_nodes).map_err(|e| e.code).err(), Some(RESOURCE_LIMIT));
    let small = limits(&|l| l.max_bytes = doc.len() - 1);
    assert_eq!(from_json(&doc, &small).map_err(|e| e.code).err(), Some(RESOURCE_LIMIT));
    let shallow = limits(&|l| l.max_depth = 2);
    assert!(from_json("[[1]]", &shallow).is_ok());
    let e = from_json("[[[1]]]", &shallow).err();
    assert_eq!(e.map(|e| (e.code, e.offset)), Some((RESOURCE_LIMIT, 2)));
    let e = err(&"9".repeat(5000));
    assert_eq!(e.code, RESOURCE_LIMIT);
    let e = err(&format!(r#"{{"$type":"int","value":"{}"}}"#, "9".repeat(5000)));
    assert_eq!(e.code, RESOURCE_LIMIT);
}

#[test]
fn truncations_and_corruptions_never_panic() {
    let (graph, root) = random_graph(11, 60, true);
    let text = to_json(&graph, root);
    for cut in (0..text.len()).filter(|i| text.is_char_boundary(*i)) {
        // A prefix of a JSON text can be a complete value only if the root were a bare scalar; here it is a list.
        assert!(from_json(&text[..cut], &TranscodeLimits::default()).is_err(), "cut at {cut}");
    }
    let mut rng = Rng::new(5);
    let alphabet = b"[]{}\",:0123456789-.eE \\utrfalsn$";
    for seed in 0..30 {
        let (graph, root) = random_graph(seed, 30, true);
        let clean = to_json(&graph, root).into_bytes();
        for _ in 0..200 {
            let mut bytes = clean.clone();
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(bytes.len());
                if bytes[at].is_ascii() {
                    bytes[at] = alphabet[rng.below(alphabet.len())];
                }
            }
            let Ok(text) = String::from_utf8(bytes) else { continue };
            if let Ok((g, r)) = from_json(&text, &TranscodeLimits::default()) {
                let again = to_json(&g, r);
                let (g2, r2) = parse(&again);
                assert!(same_value(&g, r, &g2, r2));
            }
        }
    }
}
