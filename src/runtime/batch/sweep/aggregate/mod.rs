//! One aggregate over many windows of sorted events: per window (a contiguous range of the
//! events of one key, see [`super::events`]) the aggregate's value, exactly as
//! [`crate::agg::State`] defines it.
//!
//! Each family of aggregates has the strategy that makes a window cost O(1) amortized:
//! - counts: prefix counts ([`counts`]);
//! - `sum`, `avg`: prefix sums per key, exact for ints and decimals (i128), compensated for
//!   floats ([`sums`]);
//! - `min`, `max`, `first`, `last`: a monotone deque over value ranks ([`extremes`]);
//! - `count_distinct`: a multiset of value ids ([`distinct`]).
//!
//! The windows come in (key, time) order, so both ends of the window only move forward.
//! Everything else (`last_n`, `approx_count_distinct`, `stddev_pop`, `var_pop`, float sums
//! with infinities or NaNs, and any window sequence that is not monotone) folds each window's
//! events into a fresh state ([`fold`]): the reference semantics, at O(window) per window.

mod counts;
mod dictionary;
mod distinct;
mod extremes;
mod reference;
mod sums;

use super::batches::Batches;
use super::events::SortedEvents;
use crate::agg::{AggFunc, Sliding};
use crate::runtime::arrow::schema::{arrow_type, plan_type};
use crate::runtime::arrow::values_to_array;
use crate::types::Type;
use datafusion::arrow::array::{Array, ArrayRef, ArrowPrimitiveType, AsArray, PrimitiveArray};
use datafusion::common::{Result, internal_err};
use std::ops::Range;
use std::sync::OnceLock;

/// The windows of one aggregate, in sweep order: each window's key and its events.
pub struct Windows {
    pub keys: Vec<u32>,
    pub ranges: Vec<Range<usize>>,
    /// Per sorted event, whether some window holds it; computed once and shared by every
    /// aggregate over these windows.
    covered: OnceLock<Vec<bool>>,
}

impl Windows {
    pub fn new(keys: Vec<u32>, ranges: Vec<Range<usize>>) -> Windows {
        Windows {
            keys,
            ranges,
            covered: OnceLock::new(),
        }
    }

    /// Per sorted event (of `events` in all), whether some window holds it.
    fn covered(&self, events: usize) -> &[bool] {
        self.covered.get_or_init(|| {
            // +1 where a window starts, −1 where it ends: the running sum is the number of
            // windows holding an event
            let mut starts_minus_ends = vec![0i64; events + 1];
            for range in self.ranges.iter().filter(|r| r.start < r.end) {
                starts_minus_ends[range.start] += 1;
                starts_minus_ends[range.end] -= 1;
            }
            let mut open = 0;
            starts_minus_ends[..events]
                .iter()
                .map(|delta| {
                    open += delta;
                    open > 0
                })
                .collect()
        })
    }

    /// Whether neither end of the window ever moves back.
    pub fn is_monotone(&self) -> bool {
        self.ranges
            .windows(2)
            .all(|w| w[0].start <= w[1].start && w[0].end <= w[1].end)
    }
}

/// What one aggregate reads: the function and the columns (of [`Batches`]) holding its
/// argument, already of a canonical type, and its `where` predicate.
pub struct Input<'a> {
    pub func: &'a AggFunc,
    pub arg: Option<usize>,
    pub filter: Option<usize>,
}

/// The plan type of an aggregate's argument (`None` for `count(*)`).
fn arg_type(batches: &Batches, input: &Input) -> Result<Option<Type>> {
    let (Some(column), false) = (input.arg, *input.func == AggFunc::CountAll) else {
        return Ok(None);
    };
    let Some((_, array)) = batches.chunks(column).next() else {
        return Ok(Some(Type::Null));
    };
    match plan_type(array.data_type()) {
        Some(ty) => Ok(Some(ty)),
        None => internal_err!(
            "featc: `{}` does not take arguments of type {}",
            input.func.name(),
            array.data_type()
        ),
    }
}

/// Per global row: whether the event updates the aggregate's state (it passes the filter,
/// and its argument is not null, except for `count(*)`).
fn selected_rows(batches: &Batches, input: &Input) -> Result<Vec<bool>> {
    let mut selected = vec![true; batches.len()];
    if let Some(filter) = input.filter {
        for (start, array) in batches.chunks(filter) {
            let Some(flags) = array.as_boolean_opt() else {
                return internal_err!("featc: a filter of type {}", array.data_type());
            };
            for (row, slot) in selected[start..start + flags.len()].iter_mut().enumerate() {
                *slot = flags.is_valid(row) && flags.value(row);
            }
        }
    }
    if let (Some(arg), false) = (input.arg, *input.func == AggFunc::CountAll) {
        for (start, array) in batches.chunks(arg) {
            if array.null_count() == 0 {
                continue;
            }
            for (row, slot) in selected[start..start + array.len()].iter_mut().enumerate() {
                *slot &= array.is_valid(row);
            }
        }
    }
    Ok(selected)
}

