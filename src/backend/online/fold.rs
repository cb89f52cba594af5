//! How the lookup reads an aggregate feature from its tiles: per feature, the tiles of its
//! window are folded into one merged state (aggregates over the tile rows, restricted with
//! `FILTER` to the window's tiles), then finished into the feature's value — the SQL twin of
//! merging `State`s and `State::finish`, following the finish table in `agg`'s docs.
//!
//! An empty window folds to the identity and finishes to the aggregate's empty value: 0 for
//! counts, an empty list for `last_n`, null otherwise.

use super::error::OnlineError;
use super::text::quote;
use super::types::PgType;
use crate::agg::AggFunc;
use crate::plan::{Aggregate, naming};
use crate::types::Type;

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
/// column of the tile relation).
pub fn read_aggregate(
    feature: &str,
    aggregate: &Aggregate,
    member: &str,
) -> Result<FeatureRead, OnlineError> {
    let state = |suffix: &str| naming::state_column(feature, suffix);
    let tile = |suffix: &str| format!("{TILE}.{}", quote(&state(suffix)));
    let merged = |suffix: &str| format!("{MERGED}.{}", quote(&state(suffix)));
    let filter = format!("FILTER (WHERE {TILE}.{})", quote(member));
    let order = fold_order();
    let arg = aggregate.arg.as_ref().map(|a| &a.ty.ty);
    let value_type = || -> Result<PgType, OnlineError> {
        PgType::of_type(arg.unwrap_or(&Type::Null)).map_err(|e| OnlineError::StateLayout {
            feature: feature.to_string(),
            reason: e.to_string(),
        })
    };
    let one = |suffix: &str, fold: String, finish: String| FeatureRead {
        merged: vec![(state(suffix), fold)],
        finish,
    };
    Ok(match &aggregate.func {
        AggFunc::CountAll | AggFunc::Count => one(
            "count",
            format!("coalesce(sum({}) {filter}, 0)::bigint", tile("count")),
            merged("count"),
        ),
        AggFunc::Sum => {
            let (fold, finish) = sum_read(arg, &tile, &merged("sum"), &filter);
            one("sum", fold, finish)
        }
        AggFunc::Avg => {
            let (fold, _) = sum_read(arg, &tile, &merged("sum"), &filter);
            let total = sum_as_float(arg, &merged("sum"));
            let count = merged("count");
            FeatureRead {
                merged: vec![
                    (state("sum"), fold),
                    (
                        state("count"),
                        format!("coalesce(sum({}) {filter}, 0)::bigint", tile("count")),
                    ),
                ],
                finish: format!(
                    "CASE WHEN {count} > 0 THEN {total} / {count}::double precision END"
                ),
            }
        }
        AggFunc::Min | AggFunc::Max => {
            let is_min = aggregate.func == AggFunc::Min;
            // Postgres has no min/max over booleans; false < true, as in Rust.
            let function = match (arg, is_min) {
                (Some(Type::Bool), true) => "bool_and",
                (Some(Type::Bool), false) => "bool_or",
                (_, true) => "min",
                (_, false) => "max",
            };
            one(
                "value",
                format!("{function}({}) {filter}", tile("value")),
                merged("value"),
            )
        }
        AggFunc::First | AggFunc::Last => {
            let direction = if aggregate.func == AggFunc::First {
                ""
            } else {
                " DESC"
            };
            let collate = value_type()?.order_collation();
            one(
                "value",
                format!(
                    "(array_agg({value} ORDER BY {ts}{direction}, {value}{collate}{direction}) FILTER (WHERE {TILE}.{member} AND {ts} IS NOT NULL))[1]",
                    value = tile("value"),
                    ts = tile("ts"),
                    member = quote(member),
                ),
                merged("value"),
            )
        }
        AggFunc::LastN { n } => {
            let collate = value_type()?.order_collation();
            FeatureRead {
                merged: vec![
                    (
                        state("times"),
                        format!("featc_array_concat({} {order}) {filter}", tile("times")),
                    ),
                    (
                        state("values"),
                        format!("featc_array_concat({} {order}) {filter}", tile("values")),
                    ),
                ],
                finish: format!(
                    "ARRAY(SELECT pair.value FROM unnest({}, {}) AS pair(time, value) ORDER BY pair.time DESC, pair.value{collate} DESC LIMIT {n})",
                    merged("times"),
                    merged("values"),
                ),
            }
        }
        AggFunc::CountDistinct => one(
            "values",
            format!("featc_array_concat({}) {filter}", tile("values")),
            format!(
                "(SELECT count(DISTINCT element.value) FROM unnest({}) AS element(value))",
                merged("values")
            ),
        ),
        // The registers are collected, not merged: the union and its estimate are one call
        // that skips the zero registers (a fold with `featc_register_max` touches 4096 bytes
        // per tile).
        AggFunc::ApproxCountDistinct => one(
            "registers",
            format!("array_agg({}) {filter}", tile("registers")),
            format!("featc_hll_union_estimate({})", merged("registers")),
        ),
        AggFunc::VarPop | AggFunc::StddevPop => {
            let variance = format!("featc_moments_variance({})", merged("moments"));
            one(
                "moments",
                format!(
                    "featc_moments({}, {}, {} {order}) {filter}",
                    tile("count"),
                    tile("mean"),
                    tile("m2")
                ),
                if aggregate.func == AggFunc::VarPop {
                    variance
                } else {
                    format!("sqrt({variance})")
                },
            )
        }
    })
}

