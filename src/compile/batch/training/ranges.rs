//! Rolling and lifetime views in a training set: each label's exact range of events.

use super::{Lookup, keys_match, label_times, labels_match};
use crate::compile::batch::inputs::{EventRefs, events_query, read_columns, value_items};
use crate::compile::batch::names::{AS_OF, AT, TIME, cte};
use crate::compile::batch::sql_ast::{
    JoinKind, aliased, and_all, col, derived, item, join, select, table,
};
use crate::compile::batch::time_sql::{duration, floor, minus};
use crate::compile::sql_expr::{binary, function};
use crate::plan::{Aggregate, BoundView, Feature, Source, Window};
use crate::types::Micros;
use datafusion::sql::sqlparser::ast::{BinaryOperator, Expr, SelectItem};

/// The first event time a rolling window reads for a label whose `T − settle` is `as_of`:
/// `floor(as_of, hop) − size` (`None` for lifetime; tumbling and sliding windows are looked up
/// by window end instead).
fn lower_bound(window: &Window, as_of: Expr) -> Option<Expr> {
    match *window {
        Window::Rolling { size, hop } => Some(minus(floor(as_of, duration(hop)), duration(size))),
        Window::Tumbling { size } => Some(minus(floor(as_of, duration(size)), duration(size))),
        Window::Sliding { size, slide } => {
            Some(minus(floor(as_of, duration(slide)), duration(size)))
        }
        Window::Lifetime => None,
    }
}

/// The column holding a window's [`lower_bound`] per label: `__featc_since_7d_hop_1h`.
fn since_column(window: &Window) -> String {
    let slug = window
        .to_string()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect::<String>();
    let slug: Vec<&str> = slug.split('_').filter(|part| !part.is_empty()).collect();
    format!("__featc_since_{}", slug.join("_"))
}

pub(super) fn ranges_lookup(
    bound: &BoundView,
    source: &Source,
    aggregates: &[(&Feature, &Aggregate)],
    settle: Micros,
) -> Lookup {
    let view = bound.view;
    let columns = read_columns(view, source, aggregates);
    let (events, times_cte) = (cte(bound.name, "events"), cte(bound.name, "times"));

    // per label time, where each window starts
    let mut windows: Vec<Window> = aggregates.iter().map(|(_, a)| a.window).collect();
    windows.sort_unstable();
    windows.dedup();
    let mut time_items: Vec<SelectItem> =
        view.keys.iter().map(|k| item(col("t", &k.name))).collect();
    time_items.push(item(col("t", AT)));
    time_items.push(item(col("t", AS_OF)));
    for window in &windows {
        if let Some(lower) = lower_bound(window, col("t", AS_OF)) {
            time_items.push(aliased(lower, &since_column(window)));
        }
    }
    let label_windows = select(time_items).from(derived(label_times(bound, Some(settle)), "t"));

    // the events of the key before T − settle, from the earliest start (none for lifetime);
    // with several windows, each aggregate keeps the events of its own
    let since = |window: &Window| -> Option<Expr> {
        lower_bound(window, col("t", AS_OF)).map(|_| col("t", &since_column(window)))
    };
    let time = col("e", TIME);
    let mut on = keys_match(view, "e", "t");
    on.push(binary(time.clone(), BinaryOperator::Lt, col("t", AS_OF)));
    let starts: Option<Vec<Expr>> = windows.iter().map(since).collect();
    match starts.as_deref() {
        Some([only]) => on.push(binary(time.clone(), BinaryOperator::GtEq, only.clone())),
        Some(several) if !several.is_empty() => on.push(binary(
            time.clone(),
            BinaryOperator::GtEq,
            function("least", several.to_vec()),
        )),
        _ => {}
    }
    let shared_window = windows.len() == 1;
    let own_bound = |agg: &Aggregate| -> Option<Expr> {
        if shared_window {
            return None;
        }
        since(&agg.window).map(|start| binary(time.clone(), BinaryOperator::GtEq, start))
    };

    let refs = EventRefs {
        alias: Some("e"),
        event_time: &source.event_time,
    };
    let mut items: Vec<SelectItem> = view.keys.iter().map(|k| item(col("t", &k.name))).collect();
    items.push(item(col("t", AT)));
    items.extend(value_items(aggregates, &refs, &own_bound));
    let mut group_by: Vec<Expr> = view.keys.iter().map(|k| col("t", &k.name)).collect();
    group_by.push(col("t", AT));
    let values = select(items)
        .from(table(&times_cte, "t"))
        .join(join(
            JoinKind::Inner,
            table(&events, "e"),
            Some(and_all(on)),
        ))
        .group_by(group_by);

    Lookup {
        ctes: vec![
            (events, events_query(view, source, &columns, Vec::new())),
            (times_cte, label_windows.query()),
            (bound.name.to_string(), values.query()),
        ],
        on: labels_match(bound),
    }
}
