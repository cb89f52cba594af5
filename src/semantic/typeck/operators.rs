//! Operators (SQL semantics, three-valued logic): the operand types each accepts, the result
//! type and its nullability, and the casts that make promotions explicit.
//!
//! - `+ - * %`: numbers; int op int is int, any float makes float, decimals follow the
//!   decimal rules below; `/` always returns float (docs/language.md: integer `/` returns float; a decimal
//!   quotient has no exact decimal type on every back end, so it is float too).
//! - `/` and `%` yield null for a zero divisor: nullable unless the divisor is a non-zero literal.
//! - decimal results (the rules of Arrow/DataFusion): `+ -` → `decimal(max(p1-s1, p2-s2) +
//!   max(s1, s2) + 1, max(s1, s2))`; `*` → `decimal(p1 + p2 + 1, s1 + s2)`; `%` →
//!   `decimal(min(p1-s1, p2-s2) + max(s1, s2), max(s1, s2))`; all capped at 38 digits.
//! - comparisons: both sides brought to their common type; lists are not comparable.
//! - `and or not`: booleans; `||`: strings; `like`: strings; `in`: every element comparable with
//!   the operand.
//! - A result is nullable when any operand is (`is [not] null` never is).

use super::coerce::{
    INT_DECIMAL_DIGITS, coerce, common_type, decimal, is_nonzero_literal, is_numeric_or_null,
};
use super::{Operand, Typed};
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::{BinaryOp, Expr, ExprKind, UnaryOp};
use crate::semantic::context::Cx;
use crate::syntax::ast;
use crate::types::{ColumnType, Type};

pub(super) fn plan_op(op: ast::BinaryOp) -> BinaryOp {
    match op {
        ast::BinaryOp::Or => BinaryOp::Or,
        ast::BinaryOp::And => BinaryOp::And,
        ast::BinaryOp::Eq => BinaryOp::Eq,
        ast::BinaryOp::NotEq => BinaryOp::NotEq,
        ast::BinaryOp::Lt => BinaryOp::Lt,
        ast::BinaryOp::LtEq => BinaryOp::LtEq,
        ast::BinaryOp::Gt => BinaryOp::Gt,
        ast::BinaryOp::GtEq => BinaryOp::GtEq,
        ast::BinaryOp::Concat => BinaryOp::Concat,
        ast::BinaryOp::Add => BinaryOp::Add,
        ast::BinaryOp::Sub => BinaryOp::Sub,
        ast::BinaryOp::Mul => BinaryOp::Mul,
        ast::BinaryOp::Div => BinaryOp::Div,
        ast::BinaryOp::Mod => BinaryOp::Mod,
    }
}

fn binary_expr(op: BinaryOp, left: Expr, right: Expr, ty: ColumnType) -> Expr {
    Expr::new(
        ExprKind::Binary {
            op,
            left: Box::new(left),
            right: Box::new(right),
        },
        ty,
    )
}

pub(super) fn binary(cx: &mut Cx, op: ast::BinaryOp, left: Operand, right: Operand) -> Typed {
    let op = plan_op(op);
    match op {
        BinaryOp::Or | BinaryOp::And => logical(cx, op, left, right),
        BinaryOp::Eq
        | BinaryOp::NotEq
        | BinaryOp::Lt
        | BinaryOp::LtEq
        | BinaryOp::Gt
        | BinaryOp::GtEq => comparison(cx, op, left, right),
        BinaryOp::Concat => concat(cx, left, right),
        BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Mod | BinaryOp::Div => {
            arithmetic(cx, op, left, right)
        }
    }
}

/// E0301 at an operand of the wrong type.
fn operand_error(cx: &mut Cx, operand: &Operand, message: String, help: String) {
    cx.report(
        Diagnostic::error(Code::OPERATOR_TYPE, message)
            .at(
                operand.ast.span,
                format!("this is `{}`", operand.expr.ty.ty),
            )
            .with_help(help),
    );
}

fn require_bool(cx: &mut Cx, what: &str, operand: &Operand) -> bool {
    let ty = &operand.expr.ty.ty;
    if matches!(ty, Type::Bool | Type::Null) {
        return true;
    }
    let example = condition_example(cx, operand);
    operand_error(
        cx,
        operand,
        format!("`{what}` needs boolean operands, found `{ty}`"),
        format!("`{what}` combines conditions; write one, e.g. `{example}`"),
    );
    false
}

/// A condition built from the operand, for helps: `x > 0`, `s = '...'`, `x is not null`.
pub(super) fn condition_example(cx: &Cx, operand: &Operand) -> String {
    let text = cx.snippet(operand.ast.span);
    match operand.expr.ty.ty {
        ref t if t.is_numeric() => format!("{text} > 0"),
        Type::String => format!("{text} = '...'"),
        _ => format!("{text} is not null"),
    }
}

