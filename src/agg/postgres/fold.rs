//! How a lookup reads an aggregate feature from its tiles: the tiles of its window are folded
//! into one merged state (aggregates over the tile rows, restricted with `FILTER` to the
//! window's tiles), then finished into the feature's value — the SQL twin of merging `State`s
//! and `State::finish`, following the finish table in `agg`'s docs.
//!
//! An empty window folds to the identity and finishes to the aggregate's empty value
//! ([`AggFunc::empty_value`]): 0 for counts, an empty list for `last_n`, null otherwise.

use super::order_collation;
use crate::agg::AggFunc;
use crate::agg::sketch::{EXPONENT_OFFSET, PPM, SUB_BUCKET_BITS};
use crate::types::Type;
use std::cmp::Ordering;

/// How to read one aggregate feature: its merged state fields (`suffix`, fold over the tiles)
/// and the finish expression over the merged fields.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldSql {
    pub merged: Vec<(&'static str, String)>,
    pub finish: String,
}

/// The tiles of the window being read, in SQL.
pub struct Tiles<'a> {
    /// Field `suffix` of a tile row.
    pub tile: &'a dyn Fn(&str) -> String,
    /// Merged field `suffix`, as the finish expression reads it.
    pub merged: &'a dyn Fn(&str) -> String,
    /// The condition that selects the window's tiles.
    pub member: &'a str,
    /// `ORDER BY ...`: the order tiles fold in, the same on every read, so that float states
    /// (compensated sums, moments) fold alike every time.
    pub order: &'a str,
}

/// The fold and finish of aggregate `func` over an argument of type `arg`.
pub fn fold_sql(func: &AggFunc, arg: Option<&Type>, tiles: &Tiles<'_>) -> FoldSql {
    let (tile, merged, order) = (tiles.tile, tiles.merged, tiles.order);
    let filter = format!("FILTER (WHERE {})", tiles.member);
    let one = |suffix: &'static str, fold: String, finish: String| FoldSql {
        merged: vec![(suffix, fold)],
        finish,
    };
    let collate = order_collation(arg.unwrap_or(&Type::Null));
    match func {
        AggFunc::CountAll | AggFunc::Count => one(
            "count",
            format!("coalesce(sum({}) {filter}, 0)::bigint", tile("count")),
            merged("count"),
        ),
        AggFunc::Sum => {
            let (fold, finish) = sum_read(arg, tile, &merged("sum"), &filter, order);
            one("sum", fold, finish)
        }
        AggFunc::Avg => {
            let (fold, _) = sum_read(arg, tile, &merged("sum"), &filter, order);
            let total = sum_as_float(arg, &merged("sum"));
            let count = merged("count");
            FoldSql {
                merged: vec![
                    ("sum", fold),
                    (
                        "count",
                        format!("coalesce(sum({}) {filter}, 0)::bigint", tile("count")),
                    ),
                ],
                finish: format!(
                    "CASE WHEN {count} > 0 THEN {total} / {count}::double precision END"
                ),
            }
        }
        AggFunc::Min | AggFunc::Max => {
            let is_min = func.extreme().is_some_and(|e| e.keep == Ordering::Less);
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
            let direction = if func.extreme().is_some_and(|e| e.keep == Ordering::Less) {
                ""
            } else {
                " DESC"
            };
            one(
                "value",
                format!(
                    "(array_agg({value} ORDER BY {ts}{direction}, {value}{collate}{direction}) FILTER (WHERE {member} AND {ts} IS NOT NULL))[1]",
                    value = tile("value"),
                    ts = tile("ts"),
                    member = tiles.member,
                ),
                merged("value"),
            )
        }
        AggFunc::LastN { n } => FoldSql {
            merged: vec![
                (
                    "times",
                    format!("featc_array_concat({} {order}) {filter}", tile("times")),
                ),
                (
                    "values",
                    format!("featc_array_concat({} {order}) {filter}", tile("values")),
                ),
            ],
            finish: format!(
                "ARRAY(SELECT pair.value FROM unnest({}, {}) AS pair(time, value) ORDER BY pair.time DESC, pair.value{collate} DESC LIMIT {n})",
                merged("times"),
                merged("values"),
            ),
        },
        AggFunc::ApproxPercentile { ppm } => {
            let (buckets, counts) = (merged("buckets"), merged("counts"));
            FoldSql {
                merged: keyed_counts_fold("buckets", tile, order, &filter),
                finish: format!(
                    "(SELECT {rep} FROM (SELECT g.k, sum(g.c) OVER (ORDER BY g.k) AS seen FROM (SELECT e.k, sum(e.c) AS c FROM unnest({buckets}, {counts}) AS e(k, c) GROUP BY e.k) AS g) AS s WHERE s.seen > div({ppm}::numeric * ((SELECT coalesce(sum(t.c), 0) FROM unnest({counts}) AS t(c)) - 1), {PPM}) ORDER BY s.k LIMIT 1)",
                    rep = representative_sql("s.k"),
                ),
            }
        }
        AggFunc::TopK { k } => {
            let (values, counts) = (merged("values"), merged("counts"));
            FoldSql {
                merged: keyed_counts_fold("values", tile, order, &filter),
                finish: format!(
                    "ARRAY(SELECT g.v FROM (SELECT e.v, sum(e.c) AS c FROM unnest({values}, {counts}) AS e(v, c) GROUP BY e.v) AS g ORDER BY g.c DESC, g.v{collate} LIMIT {k})"
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
                if *func == AggFunc::VarPop {
                    variance
                } else {
                    format!("sqrt({variance})")
                },
            )
        }
    }
}

/// Every tile's keys and counts concatenated in one order (so that they stay paired); the
/// finish groups equal keys.
fn keyed_counts_fold(
    keys: &'static str,
    tile: &dyn Fn(&str) -> String,
    order: &str,
    filter: &str,
) -> Vec<(&'static str, String)> {
    [keys, "counts"]
        .into_iter()
        .map(|suffix| {
            let fold = format!("featc_array_concat({} {order}) {filter}", tile(suffix));
            (suffix, fold)
        })
        .collect()
}

/// [`crate::agg::sketch::representative`] in SQL over a bucket key `k` (a bigint): the same
/// IEEE operations, powers of two exact, so the same double to the bit.
fn representative_sql(k: &str) -> String {
    format!(
        "CASE WHEN {k} = 0 THEN 0::float8 ELSE sign({k})::float8 * (1::float8 + (((abs({k}) - 1) % {SUB})::float8 + 0.5::float8) / {SUB}::float8) * (2::float8 ^ ((abs({k}) - 1) / {SUB} - {OFFSET})::float8) END",
        SUB = 1i64 << SUB_BUCKET_BITS,
        OFFSET = EXPONENT_OFFSET,
    )
}

/// The fold and finish of a sum's state: exact `numeric` for ints and decimals (clamped to the
/// result type's range at the end, as `agg` saturates), compensated for floats.
fn sum_read(
    arg: Option<&Type>,
    tile: &dyn Fn(&str) -> String,
    merged_sum: &str,
    filter: &str,
    order: &str,
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
                order
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
