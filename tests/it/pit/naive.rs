//! The independent side: plain loops over in-memory events that compute, from the words of
//! docs/language.md (aggregates, windows) and docs/batch.md (training sets) alone, the value of every feature of a service for a label (keys, T), and the
//! rows `featc materialize` writes for a tumbling or sliding view. Shares no code with featc;
//! its window rule is `support/window.rs`, its aggregates also serve the online tests' naive
//! reading (`support/naive.rs`).

use super::data::{Data, Event, Label, Table};
use super::model::{Agg, EventView, FeatureDef, OutputDef, Service, TableView, Values, View, get};
use super::sql::{compare, is_true};
use super::values::V;
use crate::support::window::{Window, floor, window_range};
use std::cmp::Ordering;

fn order(a: &V, b: &V) -> Ordering {
    compare(a, b).unwrap_or_else(|| panic!("the oracle compares {a} with {b}"))
}

fn as_f64(v: &V) -> f64 {
    match v {
        V::Int(i) => *i as f64,
        V::Float(x) => *x,
        V::Dec(units, scale) => *units as f64 / 10f64.powi(i32::from(*scale)),
        other => panic!("not a number: {other}"),
    }
}

/// `sum(x)`: "int for int, float for float, decimal(38,s) for decimal"; null without values.
fn sum(values: &[V]) -> V {
    let Some(first) = values.first() else {
        return V::Null;
    };
    match first {
        V::Int(_) => V::Int(
            values
                .iter()
                .map(|v| match v {
                    V::Int(i) => *i,
                    other => panic!("mixed int sum: {other}"),
                })
                .sum(),
        ),
        V::Dec(_, scale) => V::Dec(
            values
                .iter()
                .map(|v| match v {
                    V::Dec(units, _) => *units,
                    other => panic!("mixed decimal sum: {other}"),
                })
                .sum(),
            *scale,
        ),
        _ => V::Float(values.iter().map(as_f64).sum()),
    }
}

/// Population variance by the two-pass textbook formula; null without values.
fn var_pop(values: &[V]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let n = values.len() as f64;
    let mean = values.iter().map(as_f64).sum::<f64>() / n;
    Some(
        values
            .iter()
            .map(|v| (as_f64(v) - mean).powi(2))
            .sum::<f64>()
            / n,
    )
}

fn distinct(values: &[V]) -> usize {
    let mut sorted = values.to_vec();
    sorted.sort_by(order);
    sorted.dedup_by(|a, b| order(a, b) == Ordering::Equal);
    sorted.len()
}

/// One aggregate over the events of its window (already restricted to the entity and range).
pub fn aggregate(agg: Agg, arg: fn(&Event) -> V, filter: fn(&Event) -> V, events: &[&Event]) -> V {
    // "Each aggregate takes an optional `where PREDICATE` ... (like SQL `FILTER`)": an event
    // counts only when the predicate is true.
    let kept: Vec<(i64, V)> = events
        .iter()
        .filter(|e| is_true(&filter(e)))
        .map(|e| (e.ts, arg(e)))
        .collect();
    aggregate_kept(agg, &kept)
}

