//! The wire conventions of the serving API: feature values to JSON, JSON to key values, times
//! in RFC 3339.
//!
//! | type | JSON |
//! |---|---|
//! | `int` | number |
//! | `float` | number; `null` for NaN and ±infinity (JSON has no spelling for them) |
//! | `bool` | `true` / `false` |
//! | `string` | string |
//! | `timestamp` | string, RFC 3339 in UTC with microseconds: `"2024-03-15T14:22:00.000000Z"` |
//! | `date` | string `"2024-03-15"` |
//! | `decimal(p, s)` | string in decimal notation at scale s (`"12.50"`): a JSON number would be read as a double by most clients and lose digits |
//! | `list<T>` | array |
//!
//! Keys in requests use the same spellings; a decimal key may also be a JSON number.

use crate::types::{MICROS_PER_DAY, Micros, Type, Value, decimal_text};
use chrono::{DateTime, SecondsFormat};
use serde_json::Value as Json;

/// Times beyond ±2^53 µs (about the years 1685 and 2255) do not survive the lookup's
/// conversion through a double exactly (docs/online.md, "Limits worth knowing").
pub const MAX_ABS_MICROS: Micros = 1 << 53;

/// A feature value (or key) as JSON.
pub fn value_to_json(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::String(s) => Json::String(s.clone()),
        Value::Timestamp(t) => format_time(*t).map_or(Json::Null, Json::String),
        Value::Date(days) => format_date(*days).map_or(Json::Null, Json::String),
        Value::Decimal(unscaled, scale) => Json::String(decimal_text(*unscaled, *scale)),
        Value::List(items) => Json::Array(items.iter().map(value_to_json).collect()),
    }
}

/// `micros` as RFC 3339 in UTC with six fractional digits, or `None` if out of chrono's range.
pub fn format_time(micros: Micros) -> Option<String> {
    DateTime::from_timestamp_micros(micros).map(|t| t.to_rfc3339_opts(SecondsFormat::Micros, true))
}

fn format_date(days: i32) -> Option<String> {
    let micros = i64::from(days).checked_mul(MICROS_PER_DAY)?;
    DateTime::from_timestamp_micros(micros).map(|t| t.format("%Y-%m-%d").to_string())
}

/// An RFC 3339 time in microseconds, rounded up to the next microsecond: an event at µs `m`
/// is before `T` exactly when `m ≤ floor(T)`, that is when `m < ceil(T)`.
pub fn parse_time(text: &str) -> Result<Micros, String> {
    let time = DateTime::parse_from_rfc3339(text).map_err(|e| {
        format!("`{text}` is not an RFC 3339 time such as 2024-03-15T14:22:00Z ({e})")
    })?;
    let sub_micro = time.timestamp_subsec_nanos() % 1_000 != 0;
    let micros = time.timestamp_micros() + Micros::from(sub_micro);
    if micros.abs() > MAX_ABS_MICROS {
        return Err(format!(
            "`{text}` is outside the times the online store can represent exactly (years 1685 to 2255)"
        ));
    }
    Ok(micros)
}

/// A key value of type `ty` from JSON, or what was expected instead.
pub fn key_from_json(ty: &Type, json: &Json) -> Result<Value, String> {
    let expected = |what: &str| Err(format!("must be {what}, got {}", describe(json)));
    match (ty, json) {
        (_, Json::Null) => Err("must not be null: keys always have a value".into()),
        (Type::String, Json::String(s)) if s.contains('\0') => {
            Err("must not contain NUL characters (Postgres text cannot hold them)".into())
        }
        (Type::String, Json::String(s)) => Ok(Value::String(s.clone())),
        (Type::String, _) => expected("a string"),
        (Type::Int, Json::Number(n)) => match n.as_i64() {
            Some(i) => Ok(Value::Int(i)),
            None => expected("a 64-bit integer"),
        },
        (Type::Int, _) => expected("an integer"),
        (Type::Float, Json::Number(n)) => match n.as_f64() {
            Some(f) => Ok(Value::Float(f)),
            None => expected("a number"),
        },
        (Type::Float, _) => expected("a number"),
        (Type::Bool, Json::Bool(b)) => Ok(Value::Bool(*b)),
        (Type::Bool, _) => expected("true or false"),
        (Type::Timestamp, Json::String(s)) => parse_key_time(s).map(Value::Timestamp),
        (Type::Timestamp, _) => expected("an RFC 3339 time string"),
        (Type::Date, Json::String(s)) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .and_then(|d| {
                let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?;
                i32::try_from((d - epoch).num_days()).ok()
            })
            .map(Value::Date)
            .ok_or_else(|| {
                format!(
                    "must be a date such as \"2024-03-15\", got {}",
                    describe(json)
                )
            }),
        (Type::Date, _) => expected("a date string such as \"2024-03-15\""),
        (Type::Decimal { precision, scale }, Json::String(s)) => {
            parse_decimal(s, *precision, *scale).map(|u| Value::Decimal(u, *scale))
        }
        (Type::Decimal { precision, scale }, Json::Number(n)) => {
            parse_decimal(&n.to_string(), *precision, *scale).map(|u| Value::Decimal(u, *scale))
        }
        (Type::Decimal { .. }, _) => expected("a decimal string such as \"12.50\""),
        (Type::List(_) | Type::Null, _) => Err(format!("has the type `{ty}`, which no key has")),
    }
}

