//! Arrow ↔ [`crate::agg`] values: event arguments in, aggregate results and portable state
//! fields out and back. Every mismatch is an error, never a panic: the types come from the
//! UDAFs' own signatures, so a mismatch is a featc bug worth reporting, not user input.

use crate::agg::{FieldType, FieldValue};
use crate::runtime::arrow::schema::{arrow_type, list_of};
use crate::types::{Micros, Value};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Decimal128Builder, Float64Array, Float64Builder,
    Int64Array, Int64Builder, StringArray, StringViewArray, TimestampMicrosecondArray,
    new_empty_array,
};
use datafusion::arrow::datatypes::{DataType, Decimal128Type, Float64Type, Int64Type, TimeUnit};
use datafusion::common::{Result, ScalarValue, internal_err};
use std::sync::Arc;

/// The Arrow type of a state field.
pub fn field_arrow_type(ty: &FieldType) -> DataType {
    match ty {
        FieldType::Int | FieldType::Time => DataType::Int64,
        // Unscaled i128s; a sum may exceed 38 digits only after 2^64 events, and Arrow checks
        // precision only when asked to.
        FieldType::Numeric { scale } => DataType::Decimal128(38, *scale as i8),
        FieldType::Float => DataType::Float64,
        FieldType::Value(ty) => arrow_type(ty),
        FieldType::ValueList(ty) => list_of(arrow_type(ty)),
        FieldType::IntList => list_of(DataType::Int64),
        FieldType::Bytes => DataType::Binary,
    }
}

/// A value as a scalar of `data_type`.
pub fn value_to_scalar(value: &Value, data_type: &DataType) -> Result<ScalarValue> {
    Ok(match (value, data_type) {
        (Value::Null, _) => ScalarValue::try_from(data_type)?,
        (Value::Int(v), DataType::Int64) => ScalarValue::Int64(Some(*v)),
        (Value::Float(v), DataType::Float64) => ScalarValue::Float64(Some(*v)),
        (Value::Bool(v), DataType::Boolean) => ScalarValue::Boolean(Some(*v)),
        (Value::String(v), DataType::Utf8) => ScalarValue::Utf8(Some(v.clone())),
        (Value::String(v), DataType::Utf8View) => ScalarValue::Utf8View(Some(v.clone())),
        (Value::String(v), DataType::LargeUtf8) => ScalarValue::LargeUtf8(Some(v.clone())),
        (Value::Timestamp(v), DataType::Timestamp(TimeUnit::Microsecond, tz)) => {
            ScalarValue::TimestampMicrosecond(Some(*v), tz.clone())
        }
        (Value::Date(v), DataType::Date32) => ScalarValue::Date32(Some(*v)),
        (Value::Decimal(unscaled, scale), DataType::Decimal128(precision, type_scale))
            if i16::from(*scale) == i16::from(*type_scale) =>
        {
            ScalarValue::Decimal128(Some(*unscaled), *precision, *type_scale)
        }
        (Value::List(items), DataType::List(item)) => {
            let scalars = items
                .iter()
                .map(|v| value_to_scalar(v, item.data_type()))
                .collect::<Result<Vec<_>>>()?;
            ScalarValue::List(ScalarValue::new_list_nullable(&scalars, item.data_type()))
        }
        (value, data_type) => {
            return internal_err!("featc: cannot store the value {value:?} as {data_type}");
        }
    })
}

