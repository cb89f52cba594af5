//! The few SQL operators the fixtures' derived features use, with SQL's null semantics
//! (docs/language.md#expressions, docs/language.md "Nulls and three-valued logic"): an operator with a null operand
//! gives null, `and` is three-valued, integer `/` returns a float and division by zero is null.

use super::values::V;
use std::cmp::Ordering;

fn number(v: &V) -> Option<f64> {
    match v {
        V::Int(i) => Some(*i as f64),
        V::Float(x) => Some(*x),
        V::Dec(units, scale) => Some(*units as f64 / 10f64.powi(i32::from(*scale))),
        _ => None,
    }
}

/// `a / b`: a float for any numeric operands ("Integer `/` returns float"), null on a null
/// operand or a zero divisor ("Division by zero yields null").
pub fn div(a: &V, b: &V) -> V {
    match (number(a), number(b)) {
        (Some(_), Some(0.0)) => V::Null,
        (Some(n), Some(d)) => V::Float(n / d),
        _ => V::Null,
    }
}

/// The order of two non-null values of one type; `None` when either is null.
pub fn compare(a: &V, b: &V) -> Option<Ordering> {
    match (a, b) {
        (V::Str(x), V::Str(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (V::Bool(x), V::Bool(y)) => Some(x.cmp(y)),
        (V::Ts(x), V::Ts(y)) => Some(x.cmp(y)),
        (V::Date(x), V::Date(y)) => Some(x.cmp(y)),
        (V::Int(x), V::Int(y)) => Some(x.cmp(y)),
        _ => number(a)?.partial_cmp(&number(b)?),
    }
}

/// `nullif(a, b)`: null when `a = b`, else `a`.
pub fn nullif(a: &V, b: &V) -> V {
    match compare(a, b) {
        Some(Ordering::Equal) => V::Null,
        _ => a.clone(),
    }
}

fn comparison(a: &V, b: &V, holds: fn(Ordering) -> bool) -> V {
    compare(a, b).map_or(V::Null, |o| V::Bool(holds(o)))
}

pub fn gt(a: &V, b: &V) -> V {
    comparison(a, b, |o| o == Ordering::Greater)
}

pub fn ge(a: &V, b: &V) -> V {
    comparison(a, b, |o| o != Ordering::Less)
}

pub fn ne(a: &V, b: &V) -> V {
    comparison(a, b, |o| o != Ordering::Equal)
}

/// Three-valued `and`: false wins over null, null over true.
pub fn and(a: &V, b: &V) -> V {
    match (a, b) {
        (V::Bool(false), _) | (_, V::Bool(false)) => V::Bool(false),
        (V::Bool(true), V::Bool(true)) => V::Bool(true),
        _ => V::Null,
    }
}

/// `coalesce(a, b)`: the first non-null operand.
pub fn coalesce(a: &V, b: &V) -> V {
    if *a == V::Null { b.clone() } else { a.clone() }
}

/// Whether a `where` predicate keeps the event: only when it is true, not when it is null.
pub fn is_true(v: &V) -> bool {
    *v == V::Bool(true)
}

/// `a * b`: int for two ints, else float; null on a null operand.
pub fn mul(a: &V, b: &V) -> V {
    match (a, b) {
        (V::Int(x), V::Int(y)) => V::Int(x * y),
        _ => match (number(a), number(b)) {
            (Some(x), Some(y)) => V::Float(x * y),
            _ => V::Null,
        },
    }
}

/// `length(s)`: the number of characters (SQL's `character_length`), not bytes.
pub fn length(s: &V) -> V {
    match s {
        V::Str(text) => V::Int(text.chars().count() as i64),
        _ => V::Null,
    }
}

/// `round(x, digits)`: half away from zero, as SQL rounds.
pub fn round(x: &V, digits: i32) -> V {
    let scale = 10f64.powi(digits);
    number(x).map_or(V::Null, |x| V::Float((x * scale).round() / scale))
}
