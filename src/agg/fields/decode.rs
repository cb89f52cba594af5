//! Decoding stored fields back into a [`State`], rejecting what no merge could produce.

use super::{FieldType, FieldValue, StateField, state_fields};
use crate::agg::canonical::canonical;
use crate::agg::compensated::CompensatedSum;
use crate::agg::frequencies::Frequencies;
use crate::agg::hll::Hll;
use crate::agg::latest::{LatestN, Stamped};
use crate::agg::moments::Moments;
use crate::agg::numeric::rescale_exact;
use crate::agg::sketch::Sketch;
use crate::agg::sum::Sum;
use crate::agg::{AggFunc, State};
use crate::types::{Micros, Type, Value};
use std::collections::BTreeSet;

/// Why stored fields do not make a state.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecodeError {
    #[error("expected {expected} state fields, found {found}")]
    FieldCount { expected: usize, found: usize },
    #[error("state field `{field}` should hold {expected}, found {found}")]
    WrongType {
        field: &'static str,
        expected: String,
        found: String,
    },
    #[error("state field `{field}` {reason}")]
    Invalid { field: &'static str, reason: String },
}

impl State {
    /// The state of `func` over `arg` that `fields` encode. Order inside lists is not
    /// significant (sets and `last_n` pairs are put back in canonical order); anything a merge
    /// could not have produced is an error.
    pub fn from_fields(
        func: &AggFunc,
        arg: Option<&Type>,
        fields: &[FieldValue],
    ) -> Result<State, DecodeError> {
        let layout = state_fields(func, arg);
        if layout.len() != fields.len() {
            return Err(DecodeError::FieldCount {
                expected: layout.len(),
                found: fields.len(),
            });
        }
        let mut reader = Reader {
            layout: &layout,
            fields,
            next: 0,
        };
        let state = match State::new(func, arg) {
            State::CountAll(_) => State::CountAll(reader.count()?),
            State::Count(_) => State::Count(reader.count()?),
            State::Sum(sum) => State::Sum(reader.sum(sum)?),
            State::Avg { sum, .. } => {
                let sum = reader.sum(sum)?;
                let count = reader.count()?;
                if (count == 0) != sum.to_f64().is_none() {
                    return Err(reader.invalid("disagrees with `sum` on whether there are values"));
                }
                State::Avg { sum, count }
            }
            State::Min(_) => State::Min(reader.value()?),
            State::Max(_) => State::Max(reader.value()?),
            State::First(_) => State::First(reader.pair()?),
            State::Last(_) => State::Last(reader.pair()?),
            State::LastN(latest) => State::LastN(reader.latest_n(latest.n())?),
            State::CountDistinct(_) => State::CountDistinct(reader.distinct()?),
            State::ApproxCountDistinct(_) => {
                let registers = reader.bytes()?;
                State::ApproxCountDistinct(
                    Hll::from_registers(registers).map_err(|reason| reader.invalid(&reason))?,
                )
            }
            State::StddevPop(_) => State::StddevPop(reader.moments()?),
            State::VarPop(_) => State::VarPop(reader.moments()?),
            State::ApproxPercentile { ppm, .. } => {
                let keys = reader.times()?;
                let counts = reader.times()?;
                let sketch = Sketch::from_buckets(&keys, &counts)
                    .ok_or_else(|| reader.invalid("must have a positive count for every bucket"))?;
                State::ApproxPercentile { ppm, sketch }
            }
            State::TopK { k, .. } => {
                let values = reader.values()?;
                let counts = reader.times()?;
                let counts = Frequencies::from_entries(values, &counts)
                    .ok_or_else(|| reader.invalid("must have a positive count for every value"))?;
                State::TopK { k, counts }
            }
        };
        Ok(state)
    }
}

/// Reads fields in layout order, checking each against its declared type.
struct Reader<'a> {
    layout: &'a [StateField],
    fields: &'a [FieldValue],
    next: usize,
}

