//! `decimal.Decimal` (its exact string form), `fractions.Fraction` (normalized), `uuid.UUID` (NEWOBJ or
//! `copyreg._reconstructor`, then BUILD with `{'int': n[, 'is_safe': …]}`).

use num_bigint::{BigInt, Sign};
use num_traits::{Signed, ToPrimitive, Zero};

use super::{Ctx, Known, Outcome};
use crate::pickle::text::parse_py_int;
use crate::pickle::value::{Node, NodeId};

/// Greatest common divisor (Euclid).
fn gcd(a: &BigInt, b: &BigInt) -> BigInt {
    let (mut a, mut b) = (a.abs(), b.abs());
    while !b.is_zero() {
        let r = &a % &b;
        a = b;
        b = r;
    }
    a
}

fn big(ctx: &Ctx<'_>, id: NodeId) -> Option<BigInt> {
    match ctx.node(id) {
        Node::Int(v) => Some(BigInt::from(*v)),
        Node::BigInt(v) => Some(v.clone()),
        Node::Bool(b) => Some(BigInt::from(u8::from(*b))),
        _ => None,
    }
}

pub(super) fn call(ctx: &mut Ctx<'_>, known: Known, args: &[NodeId]) -> Outcome {
    let node = match known {
        Known::Decimal => decimal(ctx, args),
        Known::Fraction => fraction(ctx, args),
        _ => None,
    };
    node.map_or(Outcome::No, Outcome::Value)
}

/// Validates Python's Decimal string syntax; returns the string with surrounding whitespace and
/// underscores removed.
pub(crate) fn normalize_decimal(text: &str) -> Option<String> {
    let t: String = text.trim().chars().filter(|&c| c != '_').collect();
    let body = t.strip_prefix(['+', '-']).unwrap_or(&t);
    let lower = body.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity") {
        return Some(t);
    }
    for nan in ["snan", "nan"] {
        if let Some(payload) = lower.strip_prefix(nan) {
            return payload.bytes().all(|b| b.is_ascii_digit()).then_some(t);
        }
    }
    let (mantissa, exponent) = match lower.find('e') {
        Some(i) => (&lower[..i], Some(&lower[i + 1..])),
        None => (lower.as_str(), None),
    };
    let mut parts = mantissa.splitn(2, '.');
    let int_part = parts.next().unwrap_or("");
    let frac_part = parts.next().unwrap_or("");
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    if !int_part.bytes().chain(frac_part.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    if let Some(e) = exponent {
        let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    Some(t)
}

fn decimal(ctx: &Ctx<'_>, args: &[NodeId]) -> Option<Node> {
    match args {
        [] => Some(Node::Decimal("0".into())),
        [v] => match ctx.node(*v) {
            Node::Str(s) => normalize_decimal(s).map(Node::Decimal),
            Node::Int(i) => Some(Node::Decimal(i.to_string())),
            Node::BigInt(i) => Some(Node::Decimal(i.to_string())),
            _ => None,
        },
        _ => None,
    }
}

fn fraction(ctx: &Ctx<'_>, args: &[NodeId]) -> Option<Node> {
    let (n, d) = match args {
        [n, d] => (big(ctx, *n)?, big(ctx, *d)?),
        [n] => match ctx.node(*n) {
            Node::Str(s) => parse_fraction(s)?,
            _ => (big(ctx, *n)?, BigInt::from(1)),
        },
        _ => return None,
    };
    // Euclid on huge operands is slow; real fractions are far below this.
    if d.is_zero() || n.bits() > 65_536 || d.bits() > 65_536 {
        return None;
    }
    let g = gcd(&n, &d);
    let (mut n, mut d) = (n / &g, d / &g);
    if d.sign() == Sign::Minus {
        n = -n;
        d = -d;
    }
    Some(Node::Fraction(Box::new(n), d))
}

/// "n" or "n/d" (integers only).
fn parse_fraction(text: &str) -> Option<(BigInt, BigInt)> {
    let t = text.trim();
    let (n, d) = match t.split_once('/') {
        Some((n, d)) => (n.trim(), d.trim()),
        None => (t, "1"),
    };
    let to_big = |s: &str| match parse_py_int(s.as_bytes(), false).ok()? {
        Node::Int(v) => Some(BigInt::from(v)),
        Node::BigInt(v) => Some(v),
        _ => None,
    };
    Some((to_big(n)?, to_big(d)?))
}

/// BUILD of a pending `uuid.UUID`: the state dict holds `int` (0 ≤ n < 2¹²⁸) and optionally `is_safe`.
pub(super) fn build_uuid(ctx: &mut Ctx<'_>, state: NodeId) -> Outcome {
    let Node::Dict(pairs) = ctx.node(state) else {
        return Outcome::No;
    };
    let mut value = None;
    for &(k, v) in pairs {
        match ctx.str_of(k) {
            Some("int") => value = big(ctx, v),
            Some("is_safe") if matches!(ctx.node(v), Node::None | Node::Int(-1 | 0)) => {}
            _ => return Outcome::No,
        }
    }
    match value {
        Some(v) if !v.is_negative() => v.to_u128().map_or(Outcome::No, |u| Outcome::Value(Node::Uuid(Box::new(u)))),
        _ => Outcome::No,
    }
}
