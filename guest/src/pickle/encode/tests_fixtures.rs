//! CPython fixtures: encodes a broad set of graphs in every protocol (and the joblib layout) into
//! `target/encoder-fixtures/` with a `manifest.json` of expectations (a Python expression building the
//! expected value, plus identity checks on the loaded value `v`), for `tests/pickle/check_encoder_fixtures.py`
//! to load with `pickle` / `joblib` and compare, types included. Plain data and recognized types live here,
//! numpy and joblib cases in `tests_fixtures_numpy.rs`.

use std::path::PathBuf;

use num_bigint::BigInt;
use serde_json::json;

use super::test_graph::G;
use super::{EncodeOptions, Layout, encode};
use crate::pickle::value::{Graph, Node, NodeId};

/// One fixture: a graph and what CPython must load from it.
pub(super) struct Case {
    pub(super) name: String,
    pub(super) expr: String,
    pub(super) checks: Vec<&'static str>,
    pub(super) protocols: Vec<u8>,
    pub(super) layout: Layout,
    pub(super) repr: bool,
    pub(super) graph: Graph,
    pub(super) root: NodeId,
}

impl Case {
    pub(super) fn checks(mut self, checks: &[&'static str]) -> Self {
        self.checks = checks.to_vec();
        self
    }
    pub(super) fn protocols(mut self, protocols: std::ops::RangeInclusive<u8>) -> Self {
        self.protocols = protocols.collect();
        self
    }
    pub(super) fn joblib(mut self) -> Self {
        self.layout = Layout::Joblib;
        self
    }
    fn no_repr(mut self) -> Self {
        self.repr = false;
        self
    }
}

/// A case for every protocol in the pickle layout.
pub(super) fn case(name: &str, expr: &str, build: impl FnOnce(&mut G) -> NodeId) -> Case {
    let mut b = G::default();
    let root = build(&mut b);
    Case {
        name: name.into(),
        expr: expr.into(),
        checks: Vec::new(),
        protocols: (0..=5).collect(),
        layout: Layout::Pickle,
        repr: true,
        graph: b.g,
        root,
    }
}

fn plain_cases() -> Vec<Case> {
    vec![
        case("none", "None", |b| b.none()),
        case("bools", "[True, False]", |b| {
            let items = vec![b.bool(true), b.bool(false)];
            b.list(items)
        }),
        case("ints", "[0, 1, -1, 255, 256, 65535, 65536, -2**31, 2**31-1, 2**31, -2**31-1, 2**63-1, -2**63]", |b| {
            let items = b.ints(&[
                0,
                1,
                -1,
                255,
                256,
                65535,
                65536,
                -(1 << 31),
                (1 << 31) - 1,
                1 << 31,
                -(1 << 31) - 1,
                i64::MAX,
                i64::MIN,
            ]);
            b.list(items)
        }),
        case("bigints", "[2**64, -2**64, 2**1000, -(2**1000)+1, 10**4299]", |b| {
            let one = BigInt::from(1u8);
            let items = vec![
                b.big(one.clone() << 64u32),
                b.big(-(one.clone() << 64u32)),
                b.big(one.clone() << 1000u32),
                b.big(-(one.clone() << 1000u32) + 1),
                b.big(BigInt::from(10u8).pow(4299)),
            ];
            b.list(items)
        }),
        case(
            "floats",
            "[0.0, -0.0, 1.5, 1e300, 5e-324, float('inf'), float('-inf'), float('nan'), 1e16, 0.1, -1.2345678901234567e-100]",
            |b| {
                let values = [
                    0.0,
                    -0.0,
                    1.5,
                    1e300,
                    5e-324,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                    f64::NAN,
                    1e16,
                    0.1,
                    -1.2345678901234567e-100,
                ];
                let items = values.iter().map(|&v| b.float(v)).collect();
                b.list(items)
            },
        ),
        case("nan_payload", "struct.unpack('<d', bytes.fromhex('010000000000f07f'))[0]", |b| {
            b.float(f64::from_bits(0x7ff0_0000_0000_0001))
        })
        .protocols(1..=5),
        case("negative_nan", "-float('nan')", |b| b.float(-f64::NAN)),
        case(
            "strings",
            r#"['', 'ascii', 'é', '\u1234', '\U0001f600', '\x00\n\r\x1a\\', 'a' * 300, 'x' * 70000, 'new\nline V']"#,
            |b| {
                let long = "a".repeat(300);
                let big = "x".repeat(70_000);
                let texts = ["", "ascii", "é", "\u{1234}", "\u{1f600}", "\0\n\r\u{1a}\\", &long, &big, "new\nline V"];
                let items = texts.iter().map(|t| b.str(t)).collect();
                b.list(items)
            },
        ),
        case("surrogates", r#"'\udc80abc\ud800'"#, |b| {
            b.add(Node::SurrogateStr(vec![0xdc80, 0x61, 0x62, 0x63, 0xd800]))
        }),
        case("surrogate_code_points", r#"['\ud83d\ude00', 'a\ud800b', '\udfff', '\ud800\U0001f600']"#, |b| {
            let texts: [&[u32]; 4] = [&[0xd83d, 0xde00], &[0x61, 0xd800, 0x62], &[0xdfff], &[0xd800, 0x1f600]];
            let items = texts.iter().map(|t| b.add(Node::SurrogateStr(t.to_vec()))).collect();
            b.list(items)
        }),
        case("bytes", "[b'', b'\\x00\\xff', bytes(range(256)), bytes(70000)]", |b| {
            let all: Vec<u8> = (0..=255).collect();
            let items = vec![b.bytes(b""), b.bytes(b"\x00\xff"), b.bytes(&all), b.bytes(&vec![0; 70_000])];
            b.list(items)
        }),
        case("bytearrays", "[bytearray(), bytearray(b'\\x00\\xff'), bytearray(70000)]", |b| {
            let items = vec![
                b.add(Node::ByteArray(vec![])),
                b.add(Node::ByteArray(vec![0, 0xff])),
                b.add(Node::ByteArray(vec![0; 70_000])),
            ];
            b.list(items)
        }),
        case(
            "mapping",
            "{'a': [1, (2, 3)], (1, 2): {'x': None}, 3: frozenset({1, 2}), None: set(), 2.5: {'s'}}",
            |b| {
                let (a, x, s) = (b.str("a"), b.str("x"), b.str("s"));
                let n = b.ints(&[1, 2, 3]);
                let t23 = b.tuple(vec![n[1], n[2]]);
                let l = b.list(vec![n[0], t23]);
                let k12 = b.tuple(vec![n[0], n[1]]);
                let none = b.none();
                let inner = b.dict(vec![(x, none)]);
                let fs = b.add(Node::FrozenSet(vec![n[0], n[1]]));
                let empty = b.add(Node::Set(vec![]));
                let f = b.float(2.5);
                let ss = b.add(Node::Set(vec![s]));
                b.dict(vec![(a, l), (k12, inner), (n[2], fs), (none, empty), (f, ss)])
            },
        ),
        case("tuples", "[(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)]", |b| {
            let n = b.ints(&[1, 2, 3, 4]);
            let items = (0..=4).map(|k| b.tuple(n[..k].to_vec())).collect();
            b.list(items)
        }),
        case("long_list", "list(range(2500))", |b| {
            let items = b.ints(&(0..2500).collect::<Vec<_>>());
            b.list(items)
        }),
        case("long_dict_set", "[{i: str(i) for i in range(1500)}, set(range(2100)), frozenset(range(1200))]", |b| {
            let pairs = (0..1500).map(|i| (b.int(i), b.str(&i.to_string()))).collect();
            let d = b.dict(pairs);
            let set = b.ints(&(0..2100).collect::<Vec<_>>());
            let s = b.add(Node::Set(set));
            let fset = b.ints(&(0..1200).collect::<Vec<_>>());
            let f = b.add(Node::FrozenSet(fset));
            b.list(vec![d, s, f])
        }),
        case("shared", "(lambda x: [x, x, (x,)])([1])", |b| {
            let one = b.int(1);
            let x = b.list(vec![one]);
            let t = b.tuple(vec![x]);
            b.list(vec![x, x, t])
        })
        .checks(&["v[0] is v[1]", "v[2][0] is v[0]"]),
        case("shared_bytes_and_str", "(lambda b, s: [b, b, s, s])(b'ab', 'cd')", |b| {
            let (x, s) = (b.bytes(b"ab"), b.str("cd"));
            b.list(vec![x, x, s, s])
        })
        .checks(&["v[0] is v[1]", "v[2] is v[3]"]),
        case("recursive_list", "(lambda l: (l.append(l), l)[1])([1])", |b| {
            let one = b.int(1);
            let l = b.list(vec![]);
            b.set_list(l, vec![one, l]);
            l
        })
        .checks(&["v[1] is v"]),
        case("recursive_tuple", "(lambda l: (l.append((l, 'x', 1, None)), l[0])[1])([])", |b| {
            let l = b.list(vec![]);
            let (x, one, none) = (b.str("x"), b.int(1), b.none());
            let t = b.tuple(vec![l, x, one, none]);
            b.set_list(l, vec![t]);
            t
        })
        .checks(&["v[0][0] is v"]),
        case("recursive_dict", "(lambda d: (d.__setitem__('self', d), d)[1])({})", |b| {
            let d = b.dict(vec![]);
            let k = b.str("self");
            if let Some(node) = b.g.get_mut(d) {
                *node = Node::Dict(vec![(k, d)]);
            }
            d
        })
        .checks(&["v['self'] is v"]),
        case("deep", "functools.reduce(lambda acc, _: [acc], range(10000), [])", |b| {
            let mut inner = b.list(vec![]);
            for _ in 0..10_000 {
                inner = b.list(vec![inner]);
            }
            inner
        })
        .no_repr(),
    ]
}

