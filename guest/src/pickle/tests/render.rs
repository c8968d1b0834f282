//! Test helper: renders a decoded value the way Python's `repr` prints the loaded object, so decoded
//! graphs can be compared with CPython's own view of the same pickle.

use crate::pickle::value::{Graph, Node, NodeId};

/// Python's `repr(float)`.
pub(super) fn py_float(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    let sci = format!("{v:e}");
    let (mantissa, exp) = sci.split_once('e').expect("ok");
    let exp: i32 = exp.parse().expect("ok");
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if negative { "-" } else { "" };
    if (-4..16).contains(&exp) {
        let point = exp + 1;
        let body = if point <= 0 {
            format!("0.{}{}", "0".repeat((-point) as usize), digits)
        } else if point as usize >= digits.len() {
            format!("{}{}.0", digits, "0".repeat(point as usize - digits.len()))
        } else {
            format!("{}.{}", &digits[..point as usize], &digits[point as usize..])
        };
        format!("{sign}{body}")
    } else {
        let m = if digits.len() > 1 { format!("{}.{}", &digits[..1], &digits[1..]) } else { digits };
        format!("{sign}{m}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
    }
}

fn py_str_points(points: &[u32]) -> String {
    let has_single = points.contains(&u32::from('\''));
    let has_double = points.contains(&u32::from('"'));
    let quote = if has_single && !has_double { '"' } else { '\'' };
    let mut out = String::from(quote);
    for &c in points {
        match c {
            0x5c => out.push_str("\\\\"),
            0x0a => out.push_str("\\n"),
            0x0d => out.push_str("\\r"),
            0x09 => out.push_str("\\t"),
            c if c == u32::from(quote) => {
                out.push('\\');
                out.push(quote);
            }
            c if c < 0x20 || c == 0x7f => out.push_str(&format!("\\x{c:02x}")),
            c if (0xd800..0xe000).contains(&c) => out.push_str(&format!("\\u{c:04x}")),
            c => out.push(char::from_u32(c).expect("ok")),
        }
    }
    out.push(quote);
    out
}

fn py_bytes(b: &[u8]) -> String {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') { '"' } else { '\'' };
    let mut out = format!("b{quote}");
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            c if c == quote as u8 => {
                out.push('\\');
                out.push(quote);
            }
            32..=126 => out.push(c as char),
            c => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    out.push(quote);
    out
}

/// `repr(value)` of node `id`.
pub(super) fn render(g: &Graph, id: NodeId) -> String {
    let mut active = Vec::new();
    render_in(g, id, &mut active)
}

fn join(g: &Graph, items: &[NodeId], active: &mut Vec<NodeId>) -> String {
    items.iter().map(|&i| render_in(g, i, active)).collect::<Vec<_>>().join(", ")
}

fn pairs(g: &Graph, items: &[(NodeId, NodeId)], active: &mut Vec<NodeId>) -> String {
    items
        .iter()
        .map(|&(k, v)| format!("{}: {}", render_in(g, k, active), render_in(g, v, active)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn render_in(g: &Graph, id: NodeId, active: &mut Vec<NodeId>) -> String {
    if active.contains(&id) {
        return match g.get(id) {
            Node::Dict(_) => "{...}".into(),
            _ => "[...]".into(),
        };
    }
    active.push(id);
    let s = match g.get(id) {
        Node::None => "None".into(),
        Node::Bool(b) => if *b { "True" } else { "False" }.into(),
        Node::Int(v) => v.to_string(),
        Node::BigInt(v) => v.to_string(),
        Node::Float(v) => py_float(*v),
        Node::Str(s) => py_str_points(&s.chars().map(u32::from).collect::<Vec<_>>()),
        Node::SurrogateStr(points) => py_str_points(points),
        Node::Bytes(b) => py_bytes(b),
        Node::ByteArray(b) => format!("bytearray({})", py_bytes(b)),
        Node::List(v) => format!("[{}]", join(g, v, active)),
        Node::Tuple(v) if v.len() == 1 => format!("({},)", join(g, v, active)),
        Node::Tuple(v) => format!("({})", join(g, v, active)),
        Node::Dict(p) => format!("{{{}}}", pairs(g, p, active)),
        Node::Set(v) if v.is_empty() => "set()".into(),
        Node::Set(v) => format!("{{{}}}", join(g, v, active)),
        Node::FrozenSet(v) if v.is_empty() => "frozenset()".into(),
        Node::FrozenSet(v) => format!("frozenset({{{}}})", join(g, v, active)),
        Node::Complex(re, im) => {
            let imag = format!("{}j", py_float(*im).trim_end_matches(".0"));
            if *re == 0.0 && !re.is_sign_negative() {
                imag
            } else {
                let sign = if im.is_sign_negative() { "" } else { "+" };
                format!("({}{sign}{imag})", py_float(*re).trim_end_matches(".0"))
            }
        }
        Node::Decimal(s) => format!("Decimal('{s}')"),
        Node::Fraction(n, d) => format!("Fraction({n}, {d})"),
        Node::Uuid(u) => {
            let h = format!("{:032x}", **u);
            format!("UUID('{}-{}-{}-{}-{}')", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
        }
        Node::Date { year, month, day } => format!("datetime.date({year}, {month}, {day})"),
        Node::Time { hour, minute, second, microsecond, fold, tzinfo } => {
            let mut parts = vec![hour.to_string(), minute.to_string()];
            if *second != 0 || *microsecond != 0 {
                parts.push(second.to_string());
            }
            if *microsecond != 0 {
                parts.push(microsecond.to_string());
            }
            if let Some(tz) = tzinfo {
                parts.push(format!("tzinfo={}", render_in(g, *tz, active)));
            }
            if *fold {
                parts.push("fold=1".into());
            }
            format!("datetime.time({})", parts.join(", "))
        }
        Node::DateTime { year, month, day, hour, minute, second, microsecond, fold, tzinfo } => {
            let mut parts =
                vec![year.to_string(), month.to_string(), day.to_string(), hour.to_string(), minute.to_string()];
            if *second != 0 || *microsecond != 0 {
                parts.push(second.to_string());
            }
            if *microsecond != 0 {
                parts.push(microsecond.to_string());
            }
            if *fold {
                parts.push("fold=1".into());
            }
            if let Some(tz) = tzinfo {
                parts.push(format!("tzinfo={}", render_in(g, *tz, active)));
            }
            format!("datetime.datetime({})", parts.join(", "))
        }
        Node::TimeDelta { days, seconds, microseconds } => {
            let mut parts = Vec::new();
            if *days != 0 {
                parts.push(format!("days={days}"));
            }
            if *seconds != 0 {
                parts.push(format!("seconds={seconds}"));
            }
            if *microseconds != 0 {
                parts.push(format!("microseconds={microseconds}"));
            }
            if parts.is_empty() {
                parts.push("0".into());
            }
            format!("datetime.timedelta({})", parts.join(", "))
        }
        Node::TimeZone { offset, name } => {
            let td = render_in(g, *offset, active);
            match (g.get(*offset), name) {
                (Node::TimeDelta { days: 0, seconds: 0, microseconds: 0 }, None) => "datetime.timezone.utc".into(),
                (_, Some(n)) => format!("datetime.timezone({td}, '{n}')"),
                (_, None) => format!("datetime.timezone({td})"),
            }
        }
        Node::OrderedDict(p) => {
            let items: Vec<String> =
                p.iter().map(|&(k, v)| format!("({}, {})", render_in(g, k, active), render_in(g, v, active))).collect();
            format!("OrderedDict([{}])", items.join(", "))
        }
        Node::Counter(p) => format!("Counter({{{}}})", pairs(g, p, active)),
        Node::DefaultDict { factory, items } => format!(
            "defaultdict({}, {{{}}})",
            factory.as_ref().map_or("None".to_owned(), |f| format!("<class '{f}'>")),
            pairs(g, items, active)
        ),
        Node::Deque { items, maxlen } => match maxlen {
            Some(m) => format!("deque([{}], maxlen={m})", join(g, items, active)),
            None => format!("deque([{}])", join(g, items, active)),
        },
        Node::Range { start, stop, step } => {
            let (a, b, c) = (render_in(g, *start, active), render_in(g, *stop, active), render_in(g, *step, active));
            if c == "1" { format!("range({a}, {b})") } else { format!("range({a}, {b}, {c})") }
        }
        Node::Slice { start, stop, step } => format!(
            "slice({}, {}, {})",
            render_in(g, *start, active),
            render_in(g, *stop, active),
            render_in(g, *step, active)
        ),
        other => format!("<{other:?}>"),
    };
    active.pop();
    s
}

#[test]
fn float_repr_matches_python() {
    assert_eq!(py_float(1.5), "1.5");
    assert_eq!(py_float(1e300), "1e+300");
    assert_eq!(py_float(1e-300), "1e-300");
    assert_eq!(py_float(1.0 / 3.0), "0.3333333333333333");
    assert_eq!(py_float(123456789.125), "123456789.125");
    assert_eq!(py_float(1e16), "1e+16");
    assert_eq!(py_float(1e15), "1000000000000000.0");
    assert_eq!(py_float(0.0001), "0.0001");
    assert_eq!(py_float(0.00001), "1e-05");
}
