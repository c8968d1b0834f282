//! The `datetime` family. CPython pickles date / time / datetime as their packed byte state (bytes in
//! protocol 3+, `_codecs.encode(str, 'latin1')` or a latin-1 str before), with the PEP 495 fold in the
//! high bit of the month (datetime) or hour (time) byte; timedelta as `(days, seconds, microseconds)`;
//! timezone as `(offset[, name])`. Constructor calls with plain ints are accepted too.

use super::{Ctx, Known, Outcome};
use crate::pickle::value::{Node, NodeId};

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        _ => 28,
    }
}

fn valid_date(year: u16, month: u8, day: u8) -> bool {
    (1..=9999).contains(&year) && (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)
}

fn valid_time(hour: u8, minute: u8, second: u8, microsecond: u32) -> bool {
    hour < 24 && minute < 60 && second < 60 && microsecond < 1_000_000
}

/// The packed state: bytes, or a str of latin-1 characters (Python 2 pickles).
fn state_bytes(ctx: &Ctx<'_>, id: NodeId) -> Option<Vec<u8>> {
    if let Some(b) = ctx.bytes_of(id) {
        return Some(b.to_vec());
    }
    let s = ctx.str_of(id)?;
    s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect()
}

/// A tzinfo argument: None or a recognized timezone.
fn tzinfo(ctx: &Ctx<'_>, id: Option<&NodeId>) -> Option<Option<NodeId>> {
    match id {
        None => Some(None),
        Some(&id) => match ctx.node(id) {
            Node::None => Some(None),
            Node::TimeZone { .. } => Some(Some(id)),
            _ => None,
        },
    }
}

fn small(ctx: &Ctx<'_>, id: Option<&NodeId>, default: i64) -> Option<i64> {
    match id {
        None => Some(default),
        Some(&id) => match ctx.node(id) {
            Node::Int(v) => Some(*v),
            _ => None,
        },
    }
}

fn u24(b: &[u8]) -> u32 {
    (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2])
}

pub(super) fn call(ctx: &mut Ctx<'_>, known: Known, args: &[NodeId]) -> Outcome {
    let node = match known {
        Known::Date => date(ctx, args),
        Known::DateTime => datetime(ctx, args),
        Known::Time => time(ctx, args),
        Known::TimeDelta => timedelta(ctx, args),
        Known::TimeZone => timezone(ctx, args),
        _ => None,
    };
    node.map_or(Outcome::No, Outcome::Value)
}

fn date(ctx: &Ctx<'_>, args: &[NodeId]) -> Option<Node> {
    if let [state] = args
        && let Some(b) = state_bytes(ctx, *state)
        && b.len() == 4
    {
        let year = u16::from_be_bytes([b[0], b[1]]);
        return valid_date(year, b[2], b[3]).then_some(Node::Date { year, month: b[2], day: b[3] });
    }
    let [y, m, d] = args else { return None };
    let year = u16::try_from(small(ctx, Some(y), 0)?).ok()?;
    let month = u8::try_from(small(ctx, Some(m), 0)?).ok()?;
    let day = u8::try_from(small(ctx, Some(d), 0)?).ok()?;
    valid_date(year, month, day).then_some(Node::Date { year, month, day })
}

fn datetime(ctx: &Ctx<'_>, args: &[NodeId]) -> Option<Node> {
    if let Some((state, rest)) = args.split_first()
        && rest.len() <= 1
        && let Some(b) = state_bytes(ctx, *state)
        && b.len() == 10
    {
        let tz = tzinfo(ctx, rest.first())?;
        let year = u16::from_be_bytes([b[0], b[1]]);
        let (month, fold) = (b[2] & 0x7f, b[2] & 0x80 != 0);
        let (hour, minute, second, microsecond) = (b[4], b[5], b[6], u24(&b[7..10]));
        if !valid_date(year, month, b[3]) || !valid_time(hour, minute, second, microsecond) {
            return None;
        }
        return Some(Node::DateTime { year, month, day: b[3], hour, minute, second, microsecond, fold, tzinfo: tz });
    }
    if args.len() < 3 || args.len() > 8 {
        return None;
    }
    let year = u16::try_from(small(ctx, args.first(), 0)?).ok()?;
    let month = u8::try_from(small(ctx, args.get(1), 0)?).ok()?;
    let day = u8::try_from(small(ctx, args.get(2), 0)?).ok()?;
    let hour = u8::try_from(small(ctx, args.get(3), 0)?).ok()?;
    let minute = u8::try_from(small(ctx, args.get(4), 0)?).ok()?;
    let second = u8::try_from(small(ctx, args.get(5), 0)?).ok()?;
    let microsecond = u32::try_from(small(ctx, args.get(6), 0)?).ok()?;
    let tz = tzinfo(ctx, args.get(7))?;
    if !valid_date(year, month, day) || !valid_time(hour, minute, second, microsecond) {
        return None;
    }
    Some(Node::DateTime { year, month, day, hour, minute, second, microsecond, fold: false, tzinfo: tz })
}

