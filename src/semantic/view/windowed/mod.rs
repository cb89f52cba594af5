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

mod aggregate;
mod derived;

use aggregate::AggregateLowered;

use super::{FeatureList, Lowered};
use crate::agg;
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::{ViewKind, Window};
use crate::semantic::context::Cx;
use crate::semantic::input::{InputInfo, unknown_column};
use crate::semantic::window::lower_window;
use crate::syntax::ast::{self, FeatureDecl, FeaturesDecl, ViewItem, WindowExpr};
use crate::types::ColumnType;

/// The view's window as written and as lowered (`None` when missing or invalid).
struct ViewWindow<'a> {
    written: Option<&'a WindowExpr>,
    window: Option<Window>,
}

/// What each feature of a view over a source is checked against.
struct ViewCx<'s, 'a> {
    view: &'s FeaturesDecl,
    input: &'s InputInfo<'a>,
    features: &'s FeatureList<'a>,
    window: ViewWindow<'s>,
}

pub(super) fn lower(
    cx: &mut Cx,
    view: &FeaturesDecl,
    input: &InputInfo,
    features: &FeatureList,
) -> (ViewKind, Lowered) {
    let v = ViewCx {
        view,
        input,
        features,
        window: window_clause(cx, view, input),
    };
    let mut lowered: Lowered = vec![None; features.decls.len()];
    // the type of each feature as far as it is known, also for aggregates that failed only in
    // their filter: derived features reading them are still checked
    let mut types: Vec<Option<ColumnType>> = vec![None; features.decls.len()];
    let mut is_derived = vec![false; features.decls.len()];
    for (i, feature) in features.decls.iter().enumerate() {
        match &feature.value {
            None => bare_column(cx, &v, feature),
            Some(value) => match &value.kind {
                ast::ExprKind::Call { name, args } if agg::arity(&name.name).is_some() => {
                    match aggregate::lower(cx, &v, feature, value, name, args) {
                        AggregateLowered::Lowered(def, ty) => {
                            types[i] = Some(ty.clone());
                            lowered[i] = Some((def, ty));
                        }
                        AggregateLowered::Failed(ty) => types[i] = ty,
                    }
                }
                _ => is_derived[i] = true,
            },
        }
    }
    derived::lower(cx, &v, &is_derived, types, &mut lowered);
    let kind = ViewKind::Windowed {
        // a placeholder when missing or invalid: reported, and the plan is not returned then
        window: v.window.window.unwrap_or(Window::Lifetime),
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

fn bare_column(cx: &mut Cx, v: &ViewCx, feature: &FeatureDecl) {
    let (view, input) = (v.view, v.input);
    let name = &feature.name.name;
    let Some(column) = input.schema.get(name) else {
        cx.report(
            unknown_column(name, input.name, feature.name.span, &input.schema).with_label(
                input.name.span,
                format!("`{}` is declared here", input.name.name),
            ),
        );
        return;
    };
    let example = example_aggregate(column.ty.as_ref(), name);
    cx.report(
        Diagnostic::error(
            Code::NOT_AN_AGGREGATE,
            format!(
                "`{name}` is a column of `{}`, not an aggregate",
                input.name.name
            ),
        )
        .at(feature.name.span, "a bare column")
        .with_help(format!(
            "view `{}` reads events: aggregate the column, e.g. `{example}`",
            view.name.name
        )),
    );
}

/// `last_platform = last(platform)`, `sum_revenue = sum(revenue)`: an aggregate of one column.
pub(super) fn example_aggregate(ty: Option<&ColumnType>, column: &str) -> String {
    match ty.map(|t| &t.ty) {
        Some(t) if t.is_numeric() => format!("sum_{column} = sum({column})"),
        _ => format!("last_{column} = last({column})"),
    }
}
