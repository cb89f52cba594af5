//! [`State`]: the partial state of one aggregate over some events, with `update` (one event),
//! `merge` (two partial states: a commutative monoid with `State::new` as identity) and
//! `finish` (the aggregate's value).

use super::AggFunc;
use super::canonical::{assign, canonical};
use super::frequencies::Frequencies;
use super::func::Extreme;
use super::hll::Hll;
use super::latest::{LatestN, Stamped, keep_extreme};
use super::moments::Moments;
use super::numeric::to_f64;
use super::sketch::Sketch;
use super::sum::Sum;
use crate::types::{Micros, Type, Value};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BTreeSet;

/// The partial state of one aggregate. Stored values are canonical (see
/// [`super::canonical`]): floats with `-0.0` → `0.0` and one NaN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// `count(*)`: every update, nulls included.
    CountAll(i64),
    /// `count(x)`: non-null updates.
    Count(i64),
    Sum(Sum),
    /// `count` is the number of values in `sum`: `sum` is `None` exactly when it is 0.
    Avg {
        sum: Sum,
        count: i64,
    },
    Min(Option<Value>),
    Max(Option<Value>),
    /// The least (time, value) pair.
    First(Option<Stamped>),
    /// The greatest (time, value) pair.
    Last(Option<Stamped>),
    LastN(LatestN),
    /// The distinct non-null values, in `Value` order.
    CountDistinct(BTreeSet<Value>),
    ApproxCountDistinct(Hll),
    StddevPop(Moments),
    VarPop(Moments),
    /// `approx_percentile(x, q)`, `q` in millionths.
    ApproxPercentile {
        ppm: u32,
        sketch: Sketch,
    },
    TopK {
        k: u32,
        counts: Frequencies,
    },
}

/// Two states of different aggregates (or argument types) were merged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot merge a `{found}` state into a `{expected}` state")]
pub struct MergeError {
    pub expected: String,
    pub found: String,
}

impl State {
    /// The state of no events (the identity of `merge`) for `func` over an argument of type
    /// `arg` (`None` for `count(*)`). Types that [`AggFunc::accepts`] rejects still give a
    /// well-defined state, just not a meaningful one.
    pub fn new(func: &AggFunc, arg: Option<&Type>) -> State {
        match func {
            AggFunc::CountAll => State::CountAll(0),
            AggFunc::Count => State::Count(0),
            AggFunc::Sum => State::Sum(Sum::new(arg)),
            AggFunc::Avg => State::Avg {
                sum: Sum::new(arg),
                count: 0,
            },
            AggFunc::Min => State::Min(None),
            AggFunc::Max => State::Max(None),
            AggFunc::First => State::First(None),
            AggFunc::Last => State::Last(None),
            AggFunc::LastN { n } => State::LastN(LatestN::new(*n)),
            AggFunc::CountDistinct => State::CountDistinct(BTreeSet::new()),
            AggFunc::ApproxCountDistinct => State::ApproxCountDistinct(Hll::default()),
            AggFunc::StddevPop => State::StddevPop(Moments::default()),
            AggFunc::VarPop => State::VarPop(Moments::default()),
            AggFunc::ApproxPercentile { ppm } => State::ApproxPercentile {
                ppm: *ppm,
                sketch: Sketch::default(),
            },
            AggFunc::TopK { k } => State::TopK {
                k: *k,
                counts: Frequencies::default(),
            },
        }
    }

