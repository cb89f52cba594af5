//! Views over a source: one `window` (E0404 missing, E0214 repeated, E0405 for a `ttl`), and
//! features that are either aggregates `agg(args) [where p] [over w]` or expressions over other
//! features of the view (derived).
//!
//! - `where` is boolean (E0303) and only on aggregates (E0311); `over` only in rolling and
//!   lifetime views (E0403), only `rolling(...)` or `lifetime` (E0406), only on aggregates
//!   (E0214);
//! - aggregates are recognised by [`agg::AggFunc::from_call`] (E0308 for a wrong call shape,
//!   E0313 for `last_n`'s `n`) and typed by [`agg::AggFunc::accepts`] (E0302);
//! - a derived feature may read features declared before or after it (not in a cycle: E0210),
//!   but no input column outside an aggregate (E0312; E0314 when it also reads features), and
//!   contains no aggregate (E0307).

use super::graph::{self, Edges};
use super::scopes::{ColumnScope, FeatureScope, Place};
use super::{FeatureList, Lowered};
use crate::agg::{self, AggFunc, CallArgs, CallError, MAX_LAST_N};
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::{Aggregate, Expr, FeatureDef, ViewKind, Window};
use crate::semantic::ast_walk;
use crate::semantic::context::{Cx, quoted_list};
use crate::semantic::input::{InputInfo, unknown_column};
use crate::semantic::typeck::{self, coerce::coerce};
use crate::semantic::window::{lower_window, shape_name};
use crate::syntax::ast::{self, FeatureDecl, FeaturesDecl, Ident, ViewItem, WindowExpr, WindowExprKind};
use crate::types::{ColumnType, Type};

/// The view's window as written and as lowered (`None` when missing or invalid).
struct ViewWindow<'a> {
    written: Option<&'a WindowExpr>,
    window: Option<Window>,
}

pub(super) fn lower(
    cx: &mut Cx,
    view: &FeaturesDecl,
    input: &InputInfo,
    features: &FeatureList,
) -> (ViewKind, Lowered) {
    let view_window = window_clause(cx, view, input);
    let n = features.decls.len();
    let mut lowered: Lowered = vec![None; n];
    let mut derived: Vec<usize> = Vec::new();
    for (i, feature) in features.decls.iter().enumerate() {
        match &feature.value {
            None => bare_column(cx, view, input, feature),
            Some(value) => match &value.kind {
                ast::ExprKind::Call { name, args } if agg::arity(&name.name).is_some() => {
                    lowered[i] = aggregate(cx, view, input, features, feature, value, name, args, &view_window);
                }
                _ => derived.push(i),
            },
        }
    }
    lower_derived(cx, view, input, features, &derived, &mut lowered);
    let kind = ViewKind::Windowed {
        // a placeholder when missing or invalid: reported, and the plan is not returned then
        window: view_window.window.unwrap_or(Window::Lifetime),
    };
    (kind, lowered)
}

fn window_clause<'a>(cx: &mut Cx, view: &'a FeaturesDecl, input: &InputInfo) -> ViewWindow<'a> {
    let mut first: Option<&'a WindowExpr> = None;
    let mut window = None;
    for item in &view.items {
        match item {
            ViewItem::Window(w) => match first {
                Some(first) => cx.report(
                    Diagnostic::error(
                        Code::MISPLACED_CLAUSE,
                        format!("view `{}` has more than one `window`", view.name.name),
                    )
                    .at(w.span, "second window")
                    .with_label(first.span, "first window")
                    .with_help(
                        "a view has one window; for features over other windows, use a `rolling` or `lifetime` view with `over`, or declare another view",
                    ),
                ),
                None => {
                    first = Some(w);
                    window = lower_window(cx, w);
                }
            },
            ViewItem::Ttl { span, .. } => cx.report(
                Diagnostic::error(
                    Code::WINDOW_NOT_ALLOWED,
                    format!("`ttl` is not allowed in a view over a source (`{}`)", input.name.name),
                )
                .at(*span, "only views over tables have a ttl")
                .with_help("a view over a source reads the events of its window; `ttl` limits how old a table's row may be"),
            ),
            _ => {}
        }
    }
    if first.is_none() {
        cx.report(
            Diagnostic::error(
                Code::MISSING_WINDOW,
                format!("view `{}` over source `{}` has no window", view.name.name, input.name.name),
            )
            .at(view.name.span, "needs a `window`")
            .with_help("add one, e.g. `window sliding(1h, 15m)`, `window rolling(7d)` or `window lifetime`"),
        );
    }
    ViewWindow {
        written: first,
        window,
    }
}

