//! numpy and joblib fixture cases for `tests_fixtures.rs`. Plain arrays carry their expectation as raw
//! bytes (`np.frombuffer(bytearray.fromhex(...))` viewed in the array's order: writable, padding bytes
//! kept), independent of the encoder.

use super::test_graph::dt;
use super::tests_fixtures::{Case, case};
use crate::pickle::value::{ArrayData, DType, Node};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Deterministic pseudo-random bytes (xorshift).
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn shape_text(shape: &[u64]) -> String {
    let inner: Vec<String> = shape.iter().map(u64::to_string).collect();
    if shape.len() == 1 { format!("({},)", inner[0]) } else { format!("({})", inner.join(", ")) }
}

/// Python expression for an array with raw `data` in C or Fortran order.
fn array_expr(dtype_expr: &str, shape: &[u64], fortran: bool, data: &[u8]) -> String {
    let base = format!("np.frombuffer(bytearray.fromhex('{}'), dtype=np.dtype({dtype_expr}))", hex(data));
    if fortran {
        let reversed: Vec<u64> = shape.iter().rev().copied().collect();
        format!("{base}.reshape({}).T", shape_text(&reversed))
    } else {
        format!("{base}.reshape({})", shape_text(shape))
    }
}

fn array_case(name: &str, dtype_expr: &str, dtype: DType, shape: &[u64], fortran: bool, data: Vec<u8>) -> Case {
    let expr = array_expr(dtype_expr, shape, fortran, &data);
    case(name, &expr, |b| b.array(dtype, shape, fortran, ArrayData::Bytes(data)))
}

fn structured(fields: &[(&str, DType, u64)], itemsize: u64) -> DType {
    DType {
        typestr: format!("|V{itemsize}"),
        fields: fields.iter().map(|(n, d, o)| (n.to_string(), d.clone(), *o)).collect(),
        subarray: None,
    }
}

fn subarray(base: &str, shape: &[u64], itemsize: u64) -> DType {
    DType { typestr: format!("|V{itemsize}"), fields: Vec::new(), subarray: Some((Box::new(dt(base)), shape.to_vec())) }
}

/// `[0x41, 0, 0, 0]` repeated: valid in every field kind (an 'A' for unicode, finite floats).
fn letters(len: usize) -> Vec<u8> {
    (0..len).map(|i| if i % 4 == 0 { 0x41 } else { 0 }).collect()
}

