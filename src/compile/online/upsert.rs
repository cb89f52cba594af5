//! The merge-upsert of a view: one statement that inserts a batch of rows given as arrays and,
//! for rows whose primary key exists, merges (tiles) or replaces (table rows) the stored values.

use super::error::OnlineError;
use super::merge::{self, INCOMING, STORED};
use super::render::{UPSERT, render};
use super::text::{provenance, quote};
use crate::physical::online_table::{ColumnRole, StorageKind, ViewLayout};
use crate::plan::{View, naming};
use minijinja::context;
use minijinja::value::{Serde, Value};
use serde::Serialize;

#[derive(Serialize)]
struct Param {
    name: String,
    /// The parameter's array element type.
    wire: String,
    /// The column's value from the `batch` relation, converted from its wire type.
    select: String,
}

#[derive(Serialize)]
struct Assignment {
    column: String,
    sql: String,
}

/// The upsert statement of `view`. Parameter `$i` is an array holding, for every row of the
/// batch, the value of `layout.columns[i - 1]`, bound as [`crate::physical::PgType::wire`] says.
///
/// **Precondition:** no primary key occurs twice in one batch. Postgres cannot update one row
/// twice in one `INSERT ... ON CONFLICT` (it raises "ON CONFLICT DO UPDATE command cannot affect
/// row a second time"), so the writer merges duplicate (key, tile) states, or keeps the winning
/// table row, before binding.
pub fn view_upsert(view: &View, layout: &ViewLayout) -> Result<String, OnlineError> {
    let params: Vec<Param> = layout
        .columns
        .iter()
        .map(|c| Param {
            name: c.name.clone(),
            wire: c.ty.wire_sql(),
            select: c.ty.from_wire(&format!("batch.{}", quote(&c.name))),
        })
        .collect();
    let (assignments, condition) = match layout.kind {
        StorageKind::Tiles { .. } => (merge::assignments(layout)?, None),
        StorageKind::Rows => {
            let replace = layout
                .value_columns()
                .map(|c| (c.name.clone(), format!("{INCOMING}.{}", quote(&c.name))))
                .collect();
            (replace, Some(newer_or_equal_known_at(layout)))
        }
    };
    let assignments: Vec<Assignment> = assignments
        .into_iter()
        .map(|(column, sql)| Assignment { column, sql })
        .collect();
    let mut description = vec![
        "Merges a batch: parameter $i is an array of column i's values (in the column list below),"
            .to_string(),
        "one element per row. No primary key may occur twice in one batch: pre-merge duplicates."
            .to_string(),
    ];
    if layout.kind == StorageKind::Rows {
        description.push(format!(
            "A row replaces the stored one unless its `{}` is older.",
            naming::KNOWN_AT
        ));
    }
    render(
        UPSERT,
        context! {
            provenance => provenance("view", &view.name, &view.location),
            description => description,
            table => &layout.table,
            columns => Value::from(Serde(&params)),
            primary_key => &layout.primary_key,
            assignments => Value::from(Serde(&assignments)),
            condition => condition,
        },
    )
}

/// Last write wins per (keys, valid_from), unless the incoming row was written before the
/// stored one (`known_at` older); without `known_at` (nulls) the last write always wins.
fn newer_or_equal_known_at(layout: &ViewLayout) -> String {
    let known_at = layout
        .columns
        .iter()
        .find(|c| c.role == ColumnRole::KnownAt)
        .map_or(naming::KNOWN_AT.to_string(), |c| c.name.clone());
    let (a, b) = (
        format!("{STORED}.{}", quote(&known_at)),
        format!("{INCOMING}.{}", quote(&known_at)),
    );
    format!("{b} IS NULL OR {a} IS NULL OR {b} >= {a}")
}
