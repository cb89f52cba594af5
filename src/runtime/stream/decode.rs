//! A JSON message → one event: a value per column of the input's schema, validated.
//!
//! A message is one JSON object. Every declared column must be present unless it is nullable
//! (a missing nullable column is null); other members are ignored. Values by type:
//!
//! | type | JSON |
//! |---|---|
//! | `string` | a string |
//! | `int` | an integer number |
//! | `float` | a number, or `"NaN"`, `"Infinity"`, `"-Infinity"` |
//! | `bool` | `true` / `false` |
//! | `timestamp` | an RFC 3339 string (a time without offset is UTC) |
//! | `date` | `"YYYY-MM-DD"` |
//! | `decimal(p, s)` | a number or a string, rounded half away from zero to `s` digits |
//! | `list<T>` | an array of T (elements may be null) |
//!
//! Anything else is an error that names the column: the message becomes a dead letter.

use crate::plan::Field;
use crate::plan::eval;
use crate::types::{Type, Value};
use serde_json::Value as Json;

/// Why a message is not an event of the schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the message is empty")]
    Empty,
    #[error("the message is not JSON: {0}")]
    NotJson(String),
    #[error("the message is not a JSON object")]
    NotAnObject,
    #[error("`{0}` is missing")]
    Missing(String),
    #[error("`{0}` is null, but the column is not nullable")]
    Null(String),
    #[error("`{column}`: expected {expected}, found {found}")]
    Type {
        column: String,
        expected: String,
        found: String,
    },
}

/// The event in `payload`, one value per field of `fields` (in their order).
pub fn decode(payload: Option<&[u8]>, fields: &[Field]) -> Result<Vec<Value>, DecodeError> {
    let payload = payload
        .filter(|p| !p.is_empty())
        .ok_or(DecodeError::Empty)?;
    let json: Json =
        serde_json::from_slice(payload).map_err(|e| DecodeError::NotJson(e.to_string()))?;
    let Json::Object(object) = json else {
        return Err(DecodeError::NotAnObject);
    };
    fields
        .iter()
        .map(|field| {
            let value = match object.get(&field.name) {
                None | Some(Json::Null) if field.ty.nullable => return Ok(Value::Null),
                None => return Err(DecodeError::Missing(field.name.clone())),
                Some(Json::Null) => return Err(DecodeError::Null(field.name.clone())),
                Some(json) => json,
            };
            value_of(value, &field.ty.ty).ok_or_else(|| DecodeError::Type {
                column: field.name.clone(),
                expected: expected(&field.ty.ty),
                found: shortened(value),
            })
        })
        .collect()
}

/// A JSON value as a value of `ty`; `None` if it is not one.
fn value_of(json: &Json, ty: &Type) -> Option<Value> {
    Some(match (ty, json) {
        (_, Json::Null) => Value::Null,
        (Type::String, Json::String(s)) => Value::String(s.clone()),
        (Type::Int, Json::Number(n)) => Value::Int(n.as_i64()?),
        (Type::Float, Json::Number(n)) => Value::Float(n.as_f64()?),
        (Type::Float, Json::String(s)) => match s.as_str() {
            "NaN" => Value::Float(f64::NAN),
            "Infinity" => Value::Float(f64::INFINITY),
            "-Infinity" => Value::Float(f64::NEG_INFINITY),
            _ => return None,
        },
        (Type::Bool, Json::Bool(b)) => Value::Bool(*b),
        (Type::Timestamp | Type::Date, Json::String(s)) => parsed(s, ty)?,
        (Type::Decimal { .. }, Json::String(s)) => parsed(s, ty)?,
        // the shortest text of the parsed number: exact for any decimal of ≤ 15 digits
        (Type::Decimal { .. }, Json::Number(n)) => parsed(&n.to_string(), ty)?,
        (Type::List(inner), Json::Array(items)) => Value::List(
            items
                .iter()
                .map(|item| value_of(item, inner))
                .collect::<Option<_>>()?,
        ),
        _ => return None,
    })
}

