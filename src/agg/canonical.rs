//! The canonical form of stored values, and cheap assignment of values into states.
//!
//! `Value` orders floats by IEEE total order, in which `-0.0 < 0.0` and NaNs of either sign
//! sit at both ends. Postgres (and SQL generally) treats `-0.0 = 0.0` and a single NaN greater
//! than every number. Every float an aggregate stores, compares or deduplicates is therefore
//! canonicalised first (`-0.0` → `0.0`, any NaN → the positive quiet NaN), which makes Rust's
//! order agree with Postgres's for every value a state can hold.

use crate::types::Value;
use std::borrow::Cow;

/// `-0.0` → `0.0`, every NaN → `f64::NAN`; other floats unchanged.
pub fn canonical_float(f: f64) -> f64 {
    if f.is_nan() {
        f64::NAN
    } else if f == 0.0 {
        0.0
    } else {
        f
    }
}

/// The value with its float canonicalised; borrows (no copy) for everything else.
pub fn canonical(value: &Value) -> Cow<'_, Value> {
    match value {
        Value::Float(f) if canonical_float(*f).to_bits() != f.to_bits() => {
            Cow::Owned(Value::Float(canonical_float(*f)))
        }
        _ => Cow::Borrowed(value),
    }
}

/// `*dst = src.clone()`, reusing `dst`'s string buffer when both are strings: `last(x)` over
/// time-ordered events replaces its value on nearly every event.
pub fn assign(dst: &mut Value, src: &Value) {
    match (dst, src) {
        (Value::String(dst), Value::String(src)) => dst.clone_from(src),
        (dst, src) => *dst = src.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_are_canonicalised_like_postgres_compares_them() {
        assert_eq!(canonical_float(-0.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(canonical_float(-f64::NAN).to_bits(), f64::NAN.to_bits());
        assert_eq!(canonical_float(-1.5), -1.5);
        assert!(matches!(canonical(&Value::Int(3)), Cow::Borrowed(_)));
        assert!(
            matches!(canonical(&Value::Float(-0.0)), Cow::Owned(Value::Float(z)) if z.to_bits() == 0)
        );
    }

    #[test]
    fn assign_replaces_the_value() {
        let mut slot = Value::String("a longer string".into());
        assign(&mut slot, &Value::String("b".into()));
        assert_eq!(slot, Value::String("b".into()));
        assign(&mut slot, &Value::Int(4));
        assert_eq!(slot, Value::Int(4));
    }
}