fn bare_column(cx: &mut Cx, view: &FeaturesDecl, input: &InputInfo, feature: &FeatureDecl) {
    let name = &feature.name.name;
    let Some(column) = input.schema.get(name) else {
        cx.report(
            unknown_column(name, input.name, feature.name.span, &input.schema)
                .with_label(input.name.span, format!("`{}` is declared here", input.name.name)),
        );
        return;
    };
    let example = example_aggregate(column.ty.as_ref(), name);
    cx.report(
        Diagnostic::error(
            Code::NOT_AN_AGGREGATE,
            format!("`{name}` is a column of `{}`, not an aggregate", input.name.name),
        )
        .at(feature.name.span, "a bare column")
        .with_help(format!(
            "view `{}` reads events: aggregate the column, e.g. `{example}`",
            view.name.name
        )),
    );
}

/// `last_platform = last(platform)`, `sum_revenue = sum(revenue)`: an aggregate of one column.
fn example_aggregate(ty: Option<&ColumnType>, column: &str) -> String {
    match ty.map(|t| &t.ty) {
        Some(t) if t.is_numeric() => format!("sum_{column} = sum({column})"),
        _ => format!("last_{column} = last({column})"),
    }
}

/// The shape of an aggregate call's arguments, for [`AggFunc::from_call`].
fn call_shape(args: &[ast::Expr]) -> CallArgs {
    match args {
        [a] if a.kind == ast::ExprKind::Star => CallArgs::Star,
        [_] => CallArgs::Value,
        [_, n] => match int_literal(n) {
            Some(n) => CallArgs::ValueAndLimit(n),
            None => CallArgs::Other,
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

/// Recognises the aggregate (E0308, E0313).
fn aggregate_func(cx: &mut Cx, call: &ast::Expr, name: &Ident, args: &[ast::Expr]) -> Option<AggFunc> {
    if name.name == "last_n"
        && let [_, n] = args
        && int_literal(n).is_none()
    {
        cx.report(
            Diagnostic::error(
                Code::BAD_AGGREGATE_PARAMETER,
                "the `n` of `last_n(x, n)` must be an integer literal",
            )
            .at(n.span, "not an integer literal")
            .with_help(format!("write how many values to keep, from 1 to {MAX_LAST_N}, e.g. `last_n(x, 10)`")),
        );
        return None;
    }
    match AggFunc::from_call(&name.name, call_shape(args)) {
        Ok(func) => Some(func),
        Err(CallError::LimitOutOfRange { found }) => {
            let span = args.get(1).map_or(call.span, |n| n.span);
            cx.report(
                Diagnostic::error(
                    Code::BAD_AGGREGATE_PARAMETER,
                    format!("`last_n` keeps from 1 to {MAX_LAST_N} values, not {found}"),
                )
                .at(span, "out of range")
                .with_help(format!("write a positive count up to {MAX_LAST_N}, e.g. `last_n(x, 10)`")),
            );
            None
        }
        Err(error) => {
            let star_misused = args.iter().any(|a| a.kind == ast::ExprKind::Star);
            let usage = agg::arity(&name.name).map(|a| a.usage(&name.name)).unwrap_or_default();
            let (label, help) = if star_misused {
                (
                    "`*` is only counted".to_string(),
                    format!("to count events, write `count(*)`; `{}` is called as {usage}", name.name),
                )
            } else {
                let n = args.len();
                (
                    format!("{n} argument{}", if n == 1 { "" } else { "s" }),
                    format!("call it as {usage}"),
                )
            };
            cx.report(
                Diagnostic::error(Code::ARITY, error.to_string())
                    .at(call.span, label)
                    .with_help(help),
            );
            None
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn aggregate(
    cx: &mut Cx,
    view: &FeaturesDecl,
    input: &InputInfo,
    features: &FeatureList,
    feature: &FeatureDecl,
    call: &ast::Expr,
    name: &Ident,
    args: &[ast::Expr],
    view_window: &ViewWindow,
) -> Option<(FeatureDef, ColumnType)> {
    let func = aggregate_func(cx, call, name, args);
    let scope = |place| ColumnScope {
        view,
        input,
        features,
        place,
        inline: None,
    };
    // the argument (none for count(*)), the filter and the window are checked independently,
    // so that one run reports the errors of each
    let arg = match (&func, args.first()) {
        (Some(AggFunc::CountAll), _) | (None, _) | (_, None) => None,
        (Some(_), Some(arg)) => Some((arg, typeck::check(cx, &mut scope(Place::AggregateArgument), arg))),
    };
    let filter = feature
        .filter
        .as_ref()
        .map(|f| filter_expr(cx, &mut scope(Place::Filter), f));
    let window = match &feature.over {
        Some(over) => over_window(cx, over, view_window),
        None => view_window.window,
    };
    let func = func?;
    let (arg, arg_type) = match arg {
        Some((arg_ast, typed)) => {
            let typed = typed?;
            if let Err(reason) = func.accepts(&typed.ty.ty) {
                report_argument_type(cx, input, &func, arg_ast, &typed.ty.ty, reason);
                return None;
            }
            let ty = typed.ty.ty.clone();
            (Some(typed), Some(ty))
        }
        None => (None, None),
    };
    let filter = match filter {
        Some(f) => Some(f?),
        None => None,
    };
    let ty = func.result_type(arg_type.as_ref());
    let aggregate = Aggregate {
        func,
        arg,
        filter,
        window: window.unwrap_or(Window::Lifetime),
    };
    Some((FeatureDef::Aggregate(aggregate), ty))
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
    let mut diagnostic = Diagnostic::error(Code::AGGREGATE_TYPE, message).at(arg.span, format!("this is `{ty}`"));
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
        let close = crate::diagnostic::did_you_mean(&column_name.name, accepted.iter().map(|(n, _)| *n));
        match close {
            Some(close) => {
                let close_ty = accepted.iter().find(|(n, _)| *n == close).map(|(_, t)| t.ty.to_string());
                help = format!("{help}; did you mean `{close}` ({})?", close_ty.unwrap_or_default());
            }
            None if !accepted.is_empty() => {
                let listed: Vec<String> = accepted.iter().take(5).map(|(n, t)| format!("{n}` ({})", t.ty)).collect();
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

/// Types the derived features in dependency order.
fn lower_derived(
    cx: &mut Cx,
    view: &FeaturesDecl,
    input: &InputInfo,
    features: &FeatureList,
    derived: &[usize],
    lowered: &mut Lowered,
) {
    let n = features.decls.len();
    let view_name = view.name.name.as_str();
    let mut edges: Edges = vec![Vec::new(); n];
    for &i in derived {
        let Some(value) = &features.decls[i].value else { continue };
        let is_aggregate = |name: &str| agg::arity(name).is_some();
        for (parts, span) in ast_walk::names(value, &is_aggregate) {
            let target = match parts {
                [name] => Some(name),
                [qualifier, name] if qualifier.name == view_name => Some(name),
                _ => None,
            };
            if let Some(&j) = target.and_then(|t| features.index.get(t.name.as_str())) {
                edges[i].push((j, span));
            }
        }
    }
    let names = features.names();
    let (order, _blocked) = graph::order(cx, &names, &edges);
    let mut types: Vec<Option<ColumnType>> = lowered.iter().map(|l| l.as_ref().map(|(_, t)| t.clone())).collect();
    for i in order {
        if !derived.contains(&i) {
            continue;
        }
        let feature = features.decls[i];
        let Some(value) = &feature.value else { continue };
        let mut scope = FeatureScope {
            view,
            input,
            features,
            types: &types,
            columns_read: Vec::new(),
            features_read: Vec::new(),
        };
        let typed = typeck::check(cx, &mut scope, value);
        let (columns_read, features_read) = (scope.columns_read, scope.features_read);
        if let Some((column, span)) = columns_read.first() {
            report_columns_read(cx, view, input, feature, value, column, *span, &columns_read, features_read.first().copied());
        }
        misplaced_clauses(cx, feature);
        let Some(typed) = typed else { continue };
        if !super::known_type(cx, feature, value, &typed) {
            continue;
        }
        types[i] = Some(typed.ty.clone());
        let ty = typed.ty.clone();
        lowered[i] = Some((FeatureDef::Derived { expr: typed }, ty));
    }
}

/// `where` and `over` belong to aggregates.
fn misplaced_clauses(cx: &mut Cx, feature: &FeatureDecl) {
    if let Some(filter) = &feature.filter {
        cx.report(
            Diagnostic::error(
                Code::MISPLACED_FILTER,
                format!("`{}` is derived from other features; only aggregates take `where`", feature.name.name),
            )
            .at(filter.span, "a filter on a derived feature")
            .with_help("filter the events inside the aggregates it reads, e.g. `purchases = count(*) where event_type = 'purchase'`"),
        );
    }
    if let Some(over) = &feature.over {
        cx.report(
            Diagnostic::error(
                Code::MISPLACED_CLAUSE,
                format!("`{}` is derived from other features; only aggregates take `over`", feature.name.name),
            )
            .at(over.span, "a window on a derived feature")
            .with_help("give the window to the aggregates it reads"),
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn report_columns_read(
    cx: &mut Cx,
    view: &FeaturesDecl,
    input: &InputInfo,
    feature: &FeatureDecl,
    value: &ast::Expr,
    column: &str,
    span: crate::source::Span,
    columns_read: &[(String, crate::source::Span)],
    feature_read: Option<crate::source::Span>,
) {
    let input_name = &input.name.name;
    let column_ty = input.schema.get(column).and_then(|c| c.ty.clone());
    match feature_read {
        None => {
            let text = cx.snippet(value.span);
            let aggregate = match column_ty.as_ref().map(|t| &t.ty) {
                Some(t) if t.is_numeric() => "sum",
                _ => "last",
            };
            let mut names: Vec<&str> = columns_read.iter().map(|(c, _)| c.as_str()).collect();
            names.dedup();
            cx.report(
                Diagnostic::error(
                    Code::NOT_AN_AGGREGATE,
                    format!(
                        "feature `{}` reads {} of `{input_name}` outside an aggregate",
                        feature.name.name,
                        if names.len() == 1 { format!("column {}", quoted_list(&names)) } else { format!("columns {}", quoted_list(&names)) }
                    ),
                )
                .at(span, format!("a column of `{input_name}`"))
                .with_help(format!(
                    "view `{}` aggregates events: wrap it in an aggregate, e.g. `{aggregate}({text})`",
                    view.name.name
                )),
            );
        }
        Some(feature_span) => {
            let example = example_aggregate(column_ty.as_ref(), column);
            cx.report(
                Diagnostic::error(
                    Code::MIXED_VIEW_REFERENCE,
                    format!(
                        "feature `{}` mixes features with the column `{column}` of `{input_name}`",
                        feature.name.name
                    ),
                )
                .at(span, format!("a column of `{input_name}`"))
                .with_label(feature_span, format!("a feature of `{}`", view.name.name))
                .with_help(format!(
                    "a derived feature reads only features: aggregate the column in its own feature (e.g. `{example}`) and use that"
                )),
            );
        }
    }
}
