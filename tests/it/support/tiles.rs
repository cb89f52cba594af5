//! A view's tiles as the tests handle them, by column names only: events folded into the
//! partial states of their tiles the way a writer does (arguments and filters by the naive
//! evaluator, states by `featc::agg`), tiles as the array parameters of the view's upsert,
//! micro-batch rows and stored rows read back into states, and feature values merged from
//! tiles as a lookup does.

use super::naive;
use super::window::floor;
use featc::agg::{FieldValue, State};
use featc::physical::{ColumnRole, StorageKind, ViewLayout, view_layout};
use featc::plan::eval::{self, Scope};
use featc::plan::{ExprKind, FeatureDef, Input, Plan, View};
use featc::runtime::store::codec::{self, Param};
use featc::runtime::store::{Cells, ViewRows};
use featc::types::{Micros, Type, Value};
use std::collections::BTreeMap;
use tokio_postgres::Client;

/// A tile: keys, granularity, start.
pub type TileId = (Vec<Value>, Micros, Micros);
/// Every tile's states, one per aggregate of the view, in declaration order.
pub type Tiles = BTreeMap<TileId, Vec<State>>;
/// An event: its columns by name.
pub type Row = BTreeMap<String, Value>;

/// The event time of one of `view`'s events.
fn event_time(plan: &Plan, view: &View, event: &Row) -> Micros {
    let Input::Source(source) = &view.input else {
        panic!("{}: a windowed view over a table", view.name);
    };
    let column = &plan.source(source).expect("the source").event_time;
    match event[column] {
        Value::Timestamp(t) => t,
        ref other => panic!("{column}: {other:?}"),
    }
}

/// The events of every tile of the view's ladder: keyed by the view's key columns, placed by
/// the source's event time.
pub fn events_by_tile<'e>(
    plan: &Plan,
    view: &View,
    events: impl IntoIterator<Item = &'e Row>,
) -> BTreeMap<TileId, Vec<&'e Row>> {
    let layout = view_layout(plan, view).expect("layout");
    let StorageKind::Tiles { ladder } = &layout.kind else {
        panic!("{}: not a tile layout", view.name);
    };
    let mut out: BTreeMap<TileId, Vec<&Row>> = BTreeMap::new();
    for event in events {
        let t = event_time(plan, view, event);
        // the input's columns that play the keys (`on user(sender_id)`)
        let key: Vec<Value> = (0..view.keys.len())
            .map(|i| event[view.key_column(i)].clone())
            .collect();
        for &g in ladder {
            out.entry((key.clone(), g, floor(t, g)))
                .or_default()
                .push(event);
        }
    }
    out
}

/// The states of every aggregate of `view` over `events`: each event that passes the
/// aggregate's `where` updates it with its argument (1 for `count(*)`) at its event time.
pub fn fold(plan: &Plan, view: &View, events: &[&Row]) -> Vec<State> {
    view.aggregates()
        .map(|(_, aggregate)| {
            let mut state = State::new(&aggregate.func, aggregate.arg.as_ref().map(|a| &a.ty.ty));
            for event in events {
                let eval = |expr: &featc::plan::Expr| {
                    naive::eval(expr, &|k| match k {
                        ExprKind::Column(c) => event[c].clone(),
                        other => panic!("{other:?} in an aggregate"),
                    })
                };
                if let Some(filter) = &aggregate.filter
                    && eval(filter) != Value::Bool(true)
                {
                    continue;
                }
                let value = aggregate.arg.as_ref().map_or(Value::Int(1), eval);
                state.update(&value, event_time(plan, view, event));
            }
            state
        })
        .collect()
}

