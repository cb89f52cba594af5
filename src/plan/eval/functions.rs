//! The scalar functions of docs/language.md#expressions.

use super::numeric::{pow10, round_div};
use super::{EvalError, Scope, eval_ref, sql_cmp};
use crate::plan::expr::{Expr, ScalarFunc};
use crate::types::Value;
use std::cmp::Ordering;

pub fn call(func: ScalarFunc, args: &[Expr], scope: &dyn Scope) -> Result<Value, EvalError> {
    match func {
        ScalarFunc::Coalesce => {
            for arg in args {
                let v = eval_ref(arg, scope)?;
                if !v.is_null() {
                    return Ok(v.into_owned());
                }
            }
            Ok(Value::Null)
        }
        ScalarFunc::Greatest | ScalarFunc::Least => {
            let wanted = if func == ScalarFunc::Greatest {
                Ordering::Greater
            } else {
                Ordering::Less
            };
            let mut best: Option<Value> = None;
            for arg in args {
                let v = eval_ref(arg, scope)?;
                if v.is_null() {
                    continue;
                }
                let better = match &best {
                    None => true,
                    Some(b) => sql_cmp(&v, b)? == wanted,
                };
                if better {
                    best = Some(v.into_owned());
                }
            }
            Ok(best.unwrap_or(Value::Null))
        }
        _ => {
            let values = args
                .iter()
                .map(|a| eval_ref(a, scope))
                .collect::<Result<Vec<_>, _>>()?;
            let first = values.first().map_or(&Value::Null, |v| v.as_ref());
            let second = values.get(1).map(|v| v.as_ref());
            if func == ScalarFunc::Nullif {
                let equal = match second {
                    Some(b) if !first.is_null() && !b.is_null() => {
                        sql_cmp(first, b)? == Ordering::Equal
                    }
                    _ => false,
                };
                return Ok(if equal { Value::Null } else { first.clone() });
            }
            if first.is_null() || second.is_some_and(Value::is_null) {
                return Ok(Value::Null);
            }
            unary(func, first, second)
        }
    }
}

/// A function of one non-null value (and `round`'s non-null digits).
fn unary(func: ScalarFunc, x: &Value, digits: Option<&Value>) -> Result<Value, EvalError> {
    let wrong = || Err(EvalError::operand(func.name(), x));
    let float = |f: f64| Ok(Value::Float(f));
    match (func, x) {
        (ScalarFunc::Abs, Value::Int(i)) => Ok(i.checked_abs().map_or(Value::Null, Value::Int)),
        (ScalarFunc::Abs, Value::Float(f)) => float(f.abs()),
        (ScalarFunc::Abs, Value::Decimal(u, s)) => Ok(u
            .checked_abs()
            .map_or(Value::Null, |u| Value::Decimal(u, *s))),
        (ScalarFunc::Round, _) => {
            let digits = match digits {
                None => 0,
                Some(Value::Int(d)) => *d,
                Some(other) => return Err(EvalError::operand("round", other)),
            };
            round(x, digits).map_or_else(wrong, Ok)
        }
        (ScalarFunc::Floor | ScalarFunc::Ceil, Value::Int(i)) => Ok(Value::Int(*i)),
        (ScalarFunc::Floor, Value::Float(f)) => float(f.floor()),
        (ScalarFunc::Ceil, Value::Float(f)) => float(f.ceil()),
        (ScalarFunc::Floor | ScalarFunc::Ceil, Value::Decimal(u, s)) => {
            let Some(unit) = pow10(u32::from(*s)) else {
                return Ok(Value::Decimal(0, *s));
            };
            let floored = if func == ScalarFunc::Floor {
                u.div_euclid(unit)
            } else {
                -(-u).div_euclid(unit)
            };
            Ok(floored
                .checked_mul(unit)
                .map_or(Value::Null, |u| Value::Decimal(u, *s)))
        }
        // NaN passes the guards, as in Postgres where NaN is above every number
        (ScalarFunc::Ln, Value::Float(f)) if f.is_nan() || *f > 0.0 => float(f.ln()),
        (ScalarFunc::Ln, Value::Float(_)) => Ok(Value::Null),
        (ScalarFunc::Sqrt, Value::Float(f)) if f.is_nan() || *f >= 0.0 => float(f.sqrt()),
        (ScalarFunc::Sqrt, Value::Float(_)) => Ok(Value::Null),
        (ScalarFunc::Exp, Value::Float(f)) => float(f.exp()),
        (ScalarFunc::Lower, Value::String(s)) => Ok(Value::String(s.to_lowercase())),
        (ScalarFunc::Upper, Value::String(s)) => Ok(Value::String(s.to_uppercase())),
        (ScalarFunc::Length, Value::String(s)) => Ok(Value::Int(
            i64::try_from(s.chars().count()).unwrap_or(i64::MAX),
        )),
        _ => wrong(),
    }
}

/// `round(x, digits)`, half away from zero; the result keeps x's type.
fn round(x: &Value, digits: i64) -> Option<Value> {
    Some(match x {
        Value::Float(f) => Value::Float(round_float(*f, digits)),
        Value::Int(i) if digits >= 0 => Value::Int(*i),
        Value::Int(i) => {
            let unit = u32::try_from(-digits).ok().and_then(pow10);
            match unit {
                Some(unit) => {
                    let rounded = round_div(i128::from(*i), unit).checked_mul(unit)?;
                    i64::try_from(rounded).map_or(Value::Null, Value::Int)
                }
                None => Value::Int(0),
            }
        }
        Value::Decimal(u, s) => {
            let drop = i64::from(*s) - digits;
            if drop <= 0 {
                return Some(Value::Decimal(*u, *s));
            }
            match u32::try_from(drop).ok().and_then(pow10) {
                Some(unit) => round_div(*u, unit)
                    .checked_mul(unit)
                    .map_or(Value::Null, |r| Value::Decimal(r, *s)),
                None => Value::Decimal(0, *s),
            }
        }
        _ => return None,
    })
}

/// The SQL printer's formula, operation for operation: `p = x·10^d`,
/// `trunc(p) + sign(p)·(|p − trunc(p)| ≥ 0.5)`, `/ 10^d`.
fn round_float(x: f64, digits: i64) -> f64 {
    let scale = (digits != 0).then(|| 10f64.powf(digits as f64));
    let p = scale.map_or(x, |s| x * s);
    let t = p.trunc();
    let frac = (p - t).abs();
    // NaN ≥ 0.5 in Postgres' order (NaN above every number)
    let bump = if frac.is_nan() || frac >= 0.5 {
        sign(p)
    } else {
        0.0
    };
    let rounded = t + bump;
    scale.map_or(rounded, |s| rounded / s)
}

/// SQL `sign`: -1, 0 or 1 (NaN for NaN).
fn sign(x: f64) -> f64 {
    if x.is_nan() {
        x
    } else if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}
