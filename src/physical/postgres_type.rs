//! Postgres column types of the online store: for the language's types (keys, table columns,
//! feature values) and for the fields of aggregate states.
//!
//! | language / state field | Postgres |
//! |---|---|
//! | `string` | `text COLLATE "C"` (bytes order, as Rust compares strings) |
//! | `int`, counts, event times of states | `bigint` |
//! | `float` | `double precision` |
//! | `bool` | `boolean` |
//! | `timestamp` | `timestamptz` |
//! | `date` | `date` |
//! | `decimal(p, s)` | `numeric(p,s)`; sums of ints and decimals: unconstrained `numeric` |
//! | `list<T>`, value lists of states | `T[]` (nested lists have no Postgres type: arrays are rectangular) |
//! | HyperLogLog registers | `bytea` |
//!
//! How a column travels as a bind parameter (its [`Wire`]): most types as an array of
//! themselves; `numeric` and arrays as `text[]` cast in SQL, because tokio-postgres has no
//! `numeric` codec and `unnest` flattens an array of arrays.

use super::error::LayoutError;
use crate::agg::FieldType;
use crate::types::Type;

/// A Postgres scalar type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    Text,
    BigInt,
    Double,
    Boolean,
    Timestamptz,
    Date,
    /// `numeric(p,s)`, or unconstrained `numeric` for `None`.
    Numeric(Option<(u8, u8)>),
    Bytea,
}

/// A column's Postgres type: a scalar or an array of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PgType {
    pub scalar: Scalar,
    pub array: bool,
}

/// How a batch of values of a column is bound as one parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    /// An array of the column's own type (`$1::bigint[]`).
    Native,
    /// An array of texts in Postgres input syntax, cast to the column's type in SQL
    /// (`$1::text[]`, then `::numeric(12,2)` or `::bigint[]` per element).
    Text,
}

impl PgType {
    pub fn scalar(scalar: Scalar) -> PgType {
        PgType {
            scalar,
            array: false,
        }
    }

    /// The column type for a value of the language's type `ty`.
    pub fn of_type(ty: &Type) -> Result<PgType, LayoutError> {
        let scalar = match ty {
            Type::String => Scalar::Text,
            Type::Int => Scalar::BigInt,
            Type::Float => Scalar::Double,
            Type::Bool => Scalar::Boolean,
            Type::Timestamp => Scalar::Timestamptz,
            Type::Date => Scalar::Date,
            Type::Decimal { precision, scale } => Scalar::Numeric(Some((*precision, *scale))),
            Type::List(inner) => {
                let element = PgType::of_type(inner)?;
                if element.array {
                    return Err(LayoutError::UnsupportedType {
                        what: format!("`{ty}` (a list of lists)"),
                    });
                }
                return Ok(PgType {
                    scalar: element.scalar,
                    array: true,
                });
            }
            Type::Null => {
                return Err(LayoutError::UnsupportedType {
                    what: "the type of an untyped `null`".into(),
                });
            }
        };
        Ok(PgType::scalar(scalar))
    }

    /// The column type of an aggregate state field.
    pub fn of_field(ty: &FieldType) -> Result<PgType, LayoutError> {
        Ok(match ty {
            FieldType::Int | FieldType::Time => PgType::scalar(Scalar::BigInt),
            FieldType::Numeric { .. } => PgType::scalar(Scalar::Numeric(None)),
            FieldType::Float => PgType::scalar(Scalar::Double),
            FieldType::Value(ty) => PgType::of_type(ty)?,
            FieldType::ValueList(ty) => PgType::of_type(&Type::List(Box::new(ty.clone())))?,
            FieldType::IntList => PgType {
                scalar: Scalar::BigInt,
                array: true,
            },
            FieldType::Bytes => PgType::scalar(Scalar::Bytea),
        })
    }

