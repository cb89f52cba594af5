//! Types and values of the `.feat` language, displayed in `.feat` spelling.
//!
//! A leaf module: every stage may use it. Nullability is kept beside the type ([`ColumnType`]),
//! not inside it, because SQL's three-valued logic makes "may be null" a property of an
//! expression's result, not of the type's domain.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;

/// Microseconds: the resolution of every time and duration in featc.
pub type Micros = i64;

pub const MICROS_PER_SECOND: Micros = 1_000_000;
pub const MICROS_PER_MINUTE: Micros = 60 * MICROS_PER_SECOND;
pub const MICROS_PER_HOUR: Micros = 60 * MICROS_PER_MINUTE;
pub const MICROS_PER_DAY: Micros = 24 * MICROS_PER_HOUR;

/// A value type of the language (docs/language.md#types).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Type {
    String,
    Int,
    Float,
    Bool,
    Timestamp,
    Date,
    Decimal {
        precision: u8,
        scale: u8,
    },
    List(Box<Type>),
    /// The type of the literal `null` before it meets a context; never a column's type.
    Null,
}

impl Type {
    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Int | Type::Float | Type::Decimal { .. })
    }

    /// Types with a total order, usable in `min`, `max`, comparisons and tie-breaks.
    pub fn is_orderable(&self) -> bool {
        matches!(
            self,
            Type::String
                | Type::Int
                | Type::Float
                | Type::Bool
                | Type::Timestamp
                | Type::Date
                | Type::Decimal { .. }
        )
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::String => f.write_str("string"),
            Type::Int => f.write_str("int"),
            Type::Float => f.write_str("float"),
            Type::Bool => f.write_str("bool"),
            Type::Timestamp => f.write_str("timestamp"),
            Type::Date => f.write_str("date"),
            Type::Decimal { precision, scale } => write!(f, "decimal({precision}, {scale})"),
            Type::List(inner) => write!(f, "list<{inner}>"),
            Type::Null => f.write_str("null"),
        }
    }
}

/// A type and whether values of it may be null (`string?` in `.feat`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ColumnType {
    pub ty: Type,
    pub nullable: bool,
}

impl ColumnType {
    pub fn new(ty: Type, nullable: bool) -> ColumnType {
        ColumnType { ty, nullable }
    }
    pub fn required(ty: Type) -> ColumnType {
        ColumnType::new(ty, false)
    }
    pub fn nullable(ty: Type) -> ColumnType {
        ColumnType::new(ty, true)
    }
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.ty, if self.nullable { "?" } else { "" })
    }
}

/// A runtime value. `Float` compares by IEEE total order so that values can be sorted, hashed
/// and deduplicated deterministically (distinct sets, tie-breaks).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    /// Microseconds since the Unix epoch, UTC.
    Timestamp(Micros),
    /// Days since the Unix epoch.
    Date(i32),
    /// An unscaled integer and a scale: `Decimal(12345, 2)` is 123.45.
    Decimal(i128, u8),
    List(Vec<Value>),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Rank of the variant, so that values of different variants still have a total order.
    fn variant_rank(&self) -> u8 {
        match self {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Int(_) => 2,
            Value::Float(_) => 3,
            Value::Decimal(..) => 4,
            Value::String(_) => 5,
            Value::Timestamp(_) => 6,
            Value::Date(_) => 7,
            Value::List(_) => 8,
        }
    }
}

impl Ord for Value {
    fn cmp(&self, other: &Value) -> Ordering {
        match (self, other) {
            (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
            (Value::Int(a), Value::Int(b)) => a.cmp(b),
            (Value::Float(a), Value::Float(b)) => a.total_cmp(b),
            (Value::String(a), Value::String(b)) => a.cmp(b),
            (Value::Timestamp(a), Value::Timestamp(b)) => a.cmp(b),
            (Value::Date(a), Value::Date(b)) => a.cmp(b),
            (Value::Decimal(a, sa), Value::Decimal(b, sb)) => {
                decimal_cmp(*a, *sa, *b, *sb).then(sa.cmp(sb))
            }
            (Value::List(a), Value::List(b)) => a.cmp(b),
            _ => self.variant_rank().cmp(&other.variant_rank()),
        }
    }
}

fn decimal_cmp(a: i128, sa: u8, b: i128, sb: u8) -> Ordering {
    // Bring both to the larger scale; saturate rather than overflow (p <= 38 keeps this exact
    // for every value the language can produce).
    let (a, b) = match sa.cmp(&sb) {
        Ordering::Less => (a.saturating_mul(10i128.saturating_pow((sb - sa) as u32)), b),
        Ordering::Greater => (a, b.saturating_mul(10i128.saturating_pow((sa - sb) as u32))),
        Ordering::Equal => (a, b),
    };
    a.cmp(&b)
}

impl PartialOrd for Value {
    fn partial_cmp(&self, other: &Value) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Value {}

impl std::hash::Hash for Value {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.variant_rank().hash(state);
        match self {
            Value::Null => {}
            Value::Bool(v) => v.hash(state),
            Value::Int(v) => v.hash(state),
            Value::Float(v) => v.to_bits().hash(state),
            Value::String(v) => v.hash(state),
            Value::Timestamp(v) => v.hash(state),
            Value::Date(v) => v.hash(state),
            Value::Decimal(v, s) => {
                v.hash(state);
                s.hash(state)
            }
            Value::List(v) => v.hash(state),
        }
    }
}

/// `unscaled × 10^-scale` in decimal notation: `(-5, 2)` is `-0.05`. The one spelling of a
/// decimal in featc's text: casts to string, Postgres parameters, JSON and SQL literals.
pub fn decimal_text(unscaled: i128, scale: u8) -> String {
    let digits = unscaled.unsigned_abs().to_string();
    let scale = usize::from(scale);
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (integer, fraction) = padded.split_at(padded.len() - scale);
    let sign = if unscaled < 0 { "-" } else { "" };
    if scale == 0 {
        format!("{sign}{integer}")
    } else {
        format!("{sign}{integer}.{fraction}")
    }
}

/// Formats a duration the way `.feat` spells it: the largest unit that divides it exactly.
pub fn format_duration(micros: Micros) -> String {
    for (unit, size) in [
        ("d", MICROS_PER_DAY),
        ("h", MICROS_PER_HOUR),
        ("m", MICROS_PER_MINUTE),
        ("s", MICROS_PER_SECOND),
    ] {
        if micros != 0 && micros % size == 0 {
            return format!("{}{unit}", micros / size);
        }
    }
    format!("{micros}us")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_use_the_largest_exact_unit() {
        assert_eq!(format_duration(7 * MICROS_PER_DAY), "7d");
        assert_eq!(format_duration(90 * MICROS_PER_MINUTE), "90m");
        assert_eq!(format_duration(30 * MICROS_PER_SECOND), "30s");
        assert_eq!(format_duration(1500), "1500us");
    }

    #[test]
    fn floats_order_totally_and_decimals_by_value() {
        assert!(Value::Float(f64::NAN) > Value::Float(f64::INFINITY));
        assert_eq!(Value::Float(1.0), Value::Float(1.0));
        assert!(Value::Decimal(150, 2) < Value::Decimal(16, 1));
        assert!(Value::Null < Value::Int(i64::MIN));
    }

    #[test]
    fn types_print_in_feat_spelling() {
        let t = ColumnType::nullable(Type::List(Box::new(Type::Decimal {
            precision: 10,
            scale: 2,
        })));
        assert_eq!(t.to_string(), "list<decimal(10, 2)>?");
    }
}
