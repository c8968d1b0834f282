//! The worked examples of `docs/value-model.md`, checked in both directions for both wire forms.

use num_bigint::BigInt;

use super::*;
use crate::formats::json::{from_json, to_json};
use crate::pickle::value::{ArrayData, DType, NdArray};

/// One documented example: the Python value, a graph builder, its msgpack hex and its JSON text.
pub(crate) struct Example {
    pub python: &'static str,
    pub build: fn(&mut Graph) -> NodeId,
    pub msgpack: &'static str,
    pub json: &'static str,
}

fn dtype(typestr: &str) -> DType {
    DType { typestr: typestr.into(), fields: vec![], subarray: None }
}

/// Every example of the document, in document order.
pub(crate) fn examples() -> Vec<Example> {
    vec![
        Example {
            python: r#"[1, -1.5, "é", None, True]"#,
            build: |g| {
                let items = vec![
                    g.push(Node::Int(1)),
                    g.push(Node::Float(-1.5)),
                    g.push(Node::Str("é".into())),
                    g.push(Node::None),
                    g.push(Node::Bool(true)),
                ];
                g.push(Node::List(items))
            },
            msgpack: "95 01 cb bf f8 00 00 00 00 00 00 a2 c3 a9 c0 c3",
            json: r#"[1,-1.5,"é",null,true]"#,
        },
        Example {
            python: r#"{"a": b"\x00\x01"}"#,
            build: |g| {
                let k = g.push(Node::Str("a".into()));
                let v = g.push(Node::Bytes(vec![0, 1]));
                g.push(Node::Dict(vec![(k, v)]))
            },
            msgpack: "81 a1 61 c4 02 00 01",
            json: r#"{"a":{"$type":"bytes","value":"AAE="}}"#,
        },
        Example {
            python: r#"(1, "a")"#,
            build: |g| {
                let items = vec![g.push(Node::Int(1)), g.push(Node::Str("a".into()))];
                g.push(Node::Tuple(items))
            },
            msgpack: "d6 03 92 01 a1 61",
            json: r#"{"$type":"tuple","items":[1,"a"]}"#,
        },
        Example {
            python: r#"{1: None, "$type": 2}"#,
            build: |g| {
                let (k1, v1) = (g.push(Node::Int(1)), g.push(Node::None));
                let (k2, v2) = (g.push(Node::Str("$type".into())), g.push(Node::Int(2)));
                g.push(Node::Dict(vec![(k1, v1), (k2, v2)]))
            },
            msgpack: "c7 0c 07 92 92 01 c0 92 a5 24 74 79 70 65 02",
            json: r#"{"$type":"dict","items":[[1,null],["$type",2]]}"#,
        },
        Example {
            python: "2**64",
            build: |g| g.push(Node::BigInt(BigInt::from(1u8) << 64)),
            msgpack: "c7 0b 02 c4 09 01 00 00 00 00 00 00 00 00",
            json: r#"{"$type":"int","value":"18446744073709551616"}"#,
        },
        Example {
            python: "-2**63 - 1",
            build: |g| g.push(Node::BigInt(BigInt::from(i64::MIN) - 1)),
            msgpack: "c7 0b 02 c4 09 ff 7f ff ff ff ff ff ff ff",
            json: r#"{"$type":"int","value":"-9223372036854775809"}"#,
        },
        Example {
            python: "[2**53, 2**53 + 1]",
            build: |g| {
                let items = vec![g.push(Node::Int(1 << 53)), g.push(Node::Int((1 << 53) + 1))];
                g.push(Node::List(items))
            },
            msgpack: "92 cf 00 20 00 00 00 00 00 00 cf 00 20 00 00 00 00 00 01",
            json: r#"[9007199254740992,{"$type":"int","value":"9007199254740993"}]"#,
        },
        Example {
            python: r#"[float("nan"), float("-inf"), 1e16]"#,
            build: |g| {
                let items = [f64::NAN, f64::NEG_INFINITY, 1e16].into_iter().map(|f| g.push(Node::Float(f))).collect();
                g.push(Node::List(items))
            },
            msgpack: "93 cb 7f f8 00 00 00 00 00 00 cb ff f0 00 00 00 00 00 00 cb 43 41 c3 79 37 e0 80 00",
            json: r#"[{"$type":"float","value":"nan"},{"$type":"float","value":"-inf"},1e+16]"#,
        },
        Example {
            python: r#""a\ud800""#,
            build: |g| g.push(Node::SurrogateStr(vec![0x61, 0xD800])),
            msgpack: "c7 06 08 c4 04 61 ed a0 80",
            json: r#""a\ud800""#,
        },
        Example {
            python: r#""\ud83d\ude00"  # two code points"#,
            build: |g| g.push(Node::SurrogateStr(vec![0xD83D, 0xDE00])),
            msgpack: "d7 08 c4 06 ed a0 bd ed b8 80",
            json: r#"{"$type":"surrogate_str","value":"7aC97biA"}"#,
        },
        Example {
            python: r#""\U0001f600"  # one code point"#,
            build: |g| g.push(Node::Str("\u{1F600}".into())),
            msgpack: "a4 f0 9f 98 80",
            json: "\"\u{1F600}\"",
        },
        Example {
            python: "x = []; [x, x]",
            build: |g| {
                let x = g.push(Node::List(vec![]));
                g.push(Node::List(vec![x, x]))
            },
            msgpack: "92 c7 03 00 92 00 90 d4 01 00",
            json: r#"[{"$type":"anchor","id":0,"value":[]},{"$type":"ref","id":0}]"#,
        },
        Example {
            python: "l = []; l.append(l); l",
            build: |g| {
                let l = g.push(Node::List(vec![]));
                if let Some(Node::List(items)) = g.get_mut(l) {
                    items.push(l);
                }
                l
            },
            msgpack: "c7 06 00 92 00 91 d4 01 00",
            json: r#"{"$type":"anchor","id":0,"value":[{"$type":"ref","id":0}]}"#,
        },
        Example {
            python: r#"decimal.Decimal("1.10")"#,
            build: |g| g.push(Node::Decimal("1.10".into())),
            msgpack: "c7 05 11 a4 31 2e 31 30",
            json: r#"{"$type":"decimal","value":"1.10"}"#,
        },
        Example {
            python: "datetime.datetime(2024, 2, 29, 12, 30, 0, 5, tzinfo=datetime.timezone.utc)",
            build: |g| {
                let offset = g.push(Node::TimeDelta { days: 0, seconds: 0, microseconds: 0 });
                let tz = g.push(Node::TimeZone { offset, name: None });
                g.push(Node::DateTime {
                    year: 2024,
                    month: 2,
                    day: 29,
                    hour: 12,
                    minute: 30,
                    second: 0,
                    microsecond: 5,
                    fold: false,
                    tzinfo: Some(tz),
                })
            },
            msgpack: "c7 15 16 99 cd 07 e8 02 1d 0c 1e 00 05 c2 c7 07 18 91 d6 17 93 00 00 00",
            json: concat!(
                r#"{"$type":"datetime","year":2024,"month":2,"day":29,"hour":12,"minute":30,"second":0,"#,
                r#""microsecond":5,"fold":false,"tzinfo":{"$type":"timezone","offset":"#,
                r#"{"$type":"timedelta","days":0,"seconds":0,"microseconds":0}}}"#
            ),
        },
        Example {
            python: r#"numpy.arange(3, dtype="<i2")"#,
            build: |g| {
                let data = ArrayData::Bytes(vec![0, 0, 1, 0, 2, 0]);
                g.push(Node::NdArray(Box::new(NdArray {
                    dtype: dtype("<i2"),
                    shape: vec![3],
                    fortran_order: false,
                    data,
                })))
            },
            msgpack: "c7 14 21 94 c7 05 20 91 a3 3c 69 32 91 03 c2 c4 06 00 00 01 00 02 00",
            json: concat!(
                r#"{"$type":"ndarray","shape":[3],"fortran_order":false,"#,
                r#""dtype":{"$type":"dtype","typestr":"<i2"},"data":"AAABAAIA"}"#
            ),
        },
        Example {
            python: r#"REDUCE(os.system, ("true",))   # inspect policy"#,
            build: |g| {
                let callable = g.push(Node::Global { module: "os".into(), qualname: "system".into() });
                let arg = g.push(Node::Str("true".into()));
                let args = g.push(Node::Tuple(vec![arg]));
                g.push(Node::Call { callable, args })
            },
            msgpack: "c7 18 31 92 c7 0b 30 92 a2 6f 73 a6 73 79 73 74 65 6d c7 06 03 91 a4 74 72 75 65",
            json: concat!(
                r#"{"$type":"call","callable":{"$type":"global","module":"os","qualname":"system"},"#,
                r#""args":{"$type":"tuple","items":["true"]}}"#
            ),
        },
    ]
}

#[test]
fn documented_examples_hold_in_both_directions() {
    for ex in examples() {
        let mut graph = Graph::new();
        let root = (ex.build)(&mut graph);
        assert_eq!(hex(&to_msgpack(&graph, root)), ex.msgpack, "msgpack of {}", ex.python);
        assert_eq!(to_json(&graph, root), ex.json, "JSON of {}", ex.python);
        let (back, back_root) = decode(&unhex(ex.msgpack));
        assert!(same_value(&graph, root, &back, back_root), "msgpack decode of {}", ex.python);
        let parsed = from_json(ex.json, &TranscodeLimits::default());
        let (back, back_root) = parsed.unwrap_or_else(|e| panic!("JSON decode of {}: {e}", ex.python));
        assert!(same_value(&graph, root, &back, back_root), "JSON decode of {}", ex.python);
    }
}