    /// The type as written in casts: `text`, `numeric(12,2)`, `bigint[]`.
    pub fn sql(&self) -> String {
        let scalar = match self.scalar {
            Scalar::Text => "text".to_string(),
            Scalar::BigInt => "bigint".to_string(),
            Scalar::Double => "double precision".to_string(),
            Scalar::Boolean => "boolean".to_string(),
            Scalar::Timestamptz => "timestamptz".to_string(),
            Scalar::Date => "date".to_string(),
            Scalar::Numeric(Some((p, s))) => format!("numeric({p},{s})"),
            Scalar::Numeric(None) => "numeric".to_string(),
            Scalar::Bytea => "bytea".to_string(),
        };
        if self.array {
            format!("{scalar}[]")
        } else {
            scalar
        }
    }

    /// Whether values compare by a collation (strings, and arrays of strings).
    pub fn is_text(&self) -> bool {
        self.scalar == Scalar::Text
    }

    /// The type in a column definition: strings get `COLLATE "C"` so that Postgres orders them
    /// by their bytes, as the Rust states do (min/max, tie-breaks, sorted sets).
    pub fn column_sql(&self) -> String {
        if self.is_text() {
            format!("{} COLLATE \"C\"", self.sql())
        } else {
            self.sql()
        }
    }

    /// `COLLATE "C"` to append to an ordering expression of this type, or nothing: orderings in
    /// merges say so explicitly rather than trusting how a column happened to be created.
    pub fn order_collation(&self) -> &'static str {
        if self.is_text() { " COLLATE \"C\"" } else { "" }
    }

    pub fn wire(&self) -> Wire {
        if self.array || matches!(self.scalar, Scalar::Numeric(_)) {
            Wire::Text
        } else {
            Wire::Native
        }
    }

    /// The element type of the bind parameter array: `$n::<this>[]`.
    pub fn wire_sql(&self) -> String {
        match self.wire() {
            Wire::Native => self.sql(),
            Wire::Text => "text".to_string(),
        }
    }

    /// `expr` converted from its wire type to the column type (a no-op for native wires).
    pub fn from_wire(&self, expr: &str) -> String {
        match self.wire() {
            Wire::Native => expr.to_string(),
            Wire::Text => format!("{expr}::{}", self.sql()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_types_map_to_postgres_types() {
        let sql = |ty: Type| PgType::of_type(&ty).map(|t| t.column_sql());
        assert_eq!(sql(Type::String).unwrap(), "text COLLATE \"C\"");
        assert_eq!(sql(Type::Int).unwrap(), "bigint");
        assert_eq!(sql(Type::Float).unwrap(), "double precision");
        assert_eq!(sql(Type::Timestamp).unwrap(), "timestamptz");
        assert_eq!(
            sql(Type::Decimal {
                precision: 12,
                scale: 2
            })
            .unwrap(),
            "numeric(12,2)"
        );
        assert_eq!(
            sql(Type::List(Box::new(Type::String))).unwrap(),
            "text[] COLLATE \"C\""
        );
        assert!(sql(Type::List(Box::new(Type::List(Box::new(Type::Int))))).is_err());
        assert!(sql(Type::Null).is_err());
    }

    #[test]
    fn state_fields_map_to_postgres_types() {
        let sql = |ty: FieldType| PgType::of_field(&ty).unwrap().sql();
        assert_eq!(sql(FieldType::Numeric { scale: 2 }), "numeric");
        assert_eq!(sql(FieldType::Time), "bigint");
        assert_eq!(sql(FieldType::IntList), "bigint[]");
        assert_eq!(sql(FieldType::ValueList(Type::Date)), "date[]");
        assert_eq!(sql(FieldType::Bytes), "bytea");
    }

    #[test]
    fn numerics_and_arrays_travel_as_text() {
        let numeric = PgType::scalar(Scalar::Numeric(None));
        assert_eq!(numeric.wire_sql(), "text");
        assert_eq!(numeric.from_wire("b.x"), "b.x::numeric");
        let bytes = PgType::scalar(Scalar::Bytea);
        assert_eq!(bytes.wire_sql(), "bytea");
        assert_eq!(bytes.from_wire("b.x"), "b.x");
    }
}
