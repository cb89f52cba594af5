//! Filling the online tables of an example project from its CSV history, the way a writer
//! does: fold every event into its tile of each granularity of the view's ladder with
//! `featc::agg`, then one upsert per view (one row per tile, the upsert's precondition); table
//! rows as they are, the one written last per (key, `valid_from`).
//!
//! Only what exists at `now` is loaded: events before it, table rows written (`known_at`) at
//! or before it, as a store at that instant would hold.

use crate::support::db::{apply_ddl, refs};
use crate::support::example::micros;
use crate::support::tiles::{self, Row, Tiles, tile_params};
use featc::compile::online;
use featc::physical::{ColumnRole, view_layout};
use featc::plan::{Field, Input, Plan, View, ViewKind};
use featc::runtime::store::codec::{self, Param};
use featc::types::{Micros, Type, Value};
use std::collections::BTreeMap;
use std::path::Path;
use tokio_postgres::Client;

/// A CSV file without quoting (the examples' convention): an empty field is null.
pub fn read_csv(path: &Path, fields: &[Field]) -> Vec<Row> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    lines
        .filter(|l| !l.is_empty())
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            assert_eq!(cells.len(), header.len(), "{path:?}: {line}");
            fields
                .iter()
                .map(|field| {
                    let i = header
                        .iter()
                        .position(|h| *h == field.name)
                        .unwrap_or_else(|| panic!("{path:?} lacks {}", field.name));
                    (field.name.clone(), parse_cell(cells[i], &field.ty.ty))
                })
                .collect()
        })
        .collect()
}

fn parse_cell(text: &str, ty: &Type) -> Value {
    if text.is_empty() {
        return Value::Null;
    }
    match ty {
        Type::String => Value::String(text.to_string()),
        Type::Int => Value::Int(text.parse().expect("an int")),
        Type::Float => Value::Float(text.parse().expect("a float")),
        Type::Bool => Value::Bool(text.parse().expect("a bool")),
        Type::Timestamp => Value::Timestamp(micros(text)),
        other => panic!("the loader does not read {other}"),
    }
}

/// Creates every view's tables and loads the example's history as of `now`.
pub async fn load_example(client: &Client, plan: &Plan, dir: &Path, now: Micros) {
    apply_ddl(client, plan).await;
    for view in &plan.views {
        let (fields, batch) = match &view.input {
            Input::Source(name) => {
                let s = plan.source(name).expect("the source");
                (&s.fields, &s.batch)
            }
            Input::Table(name) => {
                let t = plan.table(name).expect("the table");
                (&t.fields, &t.batch)
            }
        };
        let location = batch.as_ref().expect("a batch location");
        let rows = read_csv(&dir.join(&location.path), fields);
        let params = match &view.kind {
            ViewKind::Windowed { .. } => tile_rows(plan, view, &rows, now),
            ViewKind::Table { .. } => table_params(plan, view, &rows, now),
        };
        let upsert = online::view_artifacts(plan, view)
            .expect("artifacts")
            .upsert;
        client
            .execute(&upsert, &refs(&params))
            .await
            .unwrap_or_else(|e| panic!("{}: the upsert fails: {e:?}", view.name));
    }
}

/// The upsert's parameters for the events before `now`: the folded state of every (key,
/// granularity, tile start), one row each.
fn tile_rows(plan: &Plan, view: &View, events: &[Row], now: Micros) -> Vec<Param> {
    let Input::Source(source) = &view.input else {
        panic!("a windowed view over a table");
    };
    let event_time = &plan.source(source).expect("the source").event_time;
    let before_now = events.iter().filter(|e| match e[event_time] {
        Value::Timestamp(t) => t < now,
        ref other => panic!("{event_time}: {other:?}"),
    });
    let tiles: Tiles = tiles::events_by_tile(plan, view, before_now)
        .into_iter()
        .map(|(tile, tile_events)| (tile, tiles::fold(plan, view, &tile_events)))
        .collect();
    let layout = view_layout(plan, view).expect("layout");
    tile_params(view, &layout, &tiles)
}

/// One array per layout column: the table's rows written by `now`, the last written per
/// (key, `valid_from`).
fn table_params(plan: &Plan, view: &View, rows: &[Row], now: Micros) -> Vec<Param> {
    let Input::Table(name) = &view.input else {
        panic!("a table view over a source");
    };
    let table = plan.table(name).expect("the table");
    let time = |row: &Row, column: &str| match row[column] {
        Value::Timestamp(t) => t,
        ref other => panic!("{column}: {other:?}"),
    };
    let known_at = |row: &Row| table.known_at.as_ref().map(|k| time(row, k));
    let mut kept: BTreeMap<(Vec<Value>, Micros), &Row> = BTreeMap::new();
    for row in rows {
        if known_at(row).is_some_and(|k| k > now) {
            continue;
        }
        let key: Vec<Value> = view.keys.iter().map(|k| row[&k.name].clone()).collect();
        let slot = (key, time(row, &table.valid_from));
        match kept.get(&slot) {
            Some(existing) if known_at(existing) > known_at(row) => {}
            _ => {
                kept.insert(slot, row);
            }
        }
    }
    let layout = view_layout(plan, view).expect("layout");
    layout
        .columns
        .iter()
        .map(|column| {
            let values: Vec<Value> = kept
                .values()
                .map(|row| match &column.role {
                    ColumnRole::Key => row[&column.name].clone(),
                    ColumnRole::ValidFrom => row[&table.valid_from].clone(),
                    ColumnRole::KnownAt => known_at(row).map_or(Value::Null, Value::Timestamp),
                    ColumnRole::Input { column } => row[column].clone(),
                    other => panic!("{other:?} in a row table"),
                })
                .collect();
            codec::encode_values(&column.ty, &values).expect("the values encode")
        })
        .collect()
}

/// Records that `view`'s online state is complete up to `until`.
pub async fn set_watermark(client: &Client, view: &str, until: Micros) {
    let until = chrono::DateTime::from_timestamp_micros(until).expect("a time");
    client
        .execute(
            "INSERT INTO featc_watermarks (\"view\", complete_until) VALUES ($1, $2)
             ON CONFLICT (\"view\") DO UPDATE SET complete_until = EXCLUDED.complete_until",
            &[&view, &until],
        )
        .await
        .expect("the watermark is written");
}
