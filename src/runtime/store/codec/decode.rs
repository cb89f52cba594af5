//! Result cells back to values: by the language's type (lookup outputs) or by a state field's
//! type (stored tiles), including Postgres' binary `numeric`.

use super::{CodecError, UNIX_EPOCH_DAYS_FROM_CE};
use crate::agg::{FieldType, FieldValue};
use crate::types::{Type, Value};
use chrono::{DateTime, NaiveDate, Utc};
use tokio_postgres::Row;
use tokio_postgres::types::{FromSql, Type as WireType};

/// A Postgres `numeric` as an exact unscaled integer at its display scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Numeric {
    pub unscaled: i128,
    pub scale: u8,
}

impl<'a> FromSql<'a> for Numeric {
    /// The binary format: ndigits, weight, sign, dscale (i16/u16 each), then ndigits base-10000
    /// digits; the value is Σ digit_i × 10000^(weight − i).
    fn from_sql(
        _: &WireType,
        raw: &'a [u8],
    ) -> Result<Numeric, Box<dyn std::error::Error + Sync + Send>> {
        let word = |i: usize| -> Result<u16, String> {
            raw.get(2 * i..2 * i + 2)
                .map(|b| u16::from_be_bytes([b[0], b[1]]))
                .ok_or_else(|| "truncated numeric".to_string())
        };
        let ndigits = usize::from(word(0)?);
        let weight = i32::from(word(1)? as i16);
        let sign = word(2)?;
        let scale = word(3)?;
        if sign != 0x0000 && sign != 0x4000 {
            return Err("NaN or infinite numeric".into());
        }
        let scale = u8::try_from(scale).map_err(|_| "numeric scale above 255")?;
        let overflow = || "numeric beyond 38 digits".to_string();
        let mut unscaled: i128 = 0;
        for i in 0..ndigits {
            let digit = i128::from(word(4 + i)?);
            // digit × 10^(4·(weight − i) + scale)
            let exponent = 4 * (weight - i as i32) + i32::from(scale);
            let term = if exponent >= 0 {
                10i128
                    .checked_pow(exponent as u32)
                    .and_then(|p| p.checked_mul(digit))
                    .ok_or_else(overflow)?
            } else {
                let divisor = 10i128
                    .checked_pow((-exponent) as u32)
                    .ok_or_else(overflow)?;
                if digit % divisor != 0 {
                    return Err("numeric digits beyond its scale".into());
                }
                digit / divisor
            };
            unscaled = unscaled.checked_add(term).ok_or_else(overflow)?;
        }
        if sign == 0x4000 {
            unscaled = -unscaled;
        }
        Ok(Numeric { unscaled, scale })
    }

    fn accepts(ty: &WireType) -> bool {
        *ty == WireType::NUMERIC
    }
}

/// Cell `index` of `row`, a value of the language's type `ty` (a lookup output, a key, a table
/// column).
pub fn decode_value(row: &Row, index: usize, ty: &Type) -> Result<Value, CodecError> {
    Ok(match ty {
        Type::List(inner) => {
            let items: Option<Vec<Value>> = match inner.as_ref() {
                Type::String => list::<String>(row, index)?.map(|v| opt_map(v, Value::String)),
                Type::Int => list::<i64>(row, index)?.map(|v| opt_map(v, Value::Int)),
                Type::Float => list::<f64>(row, index)?.map(|v| opt_map(v, Value::Float)),
                Type::Bool => list::<bool>(row, index)?.map(|v| opt_map(v, Value::Bool)),
                Type::Timestamp => list::<DateTime<Utc>>(row, index)?
                    .map(|v| opt_map(v, |t| Value::Timestamp(t.timestamp_micros()))),
                Type::Date => list::<NaiveDate>(row, index)?.map(|v| opt_map(v, date_value)),
                Type::Decimal { scale, .. } => {
                    list::<Numeric>(row, index)?.map(|v| opt_map(v, |n| decimal_value(n, *scale)))
                }
                other => {
                    return Err(CodecError::WrongValue {
                        column: format!("list<{other}>"),
                        found: "an unsupported element type".into(),
                    });
                }
            };
            items.map_or(Value::Null, Value::List)
        }
        Type::String => opt(row.try_get::<_, Option<String>>(index)?, Value::String),
        Type::Int => opt(row.try_get::<_, Option<i64>>(index)?, Value::Int),
        Type::Float => opt(row.try_get::<_, Option<f64>>(index)?, Value::Float),
        Type::Bool => opt(row.try_get::<_, Option<bool>>(index)?, Value::Bool),
        Type::Timestamp => opt(row.try_get::<_, Option<DateTime<Utc>>>(index)?, |t| {
            Value::Timestamp(t.timestamp_micros())
        }),
        Type::Date => opt(row.try_get::<_, Option<NaiveDate>>(index)?, date_value),
        Type::Decimal { scale, .. } => opt(row.try_get::<_, Option<Numeric>>(index)?, |n| {
            decimal_value(n, *scale)
        }),
        Type::Null => Value::Null,
    })
}

