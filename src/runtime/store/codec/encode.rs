//! Columns of values as array parameters: native arrays, or `text[]` in Postgres input syntax
//! for `numeric` and array columns.

use super::{CodecError, Param, UNIX_EPOCH_DAYS_FROM_CE};
use crate::agg::FieldValue;
use crate::physical::postgres_type::{PgType, Scalar, Wire};
use crate::types::{Micros, Value, decimal_text};
use chrono::{DateTime, NaiveDate, Utc};
use std::borrow::Cow;

/// One cell, whatever it came from.
enum Cell<'a> {
    Null,
    Value(Cow<'a, Value>),
    Bytes(&'a [u8]),
}

fn cell(field: &FieldValue) -> Cell<'_> {
    let owned = |v: Value| Cell::Value(Cow::Owned(v));
    match field {
        FieldValue::Null | FieldValue::Value(Value::Null) => Cell::Null,
        FieldValue::Int(i) | FieldValue::Time(i) => owned(Value::Int(*i)),
        FieldValue::Numeric { unscaled, scale } => owned(Value::Decimal(*unscaled, *scale)),
        FieldValue::Float(f) => owned(Value::Float(*f)),
        FieldValue::Value(v) => Cell::Value(Cow::Borrowed(v)),
        FieldValue::Values(vs) => owned(Value::List(vs.clone())),
        FieldValue::Ints(ts) => owned(Value::List(ts.iter().map(|t| Value::Int(*t)).collect())),
        FieldValue::Bytes(b) => Cell::Bytes(b),
    }
}

/// A column of plan values (keys, times, table columns) as one array parameter of type `ty`.
pub fn encode_values(ty: &PgType, values: &[Value]) -> Result<Param, CodecError> {
    let cells: Vec<FieldValue> = values
        .iter()
        .map(|v| FieldValue::Value(v.clone()))
        .collect();
    encode_fields(ty, &cells)
}

/// A column of state fields (or any cells) as one array parameter of type `ty`.
pub fn encode_fields(ty: &PgType, fields: &[FieldValue]) -> Result<Param, CodecError> {
    let wrong = |found: &dyn std::fmt::Debug| CodecError::WrongValue {
        column: ty.sql(),
        found: format!("{found:?}"),
    };
    macro_rules! native {
        ($pattern:pat => $out:expr) => {{
            let mut out = Vec::with_capacity(fields.len());
            for field in fields {
                out.push(match cell(field) {
                    Cell::Null => None,
                    Cell::Value(v) => match v.as_ref() {
                        $pattern => Some($out),
                        other => return Err(wrong(other)),
                    },
                    Cell::Bytes(b) => return Err(wrong(&b)),
                });
            }
            Ok(Box::new(out) as Param)
        }};
    }
    if ty.wire() == Wire::Text {
        let mut out = Vec::with_capacity(fields.len());
        for field in fields {
            out.push(match cell(field) {
                Cell::Null => None,
                Cell::Value(v) => Some(text_of(ty, &v).ok_or_else(|| wrong(&v))?),
                Cell::Bytes(b) => return Err(wrong(&b)),
            });
        }
        return Ok(Box::new(out));
    }
    match ty.scalar {
        Scalar::Text => native!(Value::String(s) => s.clone()),
        Scalar::BigInt => native!(Value::Int(i) => *i),
        Scalar::Double => native!(Value::Float(f) => *f),
        Scalar::Boolean => native!(Value::Bool(b) => *b),
        Scalar::Timestamptz => native!(Value::Timestamp(t) => timestamp(*t)?),
        Scalar::Date => native!(Value::Date(d) => date(*d)?),
        Scalar::Bytea => {
            let mut out: Vec<Option<Vec<u8>>> = Vec::with_capacity(fields.len());
            for field in fields {
                out.push(match cell(field) {
                    Cell::Null => None,
                    Cell::Bytes(b) => Some(b.to_vec()),
                    Cell::Value(v) => return Err(wrong(&v)),
                });
            }
            Ok(Box::new(out))
        }
        Scalar::Numeric(_) => Err(wrong(&"a numeric sent natively")),
    }
}

fn timestamp(micros: Micros) -> Result<DateTime<Utc>, CodecError> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| CodecError::OutOfRange(format!("timestamp {micros} µs")))
}

pub(super) fn date(days: i32) -> Result<NaiveDate, CodecError> {
    days.checked_add(UNIX_EPOCH_DAYS_FROM_CE)
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .ok_or_else(|| CodecError::OutOfRange(format!("date {days} days")))
}

/// A value in Postgres' text input syntax for a column of type `ty` (a numeric, or an array
/// literal `{"a","b",NULL}`), or `None` if the value does not fit the type.
fn text_of(ty: &PgType, value: &Value) -> Option<String> {
    if ty.array {
        let Value::List(items) = value else {
            return None;
        };
        let mut out = String::from("{");
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            if item.is_null() {
                out.push_str("NULL");
                continue;
            }
            let text = scalar_text(ty.scalar, item)?;
            out.push('"');
            for c in text.chars() {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
        }
        out.push('}');
        Some(out)
    } else {
        scalar_text(ty.scalar, value)
    }
}

fn scalar_text(scalar: Scalar, value: &Value) -> Option<String> {
    Some(match (scalar, value) {
        (Scalar::Text, Value::String(s)) => s.clone(),
        (Scalar::BigInt, Value::Int(i)) => i.to_string(),
        (Scalar::Double, Value::Float(f)) => float_text(*f),
        (Scalar::Boolean, Value::Bool(b)) => if *b { "t" } else { "f" }.to_string(),
        (Scalar::Timestamptz, Value::Timestamp(t)) => DateTime::from_timestamp_micros(*t)?
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        (Scalar::Date, Value::Date(d)) => date(*d).ok()?.format("%Y-%m-%d").to_string(),
        (Scalar::Numeric(_), Value::Decimal(unscaled, scale)) => decimal_text(*unscaled, *scale),
        (Scalar::Numeric(_), Value::Int(i)) => i.to_string(),
        _ => return None,
    })
}

/// Shortest text that reads back as the same double, in Postgres' spelling of the specials.
fn float_text(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else {
        format!("{f:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_literals_quote_every_element() {
        let ty = PgType {
            scalar: Scalar::Text,
            array: true,
        };
        let list = Value::List(vec![
            Value::String(r#"a "quoted" \ one"#.into()),
            Value::Null,
            Value::String("{,}".into()),
        ]);
        assert_eq!(
            text_of(&ty, &list).unwrap(),
            r#"{"a \"quoted\" \\ one",NULL,"{,}"}"#
        );
    }

    #[test]
    fn scalars_use_postgres_input_syntax() {
        assert_eq!(float_text(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(float_text(1e300), "1e300");
        assert_eq!(decimal_text(-5, 2), "-0.05");
        assert_eq!(decimal_text(12345, 0), "12345");
        assert_eq!(
            scalar_text(Scalar::Timestamptz, &Value::Timestamp(1)).unwrap(),
            "1970-01-01T00:00:00.000001Z"
        );
        assert_eq!(
            scalar_text(Scalar::Date, &Value::Date(-1)).unwrap(),
            "1969-12-31"
        );
        assert!(scalar_text(Scalar::BigInt, &Value::String("1".into())).is_none());
    }
}
