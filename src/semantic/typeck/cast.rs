//! `cast(x as T)`: which conversions exist (E0309 for the others).
//!
//! Allowed: any type to itself; `null` to anything; between numbers; between `string` and any
//! scalar (parsing or printing); `bool` ↔ `int`; `timestamp` ↔ `date`; `list<A>` → `list<B>`
//! when `A` → `B`. These are the conversions DataFusion and Postgres both define the same way.

use super::{Operand, Typed};
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::{Expr, ExprKind};
use crate::semantic::context::Cx;
use crate::source::Span;
use crate::types::{ColumnType, Type};

pub(crate) fn castable(from: &Type, to: &Type) -> bool {
    match (from, to) {
        _ if from == to => true,
        (Type::Null, _) => true,
        (Type::List(a), Type::List(b)) => castable(a, b),
        (Type::List(_), _) | (_, Type::List(_)) | (_, Type::Null) => false,
        (Type::String, _) | (_, Type::String) => true,
        (a, b) if a.is_numeric() && b.is_numeric() => true,
        (Type::Bool, Type::Int) | (Type::Int, Type::Bool) => true,
        (Type::Timestamp, Type::Date) | (Type::Date, Type::Timestamp) => true,
        _ => false,
    }
}

/// The types a value of `from` converts to, for the help of E0309.
fn targets(from: &Type) -> Vec<&'static str> {
    let candidates: [(&str, Type); 7] = [
        ("string", Type::String),
        ("int", Type::Int),
        ("float", Type::Float),
        (
            "decimal(p, s)",
            Type::Decimal {
                precision: 38,
                scale: 0,
            },
        ),
        ("bool", Type::Bool),
        ("timestamp", Type::Timestamp),
        ("date", Type::Date),
    ];
    candidates
        .into_iter()
        .filter(|(_, to)| to != from && castable(from, to))
        .map(|(name, _)| name)
        .collect()
}

pub(super) fn cast(cx: &mut Cx, operand: Operand, to: Type, type_span: Span) -> Typed {
    let from = operand.expr.ty.ty.clone();
    if !castable(&from, &to) {
        let options = targets(&from);
        let help = if options.is_empty() {
            format!("a `{from}` cannot be converted")
        } else {
            format!(
                "a `{from}` can be cast to {}",
                crate::semantic::context::quoted_list(&options).replace(" and ", " or ")
            )
        };
        cx.report(
            Diagnostic::error(
                Code::INVALID_CAST,
                format!("cannot cast `{from}` to `{to}`"),
            )
            .at(operand.ast.span, format!("this is `{from}`"))
            .with_label(type_span, "no conversion to this type")
            .with_help(help),
        );
        return None;
    }
    let nullable = operand.expr.ty.nullable;
    Some(Expr::new(
        ExprKind::Cast {
            expr: Box::new(operand.expr),
            to: to.clone(),
        },
        ColumnType::new(to, nullable),
    ))
}

#[cfg(test)]
mod tests {
    use super::castable;
    use crate::types::Type;

    #[test]
    fn conversions_that_exist_on_every_back_end() {
        assert!(castable(&Type::Int, &Type::Float));
        assert!(castable(&Type::String, &Type::Timestamp));
        assert!(castable(&Type::Bool, &Type::Int));
        assert!(castable(&Type::Null, &Type::Date));
        assert!(castable(&Type::Timestamp, &Type::Date));
        assert!(!castable(&Type::Bool, &Type::Timestamp));
        assert!(!castable(&Type::Bool, &Type::Float));
        assert!(!castable(&Type::Int, &Type::Timestamp));
        assert!(!castable(&Type::List(Box::new(Type::Int)), &Type::String));
    }
}