fn recognized_cases() -> Vec<Case> {
    vec![
        case("complexes", "[complex(1.5, -2.0), complex(float('nan'), float('inf'))]", |b| {
            let items = vec![b.add(Node::Complex(1.5, -2.0)), b.add(Node::Complex(f64::NAN, f64::INFINITY))];
            b.list(items)
        }),
        case("decimals", "[decimal.Decimal('-1.50'), decimal.Decimal('NaN'), decimal.Decimal('-Infinity'), decimal.Decimal('1E+3')]", |b| {
            let items = ["-1.50", "NaN", "-Infinity", "1E+3"].iter().map(|d| b.add(Node::Decimal(d.to_string()))).collect();
            b.list(items)
        }),
        case("fractions", "[fractions.Fraction(-1, 3), fractions.Fraction(2**100, 3)]", |b| {
            let items = vec![
                b.add(Node::Fraction(Box::new(BigInt::from(-1)), BigInt::from(3))),
                b.add(Node::Fraction(Box::new(BigInt::from(1u8) << 100u32), BigInt::from(3))),
            ];
            b.list(items)
        }),
        case("uuids", "[uuid.UUID(int=0), uuid.UUID(int=2**128-1), uuid.UUID('12345678-1234-5678-1234-567812345678')]", |b| {
            let items = [0, u128::MAX, 0x1234_5678_1234_5678_1234_5678_1234_5678].iter().map(|&u| b.add(Node::Uuid(Box::new(u)))).collect();
            b.list(items)
        }),
        case("dates", "[datetime.date(1, 1, 1), datetime.date(9999, 12, 31), datetime.date(2024, 2, 29)]", |b| {
            let items = [(1, 1, 1), (9999, 12, 31), (2024, 2, 29)].iter().map(|&(year, month, day)| b.add(Node::Date { year, month, day })).collect();
            b.list(items)
        }),
        case("times", "[datetime.time(23, 59, 59, 999999), datetime.time(1, 2, 3, fold=1), datetime.time(4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=-5), 'EST'))]", |b| {
            let t1 = b.add(Node::Time { hour: 23, minute: 59, second: 59, microsecond: 999_999, fold: false, tzinfo: None });
            let t2 = b.add(Node::Time { hour: 1, minute: 2, second: 3, microsecond: 0, fold: true, tzinfo: None });
            let tz = b.timezone(-1, 68_400, Some("EST"));
            let t3 = b.add(Node::Time { hour: 4, minute: 5, second: 0, microsecond: 0, fold: false, tzinfo: Some(tz) });
            b.list(vec![t1, t2, t3])
        }),
        case("datetimes", "[datetime.datetime(2020, 1, 2, 3, 4, 5, 6, fold=1), datetime.datetime(2021, 6, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30), 'IST')), datetime.datetime(1999, 12, 31, 23, 59, tzinfo=datetime.timezone.utc)]", |b| {
            let dt = |b: &mut G, (year, month, day, hour, minute, second, microsecond): (u16, u8, u8, u8, u8, u8, u32), fold, tzinfo| {
                b.add(Node::DateTime { year, month, day, hour, minute, second, microsecond, fold, tzinfo })
            };
            let d1 = dt(b, (2020, 1, 2, 3, 4, 5, 6), true, None);
            let ist = b.timezone(0, 19_800, Some("IST"));
            let d2 = dt(b, (2021, 6, 1, 0, 0, 0, 0), false, Some(ist));
            let utc = b.timezone(0, 0, None);
            let d3 = dt(b, (1999, 12, 31, 23, 59, 0, 0), false, Some(utc));
            b.list(vec![d1, d2, d3])
        }),
        case("timedeltas", "[datetime.timedelta(-999999999), datetime.timedelta(1, 2, 3), datetime.timedelta(microseconds=-1)]", |b| {
            let items = vec![b.timedelta(-999_999_999, 0, 0), b.timedelta(1, 2, 3), b.timedelta(-1, 86_399, 999_999)];
            b.list(items)
        }),
        case("timezones", "[datetime.timezone.utc, datetime.timezone(datetime.timedelta(seconds=-1)), datetime.timezone(datetime.timedelta(hours=1), 'X')]", |b| {
            let items = vec![b.timezone(0, 0, None), b.timezone(-1, 86_399, None), b.timezone(0, 3600, Some("X"))];
            b.list(items)
        })
        .checks(&["v[0] is datetime.timezone.utc"]),
        case("shared_tzinfo", "(lambda tz: [datetime.datetime(2000, 1, 1, tzinfo=tz), datetime.time(1, tzinfo=tz)])(datetime.timezone(datetime.timedelta(hours=1)))", |b| {
            let tz = b.timezone(0, 3600, None);
            let d = b.add(Node::DateTime { year: 2000, month: 1, day: 1, hour: 0, minute: 0, second: 0, microsecond: 0, fold: false, tzinfo: Some(tz) });
            let t = b.add(Node::Time { hour: 1, minute: 0, second: 0, microsecond: 0, fold: false, tzinfo: Some(tz) });
            b.list(vec![d, t])
        })
        .checks(&["v[0].tzinfo is v[1].tzinfo"]),
        case("ordered_dict", "collections.OrderedDict([('b', 1), ('a', 2)])", |b| {
            let (kb, ka, one, two) = (b.str("b"), b.str("a"), b.int(1), b.int(2));
            b.add(Node::OrderedDict(vec![(kb, one), (ka, two)]))
        }),
        case("recursive_ordered_dict", "(lambda d: (d.__setitem__('self', d), d)[1])(collections.OrderedDict())", |b| {
            let k = b.str("self");
            let d = b.add(Node::OrderedDict(vec![]));
            if let Some(node) = b.g.get_mut(d) {
                *node = Node::OrderedDict(vec![(k, d)]);
            }
            d
        })
        .checks(&["v['self'] is v"]),
        case("counter", "collections.Counter({'a': 2, 'b': -1})", |b| {
            let (ka, kb, two, minus) = (b.str("a"), b.str("b"), b.int(2), b.int(-1));
            b.add(Node::Counter(vec![(ka, two), (kb, minus)]))
        }),
        case("defaultdicts", "[collections.defaultdict(list, {1: [2]}), collections.defaultdict(None, {}), collections.defaultdict(int, {'k': 3})]", |b| {
            let n = b.ints(&[1, 2, 3]);
            let l = b.list(vec![n[1]]);
            let k = b.str("k");
            let items = vec![
                b.add(Node::DefaultDict { factory: Some("list".into()), items: vec![(n[0], l)] }),
                b.add(Node::DefaultDict { factory: None, items: vec![] }),
                b.add(Node::DefaultDict { factory: Some("int".into()), items: vec![(k, n[2])] }),
            ];
            b.list(items)
        }),
        case("deques", "[collections.deque([1, 2, 3]), collections.deque([1], maxlen=5), collections.deque(maxlen=0)]", |b| {
            let n = b.ints(&[1, 2, 3]);
            let items = vec![
                b.add(Node::Deque { items: n.clone(), maxlen: None }),
                b.add(Node::Deque { items: vec![n[0]], maxlen: Some(5) }),
                b.add(Node::Deque { items: vec![], maxlen: Some(0) }),
            ];
            b.list(items)
        }),
        case("ranges", "[range(0), range(-5, 10**20, 3)]", |b| {
            let (zero, one, m5, three) = (b.int(0), b.int(1), b.int(-5), b.int(3));
            let big = b.big(BigInt::from(10u8).pow(20));
            let items = vec![b.add(Node::Range { start: zero, stop: zero, step: one }), b.add(Node::Range { start: m5, stop: big, step: three })];
            b.list(items)
        }),
        case("slices", "[slice(None, 5, None), slice('a', (1,), 2.5)]", |b| {
            let (none, five, a, one, f) = (b.none(), b.int(5), b.str("a"), b.int(1), b.float(2.5));
            let t = b.tuple(vec![one]);
            let items = vec![b.add(Node::Slice { start: none, stop: five, step: none }), b.add(Node::Slice { start: a, stop: t, step: f })];
            b.list(items)
        }),
    ]
}

