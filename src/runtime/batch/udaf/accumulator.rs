//! A DataFusion [`Accumulator`] over one [`crate::agg::State`]: `update` per event, `state` as
//! the portable fields of [`crate::agg::state_fields`], `merge` by decoding those fields and
//! merging states — the same code the stream operator runs. Used where DataFusion aggregates
//! without groups (or cannot use [`super::groups::StateGroups`]).

use super::Output;
use super::rows::{decode, for_each_event, merge_into};
use crate::agg::{AggFunc, State, StateField, state_fields};
use crate::runtime::arrow::convert::{field_to_scalar, value_to_scalar};
use crate::types::Type;
use datafusion::arrow::array::{Array, ArrayRef};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::scalar::ScalarStructBuilder;
use datafusion::common::{Result, ScalarValue};
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

/// The aggregate's result for one state: its value, or its fields as a struct.
pub fn output_scalar(
    state: &State,
    layout: &[StateField],
    output: Output,
    return_type: &DataType,
) -> Result<ScalarValue> {
    match output {
        Output::Value => value_to_scalar(&state.finish(), return_type),
        Output::State => {
            let mut builder = ScalarStructBuilder::new();
            for (field, value) in layout.iter().zip(state.to_fields()) {
                let scalar = field_to_scalar(&value, &field.ty)?;
                let arrow = Field::new(field.suffix, scalar.data_type(), true);
                builder = builder.with_scalar(arrow, scalar);
            }
            builder.build()
        }
    }
}

impl Accumulator for StateAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let state = &mut self.state;
        for_each_event(&self.func, values, |_, value, time| {
            state.update(value, time)
        })
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        output_scalar(&self.state, &self.layout, self.output, &self.return_type)
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.state.heap_size()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.layout
            .iter()
            .zip(self.state.to_fields())
            .map(|(field, value)| field_to_scalar(&value, &field.ty))
            .collect()
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let rows = states.first().map_or(0, |a| a.len());
        for row in 0..rows {
            let other = decode(&self.func, self.arg.as_ref(), &self.layout, states, row)?;
            merge_into(&mut self.state, &other)?;
        }
        Ok(())
    }
}
