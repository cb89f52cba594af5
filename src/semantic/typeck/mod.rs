//! Expression typing: AST expressions → typed plan expressions.
//!
//! Every node gets a [`ColumnType`]; implicit promotions become explicit casts ([`coerce`]);
//! `between` and `case x when v` are desugared. Where a name resolves depends on where the
//! expression is (an aggregate's argument, a derived feature, a service), so names are resolved
//! through the [`Names`] the caller passes.
//!
//! Errors do not cascade: a node that failed is `None` ([`Typed`]), and a node with a `None`
//! operand is `None` without a further message, while its siblings are still checked.

pub(crate) mod cast;
pub(crate) mod coerce;
mod functions;
mod operators;

use super::context::{Cx, did_you_mean};
use crate::agg;
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::{Expr, ExprKind, ScalarFunc};
use crate::source::Span;
use crate::syntax::ast;
use crate::types::{ColumnType, Type, Value};

/// A typed expression, or `None` when an error was reported for it (or an operand of it).
pub(crate) type Typed = Option<Expr>;

/// A typed operand with the syntax it came from, for the spans of messages.
pub(crate) struct Operand<'e> {
    pub ast: &'e ast::Expr,
    pub expr: Expr,
}

/// What names mean where an expression appears.
pub(crate) trait Names {
    /// Resolves `a` or `a.b` (reporting unknown names).
    fn resolve(&mut self, cx: &mut Cx, parts: &[ast::Ident], span: Span) -> Typed;
    /// Reports an aggregate call where only a row-level expression may be (E0307).
    fn misplaced_aggregate(&mut self, cx: &mut Cx, call: &ast::Expr, name: &ast::Ident);
}

/// Types an expression.
pub(crate) fn check(cx: &mut Cx, names: &mut dyn Names, expr: &ast::Expr) -> Typed {
    match &expr.kind {
        ast::ExprKind::Literal(literal) => Some(literal_expr(literal)),
        ast::ExprKind::Name(parts) => names.resolve(cx, parts, expr.span),
        ast::ExprKind::Star => {
            cx.report(
                Diagnostic::error(Code::FUNCTION_TYPE, "`*` is not a value")
                    .at(expr.span, "only `count(*)` takes `*`")
                    .with_help("`count(*)` counts events; elsewhere name a column"),
            );
            None
        }
        ast::ExprKind::Unary { op, expr: inner } => {
            let typed = check(cx, names, inner)?;
            operators::unary(cx, *op, operand(inner, typed))
        }
        ast::ExprKind::Binary { op, left, right } => {
            let (l, r) = (check(cx, names, left), check(cx, names, right));
            operators::binary(cx, *op, operand(left, l?), operand(right, r?))
        }
        ast::ExprKind::IsNull {
            expr: inner,
            negated,
        } => {
            let typed = check(cx, names, inner)?;
            Some(Expr::new(
                ExprKind::IsNull {
                    expr: Box::new(typed),
                    negated: *negated,
                },
                ColumnType::required(Type::Bool),
            ))
        }
        ast::ExprKind::InList {
            expr: inner,
            list,
            negated,
        } => {
            let typed = check(cx, names, inner);
            let elements = check_all(cx, names, list);
            operators::in_list(cx, operand(inner, typed?), elements?, *negated)
        }
        ast::ExprKind::Like {
            expr: inner,
            pattern,
            negated,
        } => {
            let (e, p) = (check(cx, names, inner), check(cx, names, pattern));
            operators::like(cx, operand(inner, e?), operand(pattern, p?), *negated)
        }
        ast::ExprKind::Between {
            expr: inner,
            low,
            high,
            negated,
        } => {
            let e = check(cx, names, inner);
            let (l, h) = (check(cx, names, low), check(cx, names, high));
            operators::between(
                cx,
                operand(inner, e?),
                operand(low, l?),
                operand(high, h?),
                *negated,
            )
        }
        ast::ExprKind::Case {
            operand: subject,
            branches,
            else_result,
        } => case(
            cx,
            names,
            subject.as_deref(),
            branches,
            else_result.as_deref(),
        ),
        ast::ExprKind::Call { name, args } => call(cx, names, expr, name, args),
        ast::ExprKind::Cast { expr: inner, ty } => {
            let typed = check(cx, names, inner);
            let target = super::types::resolve(cx, ty);
            cast::cast(cx, operand(inner, typed?), target?, ty.span)
        }
    }
}

fn operand(ast: &ast::Expr, expr: Expr) -> Operand<'_> {
    Operand { ast, expr }
}

/// Types every expression (reporting every error), then `None` if any failed.
fn check_all<'e>(
    cx: &mut Cx,
    names: &mut dyn Names,
    exprs: &'e [ast::Expr],
) -> Option<Vec<Operand<'e>>> {
    let typed: Vec<Typed> = exprs.iter().map(|e| check(cx, names, e)).collect();
    exprs
        .iter()
        .zip(typed)
        .map(|(ast, typed)| typed.map(|expr| operand(ast, expr)))
        .collect()
}