/// Text read with the casting rules of the language (`cast('...' as T)`); `None` if it does
/// not parse, or does not fit a decimal's precision.
fn parsed(text: &str, ty: &Type) -> Option<Value> {
    match eval::cast(&Value::String(text.to_string()), ty) {
        Ok(Value::Null) | Err(_) => None,
        Ok(value) => Some(value),
    }
}

fn expected(ty: &Type) -> String {
    match ty {
        Type::String => "a string".into(),
        Type::Int => "an integer".into(),
        Type::Float => "a number".into(),
        Type::Bool => "true or false".into(),
        Type::Timestamp => "an RFC 3339 time string".into(),
        Type::Date => "a YYYY-MM-DD date string".into(),
        Type::Decimal { precision, scale } => {
            format!(
                "a decimal number with at most {} integer digits",
                precision - scale
            )
        }
        Type::List(inner) => format!("an array of {}", expected(inner)),
        Type::Null => "null".into(),
    }
}

/// The offending JSON, cut to a readable length.
fn shortened(json: &Json) -> String {
    let text = json.to_string();
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::ColumnType;

    fn fields() -> Vec<Field> {
        let field = |name: &str, ty: Type, nullable| Field {
            name: name.into(),
            ty: ColumnType::new(ty, nullable),
        };
        vec![
            field("user_id", Type::String, false),
            field("revenue", Type::Float, true),
            field("n", Type::Int, true),
            field(
                "price",
                Type::Decimal {
                    precision: 6,
                    scale: 2,
                },
                true,
            ),
            field("tags", Type::List(Box::new(Type::String)), true),
            field("event_ts", Type::Timestamp, false),
        ]
    }

    fn decoded(json: &str) -> Result<Vec<Value>, DecodeError> {
        decode(Some(json.as_bytes()), &fields())
    }

    #[test]
    fn a_valid_message_becomes_one_value_per_column() {
        let row = decoded(
            r#"{"user_id":"u_1","revenue":3,"price":"12.345","tags":["a",null],
                "event_ts":"2024-03-15T14:22:00.5+01:00","extra":{"ignored":true}}"#,
        )
        .unwrap();
        assert_eq!(
            row,
            vec![
                Value::String("u_1".into()),
                Value::Float(3.0),
                Value::Null,
                Value::Decimal(1235, 2),
                Value::List(vec![Value::String("a".into()), Value::Null]),
                Value::Timestamp(1_710_508_920_500_000),
            ]
        );
        let row =
            decoded(r#"{"user_id":"u","price":0.1,"event_ts":"2024-03-15 13:22:00"}"#).unwrap();
        assert_eq!(row[3], Value::Decimal(10, 2));
        assert_eq!(row[5], Value::Timestamp(1_710_508_920_000_000));
    }

    #[test]
    fn bad_messages_say_what_is_wrong() {
        let ts = r#""event_ts":"2024-03-15T14:22:00Z""#;
        let cases = [
            ("", DecodeError::Empty.to_string()),
            ("[1]", DecodeError::NotAnObject.to_string()),
            (&format!(r#"{{{ts}}}"#), "`user_id` is missing".to_string()),
            (
                &format!(r#"{{"user_id":null,{ts}}}"#),
                "`user_id` is null, but the column is not nullable".to_string(),
            ),
            (
                &format!(r#"{{"user_id":"u","n":1.5,{ts}}}"#),
                "`n`: expected an integer, found 1.5".to_string(),
            ),
            (
                &format!(r#"{{"user_id":"u","price":12345.6,{ts}}}"#),
                "`price`: expected a decimal number with at most 4 integer digits, found 12345.6"
                    .to_string(),
            ),
            (
                r#"{"user_id":"u","event_ts":"yesterday"}"#,
                r#"`event_ts`: expected an RFC 3339 time string, found "yesterday""#.to_string(),
            ),
        ];
        for (json, message) in cases {
            let error = decoded(json).unwrap_err();
            assert_eq!(error.to_string(), message, "{json}");
        }
        assert!(matches!(decoded("{not json"), Err(DecodeError::NotJson(_))));
        assert_eq!(decode(None, &fields()), Err(DecodeError::Empty));
    }
}