/// A scalar as a value (timestamps of any unit become microseconds).
pub fn scalar_to_value(scalar: &ScalarValue) -> Result<Value> {
    if scalar.is_null() {
        return Ok(Value::Null);
    }
    Ok(match scalar {
        ScalarValue::Int64(Some(v)) => Value::Int(*v),
        ScalarValue::Int32(Some(v)) => Value::Int(i64::from(*v)),
        ScalarValue::Float64(Some(v)) => Value::Float(*v),
        ScalarValue::Boolean(Some(v)) => Value::Bool(*v),
        ScalarValue::Utf8(Some(v))
        | ScalarValue::Utf8View(Some(v))
        | ScalarValue::LargeUtf8(Some(v)) => Value::String(v.clone()),
        ScalarValue::TimestampMicrosecond(Some(v), _) => Value::Timestamp(*v),
        ScalarValue::TimestampMillisecond(Some(v), _) => Value::Timestamp(v.saturating_mul(1_000)),
        ScalarValue::TimestampSecond(Some(v), _) => Value::Timestamp(v.saturating_mul(1_000_000)),
        ScalarValue::TimestampNanosecond(Some(v), _) => Value::Timestamp(v.div_euclid(1_000)),
        ScalarValue::Date32(Some(v)) => Value::Date(*v),
        ScalarValue::Decimal128(Some(v), _, scale) => match u8::try_from(*scale) {
            Ok(scale) => Value::Decimal(*v, scale),
            Err(_) => return internal_err!("featc: negative decimal scale in {scalar}"),
        },
        ScalarValue::List(list) => {
            let mut items = Vec::new();
            if !list.is_empty() && list.is_valid(0) {
                let values = list.value(0);
                for i in 0..values.len() {
                    items.push(scalar_to_value(&ScalarValue::try_from_array(&values, i)?)?);
                }
            }
            Value::List(items)
        }
        other => {
            return internal_err!(
                "featc: unsupported value {other} of type {}",
                other.data_type()
            );
        }
    })
}

/// A state field as a scalar of its Arrow type.
pub fn field_to_scalar(value: &FieldValue, ty: &FieldType) -> Result<ScalarValue> {
    let data_type = field_arrow_type(ty);
    Ok(match (value, ty) {
        (FieldValue::Null, _) => ScalarValue::try_from(&data_type)?,
        (FieldValue::Int(v), FieldType::Int) | (FieldValue::Time(v), FieldType::Time) => {
            ScalarValue::Int64(Some(*v))
        }
        (FieldValue::Numeric { unscaled, scale }, FieldType::Numeric { scale: want })
            if scale == want =>
        {
            ScalarValue::Decimal128(Some(*unscaled), 38, *scale as i8)
        }
        (FieldValue::Float(v), FieldType::Float) => ScalarValue::Float64(Some(*v)),
        (FieldValue::Value(v), FieldType::Value(_)) => value_to_scalar(v, &data_type)?,
        (FieldValue::Values(items), FieldType::ValueList(_)) => {
            value_to_scalar(&Value::List(items.clone()), &data_type)?
        }
        (FieldValue::Ints(times), FieldType::IntList) => {
            let scalars: Vec<ScalarValue> =
                times.iter().map(|t| ScalarValue::Int64(Some(*t))).collect();
            ScalarValue::List(ScalarValue::new_list_nullable(&scalars, &DataType::Int64))
        }
        (FieldValue::Bytes(bytes), FieldType::Bytes) => ScalarValue::Binary(Some(bytes.clone())),
        (value, ty) => return internal_err!("featc: state field {value:?} is not {ty}"),
    })
}

/// The column of one state field for a sequence of states' values of it: typed builders for
/// the numeric fields (the common case, and the hot path when DataFusion skips partial
/// aggregation), scalars for the rest.
pub fn field_array<'a>(
    values: impl ExactSizeIterator<Item = &'a FieldValue>,
    ty: &FieldType,
) -> Result<ArrayRef> {
    let wrong = |value: &FieldValue| -> Result<ArrayRef> {
        internal_err!("featc: state field {value:?} is not {ty}")
    };
    Ok(match ty {
        FieldType::Int | FieldType::Time => {
            let mut out = Int64Builder::with_capacity(values.len());
            for value in values {
                match value {
                    FieldValue::Int(v) | FieldValue::Time(v) => out.append_value(*v),
                    FieldValue::Null => out.append_null(),
                    other => return wrong(other),
                }
            }
            Arc::new(out.finish())
        }
        FieldType::Float => {
            let mut out = Float64Builder::with_capacity(values.len());
            for value in values {
                match value {
                    FieldValue::Float(v) => out.append_value(*v),
                    FieldValue::Null => out.append_null(),
                    other => return wrong(other),
                }
            }
            Arc::new(out.finish())
        }
        FieldType::Numeric { scale } => {
            let mut out = Decimal128Builder::with_capacity(values.len());
            for value in values {
                match value {
                    FieldValue::Numeric { unscaled, .. } => out.append_value(*unscaled),
                    FieldValue::Null => out.append_null(),
                    other => return wrong(other),
                }
            }
            Arc::new(out.finish().with_precision_and_scale(38, *scale as i8)?)
        }
        _ => {
            if values.len() == 0 {
                return Ok(new_empty_array(&field_arrow_type(ty)));
            }
            let scalars = values
                .map(|v| field_to_scalar(v, ty))
                .collect::<Result<Vec<ScalarValue>>>()?;
            ScalarValue::iter_to_array(scalars)?
        }
    })
}

