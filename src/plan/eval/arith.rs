//! `+ - * / %` and unary `-` on non-null numbers. Ints overflow to null, floats follow IEEE,
//! decimals are exact (brought to the result's type by the caller), and a zero divisor gives
//! null.

use super::EvalError;
use super::numeric::{decimal_to_f64, rescale};
use crate::plan::expr::BinaryOp;
use crate::types::{Type, Value};

pub fn negate(v: &Value) -> Result<Value, EvalError> {
    Ok(match v {
        Value::Null => Value::Null,
        Value::Int(i) => i.checked_neg().map_or(Value::Null, Value::Int),
        Value::Float(f) => Value::Float(-f),
        Value::Decimal(u, s) => u
            .checked_neg()
            .map_or(Value::Null, |u| Value::Decimal(u, *s)),
        other => return Err(EvalError::operand("-", other)),
    })
}

/// `l op r` for non-null numbers; `result` is the expression's type (it decides whether a
/// division of ints is wanted as a float, and the scale of decimal products).
pub fn arithmetic(op: BinaryOp, l: &Value, r: &Value, result: &Type) -> Result<Value, EvalError> {
    let symbol = op.symbol();
    Ok(match (l, r) {
        (Value::Int(a), Value::Int(b)) if op == BinaryOp::Div || *result == Type::Float => {
            float(op, *a as f64, *b as f64)
        }
        (Value::Int(a), Value::Int(b)) => int(op, *a, *b),
        (Value::Float(a), Value::Float(b)) => float(op, *a, *b),
        (Value::Float(a), other) | (other, Value::Float(a)) => {
            let Some(b) = as_f64(other) else {
                return Err(EvalError::operand(symbol, other));
            };
            // keep the operands' order for - / %
            let (x, y) = if matches!(l, Value::Float(_)) {
                (*a, b)
            } else {
                (b, *a)
            };
            float(op, x, y)
        }
        (Value::Decimal(..) | Value::Int(_), Value::Decimal(..) | Value::Int(_)) => {
            let (a, sa) = as_decimal(l);
            let (b, sb) = as_decimal(r);
            if op == BinaryOp::Div {
                float(op, decimal_to_f64(a, sa), decimal_to_f64(b, sb))
            } else {
                decimal(op, (a, sa), (b, sb))
            }
        }
        (Value::Int(_) | Value::Decimal(..), other) | (other, _) => {
            return Err(EvalError::operand(symbol, other));
        }
    })
}

fn int(op: BinaryOp, a: i64, b: i64) -> Value {
    let result = match op {
        BinaryOp::Add => a.checked_add(b),
        BinaryOp::Sub => a.checked_sub(b),
        BinaryOp::Mul => a.checked_mul(b),
        // truncated remainder (the sign of the dividend), as in SQL; i64::MIN % -1 overflows
        BinaryOp::Mod => a.checked_rem(b),
        _ => None,
    };
    result.map_or(Value::Null, Value::Int)
}

fn float(op: BinaryOp, a: f64, b: f64) -> Value {
    Value::Float(match op {
        BinaryOp::Add => a + b,
        BinaryOp::Sub => a - b,
        BinaryOp::Mul => a * b,
        BinaryOp::Div | BinaryOp::Mod if b == 0.0 => return Value::Null,
        BinaryOp::Div => a / b,
        BinaryOp::Mod => a % b,
        _ => return Value::Null,
    })
}

/// Exact decimal arithmetic at the natural scale (the larger one for `+ - %`, the sum for
/// `*`); the caller fits the result to the expression's type.
fn decimal(op: BinaryOp, (a, sa): (i128, u8), (b, sb): (i128, u8)) -> Value {
    let common = sa.max(sb);
    let aligned = || Some((rescale(a, sa, common)?, rescale(b, sb, common)?));
    let result = match op {
        BinaryOp::Add => aligned()
            .and_then(|(x, y)| x.checked_add(y))
            .map(|u| (u, common)),
        BinaryOp::Sub => aligned()
            .and_then(|(x, y)| x.checked_sub(y))
            .map(|u| (u, common)),
        BinaryOp::Mod => aligned()
            .and_then(|(x, y)| if y == 0 { None } else { x.checked_rem(y) })
            .map(|u| (u, common)),
        BinaryOp::Mul => a
            .checked_mul(b)
            .zip(sa.checked_add(sb))
            .filter(|(_, s)| *s <= 76),
        _ => None,
    };
    result.map_or(Value::Null, |(u, s)| Value::Decimal(u, s))
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::Decimal(u, s) => Some(decimal_to_f64(*u, *s)),
        _ => None,
    }
}

fn as_decimal(v: &Value) -> (i128, u8) {
    match v {
        Value::Decimal(u, s) => (*u, *s),
        Value::Int(i) => (i128::from(*i), 0),
        _ => (0, 0),
    }
}
