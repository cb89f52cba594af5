//! The scalar functions of docs/language.md#expressions: arity (E0308) and argument types (E0304).
//!
//! | function | takes | returns |
//! |---|---|---|
//! | `coalesce(x, ...)` | values with a common type | that type; null only if every argument may be |
//! | `nullif(x, y)` | two comparable values | their common type, nullable |
//! | `abs(x)`, `floor(x)`, `ceil(x)` | a number | the same type |
//! | `round(x [, digits])` | a number, an integer literal | the same type |
//! | `ln(x)`, `sqrt(x)` | a number | float, nullable (null outside the domain) |
//! | `exp(x)` | a number | float |
//! | `lower(s)`, `upper(s)` | a string | string |
//! | `length(s)` | a string | int (characters) |
//! | `greatest(x, ...)`, `least(x, ...)` | ordered values with a common type | that type; nulls are ignored |

use super::coerce::{coerce, common_type, is_numeric_or_null};
use super::{Operand, Typed};
use crate::diagnostic::{Code, Diagnostic, plural};
use crate::plan::{Expr, ExprKind, ScalarFunc};
use crate::semantic::context::Cx;
use crate::source::Span;
use crate::syntax::ast;
use crate::types::{ColumnType, Type, Value};

struct Signature {
    min: usize,
    max: Option<usize>,
    usage: &'static str,
}

fn signature(func: ScalarFunc) -> Signature {
    let exactly = |n, usage| Signature {
        min: n,
        max: Some(n),
        usage,
    };
    match func {
        ScalarFunc::Coalesce => Signature {
            min: 1,
            max: None,
            usage: "`coalesce(x, y, ...)` returns its first non-null argument",
        },
        ScalarFunc::Nullif => exactly(2, "`nullif(x, y)` is null when `x = y`, else `x`"),
        ScalarFunc::Abs => exactly(1, "`abs(x)` takes one number"),
        ScalarFunc::Round => Signature {
            min: 1,
            max: Some(2),
            usage: "`round(x)` or `round(x, digits)` with `digits` an integer literal",
        },
        ScalarFunc::Floor => exactly(1, "`floor(x)` takes one number"),
        ScalarFunc::Ceil => exactly(1, "`ceil(x)` takes one number"),
        ScalarFunc::Ln => exactly(1, "`ln(x)` takes one number"),
        ScalarFunc::Exp => exactly(1, "`exp(x)` takes one number"),
        ScalarFunc::Sqrt => exactly(1, "`sqrt(x)` takes one number"),
        ScalarFunc::Lower => exactly(1, "`lower(s)` takes one string"),
        ScalarFunc::Upper => exactly(1, "`upper(s)` takes one string"),
        ScalarFunc::Length => exactly(1, "`length(s)` takes one string"),
        ScalarFunc::Greatest => Signature {
            min: 1,
            max: None,
            usage: "`greatest(x, y, ...)` returns its largest non-null argument",
        },
        ScalarFunc::Least => Signature {
            min: 1,
            max: None,
            usage: "`least(x, y, ...)` returns its smallest non-null argument",
        },
    }
}

/// Reports a call with the wrong number of arguments; true when the count is right.
pub(super) fn check_arity(
    cx: &mut Cx,
    func: ScalarFunc,
    name: &ast::Ident,
    call_span: Span,
    count: usize,
) -> bool {
    let sig = signature(func);
    if count >= sig.min && sig.max.is_none_or(|max| count <= max) {
        return true;
    }
    let expected = match sig.max {
        Some(max) if max == sig.min => plural(max, "argument"),
        Some(max) => format!("{} to {max} arguments", sig.min),
        None => format!("at least {}", plural(sig.min, "argument")),
    };
    cx.report(
        Diagnostic::error(
            Code::ARITY,
            format!("`{}` takes {expected}, found {count}", name.name),
        )
        .at(call_span, format!("{} here", plural(count, "argument")))
        .with_help(sig.usage),
    );
    false
}

fn arg_error(cx: &mut Cx, func: ScalarFunc, arg: &Operand, expected: &str, help: String) {
    cx.report(
        Diagnostic::error(
            Code::FUNCTION_TYPE,
            format!(
                "`{}` takes {expected}, found `{}`",
                func.name(),
                arg.expr.ty.ty
            ),
        )
        .at(arg.ast.span, format!("this is `{}`", arg.expr.ty.ty))
        .with_help(help),
    );
}

fn call(func: ScalarFunc, args: Vec<Expr>, ty: ColumnType) -> Expr {
    Expr::new(ExprKind::Call { func, args }, ty)
}

