//! Aggregate features: `agg(args) [where p] [over w]`.

use super::super::scopes::{ColumnScope, Place};
use super::{ViewCx, ViewWindow};
use crate::agg::{self, AggFunc, CallArgs, CallError, MAX_LAST_N, MAX_TOP_K};
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::{Aggregate, Expr, FeatureDef, Window};
use crate::semantic::context::Cx;
use crate::semantic::input::InputInfo;
use crate::semantic::typeck::{self, coerce::coerce};
use crate::semantic::window::{lower_window, shape_name};
use crate::syntax::ast::{self, FeatureDecl, Ident, WindowExpr, WindowExprKind};
use crate::types::{ColumnType, Type};

/// The shape of an aggregate call's arguments, for [`AggFunc::from_call`].
fn call_shape(args: &[ast::Expr]) -> CallArgs {
    match args {
        [a] if a.kind == ast::ExprKind::Star => CallArgs::Star,
        [_] => CallArgs::Value,
        [_, n] => match (int_literal(n), float_literal(n)) {
            (Some(n), _) => CallArgs::ValueAndLimit(n),
            (None, Some(q)) => CallArgs::ValueAndFraction(q),
            (None, None) => CallArgs::Other,
        },
        _ => CallArgs::Other,
    }
}

/// An integer literal, possibly negated.
fn int_literal(expr: &ast::Expr) -> Option<i64> {
    match &expr.kind {
        ast::ExprKind::Literal(ast::Literal::Int(n)) => Some(*n),
        ast::ExprKind::Unary {
            op: ast::UnaryOp::Neg,
            expr,
        } => int_literal(expr).map(|n| n.saturating_neg()),
        _ => None,
    }
}

/// A float literal, possibly negated.
fn float_literal(expr: &ast::Expr) -> Option<f64> {
    match &expr.kind {
        ast::ExprKind::Literal(ast::Literal::Float(x)) => Some(*x),
        ast::ExprKind::Unary {
            op: ast::UnaryOp::Neg,
            expr,
        } => float_literal(expr).map(|x| -x),
        _ => None,
    }
}

/// Recognises the aggregate (E0308, E0313).
fn aggregate_func(
    cx: &mut Cx,
    call: &ast::Expr,
    name: &Ident,
    args: &[ast::Expr],
) -> Option<AggFunc> {
    let limit = match name.name.as_str() {
        "last_n" => Some(("values to keep", MAX_LAST_N)),
        "top_k" => Some(("values to return", MAX_TOP_K)),
        _ => None,
    };
    if let (Some((what, max)), [_, n]) = (limit, args)
        && int_literal(n).is_none()
    {
        cx.report(
            Diagnostic::error(
                Code::BAD_AGGREGATE_PARAMETER,
                format!(
                    "the `n` of `{}(x, n)` must be an integer literal",
                    name.name
                ),
            )
            .at(n.span, "not an integer literal")
            .with_help(format!(
                "write how many {what}, from 1 to {max}, e.g. `{}(x, 10)`",
                name.name
            )),
        );
        return None;
    }
    if name.name == "approx_percentile"
        && let [_, q] = args
        && int_literal(q).is_none()
        && float_literal(q).is_none()
    {
        cx.report(
            Diagnostic::error(
                Code::BAD_AGGREGATE_PARAMETER,
                "the `q` of `approx_percentile(x, q)` must be a number literal",
            )
            .at(q.span, "not a number literal")
            .with_help(
                "write the quantile as a number from 0 to 1, e.g. `approx_percentile(x, 0.95)`",
            ),
        );
        return None;
    }
    match AggFunc::from_call(&name.name, call_shape(args)) {
        Ok(func) => Some(func),
        Err(CallError::LimitOutOfRange { name, max, found }) => {
            let span = args.get(1).map_or(call.span, |n| n.span);
            cx.report(
                Diagnostic::error(
                    Code::BAD_AGGREGATE_PARAMETER,
                    format!("`{name}` takes from 1 to {max} values, not {found}"),
                )
                .at(span, "out of range")
                .with_help(format!(
                    "write a positive count up to {max}, e.g. `{name}(x, 10)`"
                )),
            );
            None
        }
        Err(CallError::FractionOutOfRange { found }) => {
            let span = args.get(1).map_or(call.span, |q| q.span);
            cx.report(
                Diagnostic::error(
                    Code::BAD_AGGREGATE_PARAMETER,
                    format!("the quantile of `approx_percentile` must be from 0 to 1 (in steps of 0.000001), not {found}"),
                )
                .at(span, "out of range")
                .with_help(if (1.0..=100.0).contains(&found) {
                    format!("a quantile is a fraction: for the {found}th percentile write `{}`", found / 100.0)
                } else {
                    "write e.g. `approx_percentile(x, 0.5)` for the median or `0.99` for the 99th percentile".to_string()
                }),
            );
            None
        }
        Err(_) => {
            let arity = agg::arity(&name.name);
            let usage = arity.map(|a| a.usage(&name.name)).unwrap_or_default();
            let star = args.iter().find(|a| a.kind == ast::ExprKind::Star);
            let diagnostic = match star {
                Some(star) if args.len() == 1 => Diagnostic::error(
                    Code::ARITY,
                    format!("`{}` aggregates values of a column, not `*`", name.name),
                )
                .at(star.span, "only `count` takes `*`")
                .with_help(format!(
                    "to count events, write `count(*)`; `{}` is called as {usage}",
                    name.name
                )),
                _ => {
                    let expected = match arity {
                        Some(agg::Arity::ValueAndLimit | agg::Arity::ValueAndFraction) => {
                            "2 arguments"
                        }
                        _ => "1 argument",
                    };
                    let n = args.len();
                    Diagnostic::error(
                        Code::ARITY,
                        format!("`{}` takes {expected}, found {n}", name.name),
                    )
                    .at(
                        call.span,
                        format!("{n} argument{}", if n == 1 { "" } else { "s" }),
                    )
                    .with_help(format!("call it as {usage}"))
                }
            };
            cx.report(diagnostic);
            None
        }
    }
}

