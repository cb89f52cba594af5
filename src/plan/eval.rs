//! Row-level evaluation of plan expressions, with SQL semantics: what the stream operator
//! applies to each event (`where` filters, aggregate arguments) and what serving computes
//! derived features with. The SQL back ends print the same expressions
//! (`compile::sql_expr`); this module is their Rust twin.
//!
//! # Semantics
//!
//! - **Three-valued logic.** Null in, null out, except: `false and null` is false, `true or
//!   null` is true, `is [not] null` is never null, `coalesce`/`greatest`/`least` skip nulls,
//!   `x in (..., null)` is null when nothing matched, `case` takes a branch only when its
//!   condition is true. A `where` filter keeps an event only when it is true ([`is_true`]).
//! - **Arithmetic.** Semantic analysis has made every promotion an explicit cast, so operands
//!   have one type: `int / int` arrives as `float / float`. `/` and `%` by zero are null. Int
//!   overflow is null (SQL engines raise an error, which would make one event fail a whole
//!   stream). Decimals are exact: results are brought to the expression's scale (rounding half
//!   away from zero) and are null when they exceed its precision.
//! - **Comparisons** follow Postgres: `-0.0 = 0.0`, NaN equals NaN and is greater than every
//!   number, strings compare by bytes (`COLLATE "C"`), decimals by value whatever their scale.
//! - **Functions.** `round` is half away from zero, with the IEEE operations the SQL printer
//!   uses; `ln(x)` is null for x ≤ 0 and `sqrt(x)` for x < 0; `length` counts characters.
//! - **`like`**: `%` any run of characters, `_` one character, `\` escapes the next character
//!   (the default escape of Postgres and DataFusion); case-sensitive.
//! - **Casts** are listed in `eval/cast.rs`. A string that does not parse as the target type
//!   is an error ([`EvalError::Cast`]), as in both SQL engines; float → int truncates.
//!
//! Errors are for what a well-typed plan cannot produce on well-typed input (an unbound
//! reference, a value of the wrong type) and for casts of unparsable text: the stream turns
//! them into dead letters, never into a panic.

mod arith;
mod cast;
mod compare;
mod functions;
mod like;
mod numeric;
#[cfg(test)]
mod tests;

use super::expr::{BinaryOp, Expr, ExprKind, UnaryOp};
use crate::types::{Type, Value};
use std::borrow::Cow;

pub use cast::cast;
pub use compare::sql_cmp;

/// What an expression's references read: the input's columns and, for derived features, the
/// values of other features.
pub trait Scope {
    /// The value of an input column, `None` if the scope has no such column.
    fn column(&self, name: &str) -> Option<&Value>;
    /// The value of a feature (`view.feature`); `None` if unknown.
    fn feature(&self, _view: &str, _feature: &str) -> Option<&Value> {
        None
    }
}

/// Why an expression has no value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    #[error("`{0}` is not bound")]
    Unbound(String),
    #[error("`{operation}` cannot take {found}")]
    Type {
        operation: &'static str,
        found: String,
    },
    #[error("cannot cast {value} to `{to}`")]
    Cast { value: String, to: Type },
}

impl EvalError {
    pub(crate) fn operand(operation: &'static str, found: &Value) -> EvalError {
        EvalError::Type {
            operation,
            found: format!("{found:?}"),
        }
    }
}

/// The value of `expr` in `scope`.
pub fn eval(expr: &Expr, scope: &dyn Scope) -> Result<Value, EvalError> {
    eval_ref(expr, scope).map(Cow::into_owned)
}

/// Whether a condition holds: true only when it evaluates to `true` (null and false do not).
pub fn is_true(expr: &Expr, scope: &dyn Scope) -> Result<bool, EvalError> {
    Ok(matches!(eval_ref(expr, scope)?.as_ref(), Value::Bool(true)))
}

