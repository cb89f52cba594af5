//! Loading events into the online tables the way a writer does: fold events into partial
//! states per (key, tile), in random groups, and upsert the partial states in random batches
//! and orders, merging duplicate (key, tile) rows within a batch first (the upsert's
//! precondition).

use crate::support::db::refs;
use crate::support::fixture::{Event, ProfileRow};
use crate::support::rng::Rng;
use crate::support::tiles::{self, TileId, Tiles, merge_tiles, tile_params};
use featc::agg::State;
use featc::physical::{ColumnRole, ViewLayout};
use featc::plan::{Plan, View};
use featc::runtime::store::codec::{self, Param};
use featc::types::Value;
use tokio_postgres::Client;

/// Upserts the events of `view` as partial states: each tile's events split into 1–3 random
/// groups, all partial rows shuffled and cut into batches of random size.
pub async fn load_tiles(
    client: &Client,
    upsert: &str,
    plan: &Plan,
    view: &View,
    layout: &ViewLayout,
    events: &[Event],
    rng: &mut Rng,
) {
    let mut partials: Vec<(TileId, Vec<State>)> = Vec::new();
    let by_tile = tiles::events_by_tile(plan, view, events.iter().map(|e| &e.columns));
    for (tile, mut tile_events) in by_tile {
        rng.shuffle(&mut tile_events);
        let groups = 1 + rng.below(3.min(tile_events.len()));
        let mut cuts: Vec<usize> = (0..groups - 1)
            .map(|_| rng.below(tile_events.len() + 1))
            .collect();
        cuts.extend([0, tile_events.len()]);
        cuts.sort_unstable();
        for pair in cuts.windows(2) {
            let states = tiles::fold(plan, view, &tile_events[pair[0]..pair[1]]);
            partials.push((tile.clone(), states));
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
        let mut merged = Tiles::new();
        merge_tiles(&mut merged, batch.iter().cloned());
        let params = tile_params(view, layout, &merged);
        client
            .execute(&statement, &refs(&params))
            .await
            .expect("the upsert runs");
    }
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
    client
        .execute(upsert, &refs(&params))
        .await
        .expect("the row upsert runs");
}
