//! The running sum behind `sum` and `avg`: exact for ints (in i128) and decimals (an i128
//! unscaled at the argument's scale), compensated for floats. `None` until a value arrives,
//! because the sum of no values is null, not 0.

use super::compensated::CompensatedSum;
use super::numeric::{decimal_to_f64, rescale, saturate_to_decimal38, saturate_to_i64};
use crate::types::{Type, Value};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sum {
    /// Of `int`s: 2^64 events of `i64::MAX` would be needed to overflow the i128.
    Int(Option<i128>),
    Float(Option<CompensatedSum>),
    /// Of `decimal(p, scale)`s, unscaled at `scale`.
    Decimal {
        scale: u8,
        unscaled: Option<i128>,
    },
}

impl Sum {
    /// The empty sum for arguments of type `arg`; a non-numeric type (which the typing rules
    /// reject) sums as float.
    pub fn new(arg: Option<&Type>) -> Sum {
        match arg {
            Some(Type::Int) => Sum::Int(None),
            Some(Type::Decimal { scale, .. }) => Sum::Decimal {
                scale: *scale,
                unscaled: None,
            },
            _ => Sum::Float(None),
        }
    }

    /// Adds a value; returns whether it was one (null and non-numeric values are skipped).
    /// An int sum takes ints only; a decimal sum takes decimals (rescaled to its scale) and
    /// ints; a float sum takes every numeric value.
    pub fn add(&mut self, value: &Value) -> bool {
        match (self, value) {
            (Sum::Int(sum), Value::Int(x)) => {
                *sum = Some(sum.unwrap_or(0).saturating_add(i128::from(*x)));
            }
            (Sum::Decimal { scale, unscaled }, Value::Decimal(x, x_scale)) => {
                let x = rescale(*x, *x_scale, *scale);
                *unscaled = Some(unscaled.unwrap_or(0).saturating_add(x));
            }
            (Sum::Decimal { scale, unscaled }, Value::Int(x)) => {
                let x = rescale(i128::from(*x), 0, *scale);
                *unscaled = Some(unscaled.unwrap_or(0).saturating_add(x));
            }
            (Sum::Float(sum), value) => {
                let x = match value {
                    Value::Float(x) => *x,
                    Value::Int(x) => *x as f64,
                    Value::Decimal(x, scale) => decimal_to_f64(*x, *scale),
                    _ => return false,
                };
                match sum {
                    Some(sum) => sum.add(x),
                    None => *sum = Some(CompensatedSum::of(x)),
                }
            }
            _ => return false,
        }
        true
    }

    /// Adds two sums (null is "no values", the identity); `false` if they are of different
    /// kinds, leaving `self` unchanged.
    pub fn merge(&mut self, other: &Sum) -> bool {
        match (self, other) {
            (Sum::Int(a), Sum::Int(b)) => *a = add_options(*a, *b),
            (
                Sum::Decimal { scale, unscaled: a },
                Sum::Decimal {
                    scale: other_scale,
                    unscaled: b,
                },
            ) if scale == other_scale => *a = add_options(*a, *b),
            (Sum::Float(a), Sum::Float(b)) => match (a.as_mut(), b) {
                (Some(a), Some(b)) => a.merge(b),
                (None, Some(b)) => *a = Some(*b),
                (_, None) => {}
            },
            _ => return false,
        }
        true
    }

    /// The sum as the language's value: int sums saturate at the i64 range, decimal sums at
    /// the decimal(38, s) range.
    pub fn value(&self) -> Value {
        match self {
            Sum::Int(sum) => sum.map_or(Value::Null, |s| Value::Int(saturate_to_i64(s))),
            Sum::Float(sum) => sum.map_or(Value::Null, |s| Value::Float(s.value())),
            Sum::Decimal { scale, unscaled } => unscaled.map_or(Value::Null, |s| {
                Value::Decimal(saturate_to_decimal38(s), *scale)
            }),
        }
    }

    /// The sum as a float, for `avg`.
    pub fn to_f64(&self) -> Option<f64> {
        match self {
            Sum::Int(sum) => sum.map(|s| s as f64),
            Sum::Float(sum) => sum.map(|s| s.value()),
            Sum::Decimal { scale, unscaled } => unscaled.map(|s| decimal_to_f64(s, *scale)),
        }
    }
}

fn add_options(a: Option<i128>, b: Option<i128>) -> Option<i128> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.saturating_add(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_sums_are_exact_past_i64_and_saturate_at_the_end() {
        let mut sum = Sum::new(Some(&Type::Int));
        assert!(sum.add(&Value::Int(i64::MAX)));
        assert!(sum.add(&Value::Int(i64::MAX)));
        assert_eq!(sum.value(), Value::Int(i64::MAX));
        assert!(sum.add(&Value::Int(i64::MIN)));
        assert!(sum.add(&Value::Int(i64::MIN)));
        assert!(sum.add(&Value::Int(5)));
        // MAX + MAX + MIN + MIN + 5 = -2 + 5, exactly: the i128 never overflowed.
        assert_eq!(sum.value(), Value::Int(3));
    }

    #[test]
    fn decimal_sums_keep_the_scale_and_rescale_strays() {
        let mut sum = Sum::new(Some(&Type::Decimal {
            precision: 10,
            scale: 2,
        }));
        sum.add(&Value::Decimal(1050, 2));
        sum.add(&Value::Decimal(5, 1));
        sum.add(&Value::Int(1));
        assert_eq!(sum.value(), Value::Decimal(1200, 2));
    }

    #[test]
    fn nulls_and_other_variants_are_skipped() {
        let mut sum = Sum::new(Some(&Type::Int));
        assert!(!sum.add(&Value::Null));
        assert!(!sum.add(&Value::String("1".into())));
        assert_eq!(sum.value(), Value::Null);
        let mut float_sum = Sum::new(Some(&Type::Float));
        assert!(float_sum.add(&Value::Int(2)));
        assert_eq!(float_sum.value(), Value::Float(2.0));
    }

    #[test]
    fn sums_of_different_kinds_do_not_merge() {
        let mut sum = Sum::new(Some(&Type::Int));
        sum.add(&Value::Int(1));
        assert!(!sum.merge(&Sum::new(Some(&Type::Float))));
        assert_eq!(sum.value(), Value::Int(1));
    }
}