/// The fold and finish of a sum's state: exact `numeric` for ints and decimals (clamped to the
/// result type's range at the end, as `agg` saturates), compensated for floats.
fn sum_read(
    arg: Option<&Type>,
    tile: &dyn Fn(&str) -> String,
    merged_sum: &str,
    filter: &str,
) -> (String, String) {
    match arg {
        Some(Type::Int) => (
            format!("sum({}) {filter}", tile("sum")),
            clamp(
                merged_sum,
                &i64::MIN.to_string(),
                &i64::MAX.to_string(),
                "bigint",
            ),
        ),
        Some(Type::Decimal { scale, .. }) => {
            let max = decimal38_max(*scale);
            (
                format!("sum({}) {filter}", tile("sum")),
                clamp(
                    merged_sum,
                    &format!("-{max}"),
                    &max,
                    &format!("numeric(38,{scale})"),
                ),
            )
        }
        _ => (
            format!(
                "featc_compensated_sum({}, {} {}) {filter}",
                tile("sum"),
                tile("compensation"),
                fold_order()
            ),
            format!("featc_compensated_value({merged_sum})"),
        ),
    }
}

/// A sum's merged state as a float, for `avg`, rounding as `agg` does: an int sum is rounded
/// once (`numeric` → `double precision` is correctly rounded, like Rust's `i128 as f64`); a
/// decimal's unscaled integer is rounded, then divided by exact powers of ten of at most 10^22.
fn sum_as_float(arg: Option<&Type>, merged_sum: &str) -> String {
    match arg {
        Some(Type::Int) => format!("{merged_sum}::double precision"),
        Some(Type::Decimal { scale, .. }) => {
            if *scale == 0 {
                return format!("{merged_sum}::double precision");
            }
            let mut out = format!("({merged_sum} * 1e{scale})::double precision");
            let mut remaining = *scale;
            while remaining > 0 {
                let step = remaining.min(22);
                out = format!("{out} / 1e{step}::double precision");
                remaining -= step;
            }
            out
        }
        _ => format!("featc_compensated_value({merged_sum})"),
    }
}

/// `sum` saturated to `[min, max]` and cast to `ty`; null stays null (unlike `least`/`greatest`,
/// which ignore nulls).
fn clamp(sum: &str, min: &str, max: &str, ty: &str) -> String {
    format!(
        "(CASE WHEN {sum} < {min} THEN {min} WHEN {sum} > {max} THEN {max} ELSE {sum} END)::{ty}"
    )
}

/// ±(10^38 − 1) at scale `s`: the range of `decimal(38, s)`.
fn decimal38_max(scale: u8) -> String {
    let scale = usize::from(scale.min(38));
    let integer = "9".repeat(38 - scale);
    let fraction = "9".repeat(scale);
    match (integer.is_empty(), fraction.is_empty()) {
        (_, true) => integer,
        (true, false) => format!("0.{fraction}"),
        (false, false) => format!("{integer}.{fraction}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_ranges_have_38_digits() {
        assert_eq!(decimal38_max(2).len(), 39);
        assert!(decimal38_max(2).ends_with(".99"));
        assert_eq!(decimal38_max(0), "9".repeat(38));
        assert_eq!(decimal38_max(38), format!("0.{}", "9".repeat(38)));
    }

    #[test]
    fn decimal_averages_divide_by_exact_powers_of_ten() {
        let decimal = Type::Decimal {
            precision: 38,
            scale: 30,
        };
        assert_eq!(
            sum_as_float(Some(&decimal), "s"),
            "(s * 1e30)::double precision / 1e22::double precision / 1e8::double precision"
        );
    }
}