fn logical(cx: &mut Cx, op: BinaryOp, left: Operand, right: Operand) -> Typed {
    let left_ok = require_bool(cx, op.symbol(), &left);
    let right_ok = require_bool(cx, op.symbol(), &right);
    if !(left_ok && right_ok) {
        return None;
    }
    let nullable = left.expr.ty.nullable || right.expr.ty.nullable;
    Some(binary_expr(
        op,
        coerce(left.expr, &Type::Bool),
        coerce(right.expr, &Type::Bool),
        ColumnType::new(Type::Bool, nullable),
    ))
}

/// The type both sides of a comparison are brought to.
pub(super) fn comparable(a: &Type, b: &Type) -> Option<Type> {
    if matches!(a, Type::List(_)) || matches!(b, Type::List(_)) {
        return None;
    }
    common_type(a, b)
}

/// E0301 for two values that cannot meet; the primary label is at `right`.
pub(super) fn mismatch(cx: &mut Cx, message: String, left: &Operand, right: &Operand) {
    let (lt, rt) = (&left.expr.ty.ty, &right.expr.ty.ty);
    let help = if matches!(lt, Type::List(_)) || matches!(rt, Type::List(_)) {
        "lists cannot be compared; compare their elements' aggregates instead".to_string()
    } else if super::cast::castable(rt, lt) {
        format!(
            "convert one side, e.g. `cast({} as {lt})`",
            cx.snippet(right.ast.span)
        )
    } else {
        format!("values of `{lt}` and `{rt}` cannot be compared")
    };
    cx.report(
        Diagnostic::error(Code::OPERATOR_TYPE, message)
            .at(right.ast.span, format!("this is `{rt}`"))
            .with_label(left.ast.span, format!("this is `{lt}`"))
            .with_help(help),
    );
}

pub(super) fn comparison(cx: &mut Cx, op: BinaryOp, left: Operand, right: Operand) -> Typed {
    let Some(target) = comparable(&left.expr.ty.ty, &right.expr.ty.ty) else {
        let message = format!(
            "cannot compare `{}` with `{}`",
            left.expr.ty.ty, right.expr.ty.ty
        );
        mismatch(cx, message, &left, &right);
        return None;
    };
    let nullable = left.expr.ty.nullable || right.expr.ty.nullable;
    Some(binary_expr(
        op,
        coerce(left.expr, &target),
        coerce(right.expr, &target),
        ColumnType::new(Type::Bool, nullable),
    ))
}

fn concat(cx: &mut Cx, left: Operand, right: Operand) -> Typed {
    let mut ok = true;
    for operand in [&left, &right] {
        let ty = &operand.expr.ty.ty;
        if !matches!(ty, Type::String | Type::Null) {
            let text = cx.snippet(operand.ast.span);
            operand_error(
                cx,
                operand,
                format!("`||` joins strings, found `{ty}`"),
                format!("cast it: `cast({text} as string)`"),
            );
            ok = false;
        }
    }
    if !ok {
        return None;
    }
    let nullable = left.expr.ty.nullable || right.expr.ty.nullable;
    Some(binary_expr(
        BinaryOp::Concat,
        coerce(left.expr, &Type::String),
        coerce(right.expr, &Type::String),
        ColumnType::new(Type::String, nullable),
    ))
}

fn require_number(cx: &mut Cx, op: BinaryOp, operand: &Operand) -> bool {
    let ty = &operand.expr.ty.ty;
    if is_numeric_or_null(ty) {
        return true;
    }
    let text = cx.snippet(operand.ast.span);
    let symbol = op.symbol();
    let help = match ty {
        Type::String if op == BinaryOp::Add => "to join strings, use `||`".to_string(),
        Type::String => format!(
            "`{symbol}` takes int, float or decimal; to read a number from text, write `cast({text} as float)`"
        ),
        Type::Bool => format!(
            "`{symbol}` takes int, float or decimal; to count a condition, write `cast({text} as int)`"
        ),
        _ => format!("`{symbol}` takes int, float or decimal operands"),
    };
    operand_error(
        cx,
        operand,
        format!("`{symbol}` needs numbers, found `{ty}`"),
        help,
    );
    false
}