/// A timestamp key must name one microsecond exactly.
fn parse_key_time(text: &str) -> Result<Micros, String> {
    let micros = parse_time(text)?;
    let exact = DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_subsec_nanos() % 1_000 == 0)
        .unwrap_or(false);
    if exact {
        Ok(micros)
    } else {
        Err(format!(
            "`{text}` has a finer precision than microseconds, which timestamps do not have"
        ))
    }
}

/// `text` in plain decimal notation as an unscaled integer at `scale`, within `precision`
/// digits.
fn parse_decimal(text: &str, precision: u8, scale: u8) -> Result<i128, String> {
    let bad = || format!("must be a decimal({precision}, {scale}) such as \"12.50\", got `{text}`");
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (integer, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if integer.is_empty() || !all_digits(integer) || !all_digits(fraction) {
        return Err(bad());
    }
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > usize::from(scale) {
        return Err(format!("{} (more than {scale} decimal places)", bad()));
    }
    let integer = integer.trim_start_matches('0');
    if integer.len() + usize::from(scale) > usize::from(precision) {
        return Err(format!("{} (more than {precision} digits)", bad()));
    }
    let padded = format!("{integer}{fraction:0<width$}", width = usize::from(scale));
    let unscaled: i128 = if padded.is_empty() {
        0
    } else {
        padded.parse().map_err(|_| bad())?
    };
    Ok(if negative { -unscaled } else { unscaled })
}

/// A short rendering of a JSON value for error messages (long values are cut).
pub fn describe(json: &Json) -> String {
    let kind = match json {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    };
    let text = json.to_string();
    const LIMIT: usize = 40;
    if text.chars().count() > LIMIT {
        let cut: String = text.chars().take(LIMIT).collect();
        format!("{kind} {cut}…")
    } else {
        format!("{kind} {text}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_use_the_documented_spellings() {
        assert_eq!(value_to_json(&Value::Int(-3)), json!(-3));
        assert_eq!(value_to_json(&Value::Float(0.5)), json!(0.5));
        assert_eq!(value_to_json(&Value::Float(f64::NAN)), Json::Null);
        assert_eq!(value_to_json(&Value::Float(f64::NEG_INFINITY)), Json::Null);
        assert_eq!(
            value_to_json(&Value::Timestamp(1_710_512_520_000_001)),
            json!("2024-03-15T14:22:00.000001Z")
        );
        assert_eq!(value_to_json(&Value::Date(-1)), json!("1969-12-31"));
        assert_eq!(value_to_json(&Value::Decimal(-1250, 2)), json!("-12.50"));
        assert_eq!(
            value_to_json(&Value::List(vec![Value::String("a".into()), Value::Null])),
            json!(["a", null])
        );
    }

    #[test]
    fn times_round_up_to_the_next_microsecond() {
        assert_eq!(parse_time("1970-01-01T00:00:00.000001Z"), Ok(1));
        assert_eq!(parse_time("1970-01-01T00:00:00.0000001Z"), Ok(1));
        assert_eq!(parse_time("1970-01-01T01:00:00+01:00"), Ok(0));
        assert!(parse_time("2024-03-15 14:22").is_err());
        assert!(parse_time("2400-01-01T00:00:00Z").is_err());
    }

    #[test]
    fn keys_must_have_their_declared_type() {
        assert_eq!(
            key_from_json(&Type::String, &json!("u_1")),
            Ok(Value::String("u_1".into()))
        );
        assert!(key_from_json(&Type::String, &json!(1)).is_err());
        assert!(key_from_json(&Type::String, &json!("a\u{0}b")).is_err());
        assert!(key_from_json(&Type::String, &Json::Null).is_err());
        assert_eq!(key_from_json(&Type::Int, &json!(7)), Ok(Value::Int(7)));
        assert!(key_from_json(&Type::Int, &json!(7.5)).is_err());
        assert!(key_from_json(&Type::Int, &json!("7")).is_err());
        assert_eq!(
            key_from_json(&Type::Date, &json!("1970-01-02")),
            Ok(Value::Date(1))
        );
        assert!(key_from_json(&Type::Timestamp, &json!("1970-01-01T00:00:00.0000001Z")).is_err());
    }

    #[test]
    fn decimal_keys_keep_their_scale_and_precision() {
        let ty = Type::Decimal {
            precision: 5,
            scale: 2,
        };
        assert_eq!(
            key_from_json(&ty, &json!("-12.5")),
            Ok(Value::Decimal(-1250, 2))
        );
        assert_eq!(key_from_json(&ty, &json!(3)), Ok(Value::Decimal(300, 2)));
        assert_eq!(
            key_from_json(&ty, &json!("0.10")),
            Ok(Value::Decimal(10, 2))
        );
        assert!(key_from_json(&ty, &json!("1.234")).is_err());
        assert!(key_from_json(&ty, &json!("1234")).is_err());
        assert!(key_from_json(&ty, &json!("1e3")).is_err());
        assert!(key_from_json(&ty, &json!(".5")).is_err());
    }
}
