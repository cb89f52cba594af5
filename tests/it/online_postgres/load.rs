//! Loading events into the online tables the way a writer does: fold events into partial
//! states per (key, tile), in random groups, and upsert the partial states in random batches
//! and orders, merging duplicate (key, tile) rows within a batch first (the upsert's
//! precondition).

use super::fixture::{Event, ProfileRow, Rng};
use featc::agg::{FieldValue, State};
use featc::physical::{ColumnRole, StorageKind, ViewLayout};
use featc::plan::{Aggregate, ExprKind, View};
use featc::runtime::store::codec::{self, Param};
use featc::types::{Micros, Value};
use std::collections::BTreeMap;
use tokio_postgres::Client;
use tokio_postgres::types::ToSql;

/// A tile's identity: key, granularity, start.
pub type TileId = (String, Micros, Micros);

fn floor(t: Micros, d: Micros) -> Micros {
    t - t.rem_euclid(d)
}

/// The aggregate's argument and filter applied to one event, as `State::update` takes it.
fn update(state: &mut State, aggregate: &Aggregate, event: &Event) {
    let eval = |expr: &featc::plan::Expr| {
        super::naive::eval(expr, &|k| match k {
            ExprKind::Column(c) => event.columns[c].clone(),
            other => panic!("{other:?}"),
        })
    };
    if let Some(filter) = &aggregate.filter
        && eval(filter) != Value::Bool(true)
    {
        return;
    }
    let value = aggregate.arg.as_ref().map_or(Value::Int(1), eval);
    state.update(&value, event.time);
}

/// The states of every aggregate of `view` over `events`.
pub fn fold(view: &View, events: &[&Event]) -> Vec<State> {
    view.aggregates()
        .map(|(_, aggregate)| {
            let mut state = State::new(&aggregate.func, aggregate.arg.as_ref().map(|a| &a.ty.ty));
            for event in events {
                update(&mut state, aggregate, event);
            }
            state
        })
        .collect()
}

/// The events of every tile of the view's ladder.
pub fn tiles<'e>(layout: &ViewLayout, events: &'e [Event]) -> BTreeMap<TileId, Vec<&'e Event>> {
    let StorageKind::Tiles { ladder } = &layout.kind else {
        panic!("not a tile layout");
    };
    let mut out: BTreeMap<TileId, Vec<&Event>> = BTreeMap::new();
    for event in events {
        for &g in ladder {
            out.entry((event.key.clone(), g, floor(event.time, g)))
                .or_default()
                .push(event);
        }
    }
    out
}

/// Upserts the events of `view` as partial states: each tile's events split into 1–3 random
/// groups, all partial rows shuffled and cut into batches of random size.
pub async fn load_tiles(
    client: &Client,
    upsert: &str,
    view: &View,
    layout: &ViewLayout,
    events: &[Event],
    rng: &mut Rng,
) {
    let mut partials: Vec<(TileId, Vec<State>)> = Vec::new();
    for (tile, mut tile_events) in tiles(layout, events) {
        rng.shuffle(&mut tile_events);
        let groups = 1 + rng.below(3.min(tile_events.len()));
        let mut cuts: Vec<usize> = (0..groups - 1)
            .map(|_| rng.below(tile_events.len() + 1))
            .collect();
        cuts.extend([0, tile_events.len()]);
        cuts.sort_unstable();
        for pair in cuts.windows(2) {
            partials.push((tile.clone(), fold(view, &tile_events[pair[0]..pair[1]])));
        }
    }
    rng.shuffle(&mut partials);
    let statement = client.prepare(upsert).await.expect("the upsert prepares");
    let mut rest = partials.as_slice();
    while !rest.is_empty() {
        let size = (1 + rng.below(40)).min(rest.len());
        let (batch, tail) = rest.split_at(size);
        rest = tail;
        // The precondition: one row per primary key in a batch.
        let mut merged: BTreeMap<&TileId, Vec<State>> = BTreeMap::new();
        for (tile, states) in batch {
            match merged.get_mut(tile) {
                Some(existing) => existing
                    .iter_mut()
                    .zip(states)
                    .for_each(|(a, b)| a.merge(b)),
                None => {
                    merged.insert(tile, states.clone());
                }
            }
        }
        let rows: Vec<(&TileId, Vec<State>)> = merged.into_iter().collect();
        let params = tile_params(view, layout, &rows);
        let refs: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|p| &**p as &(dyn ToSql + Sync)).collect();
        client
            .execute(&statement, &refs)
            .await
            .expect("the upsert runs");
    }
}

/// One array parameter per layout column.
fn tile_params(view: &View, layout: &ViewLayout, rows: &[(&TileId, Vec<State>)]) -> Vec<Param> {
    let features: Vec<&str> = view.aggregates().map(|(f, _)| f.name.as_str()).collect();
    layout
        .columns
        .iter()
        .map(|column| {
            let cells: Vec<FieldValue> = rows
                .iter()
                .map(|((key, g, start), states)| match &column.role {
                    ColumnRole::Key => FieldValue::Value(Value::String(key.clone())),
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

/// Upserts profile rows, in the given order, one batch.
pub async fn load_rows(client: &Client, upsert: &str, layout: &ViewLayout, rows: &[ProfileRow]) {
    let params: Vec<Param> = layout
        .columns
        .iter()
        .map(|column| {
            let values: Vec<Value> = rows
                .iter()
                .map(|r| match &column.role {
                    ColumnRole::Key => Value::String(r.key.clone()),
                    ColumnRole::ValidFrom => Value::Timestamp(r.valid_from),
                    ColumnRole::KnownAt => Value::Timestamp(r.known_at),
                    ColumnRole::Input { column } if column == "country" => r.country.clone(),
                    ColumnRole::Input { column } if column == "age_days" => Value::Int(r.age_days),
                    other => panic!("{other:?} in the profile table"),
                })
                .collect();
            codec::encode_values(&column.ty, &values).expect("the values encode")
        })
        .collect();
    let refs: Vec<&(dyn ToSql + Sync)> =
        params.iter().map(|p| &**p as &(dyn ToSql + Sync)).collect();
    client
        .execute(upsert, &refs)
        .await
        .expect("the row upsert runs");
}
