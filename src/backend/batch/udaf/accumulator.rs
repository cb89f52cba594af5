//! A DataFusion [`Accumulator`] over one [`crate::agg::State`]: `update` per event, `state` as
//! the portable fields of [`crate::agg::state_fields`], `merge` by decoding those fields and
//! merging states — the same code the stream operator runs.

use super::Output;
use super::convert::{TimeColumn, ValueColumn, field_from_array, field_to_scalar, value_to_scalar};
use crate::agg::{AggFunc, FieldValue, State, StateField, state_fields};
use crate::types::{Type, Value};
use datafusion::arrow::array::{Array, ArrayRef};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::scalar::ScalarStructBuilder;
use datafusion::common::{DataFusionError, Result, ScalarValue, internal_err};
use datafusion::logical_expr::Accumulator;

#[derive(Debug)]
pub struct StateAccumulator {
    func: AggFunc,
    /// The argument's plan type (`None` for `count(*)`).
    arg: Option<Type>,
    layout: Vec<StateField>,
    state: State,
    output: Output,
    return_type: DataType,
}

impl StateAccumulator {
    pub fn new(func: AggFunc, arg: Option<Type>, output: Output, return_type: DataType) -> Self {
        let state = State::new(&func, arg.as_ref());
        let layout = state_fields(&func, arg.as_ref());
        StateAccumulator {
            func,
            arg,
            layout,
            state,
            output,
            return_type,
        }
    }
}

impl Accumulator for StateAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let Some(first) = values.first() else {
            return internal_err!("featc: `{}` called without arguments", self.func.name());
        };
        if self.func == AggFunc::CountAll {
            // count(*) counts every row, whatever its value
            for _ in 0..first.len() {
                self.state.update(&Value::Null, 0);
            }
            return Ok(());
        }
        let column = ValueColumn::new(first);
        if self.func.uses_event_time() {
            let Some(times) = values.get(1) else {
                return internal_err!("featc: `{}` needs an event time", self.func.name());
            };
            let times = TimeColumn::new(times)?;
            for row in 0..first.len() {
                // an event without a time belongs to no window and is never first or last
                if let Some(time) = times.time(row)
                    && first.is_valid(row)
                {
                    self.state.update(&column.value(row)?, time);
                }
            }
        } else {
            for row in 0..first.len() {
                if first.is_valid(row) {
                    self.state.update(&column.value(row)?, 0);
                }
            }
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        match self.output {
            Output::Value => value_to_scalar(&self.state.finish(), &self.return_type),
            Output::State => {
                let mut builder = ScalarStructBuilder::new();
                for (field, value) in self.layout.iter().zip(self.state.to_fields()) {
                    let scalar = field_to_scalar(&value, &field.ty)?;
                    let arrow = Field::new(field.suffix, scalar.data_type(), true);
                    builder = builder.with_scalar(arrow, scalar);
                }
                builder.build()
            }
        }
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + state_heap_size(&self.state)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.layout
            .iter()
            .zip(self.state.to_fields())
            .map(|(field, value)| field_to_scalar(&value, &field.ty))
            .collect()
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        if states.len() != self.layout.len() {
            return internal_err!(
                "featc: `{}` expects {} state fields, got {}",
                self.func.name(),
                self.layout.len(),
                states.len()
            );
        }
        let rows = states.first().map_or(0, |a| a.len());
        let mut fields: Vec<FieldValue> = Vec::with_capacity(self.layout.len());
        for row in 0..rows {
            fields.clear();
            for (field, array) in self.layout.iter().zip(states) {
                fields.push(field_from_array(array, row, &field.ty)?);
            }
            let other = State::from_fields(&self.func, self.arg.as_ref(), &fields)
                .map_err(|e| DataFusionError::Execution(format!("featc: {e}")))?;
            self.state
                .try_merge(&other)
                .map_err(|e| DataFusionError::Execution(format!("featc: {e}")))?;
        }
        Ok(())
    }
}

/// A rough count of the heap bytes a state holds, for DataFusion's memory accounting.
fn state_heap_size(state: &State) -> usize {
    let value_size = |v: &Value| std::mem::size_of::<Value>() + value_heap_size(v);
    match state {
        State::Min(Some(v)) | State::Max(Some(v)) => value_heap_size(v),
        State::First(Some(pair)) | State::Last(Some(pair)) => value_heap_size(&pair.value),
        State::LastN(latest) => latest
            .newest_first()
            .iter()
            .map(|pair| 8 + value_size(&pair.value))
            .sum(),
        // a B-tree node costs about as much again as its elements
        State::CountDistinct(set) => set.iter().map(|v| 2 * value_size(v)).sum(),
        State::ApproxCountDistinct(hll) => hll.registers().len(),
        _ => 0,
    }
}

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
