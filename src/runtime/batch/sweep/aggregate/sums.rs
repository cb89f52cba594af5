//! `sum` and `avg` by prefix sums within each key: a window's sum is the difference of two
//! prefixes, so each window costs O(1) whatever its length.
//!
//! Int and decimal sums are exact (i128, as [`crate::agg::Sum`] keeps them), so their
//! differences are exact too. Float sums keep Neumaier-compensated prefixes
//! ([`CompensatedSum`]): each prefix carries the rounding error of every addition, and the
//! difference of two is accurate to about one rounding of the window's own sum (plus 2^-106 of
//! the key's running total), the accuracy the compensated sum has in any grouping. Prefixes
//! restart at each key, so a key's running total is the largest magnitude involved. Infinities
//! and NaNs do not subtract: with any among the selected values (or a running total that
//! overflows), the caller folds each window instead.
//!
//! Values are finished by [`State::finish`], so nulls (no value), saturation and the average's
//! division are exactly `crate::agg`'s.

use super::{Windows, gather_primitive};
use crate::agg::{AggFunc, CompensatedSum, State, Sum};
use crate::runtime::batch::sweep::batches::Batches;
use crate::runtime::batch::sweep::events::SortedEvents;
use crate::types::{Type, Value};
use datafusion::arrow::datatypes::{Decimal128Type, Float64Type, Int64Type};
use datafusion::common::Result;

/// The value of `func` (sum or avg) per window, or `None` when prefix sums cannot give it
/// exactly (non-finite floats; an argument type without a sum).
pub fn sums(
    func: &AggFunc,
    arg: Option<&Type>,
    batches: &Batches,
    column: usize,
    events: &SortedEvents,
    selected: &[bool],
    windows: &Windows,
) -> Result<Option<Vec<Value>>> {
    let counts = prefix_counts(selected, events);
    let finish = |sum: Sum, count: i64| -> Value {
        let state = match func {
            AggFunc::Avg => State::Avg { sum, count },
            _ => State::Sum(sum),
        };
        state.finish()
    };
    let (Some(arg), AggFunc::Sum | AggFunc::Avg) = (arg, func) else {
        return Ok(None);
    };
    let values = match arg {
        Type::Int => {
            let values = gather_primitive::<Int64Type>(batches, column, events)?;
            let prefix = prefix_exact(&values, selected, events, |v| i128::from(*v));
            windows_of(windows, &counts, |lo, hi, count| {
                let sum = (count > 0).then(|| prefix[hi] - prefix[lo]);
                finish(Sum::Int(sum), count)
            })
        }
        Type::Decimal { scale, .. } => {
            let values = gather_primitive::<Decimal128Type>(batches, column, events)?;
            let prefix = prefix_exact(&values, selected, events, |v| *v);
            windows_of(windows, &counts, |lo, hi, count| {
                let unscaled = (count > 0).then(|| prefix[hi].saturating_sub(prefix[lo]));
                finish(
                    Sum::Decimal {
                        scale: *scale,
                        unscaled,
                    },
                    count,
                )
            })
        }
        Type::Float => {
            let values = gather_primitive::<Float64Type>(batches, column, events)?;
            let Some(prefix) = prefix_floats(&values, selected, events) else {
                return Ok(None);
            };
            windows_of(windows, &counts, |lo, hi, count| {
                let sum = (count > 0).then(|| {
                    let mut sum = prefix[hi];
                    let before = prefix[lo];
                    sum.merge(&CompensatedSum::from_parts(
                        -before.sum(),
                        -before.compensation(),
                    ));
                    sum
                });
                finish(Sum::Float(sum), count)
            })
        }
        _ => return Ok(None),
    };
    Ok(Some(values))
}

/// Prefix positions: sorted event `i` of key `k` is at `i + k` and the prefix *before* it is
/// stored there; each key has one more slot, after its last event, holding its total. So the
/// window `lo..hi` of key `k` is `prefix[hi + k] − prefix[lo + k]`.
fn slot(event: usize, key: usize) -> usize {
    event + key
}

/// For each window: `(lo, hi)` prefix slots and the number of selected events.
fn windows_of(
    windows: &Windows,
    counts: &[i64],
    mut value: impl FnMut(usize, usize, i64) -> Value,
) -> Vec<Value> {
    windows
        .ranges
        .iter()
        .zip(&windows.keys)
        .map(|(range, &key)| {
            let (lo, hi) = (
                slot(range.start, key as usize),
                slot(range.end, key as usize),
            );
            value(lo, hi, counts[hi] - counts[lo])
        })
        .collect()
}

/// Per key, running totals of `f(value)` over the selected events, at the slots of [`slot`].
fn prefix_by_key<V, S: Copy>(
    values: &[V],
    selected: &[bool],
    events: &SortedEvents,
    zero: S,
    mut add: impl FnMut(S, &V) -> S,
) -> Vec<S> {
    let keys = events.starts.len().saturating_sub(1);
    let mut out = Vec::with_capacity(values.len() + keys);
    for key in 0..keys {
        let mut running = zero;
        out.push(running);
        for i in events.starts[key]..events.starts[key + 1] {
            if selected[i] {
                running = add(running, &values[i]);
            }
            out.push(running);
        }
    }
    out
}

fn prefix_counts(selected: &[bool], events: &SortedEvents) -> Vec<i64> {
    prefix_by_key(selected, selected, events, 0i64, |n, _| n + 1)
}

fn prefix_exact<V>(
    values: &[V],
    selected: &[bool],
    events: &SortedEvents,
    widen: impl Fn(&V) -> i128,
) -> Vec<i128> {
    prefix_by_key(values, selected, events, 0i128, |sum, v| {
        sum.saturating_add(widen(v))
    })
}

/// `None` if a selected value or a running total is not finite.
fn prefix_floats(
    values: &[f64],
    selected: &[bool],
    events: &SortedEvents,
) -> Option<Vec<CompensatedSum>> {
    let mut finite = true;
    let prefix = prefix_by_key(
        values,
        selected,
        events,
        CompensatedSum::of(0.0),
        |mut sum, v| {
            sum.add(*v);
            finite &= sum.sum().is_finite();
            sum
        },
    );
    finite.then_some(prefix)
}