/// One aggregate over the (event time, argument) of each event of its window that its `where`
/// predicate keeps, nulls included.
pub fn aggregate_kept(agg: Agg, kept: &[(i64, V)]) -> V {
    // Every aggregate but count(*) ignores nulls (SQL; "the non-null value", "nulls not counted").
    let timed: Vec<(i64, V)> = kept
        .iter()
        .filter(|(_, v)| *v != V::Null)
        .cloned()
        .collect();
    let values: Vec<V> = timed.iter().map(|(_, v)| v.clone()).collect();
    let by_time_then_value = |a: &(i64, V), b: &(i64, V)| a.0.cmp(&b.0).then(order(&a.1, &b.1));
    match agg {
        // "`count(*)`, `count(x)` | int | 0"
        Agg::CountStar => V::Int(kept.len() as i64),
        Agg::Count => V::Int(values.len() as i64),
        Agg::Sum => sum(&values),
        // "`avg(x)` | float | null"
        Agg::Avg if values.is_empty() => V::Null,
        Agg::Avg => V::Float(values.iter().map(as_f64).sum::<f64>() / values.len() as f64),
        Agg::Min => values
            .iter()
            .min_by(|a, b| order(a, b))
            .cloned()
            .unwrap_or(V::Null),
        Agg::Max => values
            .iter()
            .max_by(|a, b| order(a, b))
            .cloned()
            .unwrap_or(V::Null),
        // "the non-null value with the earliest/latest event time; ties broken by the
        // smallest/largest value"
        Agg::First => timed
            .iter()
            .min_by(|a, b| by_time_then_value(a, b))
            .map_or(V::Null, |t| t.1.clone()),
        Agg::Last => timed
            .iter()
            .max_by(|a, b| by_time_then_value(a, b))
            .map_or(V::Null, |t| t.1.clone()),
        // "list of the n latest non-null values, newest first; ties by larger value first";
        // "empty list" for an empty window
        Agg::LastN(n) => {
            let mut newest_first = timed.clone();
            newest_first.sort_by(|a, b| by_time_then_value(b, a));
            V::List(newest_first.into_iter().take(n).map(|(_, v)| v).collect())
        }
        // "int, exact, nulls not counted | 0"
        Agg::CountDistinct => V::Int(distinct(&values) as i64),
        // HyperLogLog estimates the distinct count: compared with a tolerance (values.rs)
        Agg::ApproxCountDistinct => V::Approx(distinct(&values) as i64),
        // "`stddev_pop(x)`, `var_pop(x)` | float | null"
        Agg::VarPop => var_pop(&values).map_or(V::Null, V::Float),
        Agg::StddevPop => var_pop(&values).map_or(V::Null, |v| V::Float(v.sqrt())),
        // "the q-quantile: the value of rank ⌊q·(n − 1)⌋ (from 0), within 1/128"; null without
        // values
        Agg::ApproxPercentile(ppm) => {
            let mut numbers: Vec<f64> = values.iter().map(as_f64).collect();
            numbers.sort_by(f64::total_cmp);
            match numbers.len() {
                0 => V::Null,
                n => {
                    let rank = u64::from(ppm) * (n as u64 - 1) / 1_000_000;
                    V::ApproxFloat(numbers[rank as usize])
                }
            }
        }
        // "the k most frequent values, most frequent first; ties by value"; "empty list"
        Agg::TopK(k) => {
            let mut sorted = values.clone();
            sorted.sort_by(order);
            let mut counted: Vec<(V, usize)> = Vec::new();
            for v in sorted {
                match counted.last_mut() {
                    Some((last, n)) if order(last, &v) == Ordering::Equal => *n += 1,
                    _ => counted.push((v, 1)),
                }
            }
            counted.sort_by(|a, b| b.1.cmp(&a.1).then(order(&a.0, &b.0)));
            V::List(counted.into_iter().take(k).map(|(v, _)| v).collect())
        }
    }
}

/// Every feature of an event view for the entity `keys` at `as_of` (= T − settle).
fn event_view_values(view: &EventView, events: &[Event], keys: &[String], as_of: i64) -> Values {
    let mine: Vec<&Event> = events.iter().filter(|e| (view.key_of)(e) == keys).collect();
    let mut values = Values::new();
    for feature in &view.features {
        let value = match &feature.def {
            FeatureDef::Aggregate {
                agg,
                arg,
                filter,
                window,
            } => {
                let range = window_range(*window, as_of);
                let inside: Vec<&Event> = mine
                    .iter()
                    .copied()
                    .filter(|e| range.contains(&e.ts))
                    .collect();
                aggregate(*agg, *arg, *filter, &inside)
            }
            // "Features may be derived from earlier features of the same view"; an empty window
            // gives the empty values, from which derived features are computed.
            FeatureDef::Derived(expr) => expr(&values),
        };
        values.insert(feature.name.to_string(), value);
    }
    values
}