fn array_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let kinds: [(&str, usize); 21] = [
        ("<f8", 8),
        (">f8", 8),
        ("<f4", 4),
        ("<f2", 2),
        ("|i1", 1),
        ("|u1", 1),
        ("<i2", 2),
        ("<u2", 2),
        ("<i4", 4),
        (">i4", 4),
        ("<u8", 8),
        ("<i8", 8),
        ("<c8", 8),
        ("<c16", 16),
        (">c16", 16),
        ("|S4", 4),
        ("|V4", 4),
        ("<M8[ns]", 8),
        ("<m8[25s]", 8),
        ("<M8", 8),
        ("<f16", 16),
    ];
    // Generic-unit datetimes can only hold NaT.
    let nat: Vec<u8> = (0..5).flat_map(|_| i64::MIN.to_le_bytes()).collect();
    for (i, (typestr, size)) in kinds.iter().enumerate() {
        let name = format!("nd_{}", typestr.replace(['<', '>', '|', '[', ']'], "").to_lowercase());
        let name = if typestr.starts_with('>') { format!("{name}_be") } else { name };
        let data = if *typestr == "<M8" { nat.clone() } else { noise(size * 5, 7 + i as u64) };
        cases.push(array_case(&name, &format!("'{typestr}'"), dt(typestr), &[5], false, data));
    }
    cases.push(array_case("nd_bool", "'|b1'", dt("|b1"), &[3], false, vec![0, 1, 1]));
    cases.push(array_case("nd_unicode", "'<U3'", dt("<U3"), &[2], false, letters(24)));
    cases.push(array_case(
        "nd_unicode_be",
        "'>U2'",
        dt(">U2"),
        &[2],
        false,
        vec![0, 0, 0, 0x41, 0, 0, 0x01, 0x00, 0, 0, 0, 0x43, 0, 0, 0, 0],
    ));
    cases.push(array_case("nd_fortran_2d", "'<f8'", dt("<f8"), &[2, 3], true, noise(48, 3)));
    cases.push(array_case("nd_c_3d", "'<i2'", dt("<i2"), &[2, 3, 4], false, noise(48, 4)));
    cases.push(array_case("nd_fortran_3d", "'<u4'", dt("<u4"), &[2, 3, 4], true, noise(96, 5)));
    cases.push(array_case("nd_0d", "'<f8'", dt("<f8"), &[], false, 2.5f64.to_le_bytes().to_vec()));
    cases.push(array_case("nd_empty", "'<f8'", dt("<f8"), &[0], false, vec![]));
    cases.push(array_case("nd_empty_2d", "'<i4'", dt("<i4"), &[2, 0], true, vec![]));
    cases.push(array_case("nd_row_fortran_flag", "'<i4'", dt("<i4"), &[1, 5], true, noise(20, 6)));
    let big: Vec<u8> = (0..10_000).flat_map(|i| f64::from(i).to_le_bytes()).collect();
    cases.push(array_case("nd_big", "'<f8'", dt("<f8"), &[10_000], false, big));
    let rec = structured(&[("a", dt("<i4"), 0), ("b", dt(">f8"), 4), ("c", dt("<U2"), 12)], 20);
    cases.push(array_case(
        "nd_structured",
        "[('a', '<i4'), ('b', '>f8'), ('c', '<U2')]",
        rec,
        &[3],
        false,
        letters(60),
    ));
    let inner = structured(&[("y", dt("|u1"), 0), ("z", subarray("<f4", &[2], 8), 1)], 9);
    let nested = structured(&[("x", inner, 0), ("w", dt("<i2"), 9)], 11);
    cases.push(array_case(
        "nd_nested_structured",
        "[('x', [('y', 'u1'), ('z', '<f4', (2,))]), ('w', '<i2')]",
        nested,
        &[2],
        false,
        letters(22),
    ));
    let padded = structured(&[("a", dt("|u1"), 0), ("b", dt("<f8"), 8)], 24);
    cases.push(array_case(
        "nd_padded",
        "{'names': ['a', 'b'], 'formats': ['u1', '<f8'], 'offsets': [0, 8], 'itemsize': 24}",
        padded,
        &[2],
        false,
        letters(48),
    ));
    cases
}

fn object_cases() -> Vec<Case> {
    vec![
        case(
            "nd_object",
            "(lambda a: (a.__setitem__(slice(None), [1, 'a', None, [1, 2]]), a)[1])(np.empty(4, dtype=object))",
            |b| {
                let (one, a, none) = (b.int(1), b.str("a"), b.none());
                let n = b.ints(&[1, 2]);
                let l = b.list(n);
                b.array(dt("|O"), &[4], false, ArrayData::Objects(vec![one, a, none, l]))
            },
        ),
        // numpy lists object elements in C (row-major) order even for Fortran arrays.
        case("nd_object_fortran", "np.array([[1, 'a'], [None, 2.5]], dtype=object, order='F')", |b| {
            let (one, a, none, f) = (b.int(1), b.str("a"), b.none(), b.float(2.5));
            b.array(dt("|O"), &[2, 2], true, ArrayData::Objects(vec![one, a, none, f]))
        }),
        case(
            "nd_object_holding_array",
            "(lambda a: (a.__setitem__(0, np.arange(3.0)), a.__setitem__(1, 'x'), a)[2])(np.empty(2, dtype=object))",
            |b| {
                let data = [0.0f64, 1.0, 2.0].iter().flat_map(|v| v.to_le_bytes()).collect();
                let inner = b.array(dt("<f8"), &[3], false, ArrayData::Bytes(data));
                let x = b.str("x");
                b.array(dt("|O"), &[2], false, ArrayData::Objects(vec![inner, x]))
            },
        ),
        case("nd_structured_object", "np.array([(1, 2), ('x', 3)], dtype=[('a', 'O'), ('b', '<i4')])", |b| {
            let n = b.ints(&[1, 2, 3]);
            let x = b.str("x");
            let r1 = b.tuple(vec![n[0], n[1]]);
            let r2 = b.tuple(vec![x, n[2]]);
            let dtype = structured(&[("a", dt("|O"), 0), ("b", dt("<i4"), 8)], 12);
            b.array(dtype, &[2], false, ArrayData::Objects(vec![r1, r2]))
        }),
        case("nd_recursive_object", "(lambda a: (a.__setitem__(0, a), a)[1])(np.empty(1, dtype=object))", |b| {
            let a = b.array(dt("|O"), &[1], false, ArrayData::Objects(vec![]));
            if let Some(Node::NdArray(array)) = b.g.get_mut(a) {
                array.data = ArrayData::Objects(vec![a]);
            }
            a
        })
        .checks(&["v[0] is v"]),
        case("nd_shared", "(lambda a: [a, a])(np.arange(3.0))", |b| {
            let data = [0.0f64, 1.0, 2.0].iter().flat_map(|v| v.to_le_bytes()).collect();
            let a = b.array(dt("<f8"), &[3], false, ArrayData::Bytes(data));
            b.list(vec![a, a])
        })
        .checks(&["v[0] is v[1]"]),
    ]
}

