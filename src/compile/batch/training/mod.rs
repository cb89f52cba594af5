//! `DIR/offline/<service>.training.sql`: a service's point-in-time training set (docs/language.md#windows-and-point-in-time-semantics,
//! 1.6). Every label row, in input order, label columns first, then the service's outputs as
//! of the row's time `T` (`T − settle` for sources with a `settle`).
//!
//! The runner registers the labels as `labels` with two more columns: `__featc_at` (the
//! `--at` column as a microsecond UTC timestamp) and `__featc_row` (the row's position).
//! Each included view becomes a CTE named after it, joined to the labels on its keys (always
//! an equi-join on the keys first, never labels × all events):
//! - tumbling/sliding: the windows that labels ask for, keyed by their end
//!   `floor(T − settle, slide)`; each label expands to the `size / slide` tiles of its window
//!   and events are joined on (keys, tile);
//! - rolling/lifetime: per distinct (keys, `T`), the events in `[floor(T − settle, hop) −
//!   size, T − settle)` (lifetime: `< T − settle`), joined on the keys;
//! - tables: per distinct (keys, `T`), the row with the greatest `valid_from ≤ T` among rows
//!   with `known_at ≤ T`, unless `T − valid_from > ttl`.
//!
//! Aggregates of a window without events get their empty values (`coalesce`), and derived
//! features and outputs are computed from those, in the final `SELECT`. A request input
//! (`request.amount`) is the label's column of that name, which the runner has read as the
//! input's declared type.

mod ranges;
mod table;
mod windows;

use super::BatchError;
use super::aggregate_sql::with_empty_value;
use super::feature_sql::{closure, feature_sql};
use super::inputs::{provenance, source_of};
use super::names::{AS_OF, AT, LABELS, ROW};
use super::sql_ast::{
    JoinKind, aliased, all_columns_except, and_all, col, eq, item, join, select, statement, table,
};
use super::time_sql::{micros, settled};
use crate::compile::sql_expr::{DataFusion, to_sql};
use crate::plan::{
    Aggregate, BoundView, ExprKind, Feature, FeatureDef, OutputDef, Plan, Service, View, ViewKind,
    Window,
};
use crate::types::Micros;
use datafusion::sql::sqlparser::ast::{Expr, Query, SelectItem};
use ranges::ranges_lookup;
use std::cell::RefCell;
use table::table_lookup;
use windows::windows_lookup;

pub fn training_sql(plan: &Plan, service: &Service) -> Result<String, BatchError> {
    training_sql_with(plan, service, &|_| false)
}

/// The name of the table holding a view's features per (keys, `__featc_at`) when the runner
/// computes them itself (see [`training_sql_with`]): one per read of the view (under a role,
/// the role's name).
pub fn values_table(bound: &BoundView) -> String {
    super::names::cte(bound.name, "values")
}

/// [`training_sql`], except that the reads for which `computed` is true are read from the
/// table [`values_table`] instead of being computed by CTEs: the runner registers it with the
/// columns the read's CTE would have (the view's keys, `__featc_at`, then the aggregate
/// features the service needs), one row per distinct (keys, `__featc_at`) of the labels whose
/// keys have no null (rows of other labels may be missing: they get the empty values).
pub fn training_sql_with(
    plan: &Plan,
    service: &Service,
    computed: &dyn Fn(&BoundView) -> bool,
) -> Result<String, BatchError> {
    let mut joins = Vec::new();
    let mut ctes: Vec<(String, Query)> = Vec::new();
    for read in &service.views {
        let bound = bound_view(plan, service, read)?;
        let needed = needed_features(service, &bound);
        if needed.is_empty() {
            continue;
        }
        if computed(&bound) {
            joins.push(join(
                JoinKind::Left,
                table(&values_table(&bound), bound.name),
                Some(labels_match(&bound)),
            ));
            continue;
        }
        let lookup = view_lookup(plan, &bound, &needed)?;
        ctes.extend(lookup.ctes);
        joins.push(join(
            JoinKind::Left,
            table(bound.name, bound.name),
            Some(lookup.on),
        ));
    }

    let mut items = vec![all_columns_except(LABELS, &[AT, ROW])];
    for output in &service.outputs {
        items.push(aliased(
            output_sql(plan, service, &output.def)?,
            &output.name,
        ));
    }
    let mut statement_builder = select(items).from(table(LABELS, LABELS));
    for j in joins {
        statement_builder = statement_builder.join(j);
    }
    for (name, query) in ctes {
        statement_builder = statement_builder.with(&name, query);
    }
    let query = statement_builder.order_by(vec![col(LABELS, ROW)]).query();
    Ok(statement(
        &provenance("service", &service.name, &service.location),
        &query,
    ))
}

/// What `service` reads under the name `read` (a view's, or a role's).
pub fn bound_view<'p>(
    plan: &'p Plan,
    service: &'p Service,
    read: &'p str,
) -> Result<BoundView<'p>, BatchError> {
    plan.bound_view(service, read)
        .ok_or_else(|| BatchError::UnknownView {
            service: service.name.clone(),
            view: read.to_string(),
        })
}