    /// Adds one event whose argument is `value` (any value for `count(*)`), at `event_time`
    /// (only `first`, `last` and `last_n` look at it). The caller has applied the `where`
    /// filter. Nulls are skipped, except by `count(*)`, as in SQL. The value must be of the
    /// argument's type; a numeric state skips a value of another variant like a null.
    /// Allocates only when a string or a new distinct value is stored.
    pub fn update(&mut self, value: &Value, event_time: Micros) {
        if let State::CountAll(count) = self {
            *count = count.saturating_add(1);
            return;
        }
        if value.is_null() {
            return;
        }
        match self {
            State::CountAll(_) => {}
            State::Count(count) => *count = count.saturating_add(1),
            State::Sum(sum) => {
                sum.add(value);
            }
            State::Avg { sum, count } => {
                if sum.add(value) {
                    *count = count.saturating_add(1);
                }
            }
            State::Min(slot) => keep_bound(slot, &canonical(value), Extreme::MIN.keep),
            State::Max(slot) => keep_bound(slot, &canonical(value), Extreme::MAX.keep),
            State::First(slot) => {
                keep_extreme(slot, event_time, &canonical(value), Extreme::FIRST.keep)
            }
            State::Last(slot) => {
                keep_extreme(slot, event_time, &canonical(value), Extreme::LAST.keep)
            }
            State::LastN(latest) => latest.offer(event_time, &canonical(value)),
            State::CountDistinct(set) => {
                let value = canonical(value);
                if !set.contains(value.as_ref()) {
                    set.insert(value.into_owned());
                }
            }
            State::ApproxCountDistinct(hll) => hll.insert(value),
            State::StddevPop(moments) | State::VarPop(moments) => {
                if let Some(x) = to_f64(value) {
                    moments.add(x);
                }
            }
            State::ApproxPercentile { sketch, .. } => {
                if let Some(x) = to_f64(value) {
                    sketch.insert(x);
                }
            }
            State::TopK { counts, .. } => counts.insert(&canonical(value)),
        }
    }

    /// Merges `other` into `self`. States of different aggregates are a caller's bug: `self`
    /// is left unchanged (and debug builds stop); see [`State::try_merge`].
    pub fn merge(&mut self, other: &State) {
        let merged = self.try_merge(other);
        debug_assert!(merged.is_ok(), "{merged:?}");
    }

    /// Merges `other` into `self`, or says why the two states cannot be merged (then `self`
    /// is unchanged).
    pub fn try_merge(&mut self, other: &State) -> Result<(), MergeError> {
        let mismatch = |this: &State| MergeError {
            expected: this.describe(),
            found: other.describe(),
        };
        let merged = match (&mut *self, other) {
            (State::CountAll(a), State::CountAll(b)) | (State::Count(a), State::Count(b)) => {
                *a = a.saturating_add(*b);
                true
            }
            (State::Sum(a), State::Sum(b)) => a.merge(b),
            (
                State::Avg { sum, count },
                State::Avg {
                    sum: other_sum,
                    count: other_count,
                },
            ) => {
                let merged = sum.merge(other_sum);
                if merged {
                    *count = count.saturating_add(*other_count);
                }
                merged
            }
            (State::Min(a), State::Min(b)) => {
                if let Some(b) = b {
                    keep_bound(a, b, Extreme::MIN.keep);
                }
                true
            }
            (State::Max(a), State::Max(b)) => {
                if let Some(b) = b {
                    keep_bound(a, b, Extreme::MAX.keep);
                }
                true
            }
            (State::First(a), State::First(b)) => {
                if let Some(b) = b {
                    keep_extreme(a, b.time, &b.value, Extreme::FIRST.keep);
                }
                true
            }
            (State::Last(a), State::Last(b)) => {
                if let Some(b) = b {
                    keep_extreme(a, b.time, &b.value, Extreme::LAST.keep);
                }
                true
            }
            (State::LastN(a), State::LastN(b)) => a.merge(b),
            (State::CountDistinct(a), State::CountDistinct(b)) => {
                for value in b {
                    if !a.contains(value) {
                        a.insert(value.clone());
                    }
                }
                true
            }
            (State::ApproxCountDistinct(a), State::ApproxCountDistinct(b)) => {
                a.merge(b);
                true
            }
            (State::StddevPop(a), State::StddevPop(b)) | (State::VarPop(a), State::VarPop(b)) => {
                a.merge(b);
                true
            }
            (
                State::ApproxPercentile { ppm, sketch },
                State::ApproxPercentile {
                    ppm: other_ppm,
                    sketch: other,
                },
            ) if ppm == other_ppm => {
                sketch.merge(other);
                true
            }
            (
                State::TopK { k, counts },
                State::TopK {
                    k: other_k,
                    counts: other,
                },
            ) if k == other_k => {
                counts.merge(other);
                true
            }
            _ => false,
        };
        if merged { Ok(()) } else { Err(mismatch(self)) }
    }

