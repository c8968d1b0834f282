//! Deterministic random graphs covering every node variant, with sharing and cycles, for round-trip tests
//! of both transcoders.

use num_bigint::BigInt;

use crate::pickle::value::{ArrayData, DType, Graph, Mutation, NdArray, Node, NodeId};

/// xorshift64*: small, deterministic, good enough for test data.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// Number of node variants [`variant`] can build.
pub(crate) const VARIANTS: usize = 41;

fn text(rng: &mut Rng) -> String {
    let pieces = ["", "a", "$type", "key", "é", "😀", "\u{0}", "\n\"\\", "\u{7f}", "日本", "\u{2028}", " x "];
    let mut s = String::new();
    for _ in 0..rng.below(4) {
        s.push_str(rng.pick(&pieces));
    }
    if rng.chance(3) {
        s.push_str(&"long".repeat(80));
    }
    s
}

fn bytes(rng: &mut Rng, max: usize) -> Vec<u8> {
    let n = rng.below(max + 1);
    (0..n).map(|_| rng.next() as u8).collect()
}

fn float(rng: &mut Rng) -> f64 {
    let specials = [
        0.0,
        -0.0,
        1.0,
        0.1,
        -2.5,
        1e16,
        1.5e-7,
        5e-324,
        f64::MAX,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        f64::from_bits(0xFFF8_0000_0000_0001),
    ];
    if rng.chance(50) { rng.pick(&specials) } else { f64::from_bits(rng.next()) }
}

fn int(rng: &mut Rng) -> i64 {
    let specials = [0, 1, -1, 127, 128, -32, -33, 1 << 53, (1 << 53) + 1, -(1 << 53) - 1, i64::MIN, i64::MAX];
    if rng.chance(50) { rng.pick(&specials) } else { rng.next() as i64 >> rng.below(64) }
}

fn big_int(rng: &mut Rng) -> BigInt {
    let base = BigInt::from(rng.next()) << (64 + rng.below(200));
    let big = if rng.chance(5) { BigInt::from(1) << 15_000 } else { base + BigInt::from(rng.next()) };
    if rng.chance(50) { -big } else { big }
}

fn dtype(rng: &mut Rng, depth: usize) -> DType {
    let simple = ["<f8", "|b1", "<i4", ">u2", "<U3", "<M8[ns]", "|S5", "<c16"];
    if depth == 0 || rng.chance(60) {
        return DType { typestr: rng.pick(&simple).to_string(), fields: Vec::new(), subarray: None };
    }
    if rng.chance(50) {
        let base = dtype(rng, depth - 1);
        return DType { typestr: "|V12".into(), fields: Vec::new(), subarray: Some((Box::new(base), vec![3, 1])) };
    }
    let fields = (0..rng.below(3) + 1).map(|i| (format!("f{i}"), dtype(rng, depth - 1), 8 * i as u64)).collect();
    DType { typestr: "|V24".into(), fields, subarray: None }
}

