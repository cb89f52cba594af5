//! Record batches collected from DataFusion, addressed by one global row number (the row's
//! position in the concatenation of the batches), without concatenating them: the sweep reads
//! each column once, in place, and keeps only compact per-row vectors.

use datafusion::arrow::array::{ArrayRef, RecordBatch};
use datafusion::common::{Result, internal_err};

pub struct Batches {
    batches: Vec<RecordBatch>,
    rows: usize,
}

impl Batches {
    pub fn new(batches: Vec<RecordBatch>) -> Result<Batches> {
        let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
        // per-row vectors hold row numbers as u32
        if u32::try_from(rows).is_err() {
            return internal_err!("featc: {rows} rows are more than one sweep handles (2^32)");
        }
        Ok(Batches { batches, rows })
    }

    /// The number of rows of all batches.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether column `index` may hold nulls, as the producing statement declared it.
    pub fn nullable(&self, index: usize) -> bool {
        self.batches
            .first()
            .is_none_or(|b| b.schema().field(index).is_nullable())
    }

    /// Column `index` of every batch, in order.
    pub fn column(&self, index: usize) -> Vec<&ArrayRef> {
        self.batches.iter().map(|b| b.column(index)).collect()
    }

    /// Column `index` of every batch, with the global number of each batch's first row.
    pub fn chunks(&self, index: usize) -> impl Iterator<Item = (usize, &ArrayRef)> {
        self.batches.iter().scan(0usize, move |start, batch| {
            let first = *start;
            *start += batch.num_rows();
            Some((first, batch.column(index)))
        })
    }

    /// Columns `indices` of every batch, with the global number of each batch's first row.
    pub fn chunks_of<'a>(
        &'a self,
        indices: &'a [usize],
    ) -> impl Iterator<Item = (usize, Vec<&'a ArrayRef>)> + 'a {
        self.batches.iter().scan(0usize, move |start, batch| {
            let first = *start;
            *start += batch.num_rows();
            Some((first, indices.iter().map(|i| batch.column(*i)).collect()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::Int64Array;
    use std::sync::Arc;

    fn batch(values: &[i64]) -> RecordBatch {
        let column: ArrayRef = Arc::new(Int64Array::from(values.to_vec()));
        RecordBatch::try_from_iter([("x", column)]).expect("batch")
    }

    #[test]
    fn global_rows_run_across_batches() {
        let batches = Batches::new(vec![batch(&[10, 11]), batch(&[]), batch(&[12])]).expect("ok");
        assert_eq!(batches.len(), 3);
        let starts: Vec<usize> = batches.chunks(0).map(|(start, _)| start).collect();
        assert_eq!(starts, vec![0, 2, 2]);
    }
}
