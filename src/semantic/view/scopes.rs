//! What names mean inside a view:
//! - [`ColumnScope`]: the input's columns (`revenue` or `events.revenue`) — in an aggregate's
//!   argument and `where` filter, and in a view over a table, where a name that is not a column
//!   may also be another feature of the view (its expression is inlined);
//! - [`FeatureScope`]: the view's features (`revenue_1h` or `user_activity.revenue_1h`) — in a
//!   derived feature of a view over a source. Columns read there are collected, and reported
//!   once per feature by the caller (E0312/E0314).

use super::FeatureList;
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::{Expr, ExprKind};
use crate::semantic::context::{Cx, did_you_mean};
use crate::semantic::input::{InputInfo, unknown_column};
use crate::semantic::typeck::{Names, Typed};
use crate::source::Span;
use crate::syntax::ast::{self, FeaturesDecl, Ident};
use crate::types::ColumnType;

/// Where a column expression is: decides the message for an aggregate found in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    AggregateArgument,
    Filter,
    TableView,
}

pub(super) struct ColumnScope<'s, 'a> {
    pub view: &'s FeaturesDecl,
    pub input: &'s InputInfo<'a>,
    pub features: &'s FeatureList<'a>,
    pub place: Place,
    /// In a view over a table: the typed expression of each feature typed so far, inlined where
    /// another feature names it (`None` for features that failed or are not typed yet).
    pub inline: Option<&'s [Option<Expr>]>,
}

/// `name` or `qualifier.name` when the qualifier is one of `qualifiers`.
fn local_name<'p>(parts: &'p [Ident], qualifiers: &[&str]) -> Option<&'p Ident> {
    match parts {
        [name] => Some(name),
        [qualifier, name] if qualifiers.contains(&qualifier.name.as_str()) => Some(name),
        _ => None,
    }
}

impl Names for ColumnScope<'_, '_> {
    fn resolve(&mut self, cx: &mut Cx, parts: &[Ident], span: Span) -> Typed {
        let input_name = self.input.name.name.as_str();
        if let Some(name) = local_name(parts, &[input_name])
            && let Some(column) = self.input.schema.get(&name.name)
        {
            let ty = column.ty.clone()?;
            return Some(Expr::new(ExprKind::Column(name.name.clone()), ty));
        }
        if let Some(inline) = self.inline
            && let Some(name) = local_name(parts, &[self.view.name.name.as_str()])
            && let Some(&index) = self.features.index.get(name.name.as_str())
        {
            // a failed or cyclic feature was reported where it is declared
            return inline.get(index).cloned().flatten();
        }
        let shown = parts
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(".");
        let last = parts.last().map_or("", |p| p.name.as_str());
        let mut diagnostic = unknown_column(&shown, self.input.name, span, &self.input.schema)
            .with_label(
                self.input.name.span,
                format!("`{input_name}` is declared here"),
            );
        if self.inline.is_some() {
            // in a view over a table, features are names too
            let candidates = self
                .input
                .schema
                .names()
                .chain(self.features.index.keys().copied());
            diagnostic = diagnostic.with_help_opt(did_you_mean(last, candidates));
        } else if self.features.index.contains_key(last) {
            diagnostic = diagnostic.with_help(format!(
                "`{last}` is a feature of this view; an aggregate reads the columns of `{input_name}` (to build on `{last}`, derive a feature from it, e.g. `x = {last} * 2`)"
            ));
        }
        cx.report(diagnostic);
        None
    }