/// `by_row` (indexed by global row) in sorted-event order.
fn gather<T: Copy>(by_row: &[T], events: &SortedEvents) -> Vec<T> {
    events
        .rows
        .iter()
        .map(|&row| by_row[row as usize])
        .collect()
}

/// A primitive column's values in sorted-event order (a null reads as the type's default; the
/// selection says which rows count).
fn gather_primitive<T: ArrowPrimitiveType>(
    batches: &Batches,
    column: usize,
    events: &SortedEvents,
) -> Result<Vec<T::Native>> {
    let mut by_row = Vec::with_capacity(batches.len());
    for (_, array) in batches.chunks(column) {
        match array.as_any().downcast_ref::<PrimitiveArray<T>>() {
            Some(values) => by_row.extend_from_slice(values.values()),
            None => {
                return internal_err!(
                    "featc: expected {} values, found {}",
                    T::DATA_TYPE,
                    array.data_type()
                );
            }
        }
    }
    Ok(gather(&by_row, events))
}

/// `selected_by_row` without the events no window holds. No strategy reads an event outside
/// every window, so the values do not change; but a training set's windows usually hold a
/// small part of the events, and the dictionaries of `min`, `count_distinct`, ... then intern
/// only that part (on the benchmark's sliding training set, most of the time went to interning
/// strings of events no label's window reaches).
fn only_in_windows(
    mut selected_by_row: Vec<bool>,
    events: &SortedEvents,
    windows: &Windows,
) -> Vec<bool> {
    let covered = windows.covered(events.rows.len());
    for (&row, &covered) in events.rows.iter().zip(covered) {
        if !covered {
            selected_by_row[row as usize] = false;
        }
    }
    selected_by_row
}

/// The aggregate's value over each window, as an array of its result type.
pub fn aggregate(
    batches: &Batches,
    events: &SortedEvents,
    input: &Input,
    windows: &Windows,
) -> Result<ArrayRef> {
    let arg = arg_type(batches, input)?;
    let result_type = arrow_type(&input.func.result_type(arg.as_ref()).ty);
    let selected_by_row = only_in_windows(selected_rows(batches, input)?, events, windows);
    let selected = gather(&selected_by_row, events);
    let monotone = windows.is_monotone();
    match (input.func.sliding(), input.arg) {
        (Sliding::Count, _) => Ok(counts::counts(&selected, windows)),
        (Sliding::PrefixSum, Some(column)) => {
            let sums = sums::sums(
                input.func,
                arg.as_ref(),
                batches,
                column,
                events,
                &selected,
                windows,
            )?;
            match sums {
                Some(values) => values_to_array(&values, &result_type),
                None => reference::fold(
                    input,
                    arg.as_ref(),
                    batches,
                    events,
                    &selected_by_row,
                    windows,
                    &result_type,
                ),
            }
        }
        (Sliding::Extreme(extreme), Some(column)) if monotone => {
            let dictionary = dictionary::Dictionary::build(
                batches,
                column,
                &selected_by_row,
                events,
                Some(&result_type),
            )?;
            extremes::extremes(extreme, &dictionary, &events.times, windows)
        }
        (Sliding::Distinct, Some(column)) if monotone => {
            let dictionary =
                dictionary::Dictionary::build(batches, column, &selected_by_row, events, None)?;
            Ok(distinct::distinct_counts(&dictionary, windows))
        }
        _ => reference::fold(
            input,
            arg.as_ref(),
            batches,
            events,
            &selected_by_row,
            windows,
            &result_type,
        ),
    }
}

/// A window sliding forward over sorted events: what enters and leaves it.
trait SlidingState {
    fn add(&mut self, event: usize);
    /// Removes the oldest event of the window.
    fn remove(&mut self, event: usize);
}

/// Moves the window `at` to `to` (which must not be behind it at either end), telling `state`
/// about the events that enter and leave. A window that starts after the current one ends
/// begins from scratch, so events between windows are never visited.
fn slide<S: SlidingState>(state: &mut S, at: &mut Range<usize>, to: &Range<usize>) {
    if to.start >= at.end {
        while at.start < at.end {
            state.remove(at.start);
            at.start += 1;
        }
        *at = to.start..to.start;
    }
    while at.end < to.end {
        state.add(at.end);
        at.end += 1;
    }
    while at.start < to.start {
        state.remove(at.start);
        at.start += 1;
    }
}

#[cfg(test)]
mod tests;