/// The value of `expr`, borrowed from the scope or the plan where it can be (a bare column,
/// a literal): the stream evaluates every aggregate's argument for every event.
pub fn eval_ref<'a>(expr: &'a Expr, scope: &'a dyn Scope) -> Result<Cow<'a, Value>, EvalError> {
    let owned = |v: Value| Ok(Cow::Owned(v));
    match &expr.kind {
        ExprKind::Literal(v) => Ok(Cow::Borrowed(v)),
        ExprKind::Column(name) => scope
            .column(name)
            .map(Cow::Borrowed)
            .ok_or_else(|| EvalError::Unbound(name.clone())),
        ExprKind::Feature { view, feature } => scope
            .feature(view, feature)
            .map(Cow::Borrowed)
            .ok_or_else(|| EvalError::Unbound(format!("{view}.{feature}"))),
        ExprKind::Unary { op, expr: inner } => {
            let v = eval_ref(inner, scope)?;
            match op {
                UnaryOp::Not => owned(match v.as_ref() {
                    Value::Null => Value::Null,
                    Value::Bool(b) => Value::Bool(!b),
                    other => return Err(EvalError::operand("not", other)),
                }),
                UnaryOp::Neg => owned(fit(arith::negate(&v)?, &expr.ty.ty)),
            }
        }
        ExprKind::Binary { op, left, right } => {
            binary(expr, *op, left, right, scope).map(Cow::Owned)
        }
        ExprKind::IsNull {
            expr: inner,
            negated,
        } => owned(Value::Bool(eval_ref(inner, scope)?.is_null() != *negated)),
        ExprKind::InList {
            expr: inner,
            list,
            negated,
        } => owned(in_list(inner, list, *negated, scope)?),
        ExprKind::Like {
            expr: inner,
            pattern,
            negated,
        } => {
            let (text, pattern) = (eval_ref(inner, scope)?, eval_ref(pattern, scope)?);
            owned(match (text.as_ref(), pattern.as_ref()) {
                (Value::Null, _) | (_, Value::Null) => Value::Null,
                (Value::String(t), Value::String(p)) => {
                    Value::Bool(like::matches(t, p) != *negated)
                }
                (other, Value::String(_)) | (_, other) => {
                    return Err(EvalError::operand("like", other));
                }
            })
        }
        ExprKind::Case {
            branches,
            else_result,
        } => {
            for (condition, result) in branches {
                if is_true(condition, scope)? {
                    return eval_ref(result, scope);
                }
            }
            match else_result {
                Some(e) => eval_ref(e, scope),
                None => owned(Value::Null),
            }
        }
        ExprKind::Call { func, args } => {
            owned(fit(functions::call(*func, args, scope)?, &expr.ty.ty))
        }
        ExprKind::Cast { expr: inner, to } => {
            let v = eval_ref(inner, scope)?;
            owned(cast::cast(&v, to)?)
        }
    }
}

fn binary(
    expr: &Expr,
    op: BinaryOp,
    left: &Expr,
    right: &Expr,
    scope: &dyn Scope,
) -> Result<Value, EvalError> {
    match op {
        BinaryOp::And | BinaryOp::Or => {
            let l = truth(eval_ref(left, scope)?.as_ref(), op)?;
            // SQL does not promise short-circuiting, but the answer is known: skip the work.
            let decided = if op == BinaryOp::And {
                Some(false)
            } else {
                Some(true)
            };
            if l == decided {
                return Ok(Value::Bool(l == Some(true)));
            }
            let r = truth(eval_ref(right, scope)?.as_ref(), op)?;
            Ok(match (l, r) {
                (_, r) if r == decided => Value::Bool(r == Some(true)),
                (Some(l), Some(r)) => {
                    Value::Bool(if op == BinaryOp::And { l && r } else { l || r })
                }
                _ => Value::Null,
            })
        }
        _ => {
            let (l, r) = (eval_ref(left, scope)?, eval_ref(right, scope)?);
            if l.is_null() || r.is_null() {
                return Ok(Value::Null);
            }
            let value = match op {
                BinaryOp::Eq
                | BinaryOp::NotEq
                | BinaryOp::Lt
                | BinaryOp::LtEq
                | BinaryOp::Gt
                | BinaryOp::GtEq => compare::comparison(op, &l, &r)?,
                BinaryOp::Concat => match (l.as_ref(), r.as_ref()) {
                    (Value::String(a), Value::String(b)) => Value::String(format!("{a}{b}")),
                    (other, Value::String(_)) | (_, other) => {
                        return Err(EvalError::operand("||", other));
                    }
                },
                _ => fit(arith::arithmetic(op, &l, &r, &expr.ty.ty)?, &expr.ty.ty),
            };
            Ok(value)
        }
    }
}

/// A boolean operand of `and`/`or`: `None` for null.
fn truth(v: &Value, op: BinaryOp) -> Result<Option<bool>, EvalError> {
    match v {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        other => Err(EvalError::operand(op.symbol(), other)),
    }
}

/// `x [not] in (a, b, ...)`: true if some element equals x; else null if x or an element is
/// null; else false.
fn in_list(
    expr: &Expr,
    list: &[Expr],
    negated: bool,
    scope: &dyn Scope,
) -> Result<Value, EvalError> {
    let x = eval_ref(expr, scope)?;
    if x.is_null() {
        return Ok(Value::Null);
    }
    let mut saw_null = false;
    for item in list {
        let item = eval_ref(item, scope)?;
        if item.is_null() {
            saw_null = true;
        } else if sql_cmp(&x, &item)? == std::cmp::Ordering::Equal {
            return Ok(Value::Bool(!negated));
        }
    }
    Ok(if saw_null {
        Value::Null
    } else {
        Value::Bool(negated)
    })
}

/// A decimal result brought to the expression's decimal type (null if it does not fit);
/// anything else unchanged.
fn fit(value: Value, ty: &Type) -> Value {
    match (value, ty) {
        (
            Value::Decimal(unscaled, scale),
            Type::Decimal {
                precision,
                scale: to,
            },
        ) => numeric::fit_decimal(unscaled, scale, *precision, *to)
            .map_or(Value::Null, |u| Value::Decimal(u, *to)),
        (value, _) => value,
    }
}
