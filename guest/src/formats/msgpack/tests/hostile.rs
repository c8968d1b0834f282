//! Malformed, truncated and hostile msgpack: every case is an error with a code and offset, never a panic.

use super::*;
use crate::pickle::value::{ArrayData, DType, NdArray};

fn err(bytes: &[u8]) -> TranscodeError {
    match from_msgpack(bytes, &TranscodeLimits::default()) {
        Ok((g, _)) => panic!("accepted {}: {g:?}", hex(bytes)),
        Err(e) => e,
    }
}

fn malformed_at(text: &str, offset: u64, needle: &str) {
    let e = err(&unhex(text));
    assert_eq!((e.code, e.offset), (MALFORMED, offset), "{text}: {e}");
    assert!(e.message.contains(needle), "{text}: {e}");
}

#[test]
fn malformed_documents_name_the_offset() {
    malformed_at("", 0, "end of input");
    malformed_at("c1", 0, "not a msgpack marker");
    malformed_at("92 01", 0, "array longer");
    malformed_at("92 01 a3 61", 3, "end of input");
    malformed_at("01 02", 1, "trailing data");
    malformed_at("a2 ff fe", 1, "not UTF-8");
    malformed_at("dd ff ff ff ff", 0, "exceeds");
    malformed_at("c6 7f ff ff ff 00", 0, "exceeds");
    malformed_at("df 00 00 00 03 01 02", 0, "exceeds");
    malformed_at("d4 7f 00", 0, "unknown ext type 127");
    malformed_at("d4 ff 00", 0, "unknown ext type -1");
    malformed_at("d4 01 05", 0, "not defined");
    malformed_at("92 c7 03 00 92 07 c0 c7 03 00 92 07 c0", 7, "defined twice");
    malformed_at("c7 05 00 92 00 d4 01 00", 5, "cannot be an anchor or a ref");
    malformed_at("c7 02 11 a3 31 32 33", 4, "end of ext payload");
    malformed_at("c7 03 03 90 01 02", 4, "2 bytes left");
    malformed_at("c7 02 10 91 01", 3, "fields given");
    malformed_at("c7 04 14 93 01 0d 01", 0, "`month` = 13");
    malformed_at("c7 04 14 93 01 02 1e", 0, "`day` = 30");
    malformed_at("c7 03 03 92 c1 c1", 4, "not a msgpack marker");
    malformed_at("d4 02 c0", 0, "must be bin");
    malformed_at("d5 13 c4 00", 0, "16 bytes");
    malformed_at("c7 04 11 a3 31 2e 78", 0, "not a Decimal");
    malformed_at("c7 03 12 92 01 00", 0, "denominator");
    malformed_at("c7 05 34 93 c0 a1 78 90", 0, "unknown mutation");
    malformed_at("d5 08 c4 00 d4", 4, "trailing data");
}

fn array(typestr: &str, shape: Vec<u64>, data: ArrayData) -> Vec<u8> {
    let dtype = DType { typestr: typestr.into(), fields: vec![], subarray: None };
    let mut g = Graph::new();
    let root = g.push(Node::NdArray(Box::new(NdArray { dtype, shape, fortran_order: false, data })));
    to_msgpack(&g, root)
}

#[test]
fn array_sizes_must_match_dtype_and_shape() {
    let e = err(&array("<f8", vec![2], ArrayData::Bytes(vec![0; 8])));
    assert!(e.message.contains("need"), "{e}");
    let e = err(&array("|O", vec![2], ArrayData::Objects(vec![])));
    assert!(e.message.contains("2 elements"), "{e}");
    let e = err(&array("|O", vec![0], ArrayData::Bytes(vec![])));
    assert!(e.message.contains("not bytes"), "{e}");
    let e = err(&array("<i4", vec![0], ArrayData::Objects(vec![])));
    assert!(e.message.contains("only object arrays"), "{e}");
    let e = err(&array("<i4", vec![u64::MAX, 2], ArrayData::Bytes(vec![])));
    assert!(e.message.contains("overflows"), "{e}");
    assert!(
        from_msgpack(&array("<U2", vec![1, 2], ArrayData::Bytes(vec![0; 16])), &TranscodeLimits::default()).is_ok()
    );
}

#[test]
fn dtype_nesting_is_capped() {
    let mut g = Graph::new();
    let mut d = crate::pickle::value::DType { typestr: "<f8".into(), fields: vec![], subarray: None };
    for _ in 0..40 {
        d = crate::pickle::value::DType {
            typestr: "|V8".into(),
            fields: vec![],
            subarray: Some((Box::new(d), vec![1])),
        };
    }
    let root = g.push(Node::DType(Box::new(d)));
    let e = err(&to_msgpack(&g, root));
    assert_eq!(e.code, RESOURCE_LIMIT);
}

#[test]
fn every_truncation_of_a_rich_document_is_refused() {
    let (graph, root) = random_graph(7, 60, true);
    let bytes = to_msgpack(&graph, root);
    for cut in 0..bytes.len() {
        let e = err(&bytes[..cut]);
        assert_eq!(e.code, MALFORMED, "cut at {cut}: {e}");
        assert!(e.offset <= cut as u64, "cut at {cut}: {e}");
    }
}

#[test]
fn random_corruption_never_panics() {
    let mut rng = Rng::new(99);
    for seed in 0..40 {
        let (graph, root) = random_graph(seed, 30, true);
        let clean = to_msgpack(&graph, root);
        for _ in 0..200 {
            let mut bytes = clean.clone();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(bytes.len());
                bytes[at] = rng.next() as u8;
            }
            if let Ok((g, r)) = from_msgpack(&bytes, &TranscodeLimits::default()) {
                // Whatever was accepted must encode again and decode to the same value.
                let again = to_msgpack(&g, r);
                let (g2, r2) = decode(&again);
                assert!(same_value(&g, r, &g2, r2));
            }
        }
    }
}

#[test]
fn caps_are_resource_limits() {
    let bytes = to_msgpack(&random_graph(3, 50, false).0, 0);
    let tight = TranscodeLimits { max_bytes: bytes.len() - 1, ..TranscodeLimits::default() };
    assert_eq!(from_msgpack(&bytes, &tight).map_err(|e| e.code).err(), Some(RESOURCE_LIMIT));

    // 1000 ints in an array: 1001 nodes.
    let mut doc = unhex("dc 03 e8");
    doc.extend([1u8; 1000]);
    let few = TranscodeLimits { max_nodes: 1000, ..TranscodeLimits::default() };
    assert_eq!(from_msgpack(&doc, &few).map_err(|e| e.code).err(), Some(RESOURCE_LIMIT));
    let enough = TranscodeLimits { max_nodes: 1001, ..TranscodeLimits::default() };
    assert!(from_msgpack(&doc, &enough).is_ok());

    let shallow = TranscodeLimits { max_depth: 2, ..TranscodeLimits::default() };
    assert!(from_msgpack(&unhex("91 91 01"), &shallow).is_ok());
    let e = from_msgpack(&unhex("91 91 91 01"), &shallow).err();
    assert_eq!(e.map(|e| (e.code, e.offset)), Some((RESOURCE_LIMIT, 2)));
}

#[test]
fn huge_declared_lengths_fail_fast() {
    for doc in ["dd ff ff ff ff 01", "df ff ff ff ff", "db ff ff ff ff", "c9 ff ff ff ff 03", "dc ff ff"] {
        let e = err(&unhex(doc));
        assert_eq!(e.code, MALFORMED, "{doc}: {e}");
    }
}
