//! The upsert's merges: for every state column, the SQL that merges the stored row with the
//! incoming one (Postgres' `EXCLUDED`) — the SQL twin of `State::merge`
//! ([`crate::agg::postgres::merge`]), with the view's column names.

use super::error::OnlineError;
use super::text::quote;
use crate::agg::postgres::merge::merge_sql;
use crate::physical::online_table::{ColumnRole, ViewLayout};
use crate::plan::naming;

/// The stored row's alias in the upsert.
pub const STORED: &str = "stored";
/// Postgres' name for the incoming row.
pub const INCOMING: &str = "EXCLUDED";

/// `column = <merge>` for every state column of a tile layout, in column order.
pub fn assignments(layout: &ViewLayout) -> Result<Vec<(String, String)>, OnlineError> {
    layout
        .value_columns()
        .filter_map(|column| match &column.role {
            ColumnRole::State {
                feature,
                func,
                arg,
                field,
                ..
            } => Some((column, feature, func, arg, field.suffix)),
            _ => None,
        })
        .map(|(column, feature, func, arg, suffix)| {
            let stored = |s: &str| format!("{STORED}.{}", quote(&naming::state_column(feature, s)));
            let incoming =
                |s: &str| format!("{INCOMING}.{}", quote(&naming::state_column(feature, s)));
            let merged =
                merge_sql(func, arg.as_ref(), suffix, &stored, &incoming).map_err(|e| {
                    OnlineError::StateLayout {
                        feature: feature.clone(),
                        reason: e.to_string(),
                    }
                })?;
            Ok((column.name.clone(), merged))
        })
        .collect()
}
