//! The statements that feed a sweep, built from the same pieces as the artifacts' statements
//! (so the columns, filters and times are exactly theirs): the events a view aggregates, with
//! each aggregate's argument and `where` predicate evaluated by DataFusion, and the labels'
//! distinct (keys, `T`, `T − settle`).

use crate::compile::batch::BatchError;
use crate::compile::batch::inputs::{EventRefs, events_query, source_of};
use crate::compile::batch::sql_ast::aliased;
use crate::plan::{Aggregate, Feature, Plan, View};
use datafusion::sql::sqlparser::ast::SelectItem;

/// `SELECT <keys>, __featc_time, <arguments>, <predicates> FROM <source> WHERE <time> IS NOT
/// NULL`, and where each aggregate finds its columns in the result.
pub struct EventsStatement {
    pub sql: String,
    /// The key columns: `0..keys`.
    pub keys: usize,
    /// The event time in microseconds.
    pub time: usize,
    /// Per aggregate, in the order given: the column of its argument and of its predicate.
    pub inputs: Vec<(Option<usize>, Option<usize>)>,
}

/// Columns computed once however many aggregates read them.
#[derive(Default)]
struct Computed {
    items: Vec<SelectItem>,
    texts: Vec<String>,
}

impl Computed {
    fn column(&mut self, expr: datafusion::sql::sqlparser::ast::Expr, first: usize) -> usize {
        let text = expr.to_string();
        if let Some(i) = self.texts.iter().position(|t| *t == text) {
            return first + i;
        }
        let index = self.items.len();
        self.items
            .push(aliased(expr, &format!("__featc_input_{index}")));
        self.texts.push(text);
        first + index
    }
}

pub fn events_statement(
    plan: &Plan,
    view: &View,
    aggregates: &[(&Feature, &Aggregate)],
) -> Result<EventsStatement, BatchError> {
    let source = source_of(plan, view)?;
    let keys: Vec<&str> = view.keys.iter().map(|k| k.name.as_str()).collect();
    let refs = EventRefs {
        alias: None,
        event_time: &source.event_time,
    };
    // keys, then the time, then the computed columns
    let first = keys.len() + 1;
    let mut computed = Computed::default();
    let inputs = aggregates
        .iter()
        .map(|(_, agg)| {
            let arg = agg
                .arg
                .as_ref()
                .map(|a| computed.column(refs.expr(a), first));
            let filter = agg
                .filter
                .as_ref()
                .map(|f| computed.column(refs.expr(f), first));
            (arg, filter)
        })
        .collect();
    let query = events_query(view, source, &keys, computed.items);
    Ok(EventsStatement {
        sql: query.to_string(),
        keys: keys.len(),
        time: keys.len(),
        inputs,
    })
}
