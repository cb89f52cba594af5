//! Views over a table: no window (E0405), an optional `ttl` (at most one: E0214), and features
//! that are columns of the table (`country`) or row-level expressions over them
//! (`tenure_years = account_age_days / 365`); no aggregates (E0307), no `where` (E0311), no
//! `over` (E0405).
//!
//! In an expression, a name is a column of the table if it has one, else another feature of the
//! view, whose expression is inlined (`a = x * 2`, `b = a + 1` gives `b = x * 2 + 1`): a view
//! over a table is computed on one row, so there is nothing to gain from keeping the reference.
//! Such references may go forward, but not in a cycle (E0210).

use super::graph::{self, Edges};
use super::scopes::{ColumnScope, Place};
use super::{FeatureList, Lowered};
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::{Expr, ExprKind, FeatureDef, ViewKind};
use crate::semantic::ast_walk;
use crate::semantic::context::Cx;
use crate::semantic::input::{InputInfo, unknown_column};
use crate::semantic::typeck;
use crate::syntax::ast::{FeatureDecl, FeaturesDecl, ViewItem};
use crate::types::Micros;

pub(super) fn lower(
    cx: &mut Cx,
    view: &FeaturesDecl,
    input: &InputInfo,
    features: &FeatureList,
) -> (ViewKind, Lowered) {
    let ttl = clauses(cx, view, input);
    let n = features.decls.len();
    let mut lowered: Lowered = vec![None; n];
    let mut inline: Vec<Option<Expr>> = vec![None; n];
    let edges = dependencies(view, input, features);
    let names = features.names();
    let (order, _blocked) = graph::order(cx, &names, &edges);
    for i in order {
        let feature = features.decls[i];
        misplaced_clauses(cx, input, feature);
        let typed = match &feature.value {
            None => bare_column(cx, input, feature),
            Some(value) => {
                let mut scope = ColumnScope {
                    view,
                    input,
                    features,
                    place: Place::TableView,
                    inline: Some(&inline),
                };
                typeck::check(cx, &mut scope, value)
                    .filter(|typed| super::known_type(cx, feature, value, typed))
            }
        };
        if let Some(typed) = typed {
            inline[i] = Some(typed.clone());
            let ty = typed.ty.clone();
            lowered[i] = Some((FeatureDef::Column { expr: typed }, ty));
        }
    }
    (ViewKind::Table { ttl }, lowered)
}

/// The `ttl`; reports windows and repeated `ttl`s.
fn clauses(cx: &mut Cx, view: &FeaturesDecl, input: &InputInfo) -> Option<Micros> {
    let mut ttl: Option<(Micros, crate::source::Span)> = None;
    for item in &view.items {
        match item {
            ViewItem::Window(window) => cx.report(
                Diagnostic::error(
                    Code::WINDOW_NOT_ALLOWED,
                    format!("a view over a table has no window (`{}` is a table)", input.name.name),
                )
                .at(window.span, "not allowed over a table")
                .with_help(format!(
                    "a view over `{}` reads the row in force at each time; `ttl 30d` ignores rows older than 30 days; to aggregate events, read a source",
                    input.name.name
                )),
            ),
            ViewItem::Ttl { duration, span } => match ttl {
                Some((_, first)) => cx.report(
                    Diagnostic::error(
                        Code::MISPLACED_CLAUSE,
                        format!("view `{}` has more than one `ttl`", view.name.name),
                    )
                    .at(*span, "repeated here")
                    .with_label(first, "first here")
                    .with_help("a view has one ttl: remove one of them"),
                ),
                None => ttl = Some((duration.micros, *span)),
            },
            _ => {}
        }
    }
    ttl.map(|(micros, _)| micros)
}

/// Feature `i` reads feature `j` when it names `j` and the table has no column of that name.
fn dependencies(view: &FeaturesDecl, input: &InputInfo, features: &FeatureList) -> Edges {
    let view_name = view.name.name.as_str();
    let mut edges: Edges = vec![Vec::new(); features.decls.len()];
    for (i, feature) in features.decls.iter().enumerate() {
        let Some(value) = &feature.value else {
            continue;
        };
        for (parts, span) in ast_walk::names(value, &|_| false) {
            let target = match parts {
                [name] if input.schema.get(&name.name).is_none() => Some(name),
                [qualifier, name] if qualifier.name == view_name => Some(name),
                _ => None,
            };
            if let Some(&j) = target.and_then(|t| features.index.get(t.name.as_str())) {
                edges[i].push((j, span));
            }
        }
    }
    edges
}

fn bare_column(cx: &mut Cx, input: &InputInfo, feature: &FeatureDecl) -> Option<Expr> {
    let name = &feature.name.name;
    match input.schema.get(name) {
        Some(column) => Some(Expr::new(
            ExprKind::Column(name.clone()),
            column.ty.clone()?,
        )),
        None => {
            cx.report(
                unknown_column(name, input.name, feature.name.span, &input.schema).with_label(
                    input.name.span,
                    format!("`{}` is declared here", input.name.name),
                ),
            );
            None
        }
    }
}

fn misplaced_clauses(cx: &mut Cx, input: &InputInfo, feature: &FeatureDecl) {
    if let Some(filter) = &feature.filter {
        cx.report(
            Diagnostic::error(
                Code::MISPLACED_FILTER,
                format!("`{}` is not an aggregate; only aggregates take `where`", feature.name.name),
            )
            .at(filter.span, "a filter in a view over a table")
            .with_help("a view over a table holds one row per key; to blank a value conditionally, write `case when ... then ... end`"),
        );
    }
    if let Some(over) = &feature.over {
        cx.report(
            Diagnostic::error(
                Code::WINDOW_NOT_ALLOWED,
                format!("a view over a table has no windows (`{}` is a table)", input.name.name),
            )
            .at(over.span, "not allowed over a table")
            .with_help("windows aggregate the events of a source; a view over a table reads the row in force"),
        );
    }
}
