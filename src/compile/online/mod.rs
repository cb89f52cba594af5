//! The online compiler: plan → Postgres DDL, merge-upserts and lookup queries. The tables'
//! layouts are [`crate::physical::online_table`]'s; `crate::runtime::store` runs the upserts.
//!
//! # The online storage model
//!
//! - **A view over a source** is one table (`view.online.table`) of *tiles*: columns = the
//!   entity keys, `tile_start timestamptz` (the first event time the tile covers), `tile_us
//!   bigint` (its granularity in µs; 1 = one tile per event time), then for every aggregate
//!   feature the fields of its partial state (`agg::state_fields`), in columns named
//!   `naming::state_column(feature, suffix)`. Primary key (keys..., tile_us, tile_start). Every
//!   event is merged into one tile per granularity of `View::ladder`. Derived features are not
//!   stored: the lookup computes them.
//! - **A view over a table** is one table of rows: keys, `valid_from`, `known_at` (null when
//!   the table has none), then the raw table columns the view's features read. Primary key
//!   (keys..., valid_from). Last write wins per (keys, valid_from), unless the incoming row's
//!   `known_at` is older than the stored one's.
//! - **Bookkeeping** shared by all views: `featc_offsets`, `featc_dead_letters`,
//!   `featc_late_events`, `featc_watermarks`, and the `featc_*` SQL functions and aggregates the
//!   merges call. Each view's DDL script creates them too (idempotently), so it stands alone.
//!
//! # Statements
//!
//! - [`view_artifacts`]: the view's DDL script and its upsert, which merges a batch of partial
//!   states given as one array per column (`$i` = column `i` of
//!   [`ViewLayout::columns`](crate::physical::ViewLayout::columns)); the
//!   merges are the SQL twin of `State::merge` (module `merge`).
//! - [`service_lookup`]: one query for a batch of (keys, time) requests that merges, per
//!   feature, exactly the tiles `Window::tile_ranges(t − settle)` lists, finishes the states
//!   and computes derived features and outputs with the shared expression printer.
//!
//! Identifiers are quoted by one function ([`quote`]); values only ever travel as bind
//! parameters. Strings are stored `COLLATE "C"`, so Postgres orders them by bytes like Rust.
//! Requires Postgres 14 or later (`anycompatiblearray`, exact `extract(epoch ...)`).

mod bounds;
mod ddl;
mod error;
mod features;
mod lookup;
mod lookup_fold;
mod merge;
mod render;
mod text;
mod upsert;
mod view_read;

pub use ddl::system_ddl;
pub use error::OnlineError;
pub use lookup::{REQUEST_INDEX_OUTPUT, service_lookup};
pub use text::quote;
pub use upsert::view_upsert;

use crate::physical::view_layout;
use crate::plan::{Plan, View};

/// The online artifacts of one view: `online/<view>.ddl.sql` and `online/<view>.upsert.sql`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewArtifacts {
    pub ddl: String,
    pub upsert: String,
}

/// The DDL script and the upsert statement of `view` (see `upsert::view_upsert` for the
/// upsert's parameters and its no-duplicate-keys precondition: no primary key twice in a batch).
pub fn view_artifacts(plan: &Plan, view: &View) -> Result<ViewArtifacts, OnlineError> {
    let layout = view_layout(plan, view)?;
    Ok(ViewArtifacts {
        ddl: ddl::view_ddl(view, &layout)?,
        upsert: upsert::view_upsert(view, &layout)?,
    })
}
