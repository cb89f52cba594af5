//! Aggregate partial states (docs/language.md#aggregates): the single definition of every aggregate's semantics.
//! Pure Rust, no I/O; depends only on [`crate::types`].
//!
//! The batch engine (as DataFusion accumulators), the stream operator and the Postgres merge
//! SQL (the "SQL twin", which follows [`MergeRule`] and the finish rules below) all compute the
//! same thing because they all follow this module:
//!
//! - [`AggFunc`]: the aggregates, their names and typing rules ([`AggFunc::accepts`],
//!   [`AggFunc::result_type`], [`AggFunc::empty_value`]); [`AggFunc::from_call`] and
//!   [`AGGREGATE_NAMES`] for the semantic analyser.
//! - [`State`]: `new` (no events, the identity), `update` (one event), `merge` (a commutative
//!   monoid: any grouping and order of the same events gives the same state, up to float
//!   rounding in float sums and moments), `finish` (the value).
//! - [`state_fields`], [`State::to_fields`], [`State::from_fields`]: the portable encoding,
//!   one typed field per Postgres column, each with its merge rule.
//!
//! # Semantics and the decisions behind them
//!
//! - **Filters and nulls.** The caller applies `where`; `update` skips null arguments except for
//!   `count(*)`, which counts every call.
//! - **Values are canonical.** Stored floats have `-0.0` turned into `0.0` and every NaN into
//!   one positive NaN, so that Rust's total order on values agrees with Postgres's (where
//!   `-0 = 0` and NaN is above every number). Strings compare by UTF-8 bytes; the online store
//!   must use `COLLATE "C"` for string state columns.
//! - **`sum` of int** is exact in an i128 (2^64 events of `i64::MAX` would overflow it);
//!   `finish` **saturates** at `i64::MIN`/`i64::MAX`. SQL engines raise an error instead, which
//!   would make one entity's outlier fail a whole batch job or stream; null would be
//!   indistinguishable from "no events". A saturated sum stays monotone and obviously extreme.
//!   Decimal sums are exact i128s at the argument's scale and saturate at ±(10^38 − 1) in
//!   `decimal(38, s)`.
//! - **`sum` of float** is Neumaier-compensated ([`MergeRule::CompensatedSum`]): the result
//!   barely depends on the grouping of events into tiles, which batch and stream do
//!   differently. The merge is exactly commutative and associative to within a few ulps.
//! - **`avg`** is (sum, count), with the sum as above; the result is `sum / count` in floats.
//! - **`first`/`last`** keep the (event time, value) pair that is least/greatest by time, then by
//!   value: at equal times `last` takes the largest value and `first` the smallest.
//! - **`last_n`** keeps the n greatest (time, value) pairs, newest first, duplicates included;
//!   `n` is at most [`MAX_LAST_N`].
//! - **`count_distinct`** is an exact set (sorted, for a deterministic encoding).
//! - **`approx_count_distinct`** is HyperLogLog with p = 12 (4096 registers, 1.6% standard
//!   error; see [`hll`](self::hll) for why), over a hash defined in this module so that registers
//!   are bit-identical in every process and version.
//! - **`stddev_pop`/`var_pop`** keep (count, mean, M2) merged with Chan's formula
//!   ([`MergeRule::Moments`]); merging is exactly commutative.
//! - **`approx_percentile`** counts values in logarithmic buckets ([`Sketch`]: within 1/128
//!   relative error, no logarithms, exact merges); **`top_k`** counts every value
//!   ([`Frequencies`]); both merge by adding counts ([`MergeRule::KeyedCounts`]).
//! - **Lists** are taken only by `count(x)` (see [`AggFunc::accepts`]).
//! - **serde.** `State` derives serde for checkpoints and debugging; serde_json parses floats
//!   exactly only with its `float_roundtrip` feature. The portable, exact encoding is the
//!   fields.
//! - Values of the wrong variant (the caller validates events against the schema first) are
//!   skipped by numeric states and stored as they are by the others.
//!
//! # Finish rules (for the SQL twin)
//!
//! | aggregate | value from the merged fields |
//! |---|---|
//! | `count(*)`, `count` | `count` |
//! | `sum` of int | `sum` clamped to the bigint range; null if null |
//! | `sum` of decimal | `sum` clamped to ±(10^38 − 1) at scale s; null if null |
//! | `sum` of float | `sum + compensation` if `sum` is finite, else `sum`; null if null |
//! | `avg` | null if `count = 0`, else (the sum as for `sum`, before clamping, as float) / `count` |
//! | `min`, `max`, `first`, `last` | `value` |
//! | `last_n` | `values` |
//! | `count_distinct` | the number of elements of `values` |
//! | `approx_count_distinct` | 0 if `registers` is empty, else the estimate in [`hll`](self::hll), rounded |
//! | `var_pop` | null if `count = 0`, else `greatest(m2 / count, 0)` |
//! | `stddev_pop` | the square root of `var_pop` |
//! | `approx_percentile` | null without values, else the middle of the bucket holding rank `⌊q·(n − 1)⌋` |
//! | `top_k` | the `k` values with the greatest counts, ties by value ascending |

mod call;
mod canonical;
mod compensated;
mod fields;
mod frequencies;
mod func;
mod hash;
pub mod hll;
mod latest;
mod moments;
mod numeric;
mod pairs;
pub mod postgres;
pub mod sketch;
mod sliding;
mod state;
mod sum;

#[cfg(test)]
mod tests;

pub use call::{AGGREGATE_NAMES, Arity, CallArgs, CallError, MAX_LAST_N, MAX_TOP_K, arity};
pub use canonical::{canonical, canonical_float};
pub use compensated::CompensatedSum;
pub use fields::{DecodeError, FieldType, FieldValue, MergeRule, StateField, state_fields};
pub use frequencies::Frequencies;
pub use func::{AggFunc, Extreme};
pub use hash::hash_value;
pub use hll::Hll;
pub use latest::{LatestN, Stamped};
pub use moments::Moments;
pub use sketch::Sketch;
pub use sliding::Sliding;
pub use state::{MergeError, State};
pub use sum::Sum;