fn arithmetic(cx: &mut Cx, op: BinaryOp, left: Operand, right: Operand) -> Typed {
    let left_ok = require_number(cx, op, &left);
    let right_ok = require_number(cx, op, &right);
    if !(left_ok && right_ok) {
        return None;
    }
    let (lt, rt) = (left.expr.ty.ty.clone(), right.expr.ty.ty.clone());
    let zero_safe = !matches!(op, BinaryOp::Div | BinaryOp::Mod) || is_nonzero_literal(&right.expr);
    let nullable = left.expr.ty.nullable || right.expr.ty.nullable || !zero_safe;
    let (operand_type, result) = arithmetic_types(op, &lt, &rt);
    let (l, r) = match &operand_type {
        // decimals keep their own precision and scale; only ints and nulls are converted
        Some(t) => (coerce(left.expr, t), coerce(right.expr, t)),
        None => (
            decimal_operand(left.expr, &rt),
            decimal_operand(right.expr, &lt),
        ),
    };
    Some(binary_expr(op, l, r, ColumnType::new(result, nullable)))
}

/// An operand of decimal arithmetic: an int becomes `decimal(19, 0)`, a null takes the other
/// side's type, a decimal stays as it is.
fn decimal_operand(expr: Expr, other: &Type) -> Expr {
    match expr.ty.ty {
        Type::Int => coerce(expr, &decimal(INT_DECIMAL_DIGITS, 0)),
        Type::Null => coerce(expr, other),
        _ => expr,
    }
}

/// The type both operands are brought to (`None`: decimal arithmetic, each operand keeps its
/// own decimal type) and the result type.
fn arithmetic_types(op: BinaryOp, a: &Type, b: &Type) -> (Option<Type>, Type) {
    if op == BinaryOp::Div {
        return (Some(Type::Float), Type::Float);
    }
    let as_decimal = |t: &Type| match t {
        Type::Decimal { precision, scale } => Some((*precision, *scale)),
        Type::Int => Some((INT_DECIMAL_DIGITS, 0)),
        _ => None,
    };
    let any_decimal = matches!(a, Type::Decimal { .. }) || matches!(b, Type::Decimal { .. });
    let other_side = |t: &Type, other: &Type| {
        if *t == Type::Null {
            other.clone()
        } else {
            t.clone()
        }
    };
    let (a, b) = (other_side(a, b), other_side(b, a));
    match (any_decimal, as_decimal(&a), as_decimal(&b)) {
        (true, Some((p1, s1)), Some((p2, s2))) => {
            let scale = s1.max(s2);
            let result = match op {
                BinaryOp::Mul => decimal(
                    p1.saturating_add(p2).saturating_add(1),
                    s1.saturating_add(s2),
                ),
                BinaryOp::Mod => decimal((p1 - s1).min(p2 - s2).saturating_add(scale), scale),
                _ => decimal(
                    (p1 - s1)
                        .max(p2 - s2)
                        .saturating_add(scale)
                        .saturating_add(1),
                    scale,
                ),
            };
            (None, result)
        }
        _ => {
            // int, float, null, and decimal with float: one common numeric type
            let common = common_type(&a, &b).unwrap_or(Type::Float);
            (Some(common.clone()), common)
        }
    }
}

pub(super) fn unary(cx: &mut Cx, op: ast::UnaryOp, operand: Operand) -> Typed {
    let ty = operand.expr.ty.clone();
    match op {
        ast::UnaryOp::Neg => {
            if !is_numeric_or_null(&ty.ty) {
                operand_error(
                    cx,
                    &operand,
                    format!("`-` needs a number, found `{}`", ty.ty),
                    "negation takes int, float or decimal".to_string(),
                );
                return None;
            }
            Some(Expr::new(
                ExprKind::Unary {
                    op: UnaryOp::Neg,
                    expr: Box::new(operand.expr),
                },
                ty,
            ))
        }
        ast::UnaryOp::Not => {
            if !require_bool(cx, "not", &operand) {
                return None;
            }
            Some(Expr::new(
                ExprKind::Unary {
                    op: UnaryOp::Not,
                    expr: Box::new(coerce(operand.expr, &Type::Bool)),
                },
                ColumnType::new(Type::Bool, ty.nullable),
            ))
        }
    }
}

pub(super) fn like(cx: &mut Cx, operand: Operand, pattern: Operand, negated: bool) -> Typed {
    let mut ok = true;
    for (what, side) in [
        ("`like` matches strings", &operand),
        ("a `like` pattern is a string", &pattern),
    ] {
        let ty = &side.expr.ty.ty;
        if !matches!(ty, Type::String | Type::Null) {
            let text = cx.snippet(side.ast.span);
            operand_error(
                cx,
                side,
                format!("{what}, found `{ty}`"),
                format!("cast it: `cast({text} as string)`"),
            );
            ok = false;
        }
    }
    if !ok {
        return None;
    }
    let nullable = operand.expr.ty.nullable || pattern.expr.ty.nullable;
    Some(Expr::new(
        ExprKind::Like {
            expr: Box::new(coerce(operand.expr, &Type::String)),
            pattern: Box::new(coerce(pattern.expr, &Type::String)),
            negated,
        },
        ColumnType::new(Type::Bool, nullable),
    ))
}

