//! An aggregate's argument as ids: one id per distinct selected value, in sorted-event order,
//! and (when asked) the ids ranked in the order of `crate::types::Value` (canonical floats,
//! strings by bytes: the order `min`, `max`, `first` and `last` compare by), with the values
//! by rank as an array to take the results from.

use super::gather;
use crate::agg::canonical_float;
use crate::runtime::arrow::convert::ValueColumn;
use crate::runtime::arrow::values_to_array;
use crate::runtime::batch::sweep::batches::Batches;
use crate::runtime::batch::sweep::events::SortedEvents;
use crate::runtime::batch::sweep::intern::{Interner, NONE, Nulls};
use crate::types::Value;
use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, internal_err};

pub struct Dictionary {
    /// Per sorted event: the value's id (its rank when ranked), [`NONE`] when not selected.
    pub ids: Vec<u32>,
    /// The number of distinct values.
    pub len: usize,
    /// When ranked: the values, by rank.
    pub values: Option<ArrayRef>,
}

impl Dictionary {
    /// The ids of the selected values of `column`; ranked, with the values as an array of
    /// `ranked_as`, when that is given.
    pub fn build(
        batches: &Batches,
        column: usize,
        selected_by_row: &[bool],
        events: &SortedEvents,
        ranked_as: Option<&DataType>,
    ) -> Result<Dictionary> {
        let mut interner = Interner::new();
        let mut by_row = vec![NONE; batches.len()];
        let keep = |row: usize| selected_by_row[row];
        for (start, array) in batches.chunks(column) {
            interner.intern_batch(&[array], start, Nulls::Skip, true, &keep, &mut by_row)?;
        }
        let mut ids = gather(&by_row, events);
        let len = interner.len();
        let Some(data_type) = ranked_as else {
            return Ok(Dictionary {
                ids,
                len,
                values: None,
            });
        };
        let chunks: Vec<(usize, &ArrayRef)> = batches.chunks(column).collect();
        let mut values = Vec::with_capacity(len);
        for &row in interner.first_rows() {
            // the chunk holding global row `row`
            let index = chunks.partition_point(|(start, _)| *start <= row);
            let Some((start, array)) = index.checked_sub(1).and_then(|i| chunks.get(i)) else {
                return internal_err!("featc: no batch holds row {row}");
            };
            // canonical floats (`-0.0` is `0.0`, one NaN); every other value as read, not copied
            values.push(match ValueColumn::new(array).value(row - start)? {
                Value::Float(f) => Value::Float(canonical_float(f)),
                other => other,
            });
        }
        let mut by_rank: Vec<u32> = (0..len as u32).collect();
        by_rank.sort_unstable_by(|a, b| values[*a as usize].cmp(&values[*b as usize]));
        let mut rank_of = vec![0u32; len];
        for (rank, id) in by_rank.iter().enumerate() {
            rank_of[*id as usize] = rank as u32;
        }
        for id in ids.iter_mut().filter(|id| **id != NONE) {
            *id = rank_of[*id as usize];
        }
        let mut ranked = Vec::with_capacity(len);
        for id in by_rank {
            ranked.push(std::mem::replace(&mut values[id as usize], Value::Null));
        }
        Ok(Dictionary {
            ids,
            len,
            values: Some(values_to_array(&ranked, data_type)?),
        })
    }
}