/// Types a call whose arity has been checked.
pub(super) fn scalar_call(cx: &mut Cx, func: ScalarFunc, mut args: Vec<Operand>) -> Typed {
    match func {
        ScalarFunc::Coalesce | ScalarFunc::Greatest | ScalarFunc::Least => {
            let ordered = func != ScalarFunc::Coalesce;
            let target = unify(cx, func, &args, ordered)?;
            // null only if every argument may be null (greatest/least ignore nulls)
            let nullable = args.iter().all(|a| a.expr.ty.nullable);
            let args = args.into_iter().map(|a| coerce(a.expr, &target)).collect();
            Some(call(func, args, ColumnType::new(target, nullable)))
        }
        ScalarFunc::Nullif => {
            let target = unify(cx, func, &args, false)?;
            let args = args.into_iter().map(|a| coerce(a.expr, &target)).collect();
            Some(call(func, args, ColumnType::nullable(target)))
        }
        ScalarFunc::Abs | ScalarFunc::Floor | ScalarFunc::Ceil | ScalarFunc::Round => {
            let value = args.remove(0);
            if !number(cx, func, &value) {
                return None;
            }
            let mut typed = vec![value.expr.clone()];
            if let Some(digits) = args.pop() {
                typed.push(round_digits(cx, &digits)?);
            }
            Some(call(func, typed, value.expr.ty))
        }
        ScalarFunc::Ln | ScalarFunc::Exp | ScalarFunc::Sqrt => {
            let value = args.remove(0);
            if !number(cx, func, &value) {
                return None;
            }
            // ln and sqrt are null outside their domain (ln(0), sqrt(-1)) on every back end
            let nullable = value.expr.ty.nullable || func != ScalarFunc::Exp;
            Some(call(
                func,
                vec![coerce(value.expr, &Type::Float)],
                ColumnType::new(Type::Float, nullable),
            ))
        }
        ScalarFunc::Lower | ScalarFunc::Upper | ScalarFunc::Length => {
            let value = args.remove(0);
            if !matches!(value.expr.ty.ty, Type::String | Type::Null) {
                let text = cx.snippet(value.ast.span);
                arg_error(
                    cx,
                    func,
                    &value,
                    "a string",
                    format!("cast it: `cast({text} as string)`"),
                );
                return None;
            }
            let result = if func == ScalarFunc::Length {
                Type::Int
            } else {
                Type::String
            };
            let nullable = value.expr.ty.nullable;
            Some(call(
                func,
                vec![coerce(value.expr, &Type::String)],
                ColumnType::new(result, nullable),
            ))
        }
    }
}

fn number(cx: &mut Cx, func: ScalarFunc, arg: &Operand) -> bool {
    if is_numeric_or_null(&arg.expr.ty.ty) {
        return true;
    }
    let text = cx.snippet(arg.ast.span);
    let help = match arg.expr.ty.ty {
        Type::String => format!("to read a number from text, write `cast({text} as float)`"),
        _ => format!("`{}` takes int, float or decimal", func.name()),
    };
    arg_error(cx, func, arg, "a number", help);
    false
}

/// `round`'s digits: an integer literal, possibly negative.
fn round_digits(cx: &mut Cx, digits: &Operand) -> Option<Expr> {
    let literal = match &digits.expr.kind {
        ExprKind::Literal(Value::Int(_)) => true,
        ExprKind::Unary { expr, .. } => matches!(expr.kind, ExprKind::Literal(Value::Int(_))),
        _ => false,
    };
    if !literal {
        cx.report(
            Diagnostic::error(
                Code::FUNCTION_TYPE,
                "the digits of `round(x, digits)` must be an integer literal",
            )
            .at(digits.ast.span, "not an integer literal")
            .with_help("write the number of digits after the point, e.g. `round(x, 2)`"),
        );
        return None;
    }
    Some(digits.expr.clone())
}

/// The common type of all arguments (E0304 at the first that does not fit).
fn unify(cx: &mut Cx, func: ScalarFunc, args: &[Operand], ordered: bool) -> Option<Type> {
    let mut target = Type::Null;
    let mut first: Option<&Operand> = None;
    let mut ok = true;
    for arg in args {
        let ty = &arg.expr.ty.ty;
        if matches!(ty, Type::List(_)) && (ordered || func == ScalarFunc::Nullif) {
            arg_error(
                cx,
                func,
                arg,
                "values with an order",
                format!(
                    "`{}` compares its arguments; lists cannot be compared",
                    func.name()
                ),
            );
            ok = false;
            continue;
        }
        match common_type(&target, ty) {
            Some(t) => {
                if first.is_none() && *ty != Type::Null {
                    first = Some(arg);
                }
                target = t;
            }
            None => {
                let first = first.unwrap_or(arg);
                cx.report(
                    Diagnostic::error(
                        Code::FUNCTION_TYPE,
                        format!(
                            "the arguments of `{}` must have one type, found `{}` and `{}`",
                            func.name(),
                            first.expr.ty.ty,
                            ty
                        ),
                    )
                    .at(arg.ast.span, format!("this is `{ty}`"))
                    .with_label(first.ast.span, format!("this is `{}`", first.expr.ty.ty))
                    .with_help(format!(
                        "convert it, e.g. `cast({} as {})`",
                        cx.snippet(arg.ast.span),
                        first.expr.ty.ty
                    )),
                );
                ok = false;
            }
        }
    }
    ok.then_some(target)
}
