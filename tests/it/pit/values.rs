//! Values as the oracle sees them: a small SQL value model (nulls, 64-bit ints, floats,
//! decimals as scaled integers, timestamps as microseconds, lists), the types docs/language.md gives
//! each feature (docs/language.md, Types and Aggregates), and the equality the tests use (floats to 1e-9 relative,
//! `approx_count_distinct` to the tolerance the issue allows).

use chrono::{DateTime, Utc};
use std::fmt;

/// A value in a data file, a label or a feature.
#[derive(Clone, Debug, PartialEq)]
pub enum V {
    Null,
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    /// Microseconds since the Unix epoch, UTC.
    Ts(i64),
    /// Days since the Unix epoch (no pit fixture has dates; the online fixture's `day` does).
    Date(i32),
    /// A decimal: the integer `units` times 10^-`scale`.
    Dec(i128, i8),
    List(Vec<V>),
    /// An expected `approx_count_distinct`: the exact distinct count it estimates.
    Approx(i64),
    /// An expected `approx_percentile`: the exact quantile it estimates.
    ApproxFloat(f64),
}

/// A column type as written in a `.feat` schema (docs/language.md#types).
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    Int,
    Float,
    Str,
    Bool,
    Ts,
    Dec(u8, i8),
    List(Box<Ty>),
}

pub const MICROS_PER_SECOND: i64 = 1_000_000;
pub const MINUTE: i64 = 60 * MICROS_PER_SECOND;
pub const HOUR: i64 = 60 * MINUTE;
pub const DAY: i64 = 24 * HOUR;

/// RFC 3339 with microseconds, for messages and CSV files.
pub fn rfc3339(micros: i64) -> String {
    DateTime::<Utc>::from_timestamp_micros(micros)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
        .unwrap_or_else(|| format!("{micros}us"))
}

impl fmt::Display for V {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            V::Null => write!(f, "null"),
            V::Int(i) => write!(f, "{i}"),
            V::Float(x) => write!(f, "{x:?}"),
            V::Str(s) => write!(f, "{s:?}"),
            V::Bool(b) => write!(f, "{b}"),
            V::Ts(t) => write!(f, "{} ({t}us)", rfc3339(*t)),
            V::Date(d) => match DateTime::<Utc>::from_timestamp(i64::from(*d) * 86_400, 0) {
                Some(date) => write!(f, "{}", date.format("%Y-%m-%d")),
                None => write!(f, "{d} days"),
            },
            V::Dec(units, scale) => write!(f, "{}", decimal_text(*units, *scale)),
            V::List(items) => {
                write!(f, "[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{item}")?;
                }
                write!(f, "]")
            }
            V::Approx(n) => write!(f, "~{n} (approx_count_distinct of {n} distinct values)"),
            V::ApproxFloat(x) => write!(f, "~{x} (approx_percentile of an exact {x})"),
        }
    }
}

/// `12345` at scale 2 is `123.45`.
pub fn decimal_text(units: i128, scale: i8) -> String {
    if scale <= 0 {
        return units.to_string();
    }
    let scale = scale as u32;
    let factor = 10i128.pow(scale);
    let sign = if units < 0 { "-" } else { "" };
    let abs = units.abs();
    format!(
        "{sign}{}.{:0width$}",
        abs / factor,
        abs % factor,
        width = scale as usize
    )
}

/// Floats agree to 1e-9 relative; near zero (a variance of equal values) to 1e-9 absolute.
fn floats_agree(a: f64, b: f64) -> bool {
    if a.is_nan() || b.is_nan() {
        return a.is_nan() && b.is_nan();
    }
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()) + 1e-9
}

/// HyperLogLog: exact below 100 distinct values (linear counting), within 2% above.
fn approx_agrees(exact: i64, estimate: i64) -> bool {
    if exact < 100 {
        estimate == exact
    } else {
        (estimate - exact).abs() as f64 <= 0.02 * exact as f64
    }
}

/// Two decimals are equal when they denote the same number, whatever their scales.
fn decimals_agree(a: i128, sa: i8, b: i128, sb: i8) -> bool {
    let scale = sa.max(sb);
    let widen = |units: i128, s: i8| units.checked_mul(10i128.pow((scale - s) as u32));
    widen(a, sa) == widen(b, sb)
}

/// Whether `got` (read from featc's output) is the value `expected` (the oracle's).
pub fn same(expected: &V, got: &V) -> bool {
    match (expected, got) {
        (V::Float(a), V::Float(b)) => floats_agree(*a, *b),
        (V::Approx(exact), V::Int(estimate)) => approx_agrees(*exact, *estimate),
        // docs/language.md: "within 1/128 (0.78%) of the exact quantile"
        (V::ApproxFloat(exact), V::Float(estimate)) => {
            (estimate - exact).abs() <= exact.abs() / 128.0
        }
        (V::Dec(a, sa), V::Dec(b, sb)) => decimals_agree(*a, *sa, *b, *sb),
        (V::List(a), V::List(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y)),
        _ => expected == got,
    }
}