    fn misplaced_aggregate(&mut self, cx: &mut Cx, call: &ast::Expr, name: &Ident) {
        let (message, label, help) = match self.place {
            Place::AggregateArgument => (
                "aggregates cannot be nested".to_string(),
                "an aggregate inside an aggregate",
                format!(
                    "declare the inner aggregate as its own feature (e.g. `{} = {}`) and derive from it",
                    feature_name_for(call, name),
                    cx.snippet(call.span)
                ),
            ),
            Place::Filter => (
                "a `where` filter cannot contain an aggregate".to_string(),
                "an aggregate in a filter",
                "the filter is tested on each event: compare columns, e.g. `amount > 100`"
                    .to_string(),
            ),
            Place::TableView => (
                format!(
                    "`{}` aggregates, but `{}` is a table",
                    name.name, self.input.name.name
                ),
                "an aggregate over a table",
                format!(
                    "a view over a table reads the one row in force per key; to aggregate events, declare a view `from` a source instead of `{}`",
                    self.input.name.name
                ),
            ),
        };
        cx.report(
            Diagnostic::error(Code::MISPLACED_AGGREGATE, message)
                .at(call.span, label)
                .with_help(help),
        );
    }
}

/// A feature name to suggest for an aggregate the user wrote inline: `sum_revenue`,
/// `event_count`.
pub(super) fn feature_name_for(call: &ast::Expr, name: &Ident) -> String {
    match &call.kind {
        ast::ExprKind::Call { args, .. } => match args.first().map(|a| &a.kind) {
            Some(ast::ExprKind::Star) => "event_count".to_string(),
            Some(ast::ExprKind::Name(parts)) => match parts.last() {
                Some(column) => format!("{}_{}", name.name, column.name),
                None => format!("{}_value", name.name),
            },
            _ => format!("{}_value", name.name),
        },
        _ => format!("{}_value", name.name),
    }
}

/// Names in a derived feature of a view over a source: the view's features.
pub(super) struct FeatureScope<'s, 'a> {
    pub view: &'s FeaturesDecl,
    pub input: &'s InputInfo<'a>,
    pub features: &'s FeatureList<'a>,
    /// The type of each feature typed so far (`None`: failed, or not typed yet).
    pub types: &'s [Option<ColumnType>],
    /// Columns of the input read outside an aggregate, with where.
    pub columns_read: Vec<(String, Span)>,
    /// Where features are read.
    pub features_read: Vec<Span>,
    /// Aggregate calls inside the expression, reported once per feature by the caller (E0307).
    pub aggregates: Vec<(Span, String)>,
}

impl Names for FeatureScope<'_, '_> {
    fn resolve(&mut self, cx: &mut Cx, parts: &[Ident], span: Span) -> Typed {
        let view_name = self.view.name.name.as_str();
        if let Some(name) = local_name(parts, &[view_name])
            && let Some(&index) = self.features.index.get(name.name.as_str())
        {
            self.features_read.push(span);
            let ty = self.types.get(index).cloned().flatten()?;
            return Some(Expr::new(
                ExprKind::Feature {
                    view: view_name.to_string(),
                    feature: name.name.clone(),
                },
                ty,
            ));
        }
        let input_name = self.input.name.name.as_str();
        if let Some(name) = local_name(parts, &[input_name])
            && self.input.schema.get(&name.name).is_some()
        {
            self.columns_read.push((name.name.clone(), span));
            return None;
        }
        let shown = parts
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(".");
        let mut diagnostic = Diagnostic::error(
            Code::UNKNOWN_FEATURE,
            format!("view `{view_name}` has no feature `{shown}`"),
        )
        .at(span, "unknown feature");
        diagnostic = match parts {
            [qualifier, _] if qualifier.name != view_name && qualifier.name != input_name => diagnostic.with_help(format!(
                "a feature view reads only its own features and the columns of `{input_name}`; to combine features of several views, derive them in a `service`"
            )),
            _ => {
                let last = parts.last().map_or("", |p| p.name.as_str());
                let candidates = self.features.index.keys().copied().chain(self.input.schema.names());
                diagnostic.with_help(did_you_mean(last, candidates).unwrap_or_else(|| {
                    format!(
                        "the features of `{view_name}` are {}",
                        crate::semantic::context::quoted_list(&self.features.names())
                    )
                }))
            }
        };
        cx.report(diagnostic);
        None
    }

    fn misplaced_aggregate(&mut self, _cx: &mut Cx, call: &ast::Expr, name: &Ident) {
        self.aggregates
            .push((call.span, feature_name_for(call, name)));
    }
}
