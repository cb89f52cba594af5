//! One served value against the offline value for the same key and time.
//!
//! - **match**: equal; floats within 1e-9 relative to the larger magnitude (absolute below
//!   1: sums of the same numbers merged in another order differ in the last bits), NaN
//!   equal to NaN, lists element by element;
//! - **missing**: served empty (null, or an empty list) where offline has a value;
//! - **extra**: served a value where offline is empty;
//! - **differ**: any other inequality (two values; null against an empty list). A count of 0
//!   is a value: an empty window's count is 0 online and offline alike, and 0 against 3 is
//!   a difference.

use crate::types::Value;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Match,
    Differ,
    Missing,
    Extra,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Match => "match",
            Outcome::Differ => "differ",
            Outcome::Missing => "missing",
            Outcome::Extra => "extra",
        }
    }
}

/// The relative tolerance of float comparisons.
pub const FLOAT_TOLERANCE: f64 = 1e-9;

pub fn compare(served: &Value, offline: &Value) -> Outcome {
    if same(served, offline) {
        Outcome::Match
    } else {
        match (is_empty(served), is_empty(offline)) {
            (true, false) => Outcome::Missing,
            (false, true) => Outcome::Extra,
            _ => Outcome::Differ,
        }
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::List(items) => items.is_empty(),
        _ => false,
    }
}

/// Whether two values are equal, floats within [`FLOAT_TOLERANCE`].
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => {
            (x.is_nan() && y.is_nan())
                || x == y
                || (x - y).abs() <= FLOAT_TOLERANCE * x.abs().max(y.abs()).max(1.0)
        }
        (Value::List(xs), Value::List(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same(x, y))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_follow_emptiness_and_tolerance() {
        use Value::*;
        assert_eq!(compare(&Int(3), &Int(3)), Outcome::Match);
        assert_eq!(compare(&Int(0), &Int(3)), Outcome::Differ);
        assert_eq!(compare(&Null, &Int(3)), Outcome::Missing);
        assert_eq!(compare(&String("web".into()), &Null), Outcome::Extra);
        assert_eq!(compare(&Null, &Null), Outcome::Match);
        assert_eq!(
            compare(&List(vec![]), &List(vec![Int(1)])),
            Outcome::Missing
        );
        assert_eq!(compare(&List(vec![]), &Null), Outcome::Differ);
        assert_eq!(compare(&Float(1e12), &Float(1e12 + 1e2)), Outcome::Match);
        assert_eq!(compare(&Float(1e12), &Float(1e12 + 1e4)), Outcome::Differ);
        assert_eq!(compare(&Float(1e-17), &Float(0.0)), Outcome::Match);
        assert_eq!(compare(&Float(f64::NAN), &Float(f64::NAN)), Outcome::Match);
        assert_eq!(compare(&Float(f64::NAN), &Float(1.0)), Outcome::Differ);
        assert_eq!(
            compare(&List(vec![Float(0.1 + 0.2)]), &List(vec![Float(0.3)])),
            Outcome::Match
        );
    }
}