impl Reader<'_> {
    /// The next field and its declared layout; the caller has checked the lengths agree.
    fn take(&mut self) -> Result<(&StateField, &FieldValue), DecodeError> {
        let index = self.next;
        self.next += 1;
        match (self.layout.get(index), self.fields.get(index)) {
            (Some(field), Some(value)) => Ok((field, value)),
            _ => Err(DecodeError::FieldCount {
                expected: self.layout.len(),
                found: self.fields.len(),
            }),
        }
    }

    /// The field read last (for errors found after reading it).
    fn last_suffix(&self) -> &'static str {
        self.next
            .checked_sub(1)
            .and_then(|index| self.layout.get(index))
            .map_or("?", |field| field.suffix)
    }

    fn invalid(&self, reason: &str) -> DecodeError {
        DecodeError::Invalid {
            field: self.last_suffix(),
            reason: reason.to_string(),
        }
    }

    fn wrong_type(field: &StateField, found: &FieldValue) -> DecodeError {
        DecodeError::WrongType {
            field: field.suffix,
            expected: field.ty.to_string(),
            found: found.kind(),
        }
    }

    fn count(&mut self) -> Result<i64, DecodeError> {
        match self.take()? {
            (_, FieldValue::Int(count)) if *count >= 0 => Ok(*count),
            (_, FieldValue::Int(_)) => Err(self.invalid("is a negative count")),
            (field, found) => Err(Self::wrong_type(field, found)),
        }
    }

    fn float(&mut self) -> Result<f64, DecodeError> {
        match self.take()? {
            (_, FieldValue::Float(f)) => Ok(*f),
            (field, found) => Err(Self::wrong_type(field, found)),
        }
    }

    fn optional_float(&mut self) -> Result<Option<f64>, DecodeError> {
        match self.take()? {
            (_, FieldValue::Float(f)) => Ok(Some(*f)),
            (_, FieldValue::Null) => Ok(None),
            (field, found) => Err(Self::wrong_type(field, found)),
        }
    }

    fn sum(&mut self, empty: Sum) -> Result<Sum, DecodeError> {
        Ok(match empty {
            Sum::Int(_) => Sum::Int(self.optional_numeric(0)?),
            Sum::Decimal { scale, .. } => Sum::Decimal {
                scale,
                unscaled: self.optional_numeric(scale)?,
            },
            Sum::Float(_) => {
                let sum = self.optional_float()?;
                // A null compensation is read as 0 (a fresh Postgres column default).
                let compensation = self.optional_float()?.unwrap_or(0.0);
                Sum::Float(sum.map(|sum| CompensatedSum::from_parts(sum, compensation)))
            }
        })
    }

    fn optional_numeric(&mut self, scale: u8) -> Result<Option<i128>, DecodeError> {
        match self.take()? {
            (_, FieldValue::Null) => Ok(None),
            (
                _,
                FieldValue::Numeric {
                    unscaled,
                    scale: found,
                },
            ) => match rescale_exact(*unscaled, *found, scale) {
                Some(unscaled) => Ok(Some(unscaled)),
                None => Err(self.invalid(&format!("does not fit a numeric with scale {scale}"))),
            },
            (field, found) => Err(Self::wrong_type(field, found)),
        }
    }

    fn value(&mut self) -> Result<Option<Value>, DecodeError> {
        let (field, found) = self.take()?;
        let FieldType::Value(ty) = &field.ty else {
            return Err(Self::wrong_type(field, found));
        };
        match found {
            FieldValue::Null | FieldValue::Value(Value::Null) => Ok(None),
            FieldValue::Value(value) => match conform(value, ty) {
                Some(value) => Ok(Some(value)),
                None => Err(Self::wrong_type(field, found)),
            },
            _ => Err(Self::wrong_type(field, found)),
        }
    }

    fn pair(&mut self) -> Result<Option<Stamped>, DecodeError> {
        let time = match self.take()? {
            (_, FieldValue::Time(time)) => Some(*time),
            (_, FieldValue::Null) => None,
            (field, found) => return Err(Self::wrong_type(field, found)),
        };
        match (time, self.value()?) {
            (Some(time), Some(value)) => Ok(Some(Stamped { time, value })),
            (None, None) => Ok(None),
            _ => Err(self.invalid("must be null exactly when `ts` is null")),
        }
    }

    /// A list of ints (times of `last_n`, buckets and counts of the counting states).
    fn times(&mut self) -> Result<Vec<Micros>, DecodeError> {
        match self.take()? {
            (_, FieldValue::Ints(times)) => Ok(times.clone()),
            (field, found) => Err(Self::wrong_type(field, found)),
        }
    }

    /// Non-null values of the field's list type, canonical.
    fn values(&mut self) -> Result<Vec<Value>, DecodeError> {
        let (field, found) = self.take()?;
        let (FieldType::ValueList(ty), FieldValue::Values(values)) = (&field.ty, found) else {
            return Err(Self::wrong_type(field, found));
        };
        let conformed: Option<Vec<Value>> = values.iter().map(|value| conform(value, ty)).collect();
        conformed.ok_or_else(|| DecodeError::Invalid {
            field: field.suffix,
            reason: format!("holds a null or a value that is not {ty}"),
        })
    }

    fn latest_n(&mut self, n: u32) -> Result<LatestN, DecodeError> {
        let times = self.times()?;
        let values = self.values()?;
        if times.len() != values.len() {
            return Err(self.invalid("does not have as many elements as `times`"));
        }
        let pairs = times
            .into_iter()
            .zip(values)
            .map(|(time, value)| Stamped { time, value })
            .collect();
        Ok(LatestN::from_pairs(n, pairs))
    }

    fn distinct(&mut self) -> Result<BTreeSet<Value>, DecodeError> {
        Ok(self.values()?.into_iter().collect())
    }

    fn bytes(&mut self) -> Result<Vec<u8>, DecodeError> {
        match self.take()? {
            (_, FieldValue::Bytes(bytes)) => Ok(bytes.clone()),
            (field, found) => Err(Self::wrong_type(field, found)),
        }
    }

    fn moments(&mut self) -> Result<Moments, DecodeError> {
        let count = self.count()?;
        let mean = self.float()?;
        let m2 = self.float()?;
        // A state without values is the identity whatever its mean and m2 say.
        Ok(if count == 0 {
            Moments::default()
        } else {
            Moments::from_parts(count, mean, m2)
        })
    }
}

