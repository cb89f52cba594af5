//! Values as the tests compare and read them: floats to 1e-9, rows of Arrow record batches and
//! of Parquet files.

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::scalar::ScalarValue;
use featc::runtime::arrow::convert::scalar_to_value;
use featc::types::Value;
use std::collections::BTreeMap;
use std::path::Path;

fn agree(a: &Value, b: &Value, nan_agrees_with_nan: bool) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => {
            x == y
                || (nan_agrees_with_nan && x.is_nan() && y.is_nan())
                || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0)
        }
        (Value::List(xs), Value::List(ys)) => {
            xs.len() == ys.len()
                && xs
                    .iter()
                    .zip(ys)
                    .all(|(x, y)| agree(x, y, nan_agrees_with_nan))
        }
        _ => a == b,
    }
}

/// Floats agree to 1e-9 relative (or absolute, near zero), NaN with nothing; everything else
/// exactly.
pub fn close(a: &Value, b: &Value) -> bool {
    agree(a, b, false)
}

/// [`close`], where NaN agrees with NaN: two engines that both give NaN agree.
pub fn close_or_both_nan(a: &Value, b: &Value) -> bool {
    agree(a, b, true)
}

/// The rows of a record batch, as values in column order.
pub fn value_rows(batch: &RecordBatch) -> Vec<Vec<Value>> {
    (0..batch.num_rows())
        .map(|row| {
            batch
                .columns()
                .iter()
                .map(|c| {
                    let scalar = ScalarValue::try_from_array(c, row).expect("a cell");
                    scalar_to_value(&scalar).expect("a featc value")
                })
                .collect()
        })
        .collect()
}

/// The record batches of a Parquet file.
pub fn read_parquet(path: &Path) -> Vec<RecordBatch> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap_or_else(|e| panic!("{} is not a Parquet file: {e}", path.display()))
        .build()
        .expect("a reader")
        .collect::<Result<_, _>>()
        .expect("the batches")
}

/// Every row of a Parquet file, as values by column name.
pub fn read_parquet_rows(path: &Path) -> Vec<BTreeMap<String, Value>> {
    let mut out = Vec::new();
    for batch in read_parquet(path) {
        let schema = batch.schema();
        for row in value_rows(&batch) {
            out.push(
                schema
                    .fields()
                    .iter()
                    .map(|f| f.name().clone())
                    .zip(row)
                    .collect(),
            );
        }
    }
    out
}
