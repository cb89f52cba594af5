//! The offline side of the comparison: `featc training-set` (the binary) on a labels CSV of
//! the requests, its Parquet read back as JSON values spelled the way the API documents
//! (timestamps RFC 3339 with microseconds, decimals as strings, NaN as null).

use crate::support::example::run_training_set;
use crate::support::values::read_parquet;
use chrono::{DateTime, SecondsFormat};
use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, Float64Type, Int32Type, Int64Type, TimeUnit,
    TimestampMicrosecondType, TimestampNanosecondType,
};
use featc::types::Micros;
use serde_json::{Map, Value as Json};
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

pub fn rfc3339(micros: Micros) -> String {
    DateTime::from_timestamp_micros(micros)
        .expect("a time")
        .to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The training set of `service` for `requests` (key values in `keys` order, and a time):
/// one JSON object per request, in order, with every output column (and the keys).
pub fn training_set(
    dir: &Path,
    service: &str,
    keys: &[&str],
    requests: &[(Vec<String>, Micros)],
) -> Vec<Map<String, Json>> {
    training_set_with(dir, service, keys, requests, &[])
}

/// [`training_set`] with `--source NAME=LOCATION` overrides.
pub fn training_set_with(
    dir: &Path,
    service: &str,
    keys: &[&str],
    requests: &[(Vec<String>, Micros)],
    sources: &[(&str, &Path)],
) -> Vec<Map<String, Json>> {
    static RUNS: AtomicU32 = AtomicU32::new(0);
    let scratch = std::env::temp_dir().join(format!(
        "featc-it-serve-{service}-{}-{}",
        std::process::id(),
        RUNS.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&scratch).expect("a scratch directory");
    let labels = scratch.join("labels.csv");
    let mut csv = format!("{},observation_ts\n", keys.join(","));
    for (key, at) in requests {
        csv.push_str(&format!("{},{}\n", key.join(","), rfc3339(*at)));
    }
    std::fs::write(&labels, csv).expect("labels written");
    let out = scratch.join("training.parquet");
    run_training_set(dir, service, &labels, &out, sources);
    let mut rows = Vec::new();
    for batch in read_parquet(&out) {
        for i in 0..batch.num_rows() {
            let mut row = Map::new();
            for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
                row.insert(field.name().clone(), cell(column, i));
            }
            rows.push(row);
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert_eq!(rows.len(), requests.len(), "one training row per label");
    rows
}

pub fn cell(array: &ArrayRef, i: usize) -> Json {
    if array.is_null(i) {
        return Json::Null;
    }
    match array.data_type() {
        DataType::Utf8 => Json::from(array.as_string::<i32>().value(i)),
        DataType::LargeUtf8 => Json::from(array.as_string::<i64>().value(i)),
        DataType::Utf8View => Json::from(array.as_string_view().value(i)),
        DataType::Boolean => Json::from(array.as_boolean().value(i)),
        DataType::Int64 => Json::from(array.as_primitive::<Int64Type>().value(i)),
        DataType::Int32 => Json::from(array.as_primitive::<Int32Type>().value(i)),
        DataType::Float64 => {
            serde_json::Number::from_f64(array.as_primitive::<Float64Type>().value(i))
                .map_or(Json::Null, Json::Number)
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => Json::from(rfc3339(
            array.as_primitive::<TimestampMicrosecondType>().value(i),
        )),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => Json::from(rfc3339(
            array
                .as_primitive::<TimestampNanosecondType>()
                .value(i)
                .div_euclid(1000),
        )),
        DataType::Date32 => {
            let days = array.as_primitive::<Date32Type>().value(i);
            Json::from(rfc3339(i64::from(days) * 86_400_000_000)[..10].to_string())
        }
        DataType::Decimal128(_, scale) => {
            let unscaled = array.as_primitive::<Decimal128Type>().value(i);
            let digits = format!(
                "{:0>width$}",
                unscaled.unsigned_abs(),
                width = *scale as usize + 1
            );
            let (int, frac) = digits.split_at(digits.len() - *scale as usize);
            let sign = if unscaled < 0 { "-" } else { "" };
            Json::from(if frac.is_empty() {
                format!("{sign}{int}")
            } else {
                format!("{sign}{int}.{frac}")
            })
        }
        DataType::List(_) => {
            let items = array.as_list::<i32>().value(i);
            Json::Array((0..items.len()).map(|j| cell(&items, j)).collect())
        }
        other => panic!("the test does not read {other} columns"),
    }
}
