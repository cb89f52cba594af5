//! Plan types ↔ Arrow types: the one place that decides how a `.feat` type is laid out in
//! Arrow, for the tables the runtime registers, the UDAFs' arguments and results, and tests.
//!
//! Timestamps are microseconds in UTC (`Timestamp(Microsecond, "UTC")`), the resolution of
//! the language; files with other units or no time zone are cast to it when registered.

use crate::plan::Field;
use crate::types::{ColumnType, Type};
use datafusion::arrow::datatypes::{
    DataType, Field as ArrowField, FieldRef, Fields, Schema, SchemaRef, TimeUnit,
};
use std::sync::Arc;

/// The time zone of every featc timestamp.
pub const UTC: &str = "UTC";

/// The Arrow type of featc timestamps.
pub fn timestamp_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into()))
}

/// The Arrow type of a plan type.
pub fn arrow_type(ty: &Type) -> DataType {
    match ty {
        Type::String => DataType::Utf8,
        Type::Int => DataType::Int64,
        Type::Float => DataType::Float64,
        Type::Bool => DataType::Boolean,
        Type::Timestamp => timestamp_type(),
        Type::Date => DataType::Date32,
        Type::Decimal { precision, scale } => DataType::Decimal128(*precision, *scale as i8),
        Type::List(item) => list_of(arrow_type(item)),
        Type::Null => DataType::Null,
    }
}

/// `List(item)` with Arrow's conventional nullable `item` field.
pub fn list_of(item: DataType) -> DataType {
    DataType::List(Arc::new(ArrowField::new_list_field(item, true)))
}

/// The plan type that [`arrow_type`] maps to `data_type`, if any.
pub fn plan_type(data_type: &DataType) -> Option<Type> {
    Some(match data_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Type::String,
        DataType::Int64 => Type::Int,
        DataType::Float64 => Type::Float,
        DataType::Boolean => Type::Bool,
        DataType::Timestamp(_, _) => Type::Timestamp,
        DataType::Date32 => Type::Date,
        DataType::Decimal128(precision, scale) => Type::Decimal {
            precision: *precision,
            scale: u8::try_from(*scale).ok()?,
        },
        DataType::List(item) | DataType::LargeList(item) => {
            Type::List(Box::new(plan_type(item.data_type())?))
        }
        DataType::Null => Type::Null,
        _ => return None,
    })
}

/// An Arrow field for a named column of a plan type.
pub fn arrow_field(name: &str, ty: &ColumnType) -> ArrowField {
    ArrowField::new(name, arrow_type(&ty.ty), ty.nullable)
}

/// The Arrow schema of a source's or table's declared columns, in declaration order.
pub fn input_schema(fields: &[Field]) -> SchemaRef {
    let fields: Vec<FieldRef> = fields
        .iter()
        .map(|f| Arc::new(arrow_field(&f.name, &f.ty)))
        .collect();
    Arc::new(Schema::new(Fields::from(fields)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scalar_type_round_trips() {
        let types = [
            Type::String,
            Type::Int,
            Type::Float,
            Type::Bool,
            Type::Timestamp,
            Type::Date,
            Type::Decimal {
                precision: 12,
                scale: 3,
            },
            Type::List(Box::new(Type::Decimal {
                precision: 5,
                scale: 0,
            })),
        ];
        for ty in types {
            assert_eq!(plan_type(&arrow_type(&ty)), Some(ty.clone()), "{ty}");
        }
    }

    #[test]
    fn timestamps_are_utc_microseconds() {
        assert_eq!(
            arrow_type(&Type::Timestamp),
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
        );
    }
}
