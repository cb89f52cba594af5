//! What the view and training statements share: finding a view's input, the columns it reads,
//! the events CTE, and the aggregate calls of a `SELECT`.

use super::BatchError;
use super::aggregate_sql::{CallArgs, state_call, value_call};
use super::names::TIME;
use super::sql_ast::{aliased, col, item, name, select, table};
use super::time_sql::micros;
use crate::compile::sql_expr::{DataFusion, to_sql};
use crate::plan::{Aggregate, ExprKind, Feature, Input, Plan, Source, Table, View};
use datafusion::sql::sqlparser::ast::{Expr, Query, SelectItem};
use std::collections::BTreeSet;

/// The source a windowed view reads.
pub fn source_of<'p>(plan: &'p Plan, view: &View) -> Result<&'p Source, BatchError> {
    match &view.input {
        Input::Source(name) => plan.source(name).ok_or_else(|| BatchError::UnknownInput {
            view: view.name.clone(),
            input: name.clone(),
        }),
        Input::Table(name) => Err(BatchError::Unsupported {
            view: view.name.clone(),
            reason: format!("a windowed view reads the table `{name}`; it must read a source"),
        }),
    }
}

/// The table a table view reads.
pub fn table_of<'p>(plan: &'p Plan, view: &View) -> Result<&'p Table, BatchError> {
    match &view.input {
        Input::Table(name) => plan.table(name).ok_or_else(|| BatchError::UnknownInput {
            view: view.name.clone(),
            input: name.clone(),
        }),
        Input::Source(name) => Err(BatchError::Unsupported {
            view: view.name.clone(),
            reason: format!("a table view reads the source `{name}`; it must read a table"),
        }),
    }
}

/// The columns of the events relation a view reads, as it names them: the keys played by
/// other columns (`on user(sender_id)`: `user_id`) first, then the source's columns that the
/// aggregates read (arguments and filters), the keys and the event time, in the source's
/// declaration order.
pub fn read_columns<'a>(
    view: &'a View,
    source: &'a Source,
    aggregates: &[(&Feature, &Aggregate)],
) -> Vec<&'a str> {
    let played: Vec<&str> = played_keys(view).map(|(key, _)| key).collect();
    let mut read: BTreeSet<&str> = view
        .keys
        .iter()
        .map(|k| k.name.as_str())
        .filter(|k| !played.contains(k))
        .collect();
    read.insert(source.event_time.as_str());
    for (_, agg) in aggregates {
        for expr in agg.arg.iter().chain(agg.filter.iter()) {
            read.extend(expr.columns());
        }
    }
    played
        .into_iter()
        .chain(
            source
                .fields
                .iter()
                .map(|f| f.name.as_str())
                .filter(|c| read.contains(c)),
        )
        .collect()
}

/// The keys another input column plays (`on user(sender_id)`): (key, column).
fn played_keys(view: &View) -> impl Iterator<Item = (&str, &str)> {
    view.keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.name.as_str(), view.key_column(i)))
        .filter(|(key, column)| key != column)
}

/// `SELECT <columns>, <event time in µs> AS "__featc_time", <extra> FROM "<source>" WHERE
/// <event time> IS NOT NULL`: the events a view aggregates (an event without a time is in no
/// window). A key played by another column is selected under the key's name.
pub fn events_query(
    view: &View,
    source: &Source,
    columns: &[&str],
    extra: Vec<SelectItem>,
) -> Query {
    let mut items: Vec<SelectItem> = columns
        .iter()
        .map(|c| match played_keys(view).find(|(key, _)| key == c) {
            Some((key, column)) => aliased(name(column), key),
            None => item(name(c)),
        })
        .collect();
    items.push(aliased(micros(name(&source.event_time)), TIME));
    items.extend(extra);
    select(items)
        .from(table(&source.name, &source.name))
        .filter(Expr::IsNotNull(Box::new(name(&source.event_time))))
        .query()
}

/// How the aggregates of a `SELECT` read the events.
pub struct EventRefs<'a> {
    /// The alias of the events relation (`None`: its columns are unambiguous, unqualified).
    pub alias: Option<&'a str>,
    /// The event-time column (a timestamp).
    pub event_time: &'a str,
}

impl EventRefs<'_> {
    pub fn column(&self, column: &str) -> Expr {
        match self.alias {
            Some(alias) => col(alias, column),
            None => name(column),
        }
    }

    /// A plan expression over the events' columns.
    pub fn expr(&self, expr: &crate::plan::Expr) -> Expr {
        let refs = |kind: &ExprKind| match kind {
            ExprKind::Column(c) => Some(self.column(c)),
            _ => None,
        };
        to_sql(expr, &DataFusion, &refs)
    }

    /// The arguments of an aggregate's call, with `extra` (a time bound) added to its filter.
    pub fn call_args(&self, agg: &Aggregate, extra: Option<Expr>) -> CallArgs {
        let filter = agg.filter.as_ref().map(|f| self.expr(f));
        let filter = match (extra, filter) {
            (Some(bound), Some(f)) => Some(super::sql_ast::and_all(vec![bound, f])),
            (bound, f) => bound.or(f),
        };
        CallArgs {
            arg: agg.arg.as_ref().map(|a| self.expr(a)),
            event_time: self.column(self.event_time),
            filter,
        }
    }
}

/// `<aggregate call> AS "<feature>"` for each aggregate, computing values.
pub fn value_items(
    aggregates: &[(&Feature, &Aggregate)],
    events: &EventRefs,
    bound: &dyn Fn(&Aggregate) -> Option<Expr>,
) -> Vec<SelectItem> {
    aggregates
        .iter()
        .map(|(feature, agg)| {
            aliased(
                value_call(agg, events.call_args(agg, bound(agg))),
                &feature.name,
            )
        })
        .collect()
}

/// `<state call> AS "<feature>"` for each aggregate, computing partial states.
pub fn state_items(aggregates: &[(&Feature, &Aggregate)], events: &EventRefs) -> Vec<SelectItem> {
    aggregates
        .iter()
        .map(|(feature, agg)| aliased(state_call(agg, events.call_args(agg, None)), &feature.name))
        .collect()
}

pub use crate::compile::provenance::provenance;
