//! Types as written (`string?`, `decimal(12, 2)`, `list<int>`) → [`Type`]: unknown names
//! (E0206, with the `.feat` spelling of common SQL type names) and decimal bounds (E0310).

use super::context::{Cx, did_you_mean};
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast::{TypeExpr, TypeExprKind};
use crate::types::{ColumnType, Type};

/// The largest decimal precision (Postgres `numeric`, Arrow `Decimal128`).
pub(crate) const MAX_DECIMAL_PRECISION: u64 = 38;

const NAMED_TYPES: [(&str, Type); 6] = [
    ("string", Type::String),
    ("int", Type::Int),
    ("float", Type::Float),
    ("bool", Type::Bool),
    ("timestamp", Type::Timestamp),
    ("date", Type::Date),
];

/// SQL and programming-language spellings users bring with them, and the `.feat` spelling.
const FOREIGN_SPELLINGS: [(&str, &str); 18] = [
    ("integer", "int"),
    ("bigint", "int"),
    ("long", "int"),
    ("int64", "int"),
    ("smallint", "int"),
    ("double", "float"),
    ("real", "float"),
    ("float64", "float"),
    ("boolean", "bool"),
    ("text", "string"),
    ("varchar", "string"),
    ("str", "string"),
    ("datetime", "timestamp"),
    ("timestamptz", "timestamp"),
    ("numeric", "decimal(p, s)"),
    ("decimal", "decimal(p, s)"),
    ("array", "list<T>"),
    ("list", "list<T>"),
];

/// A column type: the type and its `?`.
pub(crate) fn column_type(cx: &mut Cx, ty: &TypeExpr) -> Option<ColumnType> {
    resolve(cx, ty).map(|t| ColumnType::new(t, ty.nullable))
}

/// The type, ignoring a trailing `?` (as in `cast(x as int)`); `None` when it was reported.
pub(crate) fn resolve(cx: &mut Cx, ty: &TypeExpr) -> Option<Type> {
    match &ty.kind {
        TypeExprKind::Named(name) => {
            if let Some((_, t)) = NAMED_TYPES.iter().find(|(n, _)| *n == name.name) {
                return Some(t.clone());
            }
            let help = match FOREIGN_SPELLINGS.iter().find(|(n, _)| *n == name.name) {
                Some((_, "decimal(p, s)")) => {
                    "write the precision and scale: `decimal(p, s)`, e.g. `decimal(12, 2)`".to_string()
                }
                Some((_, "list<T>")) => "write the element type: `list<T>`, e.g. `list<string>`".to_string(),
                Some((_, spelling)) => format!("`.feat` spells this type `{spelling}`"),
                None => did_you_mean(&name.name, NAMED_TYPES.iter().map(|(n, _)| *n))
                    .unwrap_or_else(|| {
                        "the types are string, int, float, bool, timestamp, date, decimal(p, s) and list<T>"
                            .to_string()
                    }),
            };
            cx.report(
                Diagnostic::error(Code::UNKNOWN_TYPE, format!("unknown type `{}`", name.name))
                    .at(name.span, "not a type")
                    .with_help(help),
            );
            None
        }
        TypeExprKind::Decimal { precision, scale } => {
            if *precision == 0 || *precision > MAX_DECIMAL_PRECISION || scale > precision {
                let (message, label) = if *precision == 0 || *precision > MAX_DECIMAL_PRECISION {
                    (
                        format!("decimal precision {precision} is out of range"),
                        format!("precision must be from 1 to {MAX_DECIMAL_PRECISION}"),
                    )
                } else {
                    (
                        format!("decimal scale {scale} is larger than its precision {precision}"),
                        "the scale counts digits after the point, out of the precision".to_string(),
                    )
                };
                cx.report(
                    Diagnostic::error(Code::DECIMAL_PRECISION, message)
                        .at(ty.span, label)
                        .with_help(format!(
                            "a decimal holds at most {MAX_DECIMAL_PRECISION} digits, e.g. `decimal(18, 2)`; use `float` for wider ranges"
                        )),
                );
                return None;
            }
            Some(Type::Decimal {
                precision: *precision as u8,
                scale: *scale as u8,
            })
        }
        TypeExprKind::List(inner) => resolve(cx, inner).map(|t| Type::List(Box::new(t))),
    }
}
