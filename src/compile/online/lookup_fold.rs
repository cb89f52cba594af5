//! How the lookup reads an aggregate feature from its tiles: the names of the tile and merged
//! relations, the order tiles fold in, and each feature's columns handed to the SQL twin of
//! its aggregate ([`crate::agg::postgres::fold`]).

use super::text::quote;
use crate::agg::postgres::fold::{Tiles, fold_sql};
use crate::plan::{Aggregate, naming};

/// The tile relation's alias in the lookup.
pub const TILE: &str = "tile";
/// The merged-state relation's alias.
pub const MERGED: &str = "merged";

/// A feature's merged state columns (`name`, fold over tiles) and its finish expression over
/// `merged.<name>`.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureRead {
    pub merged: Vec<(String, String)>,
    pub finish: String,
}

/// Tiles are folded in primary-key order, so that float states (compensated sums, moments)
/// fold in the same order on every read.
fn fold_order() -> String {
    format!(
        "ORDER BY {TILE}.{} DESC, {TILE}.{}",
        quote(naming::TILE_GRANULARITY),
        quote(naming::TILE_START)
    )
}

/// How to read `feature`, an aggregate whose window's tiles are flagged by `member` (a boolean
/// column of the tile relation): the SQL twin of `agg` ([`crate::agg::postgres::fold`]) with
/// the feature's columns.
pub fn read_aggregate(feature: &str, aggregate: &Aggregate, member: &str) -> FeatureRead {
    let state = |suffix: &str| naming::state_column(feature, suffix);
    let tile = |suffix: &str| format!("{TILE}.{}", quote(&state(suffix)));
    let merged = |suffix: &str| format!("{MERGED}.{}", quote(&state(suffix)));
    let member = format!("{TILE}.{}", quote(member));
    let order = fold_order();
    let arg = aggregate.arg.as_ref().map(|a| &a.ty.ty);
    let tiles = Tiles {
        tile: &tile,
        merged: &merged,
        member: &member,
        order: &order,
    };
    let read = fold_sql(&aggregate.func, arg, &tiles);
    FeatureRead {
        merged: read
            .merged
            .into_iter()
            .map(|(suffix, fold)| (state(suffix), fold))
            .collect(),
        finish: read.finish,
    }
}
