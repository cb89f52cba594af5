//! A DataFusion [`GroupsAccumulator`] over [`crate::agg::State`]s: one state per group in a
//! vector indexed by group, so that an aggregation with many groups (entities × windows)
//! updates states in place instead of slicing every batch per group.

use super::Output;
use super::accumulator::output_scalar;
use super::rows::{decode, encode, for_each_event, merge_into};
use crate::agg::{AggFunc, State, StateField, state_fields};
use crate::types::Type;
use datafusion::arrow::array::{Array, ArrayRef, BooleanArray, StructArray, new_empty_array};
use datafusion::arrow::datatypes::{DataType, Fields};
use datafusion::common::{Result, ScalarValue, internal_err};
use datafusion::logical_expr::{EmitTo, GroupsAccumulator};
use std::sync::Arc;

pub struct StateGroups {
    func: AggFunc,
    arg: Option<Type>,
    layout: Vec<StateField>,
    output: Output,
    return_type: DataType,
    states: Vec<State>,
}

impl StateGroups {
    pub fn new(func: AggFunc, arg: Option<Type>, output: Output, return_type: DataType) -> Self {
        let layout = state_fields(&func, arg.as_ref());
        StateGroups {
            func,
            arg,
            layout,
            output,
            return_type,
            states: Vec::new(),
        }
    }

    fn fresh(&self) -> State {
        State::new(&self.func, self.arg.as_ref())
    }

    fn grow(&mut self, total_num_groups: usize) {
        if self.states.len() < total_num_groups {
            let fresh = self.fresh();
            self.states.resize(total_num_groups, fresh);
        }
    }
}

/// Whether row `row` passes the aggregate's `FILTER` (a null counts as false).
fn passes(filter: Option<&BooleanArray>, row: usize) -> bool {
    filter.is_none_or(|f| f.is_valid(row) && f.value(row))
}

fn group_of(group_indices: &[usize], row: usize) -> Result<usize> {
    match group_indices.get(row) {
        Some(group) => Ok(*group),
        None => internal_err!("featc: no group index for row {row}"),
    }
}

impl GroupsAccumulator for StateGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.grow(total_num_groups);
        let states = &mut self.states;
        let mut missing = None;
        for_each_event(&self.func, values, |row, value, time| {
            if !passes(opt_filter, row) {
                return;
            }
            match group_indices.get(row).and_then(|g| states.get_mut(*g)) {
                Some(state) => state.update(value, time),
                None => missing = Some(row),
            }
        })?;
        match missing {
            Some(row) => internal_err!("featc: no group state for row {row}"),
            None => Ok(()),
        }
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let states = emit_to.take_needed(&mut self.states);
        match self.output {
            Output::Value => {
                if states.is_empty() {
                    return Ok(new_empty_array(&self.return_type));
                }
                let scalars = states
                    .iter()
                    .map(|s| output_scalar(s, &self.layout, self.output, &self.return_type))
                    .collect::<Result<Vec<ScalarValue>>>()?;
                ScalarValue::iter_to_array(scalars)
            }
            Output::State => {
                let DataType::Struct(fields) = &self.return_type else {
                    return internal_err!("featc: a state is returned as a struct");
                };
                let columns = encode(&self.layout, states.iter())?;
                // the struct's declared field types, which encode's arrays have
                let fields: Fields = fields.clone();
                Ok(Arc::new(StructArray::try_new(fields, columns, None)?))
            }
        }
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let states = emit_to.take_needed(&mut self.states);
        encode(&self.layout, states.iter())
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.grow(total_num_groups);
        let rows = values.first().map_or(0, |a| a.len());
        for row in 0..rows {
            let other = decode(&self.func, self.arg.as_ref(), &self.layout, values, row)?;
            let group = group_of(group_indices, row)?;
            match self.states.get_mut(group) {
                Some(state) => merge_into(state, &other)?,
                None => return internal_err!("featc: no group state for group {group}"),
            }
        }
        Ok(())
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        // every row is its own group
        let rows = values.first().map_or(0, |a| a.len());
        let mut states = vec![self.fresh(); rows];
        for_each_event(&self.func, values, |row, value, time| {
            if passes(opt_filter, row)
                && let Some(state) = states.get_mut(row)
            {
                state.update(value, time);
            }
        })?;
        encode(&self.layout, states.iter())
    }

    fn size(&self) -> usize {
        // the fixed part of every state; strings and sets are not counted (counting them
        // would cost a pass over every group per batch)
        let registers = match self.func {
            AggFunc::ApproxCountDistinct => self.states.len() * crate::agg::hll::HLL_REGISTERS,
            _ => 0,
        };
        self.states.capacity() * std::mem::size_of::<State>() + registers
    }
}
