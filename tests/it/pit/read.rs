//! Reads what featc wrote: the columns, the rows as oracle values, and the metadata of a
//! Parquet file (its key-value metadata and the Arrow schema's metadata).

use super::values::{Ty, V};
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{
    DataType, Decimal128Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type,
    TimeUnit, TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt32Type, UInt64Type,
};
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::path::{Path, PathBuf};

/// A Parquet file as the oracle compares it.
pub struct Output {
    pub columns: Vec<(String, DataType)>,
    pub rows: Vec<Vec<V>>,
    /// The file's key-value metadata, then the Arrow schema's metadata.
    pub metadata: Vec<(String, String)>,
}

fn cell(array: &dyn Array, i: usize) -> V {
    if array.is_null(i) {
        return V::Null;
    }
    match array.data_type() {
        DataType::Int64 => V::Int(array.as_primitive::<Int64Type>().value(i)),
        DataType::Int32 => V::Int(array.as_primitive::<Int32Type>().value(i).into()),
        DataType::Int16 => V::Int(array.as_primitive::<Int16Type>().value(i).into()),
        DataType::Int8 => V::Int(array.as_primitive::<Int8Type>().value(i).into()),
        DataType::UInt32 => V::Int(array.as_primitive::<UInt32Type>().value(i).into()),
        DataType::UInt64 => V::Int(array.as_primitive::<UInt64Type>().value(i) as i64),
        DataType::Float64 => V::Float(array.as_primitive::<Float64Type>().value(i)),
        DataType::Float32 => V::Float(array.as_primitive::<Float32Type>().value(i).into()),
        DataType::Utf8 => V::Str(array.as_string::<i32>().value(i).to_string()),
        DataType::LargeUtf8 => V::Str(array.as_string::<i64>().value(i).to_string()),
        DataType::Utf8View => V::Str(array.as_string_view().value(i).to_string()),
        DataType::Boolean => V::Bool(array.as_boolean().value(i)),
        DataType::Decimal128(_, scale) => {
            V::Dec(array.as_primitive::<Decimal128Type>().value(i), *scale)
        }
        DataType::Timestamp(TimeUnit::Second, _) => {
            V::Ts(array.as_primitive::<TimestampSecondType>().value(i) * 1_000_000)
        }
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            V::Ts(array.as_primitive::<TimestampMillisecondType>().value(i) * 1000)
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            V::Ts(array.as_primitive::<TimestampMicrosecondType>().value(i))
        }
        DataType::Timestamp(TimeUnit::Nanosecond, _) => V::Ts(
            array
                .as_primitive::<TimestampNanosecondType>()
                .value(i)
                .div_euclid(1000),
        ),
        DataType::List(_) => list(array.as_list::<i32>().value(i).as_ref()),
        DataType::LargeList(_) => list(array.as_list::<i64>().value(i).as_ref()),
        other => V::Str(format!("<a {other} value the oracle cannot read>")),
    }
}

fn list(items: &dyn Array) -> V {
    V::List((0..items.len()).map(|j| cell(items, j)).collect())
}

/// Whether an output column's Arrow type is the documented type for the feature (docs/language.md#types:
/// `int` is 64-bit, `timestamp` is UTC with microseconds; docs/language.md#aggregates for aggregates).
pub fn type_matches(ty: &Ty, data_type: &DataType) -> bool {
    match (ty, data_type) {
        (Ty::Int, DataType::Int64)
        | (Ty::Float, DataType::Float64)
        | (Ty::Bool, DataType::Boolean) => true,
        (Ty::Str, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) => true,
        (Ty::Ts, DataType::Timestamp(TimeUnit::Microsecond, Some(tz))) => {
            matches!(tz.as_ref(), "UTC" | "+00:00" | "Z")
        }
        (Ty::Dec(p, s), DataType::Decimal128(dp, ds)) => p == dp && s == ds,
        (Ty::List(item), DataType::List(field) | DataType::LargeList(field)) => {
            type_matches(item, field.data_type())
        }
        _ => false,
    }
}

pub fn read_parquet(path: &Path) -> Output {
    let file =
        std::fs::File::open(path).unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap_or_else(|e| panic!("{} is not a Parquet file: {e}", path.display()));
    let mut metadata: Vec<(String, String)> = builder
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .into_iter()
        .flatten()
        .filter(|kv| kv.key != "ARROW:schema")
        .map(|kv| (kv.key.clone(), kv.value.clone().unwrap_or_default()))
        .collect();
    metadata.extend(
        builder
            .schema()
            .metadata()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    let columns: Vec<(String, DataType)> = builder
        .schema()
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().clone()))
        .collect();
    let reader = builder.build().expect("a Parquet reader");
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        for i in 0..batch.num_rows() {
            rows.push(
                batch
                    .columns()
                    .iter()
                    .map(|c| cell(c.as_ref(), i))
                    .collect(),
            );
        }
    }
    Output {
        columns,
        rows,
        metadata,
    }
}

/// Every Parquet file under a directory, in path order.
pub fn parquet_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "parquet") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}
