//! Derived features: expressions over other features of the view.

use super::super::graph::{self, Edges};
use super::super::scopes::FeatureScope;
use super::super::{FeatureList, Lowered};
use super::ViewCx;
use crate::agg;
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::FeatureDef;
use crate::semantic::ast_walk;
use crate::semantic::context::{Cx, quoted_list};
use crate::semantic::typeck;
use crate::source::Span;
use crate::syntax::ast::{self, FeatureDecl};
use crate::types::ColumnType;

/// Types the derived features in dependency order.
/// `types` holds the aggregates' types (also of those whose filter failed).
pub(super) fn lower(
    cx: &mut Cx,
    v: &ViewCx,
    is_derived: &[bool],
    mut types: Vec<Option<ColumnType>>,
    lowered: &mut Lowered,
) {
    let edges = dependencies(v, is_derived);
    let (order, _blocked) = graph::order(cx, &v.features.names(), &edges);
    for i in order {
        let feature = v.features.decls[i];
        let (true, Some(value)) = (is_derived[i], &feature.value) else {
            continue;
        };
        let mut scope = FeatureScope {
            view: v.view,
            input: v.input,
            features: v.features,
            types: &types,
            columns_read: Vec::new(),
            features_read: Vec::new(),
            aggregates: Vec::new(),
        };
        let typed = typeck::check(cx, &mut scope, value);
        if !scope.aggregates.is_empty() {
            report_inline_aggregates(cx, v.features, feature, value, &scope.aggregates);
        }
        if !scope.columns_read.is_empty() {
            report_columns_read(
                cx,
                v,
                feature,
                value,
                &scope.columns_read,
                scope.features_read.first().copied(),
            );
        }
        misplaced_clauses(cx, feature);
        let Some(typed) = typed else { continue };
        if !super::super::known_type(cx, feature, value, &typed) {
            continue;
        }
        types[i] = Some(typed.ty.clone());
        let ty = typed.ty.clone();
        lowered[i] = Some((FeatureDef::Derived { expr: typed }, ty));
    }
}

/// Derived feature `i` reads feature `j` when it names `j` (or `view.j`) outside an aggregate.
fn dependencies(v: &ViewCx, is_derived: &[bool]) -> Edges {
    let view_name = v.view.name.name.as_str();
    let mut edges: Edges = vec![Vec::new(); v.features.decls.len()];
    let is_aggregate = |name: &str| agg::arity(name).is_some();
    for (i, feature) in v.features.decls.iter().enumerate() {
        let (true, Some(value)) = (is_derived[i], &feature.value) else {
            continue;
        };
        for (parts, span) in ast_walk::names(value, &is_aggregate) {
            let target = match parts {
                [name] => Some(name),
                [qualifier, name] if qualifier.name == view_name => Some(name),
                _ => None,
            };
            if let Some(&j) = target.and_then(|t| v.features.index.get(t.name.as_str())) {
                edges[i].push((j, span));
            }
        }
    }
    edges
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
                format!(
                    "`{}` is derived from other features; only aggregates take `over`",
                    feature.name.name
                ),
            )
            .at(over.span, "a window on a derived feature")
            .with_help("give the window to the aggregates it reads"),
        );
    }
}

/// E0312 for input columns read outside an aggregate, or E0314 when features are read too.
fn report_columns_read(
    cx: &mut Cx,
    v: &ViewCx,
    feature: &FeatureDecl,
    value: &ast::Expr,
    columns_read: &[(String, Span)],
    feature_read: Option<Span>,
) {
    let (view, input) = (v.view, v.input);
    let Some((column, span)) = columns_read.first().map(|(c, s)| (c, *s)) else {
        return;
    };
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
            let example = super::example_aggregate(column_ty.as_ref(), column);
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

/// One E0307 for the aggregates written inside a derived feature, with the rewrite: each
/// aggregate a feature of its own (or the feature that already computes it), and the expression
/// over those features.
fn report_inline_aggregates(
    cx: &mut Cx,
    features: &FeatureList,
    feature: &FeatureDecl,
    value: &ast::Expr,
    aggregates: &[(Span, String)],
) {
    let compact = |text: &str| text.split_whitespace().collect::<String>();
    let mut declarations: Vec<String> = Vec::new();
    let mut replacements: Vec<(Span, String)> = Vec::new();
    for (span, suggested) in aggregates {
        let text = cx.snippet(*span);
        // a feature that is exactly this aggregate (no filter, no own window) can be reused
        let existing = features.decls.iter().find(|f| {
            f.filter.is_none()
                && f.over.is_none()
                && f.value
                    .as_ref()
                    .is_some_and(|v| compact(cx.snippet(v.span)) == compact(text))
        });
        let name = match existing {
            Some(f) => f.name.name.clone(),
            None => {
                let declaration = format!("{suggested} = {text}");
                if !declarations.contains(&declaration) {
                    declarations.push(declaration);
                }
                suggested.clone()
            }
        };
        replacements.push((*span, name));
    }
    let mut rewritten = cx.snippet(value.span).to_string();
    replacements.sort_by_key(|(span, _)| std::cmp::Reverse(span.start));
    for (span, name) in &replacements {
        let start = span.start.checked_sub(value.span.start).map(|s| s as usize);
        let end = span.end.checked_sub(value.span.start).map(|e| e as usize);
        if let (Some(start), Some(end)) = (start, end)
            && start <= end
            && rewritten.get(start..end).is_some()
        {
            rewritten.replace_range(start..end, name);
        }
    }
    let derived = format!("{} = {rewritten}", feature.name.name);
    let help = if declarations.is_empty() {
        format!("derive from the features that compute them: `{derived}`")
    } else {
        let listed: Vec<String> = declarations.iter().map(|d| format!("`{d}`")).collect();
        format!(
            "declare each aggregate as a feature of its own ({}) and derive from it: `{derived}`",
            listed.join(", ")
        )
    };
    let Some(((first, _), rest)) = aggregates.split_first() else {
        return;
    };
    let mut diagnostic = Diagnostic::error(
        Code::MISPLACED_AGGREGATE,
        format!(
            "feature `{}` has an aggregate inside an expression",
            feature.name.name
        ),
    )
    .at(*first, "an aggregate inside an expression");
    for (span, _) in rest {
        diagnostic = diagnostic.with_label(*span, "another aggregate");
    }
    cx.report(diagnostic.with_help(help));
}