/// `value` as a canonical non-null value of type `ty`, or `None` if it is not one. Decimals of
/// another scale are rescaled when that is exact.
fn conform(value: &Value, ty: &Type) -> Option<Value> {
    match (value, ty) {
        (Value::Decimal(unscaled, scale), Type::Decimal { scale: wanted, .. }) => {
            rescale_exact(*unscaled, *scale, *wanted).map(|u| Value::Decimal(u, *wanted))
        }
        (Value::Float(_), Type::Float) => Some(canonical(value).into_owned()),
        (Value::Bool(_), Type::Bool)
        | (Value::Int(_), Type::Int)
        | (Value::String(_), Type::String)
        | (Value::Timestamp(_), Type::Timestamp)
        | (Value::Date(_), Type::Date) => Some(value.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{FieldType, FieldValue};
    use super::*;
    use crate::agg::AggFunc;

    #[test]
    fn impossible_fields_are_rejected() {
        let string = Some(&Type::String);
        let last = |fields: &[FieldValue]| State::from_fields(&AggFunc::Last, string, fields);
        assert_eq!(
            last(&[FieldValue::Null]),
            Err(DecodeError::FieldCount {
                expected: 2,
                found: 1
            })
        );
        assert!(matches!(
            last(&[FieldValue::Time(1), FieldValue::Null]),
            Err(DecodeError::Invalid { field: "value", .. })
        ));
        assert!(matches!(
            last(&[FieldValue::Time(1), FieldValue::Value(Value::Int(3))]),
            Err(DecodeError::WrongType { field: "value", .. })
        ));
        let count = State::from_fields(&AggFunc::Count, string, &[FieldValue::Int(-1)]);
        assert!(matches!(
            count,
            Err(DecodeError::Invalid { field: "count", .. })
        ));
        let avg = State::from_fields(
            &AggFunc::Avg,
            Some(&Type::Int),
            &[FieldValue::Null, FieldValue::Int(2)],
        );
        assert!(matches!(
            avg,
            Err(DecodeError::Invalid { field: "count", .. })
        ));
        let last_n = State::from_fields(
            &AggFunc::LastN { n: 2 },
            Some(&Type::Int),
            &[
                FieldValue::Ints(vec![1, 2]),
                FieldValue::Values(vec![Value::Int(1)]),
            ],
        );
        assert!(matches!(
            last_n,
            Err(DecodeError::Invalid {
                field: "values",
                ..
            })
        ));
    }

    #[test]
    fn list_order_in_stored_fields_is_not_significant() {
        let int = Some(&Type::Int);
        let distinct = State::from_fields(
            &AggFunc::CountDistinct,
            int,
            &[FieldValue::Values(vec![
                Value::Int(3),
                Value::Int(1),
                Value::Int(3),
            ])],
        );
        assert_eq!(
            distinct.map(|state| state.to_fields()),
            Ok(vec![FieldValue::Values(vec![Value::Int(1), Value::Int(3)])])
        );
    }

    #[test]
    fn field_types_print_for_errors() {
        assert_eq!(
            FieldType::ValueList(Type::String).to_string(),
            "a list of string values"
        );
        let error = State::from_fields(&AggFunc::Count, None, &[FieldValue::Float(1.0)]);
        assert_eq!(
            error.unwrap_err().to_string(),
            "state field `count` should hold an int, found a float"
        );
    }
}
