//! Implicit conversions, made explicit: the common type of two operands, and the
//! [`ExprKind::Cast`] nodes that bring an operand to it.
//!
//! Promotions: `int` → `float`, `int` → `decimal`, `decimal` → `float`; the literal `null`
//! takes the type of its context. Nothing else converts implicitly (a string never becomes a
//! number: write `cast`).

use crate::plan::{Expr, ExprKind};
use crate::types::{ColumnType, Type, Value};

/// Digits of the largest `int` (i64::MAX has 19): an `int` promotes to `decimal(19, 0)`.
pub(crate) const INT_DECIMAL_DIGITS: u8 = 19;
const MAX_PRECISION: u8 = 38;

/// The type two operands are brought to before they meet (comparison, `case` branches,
/// `coalesce`, ...), or `None` when they cannot meet.
pub(crate) fn common_type(a: &Type, b: &Type) -> Option<Type> {
    match (a, b) {
        (x, y) if x == y => Some(x.clone()),
        (Type::Null, x) | (x, Type::Null) => Some(x.clone()),
        (Type::Int, Type::Float)
        | (Type::Float, Type::Int)
        | (Type::Decimal { .. }, Type::Float)
        | (Type::Float, Type::Decimal { .. }) => Some(Type::Float),
        (Type::Int, Type::Decimal { precision, scale })
        | (Type::Decimal { precision, scale }, Type::Int) => {
            Some(decimal_union((INT_DECIMAL_DIGITS, 0), (*precision, *scale)))
        }
        (
            Type::Decimal {
                precision: p1,
                scale: s1,
            },
            Type::Decimal {
                precision: p2,
                scale: s2,
            },
        ) => Some(decimal_union((*p1, *s1), (*p2, *s2))),
        (Type::List(x), Type::List(y)) if **x == Type::Null || **y == Type::Null => {
            Some(Type::List(Box::new(if **x == Type::Null {
                (**y).clone()
            } else {
                (**x).clone()
            })))
        }
        _ => None,
    }
}

/// The smallest decimal that holds both: the most integer digits and the most fraction digits
/// (integer digits give way when the total would exceed 38).
fn decimal_union((p1, s1): (u8, u8), (p2, s2): (u8, u8)) -> Type {
    let scale = s1.max(s2);
    let integer_digits = (p1 - s1).max(p2 - s2);
    decimal(integer_digits.saturating_add(scale), scale)
}

/// `decimal(p, s)` with the precision capped at 38 and the scale at the precision.
pub(crate) fn decimal(precision: u8, scale: u8) -> Type {
    let precision = precision.clamp(1, MAX_PRECISION);
    Type::Decimal {
        precision,
        scale: scale.min(precision),
    }
}

/// Brings `expr` to type `to`: unchanged if it has it; the literal `null` retyped; an integer
/// literal going to `float` rewritten as a float literal (exact below 2^53); anything else
/// wrapped in a cast. Nullability is kept.
pub(crate) fn coerce(expr: Expr, to: &Type) -> Expr {
    if expr.ty.ty == *to {
        return expr;
    }
    let nullable = expr.ty.nullable;
    match expr.kind {
        ExprKind::Literal(Value::Null) => Expr::new(
            ExprKind::Literal(Value::Null),
            ColumnType::nullable(to.clone()),
        ),
        ExprKind::Literal(Value::Int(i)) if *to == Type::Float && i.unsigned_abs() < (1 << 53) => {
            Expr::new(
                ExprKind::Literal(Value::Float(i as f64)),
                ColumnType::new(Type::Float, nullable),
            )
        }
        kind => Expr::new(
            ExprKind::Cast {
                expr: Box::new(Expr::new(kind, expr.ty)),
                to: to.clone(),
            },
            ColumnType::new(to.clone(), nullable),
        ),
    }
}

/// Whether a value of this type may be used where a number is expected (`null` may).
pub(crate) fn is_numeric_or_null(ty: &Type) -> bool {
    ty.is_numeric() || *ty == Type::Null
}

/// Whether a divisor is a literal other than zero (possibly negated or cast): dividing by it
/// never yields null.
pub(crate) fn is_nonzero_literal(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Literal(Value::Int(i)) => *i != 0,
        ExprKind::Literal(Value::Float(f)) => *f != 0.0 && f.is_finite(),
        ExprKind::Literal(Value::Decimal(u, _)) => *u != 0,
        ExprKind::Cast { expr, .. } => is_nonzero_literal(expr),
        ExprKind::Unary { expr, .. } => is_nonzero_literal(expr),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_promotion_goes_up_the_ladder() {
        assert_eq!(common_type(&Type::Int, &Type::Float), Some(Type::Float));
        assert_eq!(
            common_type(&Type::Int, &decimal(12, 2)),
            Some(Type::Decimal {
                precision: 21,
                scale: 2
            })
        );
        assert_eq!(
            common_type(&decimal(12, 2), &Type::Float),
            Some(Type::Float)
        );
        assert_eq!(
            common_type(&decimal(10, 4), &decimal(20, 1)),
            Some(Type::Decimal {
                precision: 23,
                scale: 4
            })
        );
        assert_eq!(common_type(&Type::String, &Type::Int), None);
        assert_eq!(common_type(&Type::Null, &Type::Date), Some(Type::Date));
    }

    #[test]
    fn wide_decimals_are_capped_at_38_digits() {
        assert_eq!(
            common_type(&decimal(38, 0), &decimal(38, 10)),
            Some(Type::Decimal {
                precision: 38,
                scale: 10
            })
        );
    }

    #[test]
    fn coercion_rewrites_literals_and_casts_the_rest() {
        let one = Expr::new(
            ExprKind::Literal(Value::Int(1)),
            ColumnType::required(Type::Int),
        );
        let as_float = coerce(one, &Type::Float);
        assert_eq!(as_float.kind, ExprKind::Literal(Value::Float(1.0)));
        let column = Expr::new(
            ExprKind::Column("n".into()),
            ColumnType::nullable(Type::Int),
        );
        let cast = coerce(column, &Type::Float);
        assert!(matches!(
            cast.kind,
            ExprKind::Cast {
                to: Type::Float,
                ..
            }
        ));
        assert_eq!(cast.ty, ColumnType::nullable(Type::Float));
    }
}
