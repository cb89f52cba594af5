//! `cast(x as T)`, for the conversions semantic analysis allows (`semantic::typeck::cast`):
//! between numbers, `string` ↔ any scalar, `bool` ↔ `int`, `timestamp` ↔ `date`, lists
//! element by element.
//!
//! - float → int truncates toward zero (as the SQL printer writes it); decimal → int
//!   truncates too (DataFusion's rule: the batch path is the reference for the stream);
//!   NaN, infinities and out-of-range values are null.
//! - → decimal rounds half away from zero to the scale; null beyond the precision; a float
//!   goes through its 15 significant digits, as Postgres converts it.
//! - string → number/bool/time parses (surrounding spaces allowed); unparsable text is an
//!   error, as in both SQL engines. Booleans read `true/false, t/f, yes/no, y/n, on/off, 1/0`;
//!   timestamps RFC 3339, or `YYYY-MM-DD[ T]HH:MM:SS[.f]` and `YYYY-MM-DD` read as UTC.
//! - → string prints Postgres' spelling: `true`/`false`, the shortest float text (`1e+20`,
//!   `NaN`, `Infinity`), decimals at their scale, RFC 3339 timestamps in UTC, ISO dates.

use super::EvalError;
use super::numeric::{decimal_to_f64, f64_to_decimal, fit_decimal, parse_decimal};
use crate::types::{MICROS_PER_DAY, Type, Value, decimal_text};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, SecondsFormat};

pub fn cast(value: &Value, to: &Type) -> Result<Value, EvalError> {
    let fail = || EvalError::Cast {
        value: format!("{value:?}"),
        to: to.clone(),
    };
    let decimal = |unscaled: i128, scale: u8| match to {
        Type::Decimal {
            precision,
            scale: to_scale,
        } => fit_decimal(unscaled, scale, *precision, *to_scale)
            .map_or(Value::Null, |u| Value::Decimal(u, *to_scale)),
        _ => Value::Null,
    };
    Ok(match (value, to) {
        (Value::Null, _) => Value::Null,
        (Value::List(items), Type::List(inner)) => Value::List(
            items
                .iter()
                .map(|item| cast(item, inner))
                .collect::<Result<_, _>>()?,
        ),
        (_, Type::String) => Value::String(text(value).ok_or_else(fail)?),
        (Value::String(s), _) => parse(s.trim(), to).ok_or_else(fail)?,

        (Value::Int(i), Type::Int) => Value::Int(*i),
        (Value::Int(i), Type::Float) => Value::Float(*i as f64),
        (Value::Int(i), Type::Decimal { .. }) => decimal(i128::from(*i), 0),
        (Value::Int(i), Type::Bool) => Value::Bool(*i != 0),

        (Value::Float(f), Type::Float) => Value::Float(*f),
        (Value::Float(f), Type::Int) => float_to_int(*f),
        (Value::Float(f), Type::Decimal { scale, .. }) => {
            f64_to_decimal(*f, *scale).map_or(Value::Null, |u| decimal(u, *scale))
        }

        (Value::Decimal(u, s), Type::Decimal { .. }) => decimal(*u, *s),
        (Value::Decimal(u, s), Type::Float) => Value::Float(decimal_to_f64(*u, *s)),
        (Value::Decimal(u, s), Type::Int) => {
            let truncated = super::numeric::pow10(u32::from(*s)).map_or(0, |unit| u / unit);
            i64::try_from(truncated).map_or(Value::Null, Value::Int)
        }

        (Value::Bool(b), Type::Bool) => Value::Bool(*b),
        (Value::Bool(b), Type::Int) => Value::Int(i64::from(*b)),

        (Value::Timestamp(t), Type::Timestamp) => Value::Timestamp(*t),
        (Value::Timestamp(t), Type::Date) => {
            i32::try_from(t.div_euclid(MICROS_PER_DAY)).map_or(Value::Null, Value::Date)
        }
        (Value::Date(d), Type::Date) => Value::Date(*d),
        (Value::Date(d), Type::Timestamp) => i64::from(*d)
            .checked_mul(MICROS_PER_DAY)
            .map_or(Value::Null, Value::Timestamp),
        _ => return Err(fail()),
    })
}

fn float_to_int(f: f64) -> Value {
    let t = f.trunc();
    // i64::MIN is -2^63 exactly; 2^63 is the first double above i64::MAX
    if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&t) {
        Value::Int(t as i64)
    } else {
        Value::Null
    }
}

/// A scalar as text, in Postgres' spelling.
fn text(value: &Value) -> Option<String> {
    Some(match value {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => float_text(*f),
        Value::Decimal(u, s) => decimal_text(*u, *s),
        Value::Timestamp(t) => {
            DateTime::from_timestamp_micros(*t)?.to_rfc3339_opts(SecondsFormat::AutoSi, true)
        }
        Value::Date(d) => date_of(*d)?.format("%Y-%m-%d").to_string(),
        Value::Null | Value::List(_) => return None,
    })
}

/// The shortest text that reads back as `f`, positional for exponents from -4 to 14 and
/// scientific (`1.5e+20`, `1e-05`) otherwise, as Postgres prints doubles.
pub fn float_text(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let scientific = format!("{f:e}"); // shortest round-trip digits: "1.5e20", "-1e-5"
    let Some((mantissa, exponent)) = scientific.split_once('e') else {
        return scientific;
    };
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if (-4..15).contains(&exponent) {
        return format!("{f}");
    }
    let sign = if exponent < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exponent.unsigned_abs())
}

fn date_of(days: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(days.checked_add(719_163)?)
}

fn days_of(date: NaiveDate) -> i32 {
    date.num_days_from_ce() - 719_163
}

/// Text read as a value of `to`; `None` if it does not parse.
fn parse(s: &str, to: &Type) -> Option<Value> {
    Some(match to {
        Type::Int => Value::Int(s.parse().ok()?),
        Type::Float => Value::Float(s.parse().ok()?),
        Type::Decimal { precision, scale } => {
            let unscaled = parse_decimal(s, *scale)?;
            match fit_decimal(unscaled, *scale, *precision, *scale) {
                Some(u) => Value::Decimal(u, *scale),
                None => Value::Null,
            }
        }
        Type::Bool => Value::Bool(parse_bool(s)?),
        Type::Timestamp => Value::Timestamp(parse_timestamp(s)?),
        Type::Date => Value::Date(days_of(NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?)),
        Type::String => Value::String(s.to_string()),
        Type::List(_) | Type::Null => return None,
    })
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "on" | "1" => Some(true),
        "false" | "f" | "no" | "n" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// RFC 3339 with any offset; a time without offset, or a bare date, is UTC.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_micros());
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, format) {
            return Some(t.and_utc().timestamp_micros());
        }
    }
    let date = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_postgres() {
        assert_eq!(float_text(1e20), "1e+20");
        assert_eq!(float_text(1.5e-5), "1.5e-05");
        assert_eq!(float_text(100000.0), "100000");
        assert_eq!(float_text(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(float_text(-0.0001), "-0.0001");
        assert_eq!(float_text(f64::NEG_INFINITY), "-Infinity");
    }

    #[test]
    fn timestamps_read_with_or_without_offset() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:01Z"), Some(1_000_000));
        assert_eq!(
            parse_timestamp("1970-01-01T01:00:01+01:00"),
            Some(1_000_000)
        );
        assert_eq!(parse_timestamp("1970-01-01 00:00:00.5"), Some(500_000));
        assert_eq!(parse_timestamp("1970-01-02"), Some(MICROS_PER_DAY));
        assert_eq!(parse_timestamp("yesterday"), None);
    }
}