/// Cell `index` of `row`, a state field of type `ty` (as `agg::State::from_fields` reads it).
pub fn decode_field(row: &Row, index: usize, ty: &FieldType) -> Result<FieldValue, CodecError> {
    let null_or = |v: Option<FieldValue>| v.unwrap_or(FieldValue::Null);
    Ok(match ty {
        FieldType::Int => null_or(row.try_get::<_, Option<i64>>(index)?.map(FieldValue::Int)),
        FieldType::Time => null_or(row.try_get::<_, Option<i64>>(index)?.map(FieldValue::Time)),
        FieldType::Float => null_or(row.try_get::<_, Option<f64>>(index)?.map(FieldValue::Float)),
        FieldType::Numeric { .. } => {
            null_or(
                row.try_get::<_, Option<Numeric>>(index)?
                    .map(|n| FieldValue::Numeric {
                        unscaled: n.unscaled,
                        scale: n.scale,
                    }),
            )
        }
        FieldType::Value(ty) => match decode_value(row, index, ty)? {
            Value::Null => FieldValue::Null,
            v => FieldValue::Value(v),
        },
        FieldType::ValueList(ty) => {
            match decode_value(row, index, &Type::List(Box::new(ty.clone())))? {
                Value::List(items) => FieldValue::Values(items),
                _ => FieldValue::Null,
            }
        }
        FieldType::IntList => null_or(
            row.try_get::<_, Option<Vec<i64>>>(index)?
                .map(FieldValue::Ints),
        ),
        FieldType::Bytes => null_or(
            row.try_get::<_, Option<Vec<u8>>>(index)?
                .map(FieldValue::Bytes),
        ),
    })
}

fn list<'a, T: FromSql<'a>>(
    row: &'a Row,
    index: usize,
) -> Result<Option<Vec<Option<T>>>, CodecError> {
    Ok(row.try_get::<_, Option<Vec<Option<T>>>>(index)?)
}

fn opt<T>(value: Option<T>, f: impl FnOnce(T) -> Value) -> Value {
    value.map_or(Value::Null, f)
}

fn opt_map<T>(items: Vec<Option<T>>, f: impl Fn(T) -> Value) -> Vec<Value> {
    items
        .into_iter()
        .map(|i| i.map_or(Value::Null, &f))
        .collect()
}

fn date_value(d: NaiveDate) -> Value {
    use chrono::Datelike;
    Value::Date(d.num_days_from_ce() - UNIX_EPOCH_DAYS_FROM_CE)
}

/// A numeric at the declared scale (Postgres returns a `numeric(p,s)` at scale s already).
fn decimal_value(n: Numeric, scale: u8) -> Value {
    if n.scale == scale {
        return Value::Decimal(n.unscaled, scale);
    }
    let factor = 10i128.checked_pow(u32::from(scale.abs_diff(n.scale)));
    match factor {
        Some(f) if scale > n.scale => n
            .unscaled
            .checked_mul(f)
            .map_or(Value::Decimal(n.unscaled, n.scale), |u| {
                Value::Decimal(u, scale)
            }),
        _ => Value::Decimal(n.unscaled, n.scale),
    }
}
