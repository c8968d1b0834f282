//! Graph → lossless JSON (`--to json`): plain JSON where JSON has the type, `{"$type": ...}` objects for
//! everything else, anchors / refs for shared values. Explicit work stack; output linear in graph size.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::scalar::{shape, write_float, write_int, write_small_int};
use super::text;
use crate::formats::msgpack::{anchored, code_points_to_wtf8, mutation_name};
use crate::pickle::value::{ArrayData, DType, Graph, Node, NodeId};

/// Pending output, popped last-in first-out.
enum Work<'g> {
    Node(NodeId),
    DType(&'g DType),
    Text(&'static str),
    Raw(String),
    /// Bytes as a quoted base64 string.
    B64(&'g [u8]),
    /// `[a,b,...]`, one item per step.
    Items(&'g [NodeId], usize),
    /// `[[k,v],...]`, one pair per step.
    Pairs(&'g [(NodeId, NodeId)], usize),
    /// `{"k":v,...}` for str-keyed dicts, one member per step.
    Members(&'g [(NodeId, NodeId)], usize),
    /// `[[name,dtype,offset],...]` of a structured dtype.
    Fields(&'g [(String, DType, u64)], usize),
}

struct Writer<'g> {
    graph: &'g Graph,
    anchored: Vec<bool>,
    numbers: HashMap<NodeId, u64>,
    out: String,
    stack: Vec<Work<'g>>,
}

/// Renders the value rooted at `root` as lossless JSON (see `docs/value-model.md`); [`super::from_json`]
/// reads it back to the same graph.
pub fn to_json(graph: &Graph, root: NodeId) -> String {
    let mut w = Writer {
        graph,
        anchored: anchored(graph, root),
        numbers: HashMap::new(),
        out: String::new(),
        stack: vec![Work::Node(root)],
    };
    while let Some(work) = w.stack.pop() {
        w.step(work);
    }
    w.out
}

impl<'g> Writer<'g> {
    fn step(&mut self, work: Work<'g>) {
        match work {
            Work::Node(id) => self.node(id),
            Work::DType(d) => self.dtype(d),
            Work::Text(t) => self.out.push_str(t),
            Work::Raw(t) => self.out.push_str(&t),
            Work::B64(bytes) => {
                self.out.push('"');
                text::base64_encode(bytes, &mut self.out);
                self.out.push('"');
            }
            Work::Items(items, next) => match items.get(next) {
                Some(id) => {
                    self.out.push(if next == 0 { '[' } else { ',' });
                    self.stack.extend([Work::Items(items, next + 1), Work::Node(*id)]);
                }
                None => close(&mut self.out, next, "[]"),
            },
            Work::Pairs(pairs, next) => match pairs.get(next) {
                Some((k, v)) => {
                    self.out.push_str(if next == 0 { "[[" } else { ",[" });
                    self.stack.extend([
                        Work::Pairs(pairs, next + 1),
                        Work::Text("]"),
                        Work::Node(*v),
                        Work::Text(","),
                        Work::Node(*k),
                    ]);
                }
                None => close(&mut self.out, next, "[]"),
            },
            Work::Members(pairs, next) => match pairs.get(next) {
                Some((k, v)) => {
                    self.out.push(if next == 0 { '{' } else { ',' });
                    match self.graph.get(*k) {
                        Node::SurrogateStr(points) => text::json_code_points(points, false, &mut self.out),
                        Node::Str(s) => text::json_string(s, false, &mut self.out),
                        _ => text::json_string("", false, &mut self.out),
                    }
                    self.out.push(':');
                    self.stack.extend([Work::Members(pairs, next + 1), Work::Node(*v)]);
                }
                None => close(&mut self.out, next, "{}"),
            },
            Work::Fields(fields, next) => match fields.get(next) {
                Some((name, sub, offset)) => {
                    self.out.push_str(if next == 0 { "[[" } else { ",[" });
                    text::json_string(name, false, &mut self.out);
                    self.out.push(',');
                    self.stack.extend([
                        Work::Fields(fields, next + 1),
                        Work::Raw(format!(",{offset}]")),
                        Work::DType(sub),
                    ]);
                }
                None => close(&mut self.out, next, "[]"),
            },
        }
    }

    fn is_anchored(&self, id: NodeId) -> bool {
        self.anchored.get(id as usize).copied().unwrap_or(false)
    }

    fn node(&mut self, id: NodeId) {
        if self.is_anchored(id) {
            if let Some(number) = self.numbers.get(&id) {
                let _ = write!(self.out, r#"{{"$type":"ref","id":{number}}}"#);
                return;
            }
            let number = self.numbers.len() as u64;
            self.numbers.insert(id, number);
            let _ = write!(self.out, r#"{{"$type":"anchor","id":{number},"value":"#);
            self.stack.push(Work::Text("}"));
        }
        let graph = self.graph;
        self.content(graph.get(id));
    }

    /// Writes `{"$type":"<name>"` (the caller adds members and the closing brace).
    fn open(&mut self, name: &str) {
        let _ = write!(self.out, r#"{{"$type":"{name}""#);
    }

    /// Writes `,"<name>":`.
    fn member(&mut self, name: &str) {
        let _ = write!(self.out, r#","{name}":"#);
    }

    /// Pushes child parts so they come out in the given order, then the closing brace.
    fn then<const N: usize>(&mut self, parts: [Work<'g>; N]) {
        self.stack.push(Work::Text("}"));
        self.stack.extend(parts.into_iter().rev());
    }

    fn plain_members(&self, pairs: &[(NodeId, NodeId)]) -> bool {
        pairs.iter().all(|(k, _)| {
            let key_ok = match self.graph.get(*k) {
                Node::Str(s) => s != "$type",
                Node::SurrogateStr(points) => !text::surrogates_pair_up(points),
                _ => false,
            };
            key_ok && !self.is_anchored(*k)
        })
    }

    fn bytes_member(&mut self, name: &str, bytes: &[u8]) {
        self.member(name);
        self.out.push('"');
        text::base64_encode(bytes, &mut self.out);
        self.out.push('"');
    }

    fn str_member(&mut self, name: &str, value: &str) {
        self.member(name);
        text::json_string(value, false, &mut self.out);
    }

    fn int_member(&mut self, name: &str, value: i64) {
        self.member(name);
        write_small_int(value, &mut self.out);
    }

    fn content(&mut self, node: &'g Node) {
        match node {
            Node::None => self.out.push_str("null"),
            Node::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Node::Int(i) => write_small_int(*i, &mut self.out),
            Node::BigInt(b) => write_int(b, &mut self.out),
            Node::Float(f) => write_float(*f, &mut self.out),
            Node::Str(s) => text::json_string(s, false, &mut self.out),
            Node::SurrogateStr(points) if text::surrogates_pair_up(points) => {
                self.open("surrogate_str");
                self.bytes_member("value", &code_points_to_wtf8(points));
                self.out.push('}');
            }
            Node::SurrogateStr(points) => text::json_code_points(points, false, &mut self.out),
            Node::Bytes(b) | Node::ByteArray(b) => {
                self.open(if matches!(node, Node::Bytes(_)) { "bytes" } else { "bytearray" });
                self.bytes_member("value", b);
                self.out.push('}');
            }
            Node::List(items) => self.stack.push(Work::Items(items, 0)),
            Node::Tuple(items) | Node::Set(items) | Node::FrozenSet(items) => {
                self.open(match node {
                    Node::Tuple(_) => "tuple",
                    Node::Set(_) => "set",
                    _ => "frozenset",
                });
                self.member("items");
                self.then([Work::Items(items, 0)]);
            }
            Node::Dict(pairs) if self.plain_members(pairs) => self.stack.push(Work::Members(pairs, 0)),
            Node::Dict(pairs) | Node::OrderedDict(pairs) | Node::Counter(pairs) => {
                self.open(match node {
                    Node::Dict(_) => "dict",
                    Node::OrderedDict(_) => "ordereddict",
                    _ => "counter",
                });
                self.member("items");
                self.then([Work::Pairs(pairs, 0)]);
            }
            Node::Complex(re, im) => {
                self.open("complex");
                self.member("real");
                write_float(*re, &mut self.out);
                self.member("imag");
                write_float(*im, &mut self.out);
                self.out.push('}');
            }
            Node::Decimal(s) => {
                self.open("decimal");
                self.str_member("value", s);
                self.out.push('}');
            }
            Node::Fraction(n, d) => {
                self.open("fraction");
                self.member("numerator");
                write_int(n, &mut self.out);
                self.member("denominator");
                write_int(d, &mut self.out);
                self.out.push('}');
            }
            Node::Uuid(u) => {
                self.open("uuid");
                self.str_member("value", &text::format_uuid(**u));
                self.out.push('}');
            }
            Node::Date { year, month, day } => {
                self.open("date");
                self.date(*year, *month, *day);
                self.out.push('}');
            }
            Node::Time { hour, minute, second, microsecond, fold, tzinfo } => {
                self.open("time");
                self.clock(*hour, *minute, *second, *microsecond, *fold);
                self.tzinfo(*tzinfo);
            }
            Node::DateTime { year, month, day, hour, minute, second, microsecond, fold, tzinfo } => {
                self.open("datetime");
                self.date(*year, *month, *day);
                self.clock(*hour, *minute, *second, *microsecond, *fold);
                self.tzinfo(*tzinfo);
            }
            Node::TimeDelta { days, seconds, microseconds } => {
                self.open("timedelta");
                self.int_member("days", (*days).into());
                self.int_member("seconds", (*seconds).into());
                self.int_member("microseconds", (*microseconds).into());
                self.out.push('}');
            }
            Node::TimeZone { offset, name } => {
                self.open("timezone");
                if let Some(name) = name {
                    self.str_member("name", name);
                }
                self.member("offset");
                self.then([Work::Node(*offset)]);
            }
            Node::DefaultDict { factory, items } => {
                self.open("defaultdict");
                if let Some(factory) = factory {
                    self.str_member("factory", factory);
                }
                self.member("items");
                self.then([Work::Pairs(items, 0)]);
            }
            Node::Deque { items, maxlen } => {
                self.open("deque");
                if let Some(maxlen) = maxlen {
                    self.int_member("maxlen", *maxlen);
                }
                self.member("items");
                self.then([Work::Items(items, 0)]);
            }
            Node::Range { start, stop, step } | Node::Slice { start, stop, step } => {
                self.open(if matches!(node, Node::Range { .. }) { "range" } else { "slice" });
                self.member("start");
                self.then([
                    Work::Node(*start),
                    Work::Text(r#","stop":"#),
                    Work::Node(*stop),
                    Work::Text(r#","step":"#),
                    Work::Node(*step),
                ]);
            }
            Node::DType(d) => self.dtype(d),
            Node::NdArray(array) => {
                self.open("ndarray");
                self.member("shape");
                shape(&array.shape, &mut self.out);
                self.member("fortran_order");
                self.out.push_str(if array.fortran_order { "true" } else { "false" });
                self.member("dtype");
                let data = match &array.data {
                    ArrayData::Bytes(b) => Work::B64(b),
                    ArrayData::Objects(items) => Work::Items(items, 0),
                };
                self.then([Work::DType(&array.dtype), Work::Text(r#","data":"#), data]);
            }
            Node::NumpyScalar { dtype, data } => {
                self.open("numpy_scalar");
                self.bytes_member("data", data);
                self.member("dtype");
                self.then([Work::DType(dtype)]);
            }
            Node::Global { module, qualname } => {
                self.open("global");
                self.str_member("module", module);
                self.str_member("qualname", qualname);
                self.out.push('}');
            }
            Node::Call { callable, args } => {
                self.open("call");
                self.member("callable");
                self.then([Work::Node(*callable), Work::Text(r#","args":"#), Work::Node(*args)]);
            }
            Node::New { class, args, kwargs } => {
                self.open("new");
                self.member("class");
                match kwargs {
                    Some(kw) => self.then([
                        Work::Node(*class),
                        Work::Text(r#","args":"#),
                        Work::Node(*args),
                        Work::Text(r#","kwargs":"#),
                        Work::Node(*kw),
                    ]),
                    None => self.then([Work::Node(*class), Work::Text(r#","args":"#), Work::Node(*args)]),
                }
            }
            Node::Build { target, state } => {
                self.open("build");
                self.member("target");
                self.then([Work::Node(*target), Work::Text(r#","state":"#), Work::Node(*state)]);
            }
            Node::Mutate { target, operation, items } => {
                self.open("mutate");
                self.str_member("operation", mutation_name(*operation));
                self.member("target");
                self.then([Work::Node(*target), Work::Text(r#","items":"#), Work::Items(items, 0)]);
            }
            Node::PersistentRef { pid } => {
                self.open("persistent_ref");
                self.member("pid");
                self.then([Work::Node(*pid)]);
            }
            Node::ExtRef { code } => {
                self.open("ext_ref");
                self.int_member("code", (*code).into());
                self.out.push('}');
            }
            Node::OobBuffer { index, readonly } => {
                self.open("oob_buffer");
                self.int_member("index", (*index).into());
                self.member("readonly");
                self.out.push_str(if *readonly { "true}" } else { "false}" });
            }
            Node::Unresolvable { reason } => {
                self.open("unresolvable");
                self.str_member("reason", reason);
                self.out.push('}');
            }
        }
    }

    fn date(&mut self, year: u16, month: u8, day: u8) {
        self.int_member("year", year.into());
        self.int_member("month", month.into());
        self.int_member("day", day.into());
    }

    fn clock(&mut self, hour: u8, minute: u8, second: u8, microsecond: u32, fold: bool) {
        self.int_member("hour", hour.into());
        self.int_member("minute", minute.into());
        self.int_member("second", second.into());
        self.int_member("microsecond", microsecond.into());
        self.member("fold");
        self.out.push_str(if fold { "true" } else { "false" });
    }

    fn tzinfo(&mut self, tzinfo: Option<NodeId>) {
        match tzinfo {
            Some(tz) => {
                self.member("tzinfo");
                self.then([Work::Node(tz)]);
            }
            None => self.out.push('}'),
        }
    }

    fn dtype(&mut self, d: &'g DType) {
        self.open("dtype");
        self.str_member("typestr", &d.typestr);
        self.stack.push(Work::Text("}"));
        if let Some((base, dims)) = &d.subarray {
            let mut tail = String::from(",");
            shape(dims, &mut tail);
            tail.push(']');
            self.stack.extend([Work::Raw(tail), Work::DType(base), Work::Text(r#","subarray":["#)]);
        }
        if !d.fields.is_empty() {
            self.stack.extend([Work::Fields(&d.fields, 0), Work::Text(r#","fields":"#)]);
        }
    }
}

/// Ends a sequence: the closing bracket, or both brackets when it was empty.
fn close(out: &mut String, written: usize, brackets: &str) {
    if written == 0 {
        out.push_str(brackets);
    } else {
        out.push_str(&brackets[1..]);
    }
}