fn time(ctx: &Ctx<'_>, args: &[NodeId]) -> Option<Node> {
    if let Some((state, rest)) = args.split_first()
        && rest.len() <= 1
        && let Some(b) = state_bytes(ctx, *state)
        && b.len() == 6
        && b[0] & 0x7f < 24
    {
        let tz = tzinfo(ctx, rest.first())?;
        let (hour, fold) = (b[0] & 0x7f, b[0] & 0x80 != 0);
        let (minute, second, microsecond) = (b[1], b[2], u24(&b[3..6]));
        if !valid_time(hour, minute, second, microsecond) {
            return None;
        }
        return Some(Node::Time { hour, minute, second, microsecond, fold, tzinfo: tz });
    }
    if args.len() > 5 {
        return None;
    }
    let hour = u8::try_from(small(ctx, args.first(), 0)?).ok()?;
    let minute = u8::try_from(small(ctx, args.get(1), 0)?).ok()?;
    let second = u8::try_from(small(ctx, args.get(2), 0)?).ok()?;
    let microsecond = u32::try_from(small(ctx, args.get(3), 0)?).ok()?;
    let tz = tzinfo(ctx, args.get(4))?;
    valid_time(hour, minute, second, microsecond).then_some(Node::Time {
        hour,
        minute,
        second,
        microsecond,
        fold: false,
        tzinfo: tz,
    })
}

/// Normalizes `(days, seconds, microseconds)` as CPython's timedelta does; None when out of range.
pub(crate) fn normalize_timedelta(days: i64, seconds: i64, microseconds: i64) -> Option<(i32, i32, i32)> {
    let total_us = i128::from(days) * 86_400_000_000 + i128::from(seconds) * 1_000_000 + i128::from(microseconds);
    let day_us: i128 = 86_400_000_000;
    let d = total_us.div_euclid(day_us);
    let rem = total_us.rem_euclid(day_us);
    let (s, us) = (rem / 1_000_000, rem % 1_000_000);
    if d.abs() > 999_999_999 {
        return None;
    }
    Some((i32::try_from(d).ok()?, i32::try_from(s).ok()?, i32::try_from(us).ok()?))
}

fn timedelta(ctx: &Ctx<'_>, args: &[NodeId]) -> Option<Node> {
    if args.len() > 3 {
        return None;
    }
    let d = small(ctx, args.first(), 0)?;
    let s = small(ctx, args.get(1), 0)?;
    let us = small(ctx, args.get(2), 0)?;
    let (days, seconds, microseconds) = normalize_timedelta(d, s, us)?;
    Some(Node::TimeDelta { days, seconds, microseconds })
}

fn timezone(ctx: &Ctx<'_>, args: &[NodeId]) -> Option<Node> {
    let (offset, name) = match args {
        [offset] => (*offset, None),
        [offset, name] => (*offset, Some(ctx.str_of(*name)?.to_owned())),
        _ => return None,
    };
    let Node::TimeDelta { days, seconds, microseconds } = *ctx.node(offset) else {
        return None;
    };
    let total = i64::from(days) * 86_400_000_000 + i64::from(seconds) * 1_000_000 + i64::from(microseconds);
    if total.abs() >= 86_400_000_000 {
        return None;
    }
    Some(Node::TimeZone { offset, name })
}