fn scalar_and_dtype_cases() -> Vec<Case> {
    vec![
        case(
            "np_scalars",
            "[np.float64(1.5), np.int32(-3), np.bool_(True), np.complex64(1+2j), np.str_('ab'), np.bytes_(b'ab'), np.datetime64('2020-01-01', 'D'), np.zeros(1, dtype=[('a', '<i4'), ('b', 'u1')])[0]]",
            |b| {
                let mut scalar =
                    |typestr: &str, data: Vec<u8>| b.add(Node::NumpyScalar { dtype: Box::new(dt(typestr)), data });
                let mut items = vec![
                    scalar("<f8", 1.5f64.to_le_bytes().to_vec()),
                    scalar("<i4", (-3i32).to_le_bytes().to_vec()),
                    scalar("|b1", vec![1]),
                    scalar("<c8", [1.0f32.to_le_bytes(), 2.0f32.to_le_bytes()].concat()),
                    scalar("<U2", vec![0x61, 0, 0, 0, 0x62, 0, 0, 0]),
                    scalar("|S2", b"ab".to_vec()),
                    scalar("<M8[D]", 18_262i64.to_le_bytes().to_vec()),
                ];
                let record = structured(&[("a", dt("<i4"), 0), ("b", dt("|u1"), 4)], 5);
                items.push(b.add(Node::NumpyScalar { dtype: Box::new(record), data: vec![0; 5] }));
                b.list(items)
            },
        ),
        case(
            "dtypes",
            "[np.dtype('<f8'), np.dtype('>U5'), np.dtype([('a', '<i4'), ('b', '>f8')]), np.dtype(('<f4', (3,))), np.dtype('<M8[ns]'), np.dtype('O'), np.dtype({'names': ['a', 'b'], 'formats': ['u1', '<f8'], 'offsets': [0, 8], 'itemsize': 24}), np.dtype((('<f4', (3,)), (2,))), np.dtype([('x', [('y', 'O')])])]",
            |b| {
                let dtypes = vec![
                    dt("<f8"),
                    dt(">U5"),
                    structured(&[("a", dt("<i4"), 0), ("b", dt(">f8"), 4)], 12),
                    subarray("<f4", &[3], 12),
                    dt("<M8[ns]"),
                    dt("|O"),
                    structured(&[("a", dt("|u1"), 0), ("b", dt("<f8"), 8)], 24),
                    DType {
                        typestr: "|V24".into(),
                        fields: vec![],
                        subarray: Some((Box::new(subarray("<f4", &[3], 12)), vec![2])),
                    },
                    structured(&[("x", structured(&[("y", dt("|O"), 0)], 8), 0)], 8),
                ];
                let items = dtypes.into_iter().map(|d| b.add(Node::DType(Box::new(d)))).collect();
                b.list(items)
            },
        ),
    ]
}

