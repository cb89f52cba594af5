//! Reading events and state fields out of Arrow arrays, shared by the per-group
//! [`super::accumulator`] and the all-groups [`super::groups`] accumulators.

use crate::agg::{AggFunc, FieldValue, State, StateField};
use crate::runtime::arrow::convert::{TimeColumn, ValueColumn, field_array, field_from_array};
use crate::types::{Micros, Type, Value};
use datafusion::arrow::array::{Array, ArrayRef};
use datafusion::common::{DataFusionError, Result, internal_err};

/// Calls `apply(row, value, event_time)` for every row of an aggregate's arguments that
/// updates a state: every row for `count(*)`, else the rows with a non-null value (and, for
/// the aggregates that read it, a non-null event time: such an event belongs to no window).
pub fn for_each_event(
    func: &AggFunc,
    values: &[ArrayRef],
    mut apply: impl FnMut(usize, &Value, Micros),
) -> Result<()> {
    let Some(first) = values.first() else {
        return internal_err!("featc: `{}` called without arguments", func.name());
    };
    if *func == AggFunc::CountAll {
        for row in 0..first.len() {
            apply(row, &Value::Null, 0);
        }
        return Ok(());
    }
    let column = ValueColumn::new(first);
    if func.uses_event_time() {
        let Some(times) = values.get(1) else {
            return internal_err!("featc: `{}` needs an event time", func.name());
        };
        let times = TimeColumn::new(times)?;
        for row in 0..first.len() {
            if let Some(time) = times.time(row)
                && first.is_valid(row)
            {
                apply(row, &column.value(row)?, time);
            }
        }
    } else {
        for row in 0..first.len() {
            if first.is_valid(row) {
                apply(row, &column.value(row)?, 0);
            }
        }
    }
    Ok(())
}

/// The states' portable fields, one array per field of `layout`.
pub fn encode<'a>(
    layout: &[StateField],
    states: impl Iterator<Item = &'a State>,
) -> Result<Vec<ArrayRef>> {
    let encoded: Vec<Vec<FieldValue>> = states.map(State::to_fields).collect();
    if encoded.iter().any(|fields| fields.len() != layout.len()) {
        return internal_err!("featc: a state's fields do not match its layout");
    }
    layout
        .iter()
        .enumerate()
        .map(|(i, field)| field_array(encoded.iter().map(|fields| &fields[i]), &field.ty))
        .collect()
}

/// The state encoded in row `row` of the state-field arrays `fields`.
pub fn decode(
    func: &AggFunc,
    arg: Option<&Type>,
    layout: &[StateField],
    fields: &[ArrayRef],
    row: usize,
) -> Result<State> {
    if fields.len() != layout.len() {
        return internal_err!(
            "featc: `{}` expects {} state fields, got {}",
            func.name(),
            layout.len(),
            fields.len()
        );
    }
    let values = layout
        .iter()
        .zip(fields)
        .map(|(field, array)| field_from_array(array, row, &field.ty))
        .collect::<Result<Vec<FieldValue>>>()?;
    State::from_fields(func, arg, &values)
        .map_err(|e| DataFusionError::Execution(format!("featc: {e}")))
}

/// Merges `other` into `state`, or says why two states of one aggregate could not merge.
pub fn merge_into(state: &mut State, other: &State) -> Result<()> {
    state
        .try_merge(other)
        .map_err(|e| DataFusionError::Execution(format!("featc: {e}")))
}