/// The features of the read `bound` that the service's outputs read, with what they derive
/// from.
pub fn needed_features(service: &Service, bound: &BoundView) -> Vec<String> {
    let view = bound.view;
    let mut roots: Vec<&str> = Vec::new();
    for output in &service.outputs {
        match &output.def {
            OutputDef::Feature { view: v, feature } if v == bound.name => roots.push(feature),
            OutputDef::Derived { expr } => roots.extend(
                expr.features()
                    .into_iter()
                    .filter(|(v, _)| *v == bound.name)
                    .map(|(_, f)| f),
            ),
            OutputDef::Feature { .. } => {}
        }
    }
    if roots.is_empty() {
        return Vec::new();
    }
    let needed = closure(view, &roots);
    // declaration order, for a stable statement
    view.features
        .iter()
        .filter(|f| needed.contains(&f.name))
        .map(|f| f.name.clone())
        .collect()
}

/// The SQL of one service output over the joined views.
fn output_sql(plan: &Plan, service: &Service, def: &OutputDef) -> Result<Expr, BatchError> {
    match def {
        OutputDef::Feature { view, feature } => view_feature_at_label(plan, service, view, feature),
        OutputDef::Derived { expr } => {
            let error = RefCell::new(None);
            let refs = |kind: &ExprKind| match kind {
                ExprKind::Feature { view, feature } => {
                    match view_feature_at_label(plan, service, view, feature) {
                        Ok(sql) => Some(sql),
                        Err(e) => {
                            error.borrow_mut().get_or_insert(e);
                            None
                        }
                    }
                }
                // a request input: the label's column, read as its declared type
                ExprKind::Column(input) => Some(col(LABELS, input)),
                _ => None,
            };
            let sql = to_sql(expr, &DataFusion, &refs);
            match error.into_inner() {
                Some(e) => Err(e),
                None => Ok(sql),
            }
        }
    }
}

/// A feature of the read `read` as of the label's time: a column of the read's CTE, with the
/// aggregate's empty value when no window matched, or a derived feature computed from those.
fn view_feature_at_label(
    plan: &Plan,
    service: &Service,
    read: &str,
    feature: &str,
) -> Result<Expr, BatchError> {
    let bound = bound_view(plan, service, read)?;
    feature_sql(bound.view, feature, &|f: &Feature| {
        let column = col(bound.name, &f.name);
        match &f.def {
            FeatureDef::Aggregate(agg) => with_empty_value(agg, column),
            _ => column,
        }
    })
}

/// The CTEs that compute a view's features for the labels, and how they join the labels.
struct Lookup {
    ctes: Vec<(String, Query)>,
    on: Expr,
}

fn view_lookup(plan: &Plan, bound: &BoundView, needed: &[String]) -> Result<Lookup, BatchError> {
    let view = bound.view;
    match &view.kind {
        ViewKind::Windowed { window } => {
            let source = source_of(plan, view)?;
            let aggregates: Vec<(&Feature, &Aggregate)> = view
                .aggregates()
                .filter(|(f, _)| needed.contains(&f.name))
                .collect();
            let settle = source.settle;
            match *window {
                Window::Tumbling { size } => {
                    windows_lookup(bound, source, &aggregates, size, size, settle)
                }
                Window::Sliding { size, slide } => {
                    windows_lookup(bound, source, &aggregates, size, slide, settle)
                }
                Window::Rolling { .. } | Window::Lifetime => {
                    Ok(ranges_lookup(bound, source, &aggregates, settle))
                }
            }
        }
        ViewKind::Table { ttl } => table_lookup(plan, bound, needed, *ttl),
    }
}

/// `"labels"."k" = "<view>"."k"` for each key of the view.
fn keys_match(view: &View, left: &str, right: &str) -> Vec<Expr> {
    view.keys
        .iter()
        .map(|k| eq(col(left, &k.name), col(right, &k.name)))
        .collect()
}

/// `T − settle` of a label, in microseconds.
fn as_of(labels: &str, settle: Micros) -> Expr {
    settled(micros(col(labels, AT)), settle)
}

/// The distinct (keys, `T`) of the labels, with `T − settle` in microseconds for a view over
/// a source (`settle` is `None` for a table). The keys are named as the view names them,
/// whichever label columns carry them (under a role, `sender_id AS user_id`).
pub fn label_times(bound: &BoundView, settle: Option<Micros>) -> Query {
    let mut items: Vec<SelectItem> = (bound.view.keys.iter().enumerate())
        .map(|(i, k)| aliased(col("l", bound.column(i)), &k.name))
        .collect();
    items.push(item(col("l", AT)));
    if let Some(settle) = settle {
        items.push(aliased(as_of("l", settle), AS_OF));
    }
    select(items).distinct().from(table(LABELS, "l")).query()
}

/// How the labels join a read's CTE: on the label columns that carry the view's keys, and the
/// label's time.
fn labels_match(bound: &BoundView) -> Expr {
    let mut on: Vec<Expr> = (bound.view.keys.iter().enumerate())
        .map(|(i, k)| eq(col(LABELS, bound.column(i)), col(bound.name, &k.name)))
        .collect();
    on.push(eq(col(bound.name, AT), col(LABELS, AT)));
    and_all(on)
}