/// Builds one node of variant `which`, referring to earlier nodes drawn from `pool`.
pub(crate) fn variant(which: usize, rng: &mut Rng, graph: &mut Graph, pool: &[NodeId]) -> Node {
    let any = |rng: &mut Rng, graph: &mut Graph| -> NodeId {
        if pool.is_empty() || rng.chance(20) { graph.push(Node::Int(rng.below(100) as i64)) } else { rng.pick(pool) }
    };
    let some =
        |rng: &mut Rng, graph: &mut Graph| -> Vec<NodeId> { (0..rng.below(5)).map(|_| any(rng, graph)).collect() };
    let pairs = |rng: &mut Rng, graph: &mut Graph, str_keys: bool| -> Vec<(NodeId, NodeId)> {
        (0..rng.below(4))
            .map(|_| {
                let k = if str_keys || rng.chance(50) {
                    graph.push(Node::Str(text(rng)))
                } else {
                    graph.push(Node::Int(int(rng)))
                };
                let v = if pool.is_empty() { graph.push(Node::None) } else { rng.pick(pool) };
                (k, v)
            })
            .collect()
    };
    let tz = |rng: &mut Rng, graph: &mut Graph| {
        rng.chance(50).then(|| {
            let offset =
                graph.push(Node::TimeDelta { days: -1, seconds: 3600 * rng.below(24) as i32, microseconds: 0 });
            graph.push(Node::TimeZone { offset, name: rng.chance(50).then(|| "UTC+x".to_string()) })
        })
    };
    match which {
        0 => Node::None,
        1 => Node::Bool(rng.chance(50)),
        2 => Node::Int(int(rng)),
        3 => Node::BigInt(big_int(rng)),
        4 => Node::Float(float(rng)),
        5 => Node::Str(text(rng)),
        6 => Node::SurrogateStr(vec![0x61, 0xD800, 0xD83D, 0xDE00, 0xDFFF]),
        7 => {
            let max = if rng.chance(10) { 400 } else { 20 };
            Node::Bytes(bytes(rng, max))
        }
        8 => Node::ByteArray(bytes(rng, 20)),
        9 => Node::List(some(rng, graph)),
        10 => Node::Tuple(some(rng, graph)),
        11 => {
            let str_keys = rng.chance(50);
            Node::Dict(pairs(rng, graph, str_keys))
        }
        12 => Node::Set(some(rng, graph)),
        13 => Node::FrozenSet(some(rng, graph)),
        14 => Node::Complex(float(rng), float(rng)),
        15 => Node::Decimal(rng.pick(&["1.10", "-0", "NaN", "-Infinity", "1E+3", "sNaN12"]).to_string()),
        16 => Node::Fraction(Box::new(big_int(rng)), BigInt::from(rng.below(1000) + 1)),
        17 => Node::Uuid(Box::new(u128::from(rng.next()) << 64 | u128::from(rng.next()))),
        18 => Node::Date { year: 2000 + 4 * rng.below(25) as u16, month: 2, day: 29 },
        19 => Node::Time {
            hour: 23,
            minute: 59,
            second: 59,
            microsecond: 999_999,
            fold: rng.chance(50),
            tzinfo: tz(rng, graph),
        },
        20 => Node::DateTime {
            year: 9999,
            month: 12,
            day: 31,
            hour: 1,
            minute: 2,
            second: 3,
            microsecond: 4,
            fold: false,
            tzinfo: tz(rng, graph),
        },
        21 => Node::TimeDelta { days: -999_999_999, seconds: 86_399, microseconds: 999_999 },
        22 => {
            let offset = graph.push(Node::TimeDelta { days: 0, seconds: 7200, microseconds: 0 });
            Node::TimeZone { offset, name: None }
        }
        23 => Node::OrderedDict(pairs(rng, graph, false)),
        24 => Node::Counter(pairs(rng, graph, true)),
        25 => {
            Node::DefaultDict { factory: rng.chance(50).then(|| "list".to_string()), items: pairs(rng, graph, false) }
        }
        26 => Node::Deque { items: some(rng, graph), maxlen: rng.chance(50).then_some(7) },
        27 => Node::Range { start: any(rng, graph), stop: any(rng, graph), step: any(rng, graph) },
        28 => Node::Slice { start: any(rng, graph), stop: any(rng, graph), step: any(rng, graph) },
        29 => Node::DType(Box::new(dtype(rng, 3))),
        30 => {
            let shape = vec![rng.below(3) as u64, 2];
            let count = (shape[0] * shape[1]) as usize;
            if rng.chance(30) {
                let dtype = DType { typestr: "|O".into(), fields: Vec::new(), subarray: None };
                let items = (0..count).map(|_| any(rng, graph)).collect();
                Node::NdArray(Box::new(NdArray { dtype, shape, fortran_order: false, data: ArrayData::Objects(items) }))
            } else {
                let dtype = DType { typestr: "<f8".into(), fields: Vec::new(), subarray: None };
                let data = (0..count * 8).map(|_| rng.next() as u8).collect();
                Node::NdArray(Box::new(NdArray {
                    dtype,
                    shape,
                    fortran_order: rng.chance(50),
                    data: ArrayData::Bytes(data),
                }))
            }
        }
        31 => Node::NumpyScalar {
            dtype: Box::new(DType { typestr: "<f8".into(), fields: Vec::new(), subarray: None }),
            data: 1.5f64.to_le_bytes().to_vec(),
        },
        32 => Node::Global { module: "os".into(), qualname: "system".into() },
        33 => Node::Call { callable: any(rng, graph), args: any(rng, graph) },
        34 => {
            let kwargs = rng.chance(50).then(|| any(rng, graph));
            Node::New { class: any(rng, graph), args: any(rng, graph), kwargs }
        }
        35 => Node::Build { target: any(rng, graph), state: any(rng, graph) },
        36 => Node::Mutate {
            target: any(rng, graph),
            operation: rng.pick(&[Mutation::Append, Mutation::Extend, Mutation::SetItem, Mutation::Add]),
            items: some(rng, graph),
        },
        37 => Node::PersistentRef { pid: any(rng, graph) },
        38 => Node::ExtRef { code: rng.next() as u32 },
        39 => Node::OobBuffer { index: rng.below(10) as u32, readonly: rng.chance(50) },
        _ => Node::Unresolvable { reason: text(rng) },
    }
}

/// A random graph of about `size` nodes: every variant drawn at random, shared references everywhere, and
/// (when `cycles`) containers that point back at themselves or at later nodes. The root is a list.
pub(crate) fn random_graph(seed: u64, size: usize, cycles: bool) -> (Graph, NodeId) {
    let mut rng = Rng::new(seed);
    let mut graph = Graph::new();
    let mut pool = Vec::new();
    for i in 0..size {
        let which = if i < VARIANTS && seed.is_multiple_of(2) { i } else { rng.below(VARIANTS) };
        let node = variant(which, &mut rng, &mut graph, &pool);
        pool.push(graph.push(node));
    }
    if cycles {
        for _ in 0..size / 4 {
            let target = rng.pick(&pool);
            let extra = rng.pick(&pool);
            match graph.get_mut(target) {
                Some(Node::List(items) | Node::Tuple(items) | Node::Set(items)) => items.push(extra),
                Some(Node::Dict(pairs) | Node::OrderedDict(pairs)) => pairs.push((extra, target)),
                _ => {}
            }
        }
    }
    let picked: Vec<NodeId> = pool.iter().copied().filter(|_| rng.chance(60)).collect();
    let root = graph.push(Node::List(picked));
    (graph, root)
}

/// `depth` lists nested inside each other (the innermost holds one int).
pub(crate) fn nested(depth: usize, wrap: fn(Vec<NodeId>) -> Node) -> (Graph, NodeId) {
    let mut graph = Graph::new();
    let mut id = graph.push(Node::Int(1));
    for _ in 0..depth {
        id = graph.push(wrap(vec![id]));
    }
    (graph, id)
}