fn fixture_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("WANDGUARD_ENCODER_FIXTURES") {
        return PathBuf::from(dir);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("target"));
    target.join("encoder-fixtures")
}

#[test]
fn writes_cpython_fixtures() {
    let mut cases = plain_cases();
    cases.extend(recognized_cases());
    cases.extend(super::tests_fixtures_numpy::cases());
    let dir = fixture_dir();
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    let mut manifest = Vec::new();
    for case in &cases {
        for &protocol in &case.protocols {
            let options = EncodeOptions { protocol, layout: case.layout };
            let out =
                encode(&case.graph, case.root, &options).unwrap_or_else(|e| panic!("{} p{protocol}: {e}", case.name));
            let (layout, ext) = match case.layout {
                Layout::Pickle => ("pickle", "pickle"),
                Layout::Joblib => ("joblib", "joblib"),
            };
            let file = format!("{}.p{protocol}.{ext}", case.name);
            std::fs::write(dir.join(&file), &out).unwrap_or_else(|e| panic!("write {file}: {e}"));
            manifest.push(json!({
                "file": file, "name": case.name, "protocol": protocol, "layout": layout,
                "expr": case.expr, "checks": case.checks, "repr": case.repr,
            }));
        }
    }
    let text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    std::fs::write(dir.join("manifest.json"), text).unwrap_or_else(|e| panic!("write manifest: {e}"));
    assert!(manifest.len() > 300, "{} fixtures", manifest.len());
}