/// One aggregate feature, lowered; or, when only its filter or window failed, the type its
/// value has all the same (an aggregate's type depends on the function and the argument
/// alone), so that features reading it are still checked and their own errors reported.
pub(super) enum AggregateLowered {
    Lowered(FeatureDef, ColumnType),
    Failed(Option<ColumnType>),
}

/// Recognises, types and lowers one aggregate feature; every part (argument, filter, window)
/// is checked even when another failed, so one run reports the errors of each.
pub(super) fn lower(
    cx: &mut Cx,
    v: &ViewCx,
    feature: &FeatureDecl,
    call: &ast::Expr,
    name: &Ident,
    args: &[ast::Expr],
) -> AggregateLowered {
    let (view, input, features, view_window) = (v.view, v.input, v.features, &v.window);
    let func = aggregate_func(cx, call, name, args);
    let scope = |place| ColumnScope {
        view,
        input,
        features,
        place,
        inline: None,
    };
    let arg = match (&func, args.first()) {
        (Some(AggFunc::CountAll), _) | (None, _) | (_, None) => None,
        (Some(_), Some(arg)) => Some((
            arg,
            typeck::check(cx, &mut scope(Place::AggregateArgument), arg),
        )),
    };
    let filter = feature
        .filter
        .as_ref()
        .map(|f| filter_expr(cx, &mut scope(Place::Filter), f));
    let window = match &feature.over {
        Some(over) => over_window(cx, over, view_window),
        None => view_window.window,
    };
    let Some(func) = func else {
        return AggregateLowered::Failed(None);
    };
    let (arg, arg_type) = match arg {
        Some((arg_ast, typed)) => {
            let Some(typed) = typed else {
                return AggregateLowered::Failed(None);
            };
            if let Err(reason) = func.accepts(&typed.ty.ty) {
                report_argument_type(cx, input, &func, arg_ast, &typed.ty.ty, reason);
                return AggregateLowered::Failed(None);
            }
            let ty = typed.ty.ty.clone();
            (Some(typed), Some(ty))
        }
        None => (None, None),
    };
    let ty = func.result_type(arg_type.as_ref());
    let filter = match filter {
        Some(Some(f)) => Some(f),
        Some(None) => return AggregateLowered::Failed(Some(ty)),
        None => None,
    };
    let aggregate = Aggregate {
        func,
        arg,
        filter,
        window: window.unwrap_or(Window::Lifetime),
    };
    AggregateLowered::Lowered(FeatureDef::Aggregate(aggregate), ty)
}

