//! The reference strategy: each window's events folded into a fresh [`State`] — exactly the
//! aggregate's definition, at O(window) per window. Used for the aggregates without a faster
//! strategy and whenever a faster one cannot be exact.

use super::{Input, Windows};
use crate::agg::State;
use crate::runtime::arrow::convert::ValueColumn;
use crate::runtime::arrow::values_to_array;
use crate::runtime::batch::sweep::batches::Batches;
use crate::runtime::batch::sweep::events::SortedEvents;
use crate::types::{Type, Value};
use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;

pub fn fold(
    input: &Input,
    arg: Option<&Type>,
    batches: &Batches,
    events: &SortedEvents,
    selected_by_row: &[bool],
    windows: &Windows,
    result_type: &DataType,
) -> Result<ArrayRef> {
    // the argument of each selected event, moved into sorted order
    let mut by_row: Vec<Option<Value>> = vec![None; batches.len()];
    match input.arg {
        Some(column) if arg.is_some() => {
            for (start, array) in batches.chunks(column) {
                let values = ValueColumn::new(array);
                for row in 0..array.len() {
                    if selected_by_row[start + row] {
                        by_row[start + row] = Some(values.value(row)?);
                    }
                }
            }
        }
        // count(*): any value counts
        _ => {
            for (slot, selected) in by_row.iter_mut().zip(selected_by_row) {
                if *selected {
                    *slot = Some(Value::Null);
                }
            }
        }
    }
    let sorted: Vec<Option<Value>> = events
        .rows
        .iter()
        .map(|&row| by_row[row as usize].take())
        .collect();
    drop(by_row);
    let values: Vec<Value> = windows
        .ranges
        .iter()
        .map(|range| {
            let mut state = State::new(input.func, arg);
            for i in range.clone() {
                if let Some(value) = &sorted[i] {
                    state.update(value, events.times[i]);
                }
            }
            state.finish()
        })
        .collect();
    values_to_array(&values, result_type)
}
