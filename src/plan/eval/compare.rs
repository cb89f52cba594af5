//! SQL comparisons of non-null values, as Postgres orders them.

use super::EvalError;
use super::numeric::{decimal_to_f64, pow10};
use crate::plan::expr::BinaryOp;
use crate::types::Value;
use std::cmp::Ordering;

/// The SQL order of two non-null values of one type (numbers of different types compare by
/// value): `-0.0 = 0.0`, NaN equal to NaN and above every number, strings by bytes, decimals
/// by value whatever their scales. Lists and mismatched types are an error.
pub fn sql_cmp(a: &Value, b: &Value) -> Result<Ordering, EvalError> {
    Ok(match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Float(x), Value::Float(y)) => float_cmp(*x, *y),
        (Value::Decimal(x, sx), Value::Decimal(y, sy)) => decimal_cmp(*x, *sx, *y, *sy),
        (Value::Int(x), Value::Decimal(y, sy)) => decimal_cmp(i128::from(*x), 0, *y, *sy),
        (Value::Decimal(x, sx), Value::Int(y)) => decimal_cmp(*x, *sx, i128::from(*y), 0),
        (Value::Float(x), Value::Int(y)) => float_cmp(*x, *y as f64),
        (Value::Int(x), Value::Float(y)) => float_cmp(*x as f64, *y),
        (Value::Float(x), Value::Decimal(y, sy)) => float_cmp(*x, decimal_to_f64(*y, *sy)),
        (Value::Decimal(x, sx), Value::Float(y)) => float_cmp(decimal_to_f64(*x, *sx), *y),
        (Value::String(x), Value::String(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Value::Timestamp(x), Value::Timestamp(y)) => x.cmp(y),
        (Value::Date(x), Value::Date(y)) => x.cmp(y),
        (Value::List(_), _) => return Err(EvalError::operand("comparison", a)),
        (_, other) => return Err(EvalError::operand("comparison", other)),
    })
}

/// `=`, `<>`, `<`, `<=`, `>`, `>=` of two non-null values.
pub fn comparison(op: BinaryOp, a: &Value, b: &Value) -> Result<Value, EvalError> {
    let order = sql_cmp(a, b)?;
    Ok(Value::Bool(match op {
        BinaryOp::Eq => order == Ordering::Equal,
        BinaryOp::NotEq => order != Ordering::Equal,
        BinaryOp::Lt => order == Ordering::Less,
        BinaryOp::LtEq => order != Ordering::Greater,
        BinaryOp::Gt => order == Ordering::Greater,
        BinaryOp::GtEq => order != Ordering::Less,
        other => {
            return Err(EvalError::Type {
                operation: other.symbol(),
                found: "a comparison".into(),
            });
        }
    }))
}

fn float_cmp(x: f64, y: f64) -> Ordering {
    match (x.is_nan(), y.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        // partial_cmp of two non-NaNs is total, and -0.0 == 0.0
        (false, false) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
    }
}

/// Exact, without overflow: integer parts (floored) first, then fractions at a common scale
/// (each fraction is below 10^38 and fits an i128).
fn decimal_cmp(x: i128, sx: u8, y: i128, sy: u8) -> Ordering {
    let split = |u: i128, s: u8| match pow10(u32::from(s)) {
        Some(unit) => (u.div_euclid(unit), u.rem_euclid(unit)),
        // scale > 38: |u| < 10^39 is below one unit
        None => (if u < 0 { -1 } else { 0 }, u),
    };
    let ((xi, xf), (yi, yf)) = (split(x, sx), split(y, sy));
    if xi != yi {
        return xi.cmp(&yi);
    }
    let common = sx.max(sy);
    let widen = |f: i128, s: u8| f.checked_mul(pow10(u32::from(common - s)).unwrap_or(1));
    match (widen(xf, sx), widen(yf, sy)) {
        (Some(a), Some(b)) => a.cmp(&b),
        _ => decimal_to_f64(x, sx).total_cmp(&decimal_to_f64(y, sy)),
    }
}