/// A `where` filter: typed over the input's columns and boolean (E0303).
fn filter_expr(cx: &mut Cx, scope: &mut ColumnScope, filter: &ast::Expr) -> Option<Expr> {
    let typed = typeck::check(cx, scope, filter)?;
    if !matches!(typed.ty.ty, Type::Bool | Type::Null) {
        let text = cx.snippet(filter.span);
        let example = match typed.ty.ty {
            ref t if t.is_numeric() => format!("where {text} > 0"),
            Type::String => format!("where {text} = 'purchase'"),
            _ => format!("where {text} is not null"),
        };
        cx.report(
            Diagnostic::error(
                Code::NOT_BOOLEAN,
                format!("a `where` filter must be boolean, found `{}`", typed.ty.ty),
            )
            .at(filter.span, format!("this is `{}`", typed.ty.ty))
            .with_help(format!("write a condition on each event, e.g. `{example}`")),
        );
        return None;
    }
    Some(coerce(typed, &Type::Bool))
}

fn over_window(cx: &mut Cx, over: &WindowExpr, view_window: &ViewWindow) -> Option<Window> {
    if let Some(written) = view_window.written
        && matches!(
            written.kind,
            WindowExprKind::Tumbling { .. } | WindowExprKind::Sliding { .. }
        )
    {
        cx.report(
            Diagnostic::error(
                Code::OVER_NOT_ALLOWED,
                format!("`over` is not allowed in a {} view", shape_name(written)),
            )
            .at(over.span, "a per-feature window")
            .with_label(written.span, "the view's window, shared by all its features")
            .with_help(
                "tumbling and sliding views have one window for all features; declare this feature in a view with `window rolling(...)` or `window lifetime`",
            ),
        );
        return None;
    }
    if matches!(
        over.kind,
        WindowExprKind::Tumbling { .. } | WindowExprKind::Sliding { .. }
    ) {
        cx.report(
            Diagnostic::error(
                Code::BAD_OVER_WINDOW,
                format!("a feature's own window cannot be `{}`", shape_name(over)),
            )
            .at(over.span, "not `rolling(...)` or `lifetime`")
            .with_help(
                "write `over rolling(30d)` or `over lifetime`; for tumbling or sliding windows, declare another view",
            ),
        );
        return None;
    }
    lower_window(cx, over)
}

/// E0302, with the column's declaration and, when the argument is a column, a column of a type
/// the aggregate takes.
fn report_argument_type(
    cx: &mut Cx,
    input: &InputInfo,
    func: &AggFunc,
    arg: &ast::Expr,
    ty: &Type,
    reason: String,
) {
    let name = func.name();
    let message = if *ty == Type::Null {
        format!("`{name}` cannot aggregate an untyped `null`")
    } else {
        format!("`{name}` cannot aggregate `{ty}` values")
    };
    let mut diagnostic =
        Diagnostic::error(Code::AGGREGATE_TYPE, message).at(arg.span, format!("this is `{ty}`"));
    let mut help = reason;
    if let ast::ExprKind::Name(parts) = &arg.kind
        && let Some(column_name) = parts.last()
        && let Some(column) = input.schema.get(&column_name.name)
    {
        diagnostic = diagnostic.with_label(column.ty_span, "declared here");
        let accepted: Vec<(&str, &ColumnType)> = input
            .schema
            .columns
            .iter()
            .filter_map(|c| Some((c.name.name.as_str(), c.ty.as_ref()?)))
            .filter(|(_, t)| func.accepts(&t.ty).is_ok())
            .collect();
        let close =
            crate::diagnostic::did_you_mean(&column_name.name, accepted.iter().map(|(n, _)| *n));
        match close {
            Some(close) => {
                let close_ty = accepted
                    .iter()
                    .find(|(n, _)| *n == close)
                    .map(|(_, t)| t.ty.to_string());
                help = format!(
                    "{help}; did you mean `{close}` ({})?",
                    close_ty.unwrap_or_default()
                );
            }
            None if !accepted.is_empty() => {
                let listed: Vec<String> = accepted
                    .iter()
                    .take(5)
                    .map(|(n, t)| format!("{n}` ({})", t.ty))
                    .collect();
                let listed: Vec<String> = listed.into_iter().map(|s| format!("`{s}")).collect();
                help = format!(
                    "{help}; columns of `{}` it takes: {}",
                    input.name.name,
                    listed.join(", ")
                );
            }
            None => {}
        }
    }
    cx.report(diagnostic.with_help(help));
}