    /// The aggregate's value over the events in this state; for no events, the aggregate's
    /// empty value ([`AggFunc::empty_value`]).
    pub fn finish(&self) -> Value {
        match self {
            State::CountAll(count) | State::Count(count) => Value::Int(*count),
            State::Sum(sum) => sum.value(),
            State::Avg { sum, count } => match sum.to_f64() {
                Some(total) if *count > 0 => Value::Float(total / *count as f64),
                _ => Value::Null,
            },
            State::Min(slot) | State::Max(slot) => slot.clone().unwrap_or(Value::Null),
            State::First(slot) | State::Last(slot) => slot
                .as_ref()
                .map_or(Value::Null, |stamped| stamped.value.clone()),
            State::LastN(latest) => latest.values(),
            State::CountDistinct(set) => Value::Int(i64::try_from(set.len()).unwrap_or(i64::MAX)),
            State::ApproxCountDistinct(hll) => Value::Int(hll.estimate()),
            State::StddevPop(moments) => moments
                .variance()
                .map_or(Value::Null, |variance| Value::Float(variance.sqrt())),
            State::VarPop(moments) => moments.variance().map_or(Value::Null, Value::Float),
            State::ApproxPercentile { ppm, sketch } => {
                sketch.quantile(*ppm).map_or(Value::Null, Value::Float)
            }
            State::TopK { k, counts } => Value::List(counts.top(*k)),
        }
    }

    /// A rough count of the heap bytes the state holds (engines account memory with it).
    pub fn heap_size(&self) -> usize {
        let value_size = |v: &Value| std::mem::size_of::<Value>() + value_heap_size(v);
        match self {
            State::Min(Some(v)) | State::Max(Some(v)) => value_heap_size(v),
            State::First(Some(pair)) | State::Last(Some(pair)) => value_heap_size(&pair.value),
            State::LastN(latest) => latest
                .newest_first()
                .iter()
                .map(|pair| 8 + value_size(&pair.value))
                .sum(),
            // a B-tree node costs about as much again as its elements
            State::CountDistinct(set) => set.iter().map(|v| 2 * value_size(v)).sum(),
            State::TopK { counts, .. } => counts.values().map(|v| 2 * (8 + value_size(v))).sum(),
            State::ApproxPercentile { sketch, .. } => sketch.heap_size(),
            State::ApproxCountDistinct(hll) => hll.registers().len(),
            _ => 0,
        }
    }

    /// What kind of state this is, for error messages: "count(*)", "sum of int", "last_n(3)".
    pub fn describe(&self) -> String {
        let sum_kind = |sum: &Sum| match sum {
            Sum::Int(_) => "int".to_string(),
            Sum::Float(_) => "float".to_string(),
            Sum::Decimal { scale, .. } => format!("decimal with scale {scale}"),
        };
        match self {
            State::CountAll(_) => "count(*)".into(),
            State::Count(_) => "count".into(),
            State::Sum(sum) => format!("sum of {}", sum_kind(sum)),
            State::Avg { sum, .. } => format!("avg of {}", sum_kind(sum)),
            State::Min(_) => "min".into(),
            State::Max(_) => "max".into(),
            State::First(_) => "first".into(),
            State::Last(_) => "last".into(),
            State::LastN(latest) => format!("last_n({})", latest.n()),
            State::CountDistinct(_) => "count_distinct".into(),
            State::ApproxCountDistinct(_) => "approx_count_distinct".into(),
            State::StddevPop(_) => "stddev_pop".into(),
            State::VarPop(_) => "var_pop".into(),
            State::ApproxPercentile { ppm, .. } => format!("approx_percentile({ppm} ppm)"),
            State::TopK { k, .. } => format!("top_k({k})"),
        }
    }
}

