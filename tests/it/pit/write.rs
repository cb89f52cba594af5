//! Writes the test's rows as the files featc reads: Parquet through arrow's writer (with the
//! timestamps in microseconds with a UTC zone, in milliseconds without a zone, or in
//! nanoseconds with a `+00:00` zone), or CSV with a header, RFC 3339 times (in several
//! offsets) and empty fields for nulls.

use super::data::Column;
use super::values::{Ty, V, decimal_text, rfc3339};
use chrono::{DateTime, FixedOffset, Utc};
use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Decimal128Array, Float64Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray, TimestampMillisecondArray, TimestampNanosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::parquet::arrow::ArrowWriter;
use std::path::Path;
use std::sync::Arc;

/// How timestamp columns are stored in a Parquet file.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Times {
    /// `Timestamp(Microsecond, Some("UTC"))`.
    MicrosUtc,
    /// `Timestamp(Millisecond, None)`: every time must be a whole millisecond.
    MillisNaive,
    /// `Timestamp(Nanosecond, Some("+00:00"))`: UTC spelled as an offset.
    NanosOffset,
}

impl Times {
    pub fn data_type(self) -> DataType {
        match self {
            Times::MicrosUtc => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            Times::MillisNaive => DataType::Timestamp(TimeUnit::Millisecond, None),
            Times::NanosOffset => DataType::Timestamp(TimeUnit::Nanosecond, Some("+00:00".into())),
        }
    }
}

fn data_type(ty: &Ty, times: Times) -> DataType {
    match ty {
        Ty::Int => DataType::Int64,
        Ty::Float => DataType::Float64,
        Ty::Str => DataType::Utf8,
        Ty::Bool => DataType::Boolean,
        Ty::Ts => times.data_type(),
        Ty::Dec(p, s) => DataType::Decimal128(*p, *s),
        Ty::List(_) => panic!("the test writes no list columns"),
    }
}

fn column_array(column: &Column, index: usize, rows: &[Vec<V>], times: Times) -> ArrayRef {
    let cells = rows.iter().map(|row| &row[index]);
    let wrong = |v: &V| -> ! { panic!("column {} holds {v}", column.name) };
    match &column.ty {
        Ty::Int => Arc::new(Int64Array::from_iter(cells.map(|v| match v {
            V::Null => None,
            V::Int(i) => Some(*i),
            other => wrong(other),
        }))),
        Ty::Float => Arc::new(Float64Array::from_iter(cells.map(|v| match v {
            V::Null => None,
            V::Float(x) => Some(*x),
            other => wrong(other),
        }))),
        Ty::Str => Arc::new(StringArray::from_iter(cells.map(|v| match v {
            V::Null => None,
            V::Str(s) => Some(s.clone()),
            other => wrong(other),
        }))),
        Ty::Bool => Arc::new(BooleanArray::from_iter(cells.map(|v| match v {
            V::Null => None,
            V::Bool(b) => Some(*b),
            other => wrong(other),
        }))),
        Ty::Dec(p, s) => Arc::new(
            Decimal128Array::from_iter(cells.map(|v| match v {
                V::Null => None,
                V::Dec(units, scale) if scale == s => Some(*units),
                other => wrong(other),
            }))
            .with_precision_and_scale(*p, *s)
            .expect("a valid decimal type"),
        ),
        Ty::Ts => {
            let micros = cells.map(|v| match v {
                V::Null => None,
                V::Ts(t) => Some(*t),
                other => wrong(other),
            });
            match times {
                Times::MicrosUtc => {
                    Arc::new(TimestampMicrosecondArray::from_iter(micros).with_timezone("UTC"))
                }
                Times::MillisNaive => {
                    Arc::new(TimestampMillisecondArray::from_iter(micros.map(|t| {
                        t.map(|t| {
                            assert_eq!(t % 1000, 0, "{t}us is not a whole millisecond");
                            t / 1000
                        })
                    })))
                }
                Times::NanosOffset => Arc::new(
                    TimestampNanosecondArray::from_iter(micros.map(|t| t.map(|t| t * 1000)))
                        .with_timezone("+00:00"),
                ),
            }
        }
        Ty::List(_) => panic!("the test writes no list columns"),
    }
}

pub fn write_parquet(path: &Path, columns: &[Column], rows: &[Vec<V>], times: Times) {
    let schema = Arc::new(Schema::new(
        columns
            .iter()
            .map(|c| Field::new(c.name, data_type(&c.ty, times), c.nullable))
            .collect::<Vec<_>>(),
    ));
    let arrays: Vec<ArrayRef> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| column_array(c, i, rows, times))
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), arrays).expect("a consistent batch");
    let file = std::fs::File::create(path).expect("a writable temp file");
    let mut writer = ArrowWriter::try_new(file, schema, None).expect("a parquet writer");
    writer.write(&batch).expect("parquet rows written");
    writer.close().expect("parquet file closed");
}

/// RFC 3339 with an offset that varies from value to value: `Z`, `+05:30`, `-08:00`, `+00:00`.
fn rfc3339_with_some_offset(micros: i64) -> String {
    let seconds = [0, 5 * 3600 + 1800, -8 * 3600, 0][micros.rem_euclid(4) as usize];
    let zone = FixedOffset::east_opt(seconds).expect("a valid offset");
    match DateTime::<Utc>::from_timestamp_micros(micros) {
        Some(t) if micros.rem_euclid(4) != 0 => t
            .with_timezone(&zone)
            .format("%Y-%m-%dT%H:%M:%S%.6f%:z")
            .to_string(),
        _ => rfc3339(micros),
    }
}

fn csv_field(v: &V) -> String {
    match v {
        V::Null => String::new(),
        V::Int(i) => i.to_string(),
        V::Float(x) => format!("{x:?}"),
        V::Str(s) => {
            assert!(
                !s.is_empty() && !s.contains([',', '"', '\n']),
                "unquotable CSV text {s:?}"
            );
            s.clone()
        }
        V::Bool(b) => b.to_string(),
        V::Ts(t) => rfc3339_with_some_offset(*t),
        V::Dec(units, scale) => decimal_text(*units, *scale),
        other => panic!("no CSV spelling for {other}"),
    }
}

pub fn write_csv(path: &Path, columns: &[Column], rows: &[Vec<V>]) {
    let mut text = columns.iter().map(|c| c.name).collect::<Vec<_>>().join(",");
    text.push('\n');
    for row in rows {
        text.push_str(&row.iter().map(csv_field).collect::<Vec<_>>().join(","));
        text.push('\n');
    }
    std::fs::write(path, text).expect("a writable temp file");
}