pub(super) fn in_list(cx: &mut Cx, operand: Operand, list: Vec<Operand>, negated: bool) -> Typed {
    let mut target = operand.expr.ty.ty.clone();
    let mut ok = true;
    for element in &list {
        match comparable(&target, &element.expr.ty.ty) {
            Some(t) => target = t,
            None => {
                let message = format!(
                    "`in` compares `{}` with a `{}` element",
                    operand.expr.ty.ty, element.expr.ty.ty
                );
                mismatch(cx, message, &operand, element);
                ok = false;
            }
        }
    }
    if !ok {
        return None;
    }
    let nullable = operand.expr.ty.nullable || list.iter().any(|e| e.expr.ty.nullable);
    Some(Expr::new(
        ExprKind::InList {
            expr: Box::new(coerce(operand.expr, &target)),
            list: list.into_iter().map(|e| coerce(e.expr, &target)).collect(),
            negated,
        },
        ColumnType::new(Type::Bool, nullable),
    ))
}

/// `x between a and b` is `x >= a and x <= b`; `x not between a and b` is `x < a or x > b`.
pub(super) fn between(
    cx: &mut Cx,
    operand: Operand,
    low: Operand,
    high: Operand,
    negated: bool,
) -> Typed {
    let (low_op, high_op, join) = if negated {
        (BinaryOp::Lt, BinaryOp::Gt, BinaryOp::Or)
    } else {
        (BinaryOp::GtEq, BinaryOp::LtEq, BinaryOp::And)
    };
    let again = Operand {
        ast: operand.ast,
        expr: operand.expr.clone(),
    };
    let lower = comparison(cx, low_op, operand, low);
    let upper = comparison(cx, high_op, again, high);
    let (lower, upper) = (lower?, upper?);
    let nullable = lower.ty.nullable || upper.ty.nullable;
    Some(binary_expr(
        join,
        lower,
        upper,
        ColumnType::new(Type::Bool, nullable),
    ))
}

/// A `case` whose conditions are typed (`case x when v` already turned into `x = v`).
pub(super) fn case(
    cx: &mut Cx,
    conditions: Vec<Operand>,
    results: Vec<Operand>,
    else_result: Option<Operand>,
) -> Typed {
    let mut ok = true;
    for condition in &conditions {
        let ty = &condition.expr.ty.ty;
        if !matches!(ty, Type::Bool | Type::Null) {
            let example = condition_example(cx, condition);
            cx.report(
                Diagnostic::error(
                    Code::NOT_BOOLEAN,
                    format!("a `when` condition must be boolean, found `{ty}`"),
                )
                .at(condition.ast.span, format!("this is `{ty}`"))
                .with_help(format!("write a condition, e.g. `when {example} then ...`")),
            );
            ok = false;
        }
    }
    let all: Vec<&Operand> = results.iter().chain(else_result.as_ref()).collect();
    let mut target = Type::Null;
    let mut first_typed: Option<&Operand> = None;
    for result in &all {
        match common_type(&target, &result.expr.ty.ty) {
            Some(t) => {
                if first_typed.is_none() && result.expr.ty.ty != Type::Null {
                    first_typed = Some(result);
                }
                target = t;
            }
            None => {
                let first = first_typed.unwrap_or(result);
                cx.report(
                    Diagnostic::error(
                        Code::OPERATOR_TYPE,
                        format!(
                            "the branches of this `case` have different types: `{}` and `{}`",
                            first.expr.ty.ty, result.expr.ty.ty
                        ),
                    )
                    .at(result.ast.span, format!("this is `{}`", result.expr.ty.ty))
                    .with_label(first.ast.span, format!("this is `{}`", first.expr.ty.ty))
                    .with_help(format!(
                        "every branch must have one type; convert this one, e.g. `cast({} as {})`",
                        cx.snippet(result.ast.span),
                        first.expr.ty.ty
                    )),
                );
                ok = false;
            }
        }
    }
    if !ok {
        return None;
    }
    let nullable = else_result.is_none() || all.iter().any(|r| r.expr.ty.nullable);
    let branches = conditions
        .into_iter()
        .zip(results)
        .map(|(c, r)| (coerce(c.expr, &Type::Bool), coerce(r.expr, &target)))
        .collect();
    Some(Expr::new(
        ExprKind::Case {
            branches,
            else_result: else_result.map(|e| Box::new(coerce(e.expr, &target))),
        },
        ColumnType::new(target, nullable),
    ))
}
