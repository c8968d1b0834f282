//! numpy (1.x and 2.x paths), joblib inline arrays, dill / cloudpickle code payloads.

use super::library_cases as lib;
use super::{decode_with, render::render};
use crate::pickle::value::{ArrayData, NdArray, Node};
use crate::pickle::{DecodeOptions, ErrorCode, FindingKind, Policy, Verdict, decode, scan};

fn f32s(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn only_array(data: &[u8]) -> NdArray {
    let d = decode_with(data, Policy::Data).unwrap_or_else(|e| panic!("{e}"));
    match d.graph.get(d.roots[0]) {
        Node::NdArray(a) => (**a).clone(),
        other => panic!("not an array: {other:?}"),
    }
}

#[test]
fn arange_reshaped_in_every_protocol_and_both_numpy_paths() {
    let expected = f32s(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    for data in [
        lib::ARANGE_F4_P2,
        lib::ARANGE_F4_P3,
        lib::ARANGE_F4_P4,
        lib::ARANGE_F4_P5,
        lib::ARANGE_F4_P2_NUMPY1,
        lib::ARANGE_F4_P5_NUMPY1,
    ] {
        let a = only_array(data);
        assert_eq!(a.dtype.typestr, "<f4");
        assert_eq!(a.shape, vec![2, 3]);
        assert!(!a.fortran_order);
        assert_eq!(a.data, ArrayData::Bytes(expected.clone()));
    }
}

#[test]
fn fortran_big_endian_zero_d_empty_datetime_unicode() {
    let a = only_array(lib::FORTRAN_I8_P4);
    assert_eq!((a.dtype.typestr.as_str(), a.shape.as_slice(), a.fortran_order), (">i8", &[2u64, 3][..], true));
    // Fortran order: column by column, 0 3 1 4 2 5, big-endian.
    let want: Vec<u8> = [0i64, 3, 1, 4, 2, 5].iter().flat_map(|v| v.to_be_bytes()).collect();
    assert_eq!(a.data, ArrayData::Bytes(want));

    let a = only_array(lib::ZERO_D_P2);
    assert!(a.shape.is_empty());
    assert_eq!(a.data, ArrayData::Bytes(3.5f64.to_le_bytes().to_vec()));

    let a = only_array(lib::EMPTY_P4);
    assert_eq!((a.dtype.typestr.as_str(), a.shape.as_slice()), ("|u1", &[0u64, 3][..]));
    assert_eq!(a.data, ArrayData::Bytes(Vec::new()));

    assert_eq!(only_array(lib::DATETIME_P4).dtype.typestr, "<M8[D]");
    let a = only_array(lib::UNICODE_P5);
    assert_eq!(a.dtype.typestr, "<U2");
    assert_eq!(a.data, ArrayData::Bytes([b"a\0\0\0b\0\0\0".as_slice(), b"c\0\0\0\0\0\0\0"].concat()));
}

#[test]
fn object_and_structured_arrays() {
    let d = decode_with(lib::OBJECT_P4, Policy::Data).expect("ok");
    let Node::NdArray(a) = d.graph.get(d.roots[0]) else { panic!() };
    assert_eq!(a.dtype.typestr, "|O");
    let ArrayData::Objects(items) = &a.data else { panic!() };
    let shown: Vec<String> = items.iter().map(|&i| render(&d.graph, i)).collect();
    assert_eq!(shown, ["1", "'x'", "None"]);

    let a = only_array(lib::STRUCT_P3);
    assert_eq!(a.dtype.typestr, "|V20");
    assert_eq!(a.dtype.fields.len(), 2);
    assert_eq!(
        (a.dtype.fields[0].0.as_str(), a.dtype.fields[0].1.typestr.as_str(), a.dtype.fields[0].2),
        ("a", "<i4", 0)
    );
    let b = &a.dtype.fields[1];
    assert_eq!((b.0.as_str(), b.2), ("b", 4));
    let (base, shape) = b.1.subarray.as_ref().expect("ok");
    assert_eq!((base.typestr.as_str(), shape.as_slice()), ("<f8", &[2u64][..]));
    assert_eq!(a.data, ArrayData::Bytes(vec![0; 40]));
}

#[test]
fn numpy_scalars() {
    for (data, typestr, bytes) in [
        (lib::SCALAR_P2, "<f8", 1.5f64.to_le_bytes().to_vec()),
        (lib::SCALAR_P4, "<i2", (-2i16).to_le_bytes().to_vec()),
    ] {
        let d = decode_with(data, Policy::Data).expect("ok");
        match d.graph.get(d.roots[0]) {
            Node::NumpyScalar { dtype, data } => assert_eq!((dtype.typestr.as_str(), data), (typestr, &bytes)),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn out_of_band_buffers_only_when_supplied() {
    let opts = DecodeOptions { buffers: vec![lib::OOB_BUFFER.to_vec()], ..DecodeOptions::default() };
    let d = decode(lib::OOB_P5, &opts).expect("ok");
    let Node::NdArray(a) = d.graph.get(d.roots[0]) else { panic!() };
    assert_eq!(a.data, ArrayData::Bytes([0i32, 1, 2, 3].iter().flat_map(|v| v.to_le_bytes()).collect()));
    let e = decode(lib::OOB_P5, &DecodeOptions::default()).expect_err("err");
    assert_eq!(e.code, ErrorCode::Malformed);
    // scan sees the stream anyway and reports the missing buffer.
    let r = scan(lib::OOB_P5, &Default::default());
    assert_ne!(r.verdict, Verdict::Clean);
    assert!(r.findings.iter().any(|f| f.kind == FindingKind::OutOfBandBuffer));
}

/// A protocol-4 `_reconstruct` pickle of `n` float64 values, built like numpy writes it.
fn big_array_pickle(n: usize) -> Vec<u8> {
    let mut p = b"\x80\x04\x8c\x16numpy._core.multiarray\x94\x8c\x0c_reconstruct\x94\x93\x94\x8c\x05numpy\x94\x8c\x07ndarray\x94\x93\x94K\x00\x85\x94C\x01b\x94\x87\x94R\x94(K\x01M".to_vec();
    p.extend_from_slice(&(n as u16).to_le_bytes());
    p.extend_from_slice(b"\x85\x94h\x03\x8c\x05dtype\x94\x93\x94\x8c\x02f8\x94\x89\x88\x87\x94R\x94(K\x03\x8c\x01<\x94NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00t\x94b\x89\x8e");
    p.extend_from_slice(&((n * 8) as u64).to_le_bytes());
    p.extend((0..n).flat_map(|i| (i as f64).to_le_bytes()));
    p.extend_from_slice(b"\x94t\x94b.");
    p
}

#[test]
fn large_blobs_move_into_the_array_and_are_restored_when_shared() {
    let p = big_array_pickle(20_000);
    let a = only_array(&p);
    let ArrayData::Bytes(bytes) = &a.data else { panic!() };
    assert_eq!(bytes.len(), 160_000);
    assert_eq!(&bytes[8..16], &1f64.to_le_bytes());
    // Same stream, but the result is (array, rawdata): the moved blob must come back intact.
    let mut shared = p[..p.len() - 1].to_vec();
    let blob_key = 18u8; // MEMOIZE index of the BINBYTES8 blob
    shared.extend_from_slice(&[b'h', blob_key, 0x86, b'.']);
    let d = decode_with(&shared, Policy::Data).expect("ok");
    let Node::Tuple(items) = d.graph.get(d.roots[0]) else { panic!() };
    let Node::Bytes(blob) = d.graph.get(items[1]) else { panic!("{:?}", d.graph.get(items[1])) };
    assert_eq!(blob, bytes);
}

#[test]
fn joblib_inline_arrays() {
    let d = decode_with(lib::JOBLIB_DICT, Policy::Data).expect("ok");
    let Node::Dict(pairs) = d.graph.get(d.roots[0]) else { panic!() };
    let Node::NdArray(a) = d.graph.get(pairs[0].1) else { panic!() };
    assert_eq!((a.dtype.typestr.as_str(), a.shape.as_slice()), ("<i2", &[3u64][..]));
    assert_eq!(a.data, ArrayData::Bytes(vec![0, 0, 1, 0, 2, 0]));
    assert_eq!(render(&d.graph, pairs[1].1), "1");

    let d = decode_with(lib::JOBLIB_P2_LIST, Policy::Data).expect("ok");
    let Node::List(items) = d.graph.get(d.roots[0]) else { panic!() };
    let Node::NdArray(f) = d.graph.get(items[1]) else { panic!() };
    assert!(f.fortran_order);
    assert_eq!(f.data, ArrayData::Bytes([1f64; 4].iter().flat_map(|v| v.to_le_bytes()).collect()));

    let d = decode_with(lib::JOBLIB_OBJECT, Policy::Data).expect("ok");
    let Node::NdArray(o) = d.graph.get(d.roots[0]) else { panic!() };
    assert_eq!(o.dtype.typestr, "|O");
    assert_eq!(scan(lib::JOBLIB_OBJECT, &Default::default()).verdict, Verdict::Clean);
}

#[test]
fn payload_after_joblib_array_is_found() {
    let e = decode_with(lib::JOBLIB_SPLICED, Policy::Data).expect_err("err");
    assert_eq!(e.code, ErrorCode::Unsafe);
    assert!(e.message.contains("os.system"), "{}", e.message);
    let r = scan(lib::JOBLIB_SPLICED, &Default::default());
    assert_eq!(r.verdict, Verdict::Unsafe);
    let f = r.findings.iter().find(|f| f.kind == FindingKind::DangerousGlobal).expect("ok");
    assert_eq!(f.global, Some(("os".into(), "system".into())));
    assert!(f.offset as usize > lib::JOBLIB_SPLICED.len() - 30);
}

#[test]
fn code_objects_refused_and_shown_under_inspect() {
    for data in [lib::DILL_LAMBDA, lib::CLOUDPICKLE_LAMBDA] {
        for policy in [Policy::Strict, Policy::Data] {
            let e = decode_with(data, policy).expect_err("err");
            assert_eq!(e.code, ErrorCode::CodeObject);
            assert!(e.message.contains("builds"), "{}", e.message);
        }
        let d = decode_with(data, Policy::Inspect).expect("ok");
        assert!(d.findings.iter().any(|f| f.kind == FindingKind::CodeObject));
        assert!(matches!(d.graph.get(d.roots[0]), Node::Call { .. } | Node::Build { .. }));
        assert_eq!(scan(data, &Default::default()).verdict, Verdict::Unsafe);
    }
    let d = decode_with(lib::DILL_DATA, Policy::Strict).expect("ok");
    assert_eq!(render(&d.graph, d.roots[0]), "{'a': [1, 2]}");
}

#[test]
fn numpy_refused_under_strict_but_scanned_clean() {
    let e = decode_with(lib::ARANGE_F4_P4, Policy::Strict).expect_err("err");
    assert_eq!(e.code, ErrorCode::Unsafe);
    for data in [lib::ARANGE_F4_P2, lib::ARANGE_F4_P5, lib::JOBLIB_DICT, lib::STRUCT_P3, lib::SCALAR_P2] {
        let r = scan(data, &Default::default());
        assert_eq!(r.verdict, Verdict::Clean, "{:?}", r.findings);
        assert_eq!(r.pickles, 1);
    }
}

#[test]
fn bare_out_of_band_buffers_become_bytes() {
    let opts = DecodeOptions { buffers: vec![b"ab".to_vec(), b"cd".to_vec()], ..DecodeOptions::default() };
    let d = decode(b"\x80\x05\x97\x97\x98\x86.", &opts).expect("ok");
    assert_eq!(render(&d.graph, d.roots[0]), "(bytearray(b'ab'), b'cd')");
    let opts = DecodeOptions { buffers: vec![b"ab".to_vec()], ..DecodeOptions::default() };
    assert_eq!(decode(b"\x80\x05\x97\x97\x86.", &opts).expect_err("err").code, ErrorCode::Malformed);
}