pub(crate) fn literal_expr(literal: &ast::Literal) -> Expr {
    let (value, ty) = match literal {
        ast::Literal::String(s) => (Value::String(s.clone()), ColumnType::required(Type::String)),
        ast::Literal::Int(i) => (Value::Int(*i), ColumnType::required(Type::Int)),
        ast::Literal::Float(f) => (Value::Float(*f), ColumnType::required(Type::Float)),
        ast::Literal::Bool(b) => (Value::Bool(*b), ColumnType::required(Type::Bool)),
        ast::Literal::Null => (Value::Null, ColumnType::nullable(Type::Null)),
    };
    Expr::new(ExprKind::Literal(value), ty)
}

fn case(
    cx: &mut Cx,
    names: &mut dyn Names,
    subject: Option<&ast::Expr>,
    branches: &[(ast::Expr, ast::Expr)],
    else_result: Option<&ast::Expr>,
) -> Typed {
    let subject_typed = subject.map(|s| check(cx, names, s));
    let mut conditions = Vec::new();
    let mut results = Vec::new();
    let mut ok = true;
    for (when, then) in branches {
        let condition = check(cx, names, when);
        let result = check(cx, names, then);
        // `case x when v then r` is `case when x = v then r`
        let condition = match (subject, &subject_typed, condition) {
            (Some(s), Some(Some(s_typed)), Some(v)) => operators::comparison(
                cx,
                crate::plan::BinaryOp::Eq,
                operand(s, s_typed.clone()),
                operand(when, v),
            ),
            (Some(_), _, _) => None,
            (None, _, condition) => condition,
        };
        match (condition, result) {
            (Some(c), Some(r)) => {
                conditions.push(operand(when, c));
                results.push(operand(then, r));
            }
            _ => ok = false,
        }
    }
    let else_typed = else_result.map(|e| check(cx, names, e));
    if !ok || matches!(subject_typed, Some(None)) {
        return None;
    }
    let else_operand = match (else_result, else_typed) {
        (Some(e), Some(Some(typed))) => Some(operand(e, typed)),
        (Some(_), _) => return None,
        (None, _) => None,
    };
    operators::case(cx, conditions, results, else_operand)
}

/// Names a `.feat` user may reach for, and what the language calls them.
const FUNCTION_ALIASES: [(&str, &str); 11] = [
    ("ceiling", "ceil"),
    ("len", "length"),
    ("char_length", "length"),
    ("mean", "avg"),
    ("average", "avg"),
    ("stddev", "stddev_pop"),
    ("std", "stddev_pop"),
    ("variance", "var_pop"),
    ("distinct_count", "count_distinct"),
    ("ifnull", "coalesce"),
    ("nvl", "coalesce"),
];

fn call(
    cx: &mut Cx,
    names: &mut dyn Names,
    whole: &ast::Expr,
    name: &ast::Ident,
    args: &[ast::Expr],
) -> Typed {
    if agg::arity(&name.name).is_some() {
        names.misplaced_aggregate(cx, whole, name);
        return None;
    }
    let Some(func) = ScalarFunc::from_name(&name.name) else {
        // The arguments are not checked: what they may be depends on the function meant (a
        // misspelt aggregate takes columns where a derived feature may not).
        report_unknown_function(cx, name);
        return None;
    };
    let typed = check_all(cx, names, args);
    if !functions::check_arity(cx, func, name, whole.span, args.len()) {
        return None;
    }
    functions::scalar_call(cx, func, typed?)
}

fn report_unknown_function(cx: &mut Cx, name: &ast::Ident) {
    let known = ScalarFunc::ALL
        .iter()
        .map(|f| f.name())
        .chain(agg::AGGREGATE_NAMES.iter().map(|(n, _)| *n));
    let help = match FUNCTION_ALIASES
        .iter()
        .find(|(alias, _)| *alias == name.name)
    {
        Some((_, real)) => format!("`.feat` calls it `{real}`"),
        None => did_you_mean(&name.name, known).unwrap_or_else(|| {
            let scalars: Vec<&str> = ScalarFunc::ALL.iter().map(|f| f.name()).collect();
            let aggregates: Vec<&str> = agg::AGGREGATE_NAMES.iter().map(|(n, _)| *n).collect();
            format!(
                "the functions are {}; the aggregates are {}",
                scalars.join(", "),
                aggregates.join(", ")
            )
        }),
    };
    cx.report(
        Diagnostic::error(
            Code::UNKNOWN_FUNCTION,
            format!("unknown function `{}`", name.name),
        )
        .at(name.span, "not a function")
        .with_help(help),
    );
}
