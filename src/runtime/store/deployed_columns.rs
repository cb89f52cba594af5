//! Whether an online table that already exists has the columns the plan writes.
//!
//! The generated DDL is `CREATE TABLE IF NOT EXISTS`: after a feature is added to a published
//! view, the old table stays as it was and the upsert failed with Postgres' bare
//! "column ... does not exist". Checking the deployed columns when a writer starts turns that
//! into an error that names the table, the missing columns and the fix (docs/online.md,
//! "Changing a published view").

use crate::compile::online::quote;
use crate::physical::{ColumnRole, ViewLayout};
use tokio_postgres::Client;

/// A table created for an earlier version of its view.
#[derive(Debug, thiserror::Error)]
#[error(
    "the online table {table} of view `{view}` was created for an earlier version of the view: \
     it has no column {missing}{features}. featc does not alter online tables yet: drop the table \
     (`DROP TABLE {table}`) and publish the view again, which rebuilds it from history, \
     then restart its stream"
)]
pub struct ColumnsMissing {
    pub view: String,
    /// Quoted as in SQL.
    pub table: String,
    /// The missing columns, quoted and comma-separated, in table order.
    pub missing: String,
    /// " (the state of features a, b)" when the columns hold features' states, else empty.
    pub features: String,
}

/// The columns of `layout` that the deployed table lacks, as [`ColumnsMissing`] (`Ok(None)`
/// when there are none, or when there is no such table yet: creating it is the DDL's job, and
/// a lookup reports it as not deployed). Columns the table has beyond the layout (a feature
/// removed since) are left alone: the upsert names its columns, so they only stay NULL.
pub async fn check(
    client: &Client,
    view: &str,
    layout: &ViewLayout,
) -> Result<Option<ColumnsMissing>, tokio_postgres::Error> {
    let table = quote(&layout.table);
    // to_regclass resolves the quoted name through the search_path, as the upsert will.
    let rows = client
        .query(
            "SELECT attname::text FROM pg_attribute \
             WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped",
            &[&table],
        )
        .await?;
    let deployed: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    if deployed.is_empty() {
        return Ok(None);
    }
    let missing: Vec<_> = layout
        .columns
        .iter()
        .filter(|c| !deployed.contains(&c.name))
        .collect();
    let mut features: Vec<&str> = Vec::new();
    for column in &missing {
        if let ColumnRole::State { feature, .. } = &column.role
            && !features.contains(&feature.as_str())
        {
            features.push(feature);
        }
    }
    Ok((!missing.is_empty()).then(|| ColumnsMissing {
        view: view.to_string(),
        table,
        missing: missing
            .iter()
            .map(|c| quote(&c.name))
            .collect::<Vec<_>>()
            .join(", "),
        features: if features.is_empty() {
            String::new()
        } else {
            format!(" (the state of `{}`)", features.join("`, `"))
        },
    }))
}