/// Row `row` of a state-field column.
pub fn field_from_array(array: &ArrayRef, row: usize, ty: &FieldType) -> Result<FieldValue> {
    if array.is_null(row) {
        return Ok(FieldValue::Null);
    }
    Ok(match ty {
        FieldType::Int => FieldValue::Int(int64_at(array, row)?),
        FieldType::Time => FieldValue::Time(int64_at(array, row)?),
        FieldType::Numeric { scale } => match array.as_primitive_opt::<Decimal128Type>() {
            Some(numbers) => FieldValue::Numeric {
                unscaled: numbers.value(row),
                scale: *scale,
            },
            None => {
                return internal_err!(
                    "featc: state field of type {} is not {ty}",
                    array.data_type()
                );
            }
        },
        FieldType::Float => match array.as_primitive_opt::<Float64Type>() {
            Some(floats) => FieldValue::Float(floats.value(row)),
            None => {
                return internal_err!(
                    "featc: state field of type {} is not {ty}",
                    array.data_type()
                );
            }
        },
        FieldType::Value(_) => FieldValue::Value(ValueColumn::new(array).value(row)?),
        FieldType::ValueList(_) => {
            let Some(lists) = array.as_list_opt::<i32>() else {
                return internal_err!(
                    "featc: state field of type {} is not {ty}",
                    array.data_type()
                );
            };
            let items = lists.value(row);
            let column = ValueColumn::new(&items);
            FieldValue::Values(
                (0..items.len())
                    .map(|i| column.value(i))
                    .collect::<Result<_>>()?,
            )
        }
        FieldType::IntList => {
            let Some(lists) = array.as_list_opt::<i32>() else {
                return internal_err!(
                    "featc: state field of type {} is not {ty}",
                    array.data_type()
                );
            };
            let times = lists.value(row);
            let Some(times) = times.as_primitive_opt::<Int64Type>() else {
                return internal_err!(
                    "featc: state field of type {} is not {ty}",
                    array.data_type()
                );
            };
            FieldValue::Ints(times.iter().flatten().collect())
        }
        FieldType::Bytes => match array.as_binary_opt::<i32>() {
            Some(bytes) => FieldValue::Bytes(bytes.value(row).to_vec()),
            None => {
                return internal_err!(
                    "featc: state field of type {} is not {ty}",
                    array.data_type()
                );
            }
        },
    })
}

fn int64_at(array: &ArrayRef, row: usize) -> Result<i64> {
    match array.as_primitive_opt::<Int64Type>() {
        Some(ints) => Ok(ints.value(row)),
        None => internal_err!(
            "featc: expected an Int64 state field, found {}",
            array.data_type()
        ),
    }
}

