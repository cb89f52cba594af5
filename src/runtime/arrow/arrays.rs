//! Aggregate values (`crate::types::Value`) into Arrow arrays of the aggregate's result type,
//! with typed builders for the common types and `ScalarValue`s for the rest.

use crate::runtime::arrow::convert::value_to_scalar;
use crate::types::Value;
use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Float64Builder, Int64Builder, StringBuilder, new_empty_array,
};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, internal_err};
use std::sync::Arc;

/// The values as an array of `data_type`.
pub fn values_to_array(values: &[Value], data_type: &DataType) -> Result<ArrayRef> {
    let mismatch = |value: &Value| -> Result<ArrayRef> {
        internal_err!("featc: the value {value:?} is not of type {data_type}")
    };
    Ok(match data_type {
        DataType::Int64 => {
            let mut out = Int64Builder::with_capacity(values.len());
            for value in values {
                match value {
                    Value::Int(v) => out.append_value(*v),
                    Value::Null => out.append_null(),
                    other => return mismatch(other),
                }
            }
            Arc::new(out.finish())
        }
        DataType::Float64 => {
            let mut out = Float64Builder::with_capacity(values.len());
            for value in values {
                match value {
                    Value::Float(v) => out.append_value(*v),
                    Value::Null => out.append_null(),
                    other => return mismatch(other),
                }
            }
            Arc::new(out.finish())
        }
        DataType::Boolean => {
            let mut out = BooleanBuilder::with_capacity(values.len());
            for value in values {
                match value {
                    Value::Bool(v) => out.append_value(*v),
                    Value::Null => out.append_null(),
                    other => return mismatch(other),
                }
            }
            Arc::new(out.finish())
        }
        DataType::Utf8 => {
            let bytes = values
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.len(),
                    _ => 0,
                })
                .sum();
            let mut out = StringBuilder::with_capacity(values.len(), bytes);
            for value in values {
                match value {
                    Value::String(v) => out.append_value(v),
                    Value::Null => out.append_null(),
                    other => return mismatch(other),
                }
            }
            Arc::new(out.finish())
        }
        _ => {
            if values.is_empty() {
                return Ok(new_empty_array(data_type));
            }
            let scalars = values
                .iter()
                .map(|v| value_to_scalar(v, data_type))
                .collect::<Result<Vec<ScalarValue>>>()?;
            ScalarValue::iter_to_array(scalars)?
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::{Int64Type, TimeUnit};

    #[test]
    fn typed_and_generic_columns_keep_values_and_nulls() {
        let ints = values_to_array(&[Value::Int(3), Value::Null], &DataType::Int64).expect("ints");
        assert_eq!(ints.as_primitive::<Int64Type>().value(0), 3);
        assert!(ints.is_null(1));
        let strings = values_to_array(&[Value::Null, Value::String("web".into())], &DataType::Utf8)
            .expect("strings");
        assert_eq!(strings.as_string::<i32>().value(1), "web");
        assert!(strings.is_null(0));
        let times = values_to_array(
            &[Value::Timestamp(5)],
            &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        )
        .expect("timestamps");
        assert_eq!(times.len(), 1);
        assert!(values_to_array(&[Value::Int(1)], &DataType::Utf8).is_err());
    }
}