/// The tiles as the upsert's parameters: one array per layout column, one element per tile
/// (at most one per primary key: the upsert's precondition).
pub fn tile_params(view: &View, layout: &ViewLayout, tiles: &Tiles) -> Vec<Param> {
    let features: Vec<&str> = view.aggregates().map(|(f, _)| f.name.as_str()).collect();
    layout
        .columns
        .iter()
        .map(|column| {
            let cells: Vec<FieldValue> = tiles
                .iter()
                .map(|((key, g, start), states)| match &column.role {
                    ColumnRole::Key => {
                        let i = view
                            .keys
                            .iter()
                            .position(|k| k.name == column.name)
                            .unwrap_or_else(|| {
                                panic!("{} is not a key of {}", column.name, view.name)
                            });
                        FieldValue::Value(key[i].clone())
                    }
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

/// A micro-batch's rows of `view` read back into states, through the column names only.
pub fn tiles_of(view: &View, rows: &ViewRows) -> Tiles {
    let values = |name: &str| match rows.column(name) {
        Some(Cells::Values(v)) => v.clone(),
        other => panic!("{name}: {other:?}"),
    };
    let fields = |name: &str| match rows.column(name) {
        Some(Cells::Fields(f)) => f.clone(),
        other => panic!("{name}: {other:?}"),
    };
    let keys: Vec<Vec<Value>> = view.keys.iter().map(|k| values(&k.name)).collect();
    let starts = values("tile_start");
    let granularities = values("tile_us");
    let mut out = Tiles::new();
    for row in 0..rows.rows {
        let key: Vec<Value> = keys.iter().map(|k| k[row].clone()).collect();
        let (Value::Timestamp(start), Value::Int(g)) = (&starts[row], &granularities[row]) else {
            panic!("tile {row}");
        };
        let states = view
            .aggregates()
            .map(|(f, a)| {
                let arg = a.arg.as_ref().map(|x| &x.ty.ty);
                let layout = featc::agg::state_fields(&a.func, arg);
                let cells: Vec<FieldValue> = layout
                    .iter()
                    .map(|field| {
                        fields(&featc::plan::naming::state_column(&f.name, field.suffix))[row]
                            .clone()
                    })
                    .collect();
                State::from_fields(&a.func, arg, &cells).expect("the fields decode")
            })
            .collect();
        assert!(
            out.insert((key, *g, *start), states).is_none(),
            "a tile twice in one batch"
        );
    }
    out
}

/// Every stored tile of `view`, read back into states.
pub async fn stored_tiles(client: &Client, plan: &Plan, view: &View) -> Tiles {
    let layout = view_layout(plan, view).expect("layout");
    let columns: Vec<String> = layout
        .columns
        .iter()
        .map(|c| featc::compile::online::quote(&c.name))
        .collect();
    let sql = format!(
        "SELECT {} FROM {}",
        columns.join(", "),
        featc::compile::online::quote(&layout.table)
    );
    let rows = client.query(&sql, &[]).await.expect("the tiles read");
    let mut out = Tiles::new();
    for row in rows {
        let mut key = Vec::new();
        let (mut g, mut start) = (0, 0);
        let mut fields: BTreeMap<&str, Vec<FieldValue>> = BTreeMap::new();
        for (i, column) in layout.columns.iter().enumerate() {
            match &column.role {
                ColumnRole::Key => {
                    let ty = view
                        .keys
                        .iter()
                        .find(|k| k.name == column.name)
                        .map_or(Type::String, |k| k.ty.ty.clone());
                    key.push(codec::decode_value(&row, i, &ty).expect("a key"));
                }
                ColumnRole::TileGranularity => g = row.get(i),
                ColumnRole::TileStart => {
                    start = row
                        .get::<_, chrono::DateTime<chrono::Utc>>(i)
                        .timestamp_micros()
                }
                ColumnRole::State { feature, field, .. } => fields
                    .entry(feature.as_str())
                    .or_default()
                    .push(codec::decode_field(&row, i, &field.ty).expect("a state field")),
                other => panic!("{other:?}"),
            }
        }
        let states = view
            .aggregates()
            .map(|(f, a)| {
                State::from_fields(
                    &a.func,
                    a.arg.as_ref().map(|x| &x.ty.ty),
                    &fields[f.name.as_str()],
                )
                .unwrap_or_else(|e| panic!("{}: {e}", f.name))
            })
            .collect();
        out.insert((key, g, start), states);
    }
    out
}

/// Merges `more` into `into`, as the upsert does.
pub fn merge_tiles(into: &mut Tiles, more: impl IntoIterator<Item = (TileId, Vec<State>)>) {
    for (tile, states) in more {
        match into.get_mut(&tile) {
            Some(stored) => stored.iter_mut().zip(&states).for_each(|(a, b)| a.merge(b)),
            None => {
                into.insert(tile, states);
            }
        }
    }
}

struct Finished<'a>(&'a BTreeMap<String, Value>);

impl Scope for Finished<'_> {
    fn column(&self, _: &str) -> Option<&Value> {
        None
    }
    fn feature(&self, _: &str, feature: &str) -> Option<&Value> {
        self.0.get(feature)
    }
}

/// Every feature of `view` for `key` at `t`, merged from `tiles` as a lookup does: per
/// aggregate, the tiles `Window::tile_ranges(t − settle)` lists; derived features evaluated.
pub fn values_at(
    view: &View,
    tiles: &Tiles,
    key: &[Value],
    t: Micros,
    settle: Micros,
) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let aggregates: Vec<_> = view.aggregates().collect();
    for feature in &view.features {
        let value = match &feature.def {
            FeatureDef::Aggregate(a) => {
                let index = aggregates
                    .iter()
                    .position(|(f, _)| f.name == feature.name)
                    .expect("an aggregate");
                let mut state = State::new(&a.func, a.arg.as_ref().map(|x| &x.ty.ty));
                for range in a.window.tile_ranges(t - settle) {
                    let from = (
                        key.to_vec(),
                        range.granularity,
                        range.start.unwrap_or(Micros::MIN),
                    );
                    let to = (key.to_vec(), range.granularity, range.end);
                    for (_, states) in tiles.range(from..to) {
                        state.merge(&states[index]);
                    }
                }
                state.finish()
            }
            FeatureDef::Derived { expr } | FeatureDef::Column { expr } => {
                eval::eval(expr, &Finished(&out)).expect("a derived feature evaluates")
            }
        };
        out.insert(feature.name.clone(), value);
    }
    out
}

/// Two sets of tiles hold the same states: the same tiles, each aggregate finishing to close
/// values (a compensated sum's fields depend on grouping; its value does not).
pub fn assert_same_tiles(view: &View, expected: &Tiles, found: &Tiles, what: &str) {
    assert_eq!(
        expected.keys().collect::<Vec<_>>(),
        found.keys().collect::<Vec<_>>(),
        "{what}: {}: the tiles",
        view.name
    );
    let names: Vec<&str> = view.aggregates().map(|(f, _)| f.name.as_str()).collect();
    for (tile, states) in expected {
        for (i, (a, b)) in states.iter().zip(&found[tile]).enumerate() {
            assert!(
                super::values::close_or_both_nan(&a.finish(), &b.finish()),
                "{what}: {}.{} at {tile:?}:\n expected {a:?}\n found    {b:?}",
                view.name,
                names[i]
            );
        }
    }
}