fn joblib_cases() -> Vec<Case> {
    let f8 = |values: &[f64]| -> Vec<u8> { values.iter().flat_map(|v| v.to_le_bytes()).collect() };
    vec![
        case(
            "jl_mixed",
            "[np.arange(3, dtype='<i2'), 'x', {'k': np.asfortranarray(np.arange(6.0).reshape(2, 3))}]",
            |b| {
                let a = b.array(dt("<i2"), &[3], false, ArrayData::Bytes(vec![0, 0, 1, 0, 2, 0]));
                let x = b.str("x");
                let k = b.str("k");
                let f = b.array(dt("<f8"), &[2, 3], true, ArrayData::Bytes(f8(&[0.0, 3.0, 1.0, 4.0, 2.0, 5.0])));
                let d = b.dict(vec![(k, f)]);
                b.list(vec![a, x, d])
            },
        ),
        case("jl_big", "np.arange(10000.0)", |b| {
            let data = (0..10_000).flat_map(|i| f64::from(i).to_le_bytes()).collect();
            b.array(dt("<f8"), &[10_000], false, ArrayData::Bytes(data))
        }),
        case("jl_object", "np.array([1, None, 'a'], dtype=object)", |b| {
            let (one, none, a) = (b.int(1), b.none(), b.str("a"));
            b.array(dt("|O"), &[3], false, ArrayData::Objects(vec![one, none, a]))
        }),
        case(
            "jl_object_holding_array",
            "(lambda a: (a.__setitem__(0, np.arange(3.0)), a)[1])(np.empty(1, dtype=object))",
            |b| {
                let inner = b.array(dt("<f8"), &[3], false, ArrayData::Bytes(f8(&[0.0, 1.0, 2.0])));
                b.array(dt("|O"), &[1], false, ArrayData::Objects(vec![inner]))
            },
        ),
        case("jl_edge_shapes", "[np.array(2.5), np.zeros(0), np.zeros((2, 0), dtype='<i4')]", |b| {
            let items = vec![
                b.array(dt("<f8"), &[], false, ArrayData::Bytes(f8(&[2.5]))),
                b.array(dt("<f8"), &[0], false, ArrayData::Bytes(vec![])),
                b.array(dt("<i4"), &[2, 0], false, ArrayData::Bytes(vec![])),
            ];
            b.list(items)
        }),
        case("jl_structured", "np.zeros(2, dtype=[('a', '<i4'), ('b', '>f8')])", |b| {
            b.array(
                structured(&[("a", dt("<i4"), 0), ("b", dt(">f8"), 4)], 12),
                &[2],
                false,
                ArrayData::Bytes(vec![0; 24]),
            )
        }),
        case("jl_big_endian", "np.array([1.0, 2.0], dtype='>f8')", |b| {
            let data = [1.0f64, 2.0].iter().flat_map(|v| v.to_be_bytes()).collect();
            b.array(dt(">f8"), &[2], false, ArrayData::Bytes(data))
        }),
        case("jl_shared", "(lambda a: [a, a])(np.arange(3.0))", |b| {
            let a = b.array(dt("<f8"), &[3], false, ArrayData::Bytes(f8(&[0.0, 1.0, 2.0])));
            b.list(vec![a, a])
        })
        .checks(&["v[0] is v[1]"]),
        case("jl_plain", "{'a': [1, 2.5, 'x'], 'b': (None, True)}", |b| {
            let (ka, kb, one, f, x, none, t) =
                (b.str("a"), b.str("b"), b.int(1), b.float(2.5), b.str("x"), b.none(), b.bool(true));
            let l = b.list(vec![one, f, x]);
            let tup = b.tuple(vec![none, t]);
            b.dict(vec![(ka, l), (kb, tup)])
        }),
    ]
    .into_iter()
    .map(Case::joblib)
    .collect()
}

/// Every numpy and joblib case.
pub(super) fn cases() -> Vec<Case> {
    let mut all = array_cases();
    all.extend(object_cases());
    all.extend(scalar_and_dtype_cases());
    all.extend(joblib_cases());
    all
}

#[test]
fn array_expressions_follow_the_order() {
    assert_eq!(
        array_expr("'<i2'", &[2, 3], false, &[1, 2]),
        "np.frombuffer(bytearray.fromhex('0102'), dtype=np.dtype('<i2')).reshape((2, 3))"
    );
    assert!(array_expr("'<i2'", &[2, 3], true, &[]).ends_with(".reshape((3, 2)).T"));
    assert!(array_expr("'<i2'", &[4], false, &[]).contains(".reshape((4,))"));
    assert!(array_expr("'<i2'", &[], false, &[]).contains(".reshape(())"));
}
