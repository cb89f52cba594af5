//! The online DDL: `online/featc_system.sql`, the bookkeeping tables and merge functions every
//! view shares (in one artifact, so that a view's DDL holds only what is its own), and per view
//! `CREATE TABLE IF NOT EXISTS` for its online table. Both scripts are idempotent and run in
//! one transaction under an advisory lock; the system script goes first.

use super::error::OnlineError;
use super::render::{SYSTEM, TABLE, render};
use super::text::provenance;
use crate::physical::online_table::{StorageKind, ViewLayout};
use crate::plan::window::EXACT;
use crate::plan::{View, naming};
use crate::types::format_duration;
use minijinja::context;
use minijinja::value::{Serde, Value};
use serde::Serialize;

#[derive(Serialize)]
struct ColumnDef {
    name: String,
    #[serde(rename = "type")]
    ty: String,
    nullable: bool,
}

/// `online/featc_system.sql`: the bookkeeping tables (offsets, dead letters, late events,
/// watermarks) and the `featc_*` SQL functions and aggregates the upserts and lookups call.
/// Idempotent; applied before any view's DDL.
pub fn system_ddl() -> Result<String, OnlineError> {
    render(
        SYSTEM,
        context! {
            offsets => naming::OFFSETS_TABLE,
            dead_letters => naming::DEAD_LETTER_TABLE,
            late_events => naming::LATE_EVENTS_TABLE,
            watermarks => naming::WATERMARKS_TABLE,
        },
    )
}

/// The DDL script of `view`'s online table.
pub fn view_ddl(view: &View, layout: &ViewLayout) -> Result<String, OnlineError> {
    let columns: Vec<ColumnDef> = layout
        .columns
        .iter()
        .map(|c| ColumnDef {
            name: c.name.clone(),
            ty: c.ty.column_sql(),
            nullable: c.nullable,
        })
        .collect();
    render(
        TABLE,
        context! {
            provenance => provenance("view", &view.name, &view.location),
            description => describe(layout),
            table => &layout.table,
            columns => Value::from(Serde(&columns)),
            primary_key => &layout.primary_key,
        },
    )
}

/// Comment lines that say what a row of the table is.
pub fn describe(layout: &ViewLayout) -> Vec<String> {
    match &layout.kind {
        StorageKind::Tiles { ladder } => {
            let ladder: Vec<String> = ladder
                .iter()
                .map(|&g| match g {
                    EXACT => "1 (exact event times)".to_string(),
                    g => format!("{g} ({})", format_duration(g)),
                })
                .collect();
            vec![
                format!(
                    "One row per key and tile: `{}` is the first event time the tile covers, `{}` its",
                    naming::TILE_START,
                    naming::TILE_GRANULARITY
                ),
                "granularity in microseconds; every event is merged into one tile of each granularity:".into(),
                format!("  {}.", ladder.join(", ")),
                "Columns `<feature>__<field>` hold the partial state of each aggregate feature.".into(),
            ]
        }
        StorageKind::Rows => vec![
            format!(
                "One row per key and `{}`; `{}` is when it was written (null: unknown).",
                naming::VALID_FROM,
                naming::KNOWN_AT
            ),
            "The other columns are the table's columns that the view's features read.".into(),
        ],
    }
}
