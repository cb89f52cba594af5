//! Filling the online tables of an example project from its CSV history, the way a writer
//! does: fold every event into its tile of each granularity of the view's ladder with
//! `featc::agg`, then one upsert per view (one row per tile, the upsert's precondition); table
//! rows as they are, the one written last per (key, `valid_from`).
//!
//! Only what exists at `now` is loaded: events before it, table rows written (`known_at`) at
//! or before it, as a store at that instant would hold.

use featc::agg::{FieldValue, State};
use featc::compile::online;
use featc::physical::{ColumnRole, StorageKind, view_layout};
use featc::plan::{BinaryOp, Expr, ExprKind, Field, Input, Plan, UnaryOp, View, ViewKind};
use featc::runtime::store::codec::{self, Param};
use featc::types::{Micros, Type, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tokio_postgres::Client;
use tokio_postgres::types::ToSql;

pub type Row = BTreeMap<String, Value>;

/// The analyzed plan of `examples/<name>` and the example's directory.
pub fn example(name: &str) -> (Plan, PathBuf) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name);
    let project = featc::project::load(std::slice::from_ref(&dir))
        .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    let (plan, diagnostics) = featc::project::analyze(&project.sources);
    let plan = plan.unwrap_or_else(|| panic!("{name} does not compile: {diagnostics:?}"));
    (plan, dir)
}

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

/// An RFC 3339 time in µs.
pub fn micros(text: &str) -> Micros {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("`{text}`: {e}"))
        .timestamp_micros()
}

/// Creates every view's tables and loads the example's history as of `now`.
pub async fn load_example(client: &Client, plan: &Plan, dir: &Path, now: Micros) {
    for view in &plan.views {
        let artifacts = online::view_artifacts(plan, view).expect("artifacts");
        client
            .batch_execute(&artifacts.ddl)
            .await
            .expect("the DDL applies");
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
            ViewKind::Windowed { .. } => tile_params(plan, view, &rows, now),
            ViewKind::Table { .. } => table_params(plan, view, &rows, now),
        };
        let refs: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|p| &**p as &(dyn ToSql + Sync)).collect();
        client
            .execute(&artifacts.upsert, &refs)
            .await
            .unwrap_or_else(|e| panic!("{}: the upsert fails: {e:?}", view.name));
    }
}

fn floor(t: Micros, d: Micros) -> Micros {
    t - t.rem_euclid(d)
}

type TileKey = (Vec<Value>, Micros, Micros);

/// One array per layout column: the folded state of every (key, granularity, tile start).
fn tile_params(plan: &Plan, view: &View, events: &[Row], now: Micros) -> Vec<Param> {
    let Input::Source(source) = &view.input else {
        panic!("a windowed view over a table");
    };
    let event_time = &plan.source(source).expect("the source").event_time;
    let layout = view_layout(plan, view).expect("layout");
    let StorageKind::Tiles { ladder } = &layout.kind else {
        panic!("not tiles");
    };
    let mut tiles: BTreeMap<TileKey, Vec<State>> = BTreeMap::new();
    for event in events {
        let Value::Timestamp(t) = event[event_time] else {
            panic!("no event time");
        };
        if t >= now {
            continue;
        }
        let key: Vec<Value> = view.keys.iter().map(|k| event[&k.name].clone()).collect();
        for &g in ladder {
            let states = tiles
                .entry((key.clone(), g, floor(t, g)))
                .or_insert_with(|| {
                    view.aggregates()
                        .map(|(_, a)| State::new(&a.func, a.arg.as_ref().map(|x| &x.ty.ty)))
                        .collect()
                });
            for (state, (_, aggregate)) in states.iter_mut().zip(view.aggregates()) {
                if let Some(filter) = &aggregate.filter
                    && eval(filter, event) != Value::Bool(true)
                {
                    continue;
                }
                let value = aggregate
                    .arg
                    .as_ref()
                    .map_or(Value::Int(1), |arg| eval(arg, event));
                state.update(&value, t);
            }
        }
    }
    let features: Vec<&str> = view.aggregates().map(|(f, _)| f.name.as_str()).collect();
    layout
        .columns
        .iter()
        .map(|column| {
            let cells: Vec<FieldValue> = tiles
                .iter()
                .map(|((key, g, start), states)| match &column.role {
                    ColumnRole::Key => FieldValue::Value(key_value(view, &column.name, key)),
                    ColumnRole::TileStart => FieldValue::Value(Value::Timestamp(*start)),
                    ColumnRole::TileGranularity => FieldValue::Int(*g),
                    ColumnRole::State { feature, index, .. } => {
                        let position = features
                            .iter()
                            .position(|f| f == feature)
                            .expect("a feature");
                        states[position].to_fields().swap_remove(*index)
                    }
                    other => panic!("{other:?} in a tile table"),
                })
                .collect();
            codec::encode_fields(&column.ty, &cells).expect("the cells encode")
        })
        .collect()
}

fn key_value(view: &View, column: &str, key: &[Value]) -> Value {
    let i = view
        .keys
        .iter()
        .position(|k| k.name == column)
        .unwrap_or_else(|| panic!("{column} is not a key of {}", view.name));
    key[i].clone()
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

/// The aggregate arguments and filters of the examples: columns, literals, comparisons,
/// `and`/`or`/`not`, casts of ints to floats (SQL semantics: a null operand gives null).
fn eval(expr: &Expr, row: &Row) -> Value {
    match &expr.kind {
        ExprKind::Literal(v) => v.clone(),
        ExprKind::Column(c) => row[c].clone(),
        ExprKind::Cast {
            expr,
            to: Type::Float,
        } => match eval(expr, row) {
            Value::Int(i) => Value::Float(i as f64),
            other => other,
        },
        ExprKind::Unary {
            op: UnaryOp::Not,
            expr,
        } => match eval(expr, row) {
            Value::Bool(b) => Value::Bool(!b),
            _ => Value::Null,
        },
        ExprKind::Binary { op, left, right } => {
            let (l, r) = (eval(left, row), eval(right, row));
            match op {
                BinaryOp::And => match (&l, &r) {
                    (Value::Bool(false), _) | (_, Value::Bool(false)) => Value::Bool(false),
                    (Value::Bool(true), Value::Bool(true)) => Value::Bool(true),
                    _ => Value::Null,
                },
                BinaryOp::Or => match (&l, &r) {
                    (Value::Bool(true), _) | (_, Value::Bool(true)) => Value::Bool(true),
                    (Value::Bool(false), Value::Bool(false)) => Value::Bool(false),
                    _ => Value::Null,
                },
                _ if l.is_null() || r.is_null() => Value::Null,
                BinaryOp::Eq => Value::Bool(l == r),
                BinaryOp::NotEq => Value::Bool(l != r),
                BinaryOp::Lt => Value::Bool(l < r),
                BinaryOp::LtEq => Value::Bool(l <= r),
                BinaryOp::Gt => Value::Bool(l > r),
                BinaryOp::GtEq => Value::Bool(l >= r),
                other => panic!("the loader does not evaluate {other:?}"),
            }
        }
        other => panic!("the loader does not evaluate {other:?}"),
    }
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
