//! The upsert's merges: for every state column, the SQL that merges the stored row (`a`) with the
//! incoming one (`b`, Postgres' `EXCLUDED`) — the SQL twin of `State::merge`, one arm per
//! [`MergeRule`] as documented in `agg`. Rules that span several fields (a compensated sum, a
//! (time, value) pair, `last_n`'s two lists, moments) read their sibling columns; every
//! assignment of an `ON CONFLICT DO UPDATE` sees the stored row as it was before the update,
//! so siblings are merged consistently.
//!
//! The arithmetic ones call the `featc_*` functions of the bookkeeping DDL, which the lookup's
//! aggregates share, so that a rule is written once in SQL.

use super::error::OnlineError;
use super::layout::{Column, ColumnRole, ViewLayout};
use super::text::quote;
use crate::agg::MergeRule;
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
            ColumnRole::State { feature, field, .. } => Some((column, feature, field.merge)),
            _ => None,
        })
        .map(|(column, feature, rule)| {
            let merged = merge_sql(layout, column, feature, rule)?;
            Ok((column.name.clone(), merged))
        })
        .collect()
}

/// The merge of one state column.
fn merge_sql(
    layout: &ViewLayout,
    column: &Column,
    feature: &str,
    rule: MergeRule,
) -> Result<String, OnlineError> {
    let a = |name: &str| format!("{STORED}.{}", quote(name));
    let b = |name: &str| format!("{INCOMING}.{}", quote(name));
    let sibling = |suffix: &str| -> Result<&Column, OnlineError> {
        let name = naming::state_column(feature, suffix);
        layout
            .column(&name)
            .ok_or_else(|| OnlineError::StateLayout {
                feature: feature.to_string(),
                reason: format!("the merge of `{}` needs a `{suffix}` field", column.name),
            })
    };
    let this = column.name.as_str();
    Ok(match rule {
        MergeRule::Add => format!("{} + {}", a(this), b(this)),
        MergeRule::AddNullable => {
            format!(
                "coalesce({} + {}, {}, {})",
                a(this),
                b(this),
                a(this),
                b(this)
            )
        }
        MergeRule::Least => format!("least({}, {})", a(this), b(this)),
        MergeRule::Greatest => format!("greatest({}, {})", a(this), b(this)),
        MergeRule::CompensatedSum => {
            let (sum, compensation) = (&sibling("sum")?.name, &sibling("compensation")?.name);
            let element = if this == sum.as_str() { 1 } else { 2 };
            format!(
                "(featc_compensated_add(ARRAY[{}, {}], {}, {}))[{element}]",
                a(sum),
                a(compensation),
                b(sum),
                b(compensation)
            )
        }
        MergeRule::EarliestPair | MergeRule::LatestPair => {
            let ts = &sibling("ts")?.name;
            let value = sibling("value")?;
            let collate = value.ty.order_collation();
            let op = if rule == MergeRule::EarliestPair {
                "<"
            } else {
                ">"
            };
            format!(
                "CASE WHEN {a_ts} IS NULL OR ({b_ts}, {b_value}{collate}) {op} ({a_ts}, {a_value}{collate}) THEN {b_this} ELSE {a_this} END",
                a_ts = a(ts),
                b_ts = b(ts),
                a_value = a(&value.name),
                b_value = b(&value.name),
                b_this = b(this),
                a_this = a(this),
            )
        }
        MergeRule::LatestN { n } => {
            let times = &sibling("times")?.name;
            let values = sibling("values")?;
            let pick = if this == times.as_str() {
                "time"
            } else {
                "value"
            };
            format!(
                "ARRAY(SELECT pair.{pick} FROM unnest({a_t} || {b_t}, {a_v} || {b_v}) AS pair(time, value) ORDER BY pair.time DESC, pair.value{collate} DESC LIMIT {n})",
                a_t = a(times),
                b_t = b(times),
                a_v = a(&values.name),
                b_v = b(&values.name),
                collate = values.ty.order_collation(),
            )
        }
        MergeRule::Union => format!(
            "ARRAY(SELECT element.value FROM unnest({} || {}) AS element(value) GROUP BY element.value ORDER BY element.value{})",
            a(this),
            b(this),
            column.ty.order_collation()
        ),
        MergeRule::RegisterMax => format!("featc_register_max({}, {})", a(this), b(this)),
        MergeRule::Moments => {
            let (count, mean, m2) = (
                &sibling("count")?.name,
                &sibling("mean")?.name,
                &sibling("m2")?.name,
            );
            if this == count.as_str() {
                format!("{} + {}", a(count), b(count))
            } else {
                let element = if this == mean.as_str() { 2 } else { 3 };
                format!(
                    "(featc_moments_merge(ARRAY[{}, {}, {}]::double precision[], {}, {}, {}))[{element}]",
                    a(count),
                    a(mean),
                    a(m2),
                    b(count),
                    b(mean),
                    b(m2)
                )
            }
        }
    })
}