/// docs/language.md#windows-and-point-in-time-semantics, table features: "the row with the greatest `valid_from ≤ T` (among rows with
/// `known_at ≤ T`); null if none, or if `T − valid_from > ttl`". Tables have no settle.
/// Two visible rows with the same `valid_from` (a correction written later): docs/language.md is
/// silent; the one written last (greatest `known_at`) is what a user expects, and what
/// docs/batch.md promises. The generator never makes rows equal in both.
fn chosen_row<'t>(table: &'t Table, key: &str, t: i64) -> Option<&'t [V]> {
    let key_index = table.index(table.key);
    let known = |row: &[V]| table.known_at.map_or(i64::MIN, |col| table.time(row, col));
    table
        .rows
        .iter()
        .filter(|row| row[key_index] == V::Str(key.to_string()))
        .filter(|row| table.time(row, table.valid_from) <= t)
        .filter(|row| known(row) <= t)
        .max_by_key(|row| (table.time(row, table.valid_from), known(row)))
        .map(|row| row.as_slice())
}

fn table_view_values(view: &TableView, table: &Table, key: &str, t: i64) -> Values {
    let row = chosen_row(table, key, t).filter(|row| {
        view.ttl
            .is_none_or(|ttl| t - table.time(row, table.valid_from) <= ttl)
    });
    view.features
        .iter()
        .map(|feature| {
            // "null if none": every feature of the view, computed or passed through.
            let value = match row {
                None => V::Null,
                Some(row) => (feature.value)(&|column: &str| row[table.index(column)].clone()),
            };
            (feature.name.to_string(), value)
        })
        .collect()
}

/// The service's outputs for one label, in declaration order (docs/batch.md#training-sets-offlineservicetrainingsql).
pub fn evaluate(service: &Service, data: &Data, label: &Label) -> Vec<V> {
    let key = |name: &str| {
        label
            .keys
            .get(name)
            .cloned()
            .unwrap_or_else(|| panic!("the label has no key {name}"))
    };
    let mut all = Values::new();
    for (name, _) in service.request {
        let value = label.request.get(name).cloned().unwrap_or(V::Null);
        all.insert(format!("request.{name}"), value);
    }
    for view in &service.views {
        let values = match view {
            View::Events(v) => {
                let keys: Vec<String> = v.keys.iter().map(|k| key(k)).collect();
                let events = &data.sources[v.source];
                event_view_values(v, events, &keys, label.t - v.settle)
            }
            View::Table(v) => {
                let table = &data.tables[v.table];
                table_view_values(v, table, &key(table.key), label.t)
            }
        };
        for (name, value) in values {
            all.insert(format!("{}.{name}", view.name()), value);
        }
    }
    service
        .outputs
        .iter()
        .map(|output| match &output.def {
            OutputDef::Include { view, feature } => get(&all, &format!("{view}.{feature}")).clone(),
            OutputDef::Derived(expr) => expr(&all),
        })
        .collect()
}

/// docs/language.md#windows-and-point-in-time-semantics: "Materialized tumbling/sliding tables hold one row per (entity, window) with at
/// least one event, with columns: the entity keys, `window_start`, `window_end`, `feature_ts`
/// (= `window_end`), then the features in declaration order." Sorted by keys and window end.
pub fn materialize(view: &EventView, events: &[Event]) -> Vec<Vec<V>> {
    let (size, slide) = match view.window {
        Window::Tumbling { size } => (size, size),
        Window::Sliding { size, slide } => (size, slide),
        other => {
            panic!("materialize rows are defined for tumbling and sliding views, not {other:?}")
        }
    };
    let mut windows: Vec<(Vec<String>, i64)> = Vec::new();
    for event in events {
        // the windows [e − size, e) that hold the event: e a multiple of the slide, ts < e ≤ ts + size
        let mut end = floor(event.ts, slide) + slide;
        while end - size <= event.ts {
            windows.push(((view.key_of)(event), end));
            end += slide;
        }
    }
    windows.sort();
    windows.dedup();
    windows
        .into_iter()
        .map(|(keys, end)| {
            // the value at T = end is the window [end − size, end) (e = floor(end, slide) = end)
            let values = event_view_values(view, events, &keys, end);
            let mut row: Vec<V> = keys.into_iter().map(V::Str).collect();
            row.extend([V::Ts(end - size), V::Ts(end), V::Ts(end)]);
            row.extend(view.features.iter().map(|f| values[f.name].clone()));
            row
        })
        .collect()
}