/// Reads the values of one argument column, with fast paths for the common types (the
/// general path goes through [`ScalarValue`] and allocates per row).
pub enum ValueColumn<'a> {
    Int(&'a Int64Array),
    Float(&'a Float64Array),
    Bool(&'a BooleanArray),
    String(&'a StringArray),
    StringView(&'a StringViewArray),
    Other(&'a ArrayRef),
}

impl<'a> ValueColumn<'a> {
    pub fn new(array: &'a ArrayRef) -> ValueColumn<'a> {
        let any = array.as_any();
        if let Some(a) = any.downcast_ref::<Int64Array>() {
            ValueColumn::Int(a)
        } else if let Some(a) = any.downcast_ref::<Float64Array>() {
            ValueColumn::Float(a)
        } else if let Some(a) = any.downcast_ref::<BooleanArray>() {
            ValueColumn::Bool(a)
        } else if let Some(a) = any.downcast_ref::<StringArray>() {
            ValueColumn::String(a)
        } else if let Some(a) = any.downcast_ref::<StringViewArray>() {
            ValueColumn::StringView(a)
        } else {
            ValueColumn::Other(array)
        }
    }

    pub fn value(&self, row: usize) -> Result<Value> {
        Ok(match self {
            ValueColumn::Int(a) if a.is_valid(row) => Value::Int(a.value(row)),
            ValueColumn::Float(a) if a.is_valid(row) => Value::Float(a.value(row)),
            ValueColumn::Bool(a) if a.is_valid(row) => Value::Bool(a.value(row)),
            ValueColumn::String(a) if a.is_valid(row) => Value::String(a.value(row).to_string()),
            ValueColumn::StringView(a) if a.is_valid(row) => {
                Value::String(a.value(row).to_string())
            }
            ValueColumn::Other(a) => scalar_to_value(&ScalarValue::try_from_array(a, row)?)?,
            _ => Value::Null,
        })
    }
}

/// Reads event times in microseconds (`None` for a null time).
pub enum TimeColumn<'a> {
    Micros(&'a TimestampMicrosecondArray),
    Int(&'a Int64Array),
}

impl<'a> TimeColumn<'a> {
    pub fn new(array: &'a ArrayRef) -> Result<TimeColumn<'a>> {
        let any = array.as_any();
        if let Some(a) = any.downcast_ref::<TimestampMicrosecondArray>() {
            Ok(TimeColumn::Micros(a))
        } else if let Some(a) = any.downcast_ref::<Int64Array>() {
            Ok(TimeColumn::Int(a))
        } else {
            internal_err!(
                "featc: event times must be microsecond timestamps, found {}",
                array.data_type()
            )
        }
    }

    pub fn time(&self, row: usize) -> Option<Micros> {
        match self {
            TimeColumn::Micros(a) => a.is_valid(row).then(|| a.value(row)),
            TimeColumn::Int(a) => a.is_valid(row).then(|| a.value(row)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Type;
    use std::sync::Arc;

    #[test]
    fn values_round_trip_through_scalars() {
        let cases = [
            (Value::Int(-3), Type::Int),
            (Value::Float(2.5), Type::Float),
            (Value::String("é".into()), Type::String),
            (Value::Timestamp(1_700_000_000_123_456), Type::Timestamp),
            (Value::Date(19_000), Type::Date),
            (
                Value::Decimal(-12_345, 2),
                Type::Decimal {
                    precision: 10,
                    scale: 2,
                },
            ),
            (
                Value::List(vec![Value::Int(1), Value::Null]),
                Type::List(Box::new(Type::Int)),
            ),
            (Value::Null, Type::Bool),
        ];
        for (value, ty) in cases {
            let scalar = value_to_scalar(&value, &arrow_type(&ty)).unwrap();
            assert_eq!(scalar.data_type(), arrow_type(&ty));
            assert_eq!(scalar_to_value(&scalar).unwrap(), value);
        }
    }

    #[test]
    fn state_fields_round_trip_through_arrays() {
        let cases = [
            (FieldValue::Int(7), FieldType::Int),
            (
                FieldValue::Numeric {
                    unscaled: i128::MAX,
                    scale: 3,
                },
                FieldType::Numeric { scale: 3 },
            ),
            (FieldValue::Float(-0.5), FieldType::Float),
            (FieldValue::Ints(vec![3, 1]), FieldType::IntList),
            (
                FieldValue::Values(vec![Value::String("a".into())]),
                FieldType::ValueList(Type::String),
            ),
            (FieldValue::Bytes(vec![0, 9]), FieldType::Bytes),
            (FieldValue::Null, FieldType::Time),
        ];
        for (value, ty) in cases {
            let array: ArrayRef = field_to_scalar(&value, &ty).unwrap().to_array().unwrap();
            assert_eq!(field_from_array(&array, 0, &ty).unwrap(), value, "{ty}");
            let column = field_array([&FieldValue::Null, &value].into_iter(), &ty).unwrap();
            assert_eq!(column.data_type(), &field_arrow_type(&ty), "{ty}");
            assert_eq!(field_from_array(&column, 0, &ty).unwrap(), FieldValue::Null);
            assert_eq!(field_from_array(&column, 1, &ty).unwrap(), value, "{ty}");
        }
    }

    #[test]
    fn mismatches_are_errors() {
        assert!(value_to_scalar(&Value::Int(1), &DataType::Utf8).is_err());
        let ints: ArrayRef = Arc::new(Int64Array::from(vec![1]));
        assert!(field_from_array(&ints, 0, &FieldType::Float).is_err());
    }
}