/// Keeps in `slot` whichever of it and `value` is `wanted` (`Less` for min, `Greater` for max).
fn keep_bound(slot: &mut Option<Value>, value: &Value, wanted: Ordering) {
    match slot {
        None => *slot = Some(value.clone()),
        Some(current) => {
            if value.cmp(current) == wanted {
                assign(current, value);
            }
        }
    }
}

/// Heap bytes a value holds beyond its own size.
fn value_heap_size(value: &Value) -> usize {
    match value {
        Value::String(s) => s.capacity(),
        Value::List(items) => items
            .iter()
            .map(|v| std::mem::size_of::<Value>() + value_heap_size(v))
            .sum(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(func: &AggFunc, arg: Option<&Type>, events: &[(Micros, Value)]) -> State {
        let mut state = State::new(func, arg);
        for (time, value) in events {
            state.update(value, *time);
        }
        state
    }

    fn s(text: &str) -> Value {
        Value::String(text.into())
    }

    #[test]
    fn count_star_counts_nulls_and_count_x_does_not() {
        let events = [(1, Value::Null), (2, Value::Int(1)), (3, Value::Null)];
        assert_eq!(
            folded(&AggFunc::CountAll, None, &events).finish(),
            Value::Int(3)
        );
        assert_eq!(
            folded(&AggFunc::Count, Some(&Type::Int), &events).finish(),
            Value::Int(1)
        );
    }

    #[test]
    fn last_at_equal_times_takes_the_largest_value_and_first_the_smallest() {
        let events = [(7, s("b")), (7, s("c")), (7, s("a")), (3, Value::Null)];
        let string = Some(&Type::String);
        assert_eq!(folded(&AggFunc::Last, string, &events).finish(), s("c"));
        assert_eq!(folded(&AggFunc::First, string, &events).finish(), s("a"));
    }

    #[test]
    fn avg_counts_only_non_null_values() {
        let events = [(1, Value::Int(1)), (2, Value::Null), (3, Value::Int(2))];
        assert_eq!(
            folded(&AggFunc::Avg, Some(&Type::Int), &events).finish(),
            Value::Float(1.5)
        );
    }

    #[test]
    fn distinct_counts_ignore_nulls_and_the_sign_of_zero() {
        let events = [
            (1, Value::Float(0.0)),
            (2, Value::Float(-0.0)),
            (3, Value::Null),
            (4, Value::Float(2.5)),
        ];
        assert_eq!(
            folded(&AggFunc::CountDistinct, Some(&Type::Float), &events).finish(),
            Value::Int(2)
        );
        assert_eq!(
            folded(&AggFunc::ApproxCountDistinct, Some(&Type::Float), &events).finish(),
            Value::Int(2)
        );
    }

    #[test]
    fn stddev_is_the_root_of_the_population_variance() {
        let events: Vec<_> = [2, 4, 4, 4, 5, 5, 7, 9]
            .into_iter()
            .map(|x| (0, Value::Int(x)))
            .collect();
        let Value::Float(sd) = folded(&AggFunc::StddevPop, Some(&Type::Int), &events).finish()
        else {
            panic!("stddev_pop is a float");
        };
        assert!((sd - 2.0).abs() < 1e-12, "{sd}");
    }

    #[test]
    fn mismatched_states_do_not_merge() {
        let mut sum = State::new(&AggFunc::Sum, Some(&Type::Int));
        sum.update(&Value::Int(4), 0);
        let error = sum
            .try_merge(&State::new(&AggFunc::Sum, Some(&Type::Float)))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "cannot merge a `sum of float` state into a `sum of int` state"
        );
        assert_eq!(sum.finish(), Value::Int(4));
        assert!(sum.try_merge(&State::new(&AggFunc::Count, None)).is_err());
    }

    #[test]
    fn new_states_finish_with_the_empty_value() {
        for func in AggFunc::EVERY {
            assert_eq!(
                State::new(&func, Some(&Type::Int)).finish(),
                func.empty_value(),
                "{func:?}"
            );
        }
    }
}
