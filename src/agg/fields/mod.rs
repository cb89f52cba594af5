//! The portable encoding of a [`State`] as a fixed list of typed fields: what the online store
//! keeps in Postgres columns (one column per field, named `<feature>__<suffix>` or as the
//! online store chooses) and what the stream operator and the batch accumulators exchange.
//!
//! For every aggregate, [`state_fields`] gives the layout, [`State::to_fields`] the values and
//! [`State::from_fields`] the way back; `from_fields(to_fields(s)) == s` exactly. Each field
//! carries its [`MergeRule`]: the Postgres upsert merges a stored row with an incoming one by
//! exactly these rules (the SQL twin of [`State::merge`]).

mod decode;

pub use decode::DecodeError;

use super::sum::Sum;
use super::{AggFunc, State};
use crate::types::{Micros, Type, Value};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One field of a state's encoding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateField {
    /// What the field holds, used as a column-name suffix: "count", "sum", "compensation",
    /// "value", "ts", "values", "times", "registers", "mean", "m2".
    pub suffix: &'static str,
    pub ty: FieldType,
    /// Whether the field may be null (only while the state has seen no value).
    pub nullable: bool,
    /// How the field of two states merges.
    pub merge: MergeRule,
}

/// The type of a state field, and the Postgres column type the online store maps it to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// A count, ≥ 0. Postgres `bigint`.
    Int,
    /// An exact number at a fixed scale, wider than 64 bits (sums of ints at scale 0, sums of
    /// decimals at the argument's scale). Postgres `numeric` (unconstrained: exact, any width).
    Numeric { scale: u8 },
    /// Postgres `double precision`.
    Float,
    /// An event time in microseconds since the Unix epoch. Postgres `bigint` (not
    /// `timestamptz`: compared and copied, never displayed, and exact without conversion).
    Time,
    /// A value of the aggregated argument's type: the online store's column type for that
    /// language type (as for a feature column). Strings must use `COLLATE "C"`: states compare
    /// strings by their bytes (tie-breaks, min/max, sorted sets), as Rust does.
    Value(Type),
    /// A list of values of the argument's type: the array of the `Value` column type
    /// (`text[] COLLATE "C"`, `bigint[]`, ...).
    ValueList(Type),
    /// A list of 64-bit ints: event times (`last_n`), sketch buckets and counts. Postgres
    /// `bigint[]`.
    IntList,
    /// Raw bytes. Postgres `bytea`.
    Bytes,
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldType::Int => f.write_str("an int"),
            FieldType::Numeric { scale } => write!(f, "a numeric with scale {scale}"),
            FieldType::Float => f.write_str("a float"),
            FieldType::Time => f.write_str("a time"),
            FieldType::Value(ty) => write!(f, "a {ty} value"),
            FieldType::ValueList(ty) => write!(f, "a list of {ty} values"),
            FieldType::IntList => f.write_str("a list of ints"),
            FieldType::Bytes => f.write_str("bytes"),
        }
    }
}

/// How the fields of two states `a` and `b` merge. Rules that span several fields ("joint")
/// are stated once and carried by each of their fields. In SQL, `a` is the stored row and `b`
/// the incoming one (the merge is commutative, so the choice does not matter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MergeRule {
    /// `a + b` (non-null counts).
    Add,
    /// `a + b` where null means "no value": null only if both are null
    /// (`coalesce(a + b, a, b)`). Sums of ints and of decimals.
    AddNullable,
    /// The smaller, nulls ignored: Postgres `least(a, b)`. `min`.
    Least,
    /// The larger, nulls ignored: Postgres `greatest(a, b)`. `max`.
    Greatest,
    /// Joint over (`sum`, `compensation`), Neumaier's compensated sum, `sum` null meaning "no
    /// value": if `a.sum` is null take `b`, if `b.sum` is null take `a`; else
    /// `t = a.sum + b.sum`,
    /// `e = (a.sum − t) + b.sum` if `|a.sum| ≥ |b.sum|`, else `(b.sum − t) + a.sum`,
    /// `sum = t`, `compensation = e + (a.compensation + b.compensation)`, but 0 if `t` is
    /// infinite or NaN. The value is `sum + compensation` (just `sum` if not finite). Floats.
    CompensatedSum,
    /// Joint over (`ts`, `value`), both null or both non-null: the pair that is smaller by
    /// `ts`, then by `value` (`first`): take `b` if `a.ts` is null or `(b.ts, b.value) <
    /// (a.ts, a.value)` as a row comparison, else `a`.
    EarliestPair,
    /// Joint over (`ts`, `value`): the pair larger by `ts`, then by `value` (`last`): take `b`
    /// if `a.ts` is null or `(b.ts, b.value) > (a.ts, a.value)`, else `a`.
    LatestPair,
    /// Joint over (`times`, `values`), equal-length arrays, newest first: zip each side's
    /// arrays into (time, value) pairs, take all pairs of both (duplicates kept), order by
    /// time descending then value descending, keep the first `n`, unzip.
    LatestN { n: u32 },
    /// Set union: the distinct elements of both arrays, sorted ascending.
    Union,
    /// Register-wise maximum of two byte strings; an empty one is the identity (both are
    /// otherwise 4096 bytes).
    RegisterMax,
    /// Joint over (`count`, `mean`, `m2`), Chan's parallel formula: if `a.count = 0` take `b`,
    /// if `b.count = 0` take `a`; else `n = a.count + b.count`, `δ = b.mean − a.mean`,
    /// `mean = a.mean·(a.count/n) + b.mean·(b.count/n)`,
    /// `m2 = (a.m2 + b.m2) + δ·δ·(a.count·b.count/n)`, all in double precision.
    Moments,
    /// Joint over (`keys`, `counts`), equal-length arrays with the keys ascending and distinct:
    /// the union of both sides' keys, ascending, each with the sum of its counts (a sketch's
    /// buckets; `top_k`'s values).
    KeyedCounts { keys: &'static str },
}

/// The value of one state field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum FieldValue {
    Null,
    Int(i64),
    /// `unscaled × 10^-scale`.
    Numeric {
        unscaled: i128,
        scale: u8,
    },
    Float(f64),
    Time(Micros),
    Value(Value),
    Values(Vec<Value>),
    Ints(Vec<i64>),
    Bytes(Vec<u8>),
}

impl FieldValue {
    fn kind(&self) -> String {
        match self {
            FieldValue::Null => "null".into(),
            FieldValue::Int(_) => "an int".into(),
            FieldValue::Numeric { scale, .. } => format!("a numeric with scale {scale}"),
            FieldValue::Float(_) => "a float".into(),
            FieldValue::Time(_) => "a time".into(),
            FieldValue::Value(_) => "a value".into(),
            FieldValue::Values(_) => "a list of values".into(),
            FieldValue::Ints(_) => "a list of ints".into(),
            FieldValue::Bytes(_) => "bytes".into(),
        }
    }
}

/// The fields that encode the state of `func` over an argument of type `arg` (`None` for
/// `count(*)`), in order.
pub fn state_fields(func: &AggFunc, arg: Option<&Type>) -> Vec<StateField> {
    let arg_type = arg.cloned().unwrap_or(Type::Null);
    let field = |suffix, ty, nullable, merge| StateField {
        suffix,
        ty,
        nullable,
        merge,
    };
    match func {
        AggFunc::CountAll | AggFunc::Count => {
            vec![field("count", FieldType::Int, false, MergeRule::Add)]
        }
        AggFunc::Sum => sum_fields(&Sum::new(arg)),
        AggFunc::Avg => {
            let mut fields = sum_fields(&Sum::new(arg));
            fields.push(field("count", FieldType::Int, false, MergeRule::Add));
            fields
        }
        AggFunc::Min => vec![field(
            "value",
            FieldType::Value(arg_type),
            true,
            MergeRule::Least,
        )],
        AggFunc::Max => vec![field(
            "value",
            FieldType::Value(arg_type),
            true,
            MergeRule::Greatest,
        )],
        AggFunc::First | AggFunc::Last => {
            let rule = if *func == AggFunc::First {
                MergeRule::EarliestPair
            } else {
                MergeRule::LatestPair
            };
            vec![
                field("ts", FieldType::Time, true, rule),
                field("value", FieldType::Value(arg_type), true, rule),
            ]
        }
        AggFunc::LastN { n } => {
            let rule = MergeRule::LatestN { n: *n };
            vec![
                field("times", FieldType::IntList, false, rule),
                field("values", FieldType::ValueList(arg_type), false, rule),
            ]
        }
        AggFunc::CountDistinct => vec![field(
            "values",
            FieldType::ValueList(arg_type),
            false,
            MergeRule::Union,
        )],
        AggFunc::ApproxCountDistinct => vec![field(
            "registers",
            FieldType::Bytes,
            false,
            MergeRule::RegisterMax,
        )],
        AggFunc::StddevPop | AggFunc::VarPop => vec![
            field("count", FieldType::Int, false, MergeRule::Moments),
            field("mean", FieldType::Float, false, MergeRule::Moments),
            field("m2", FieldType::Float, false, MergeRule::Moments),
        ],
        AggFunc::ApproxPercentile { .. } => {
            let rule = MergeRule::KeyedCounts { keys: "buckets" };
            vec![
                field("buckets", FieldType::IntList, false, rule),
                field("counts", FieldType::IntList, false, rule),
            ]
        }
        AggFunc::TopK { .. } => {
            let rule = MergeRule::KeyedCounts { keys: "values" };
            vec![
                field("values", FieldType::ValueList(arg_type), false, rule),
                field("counts", FieldType::IntList, false, rule),
            ]
        }
    }
}

fn sum_fields(sum: &Sum) -> Vec<StateField> {
    let exact = |scale| {
        vec![StateField {
            suffix: "sum",
            ty: FieldType::Numeric { scale },
            nullable: true,
            merge: MergeRule::AddNullable,
        }]
    };
    match sum {
        Sum::Int(_) => exact(0),
        Sum::Decimal { scale, .. } => exact(*scale),
        Sum::Float(_) => vec![
            StateField {
                suffix: "sum",
                ty: FieldType::Float,
                nullable: true,
                merge: MergeRule::CompensatedSum,
            },
            StateField {
                suffix: "compensation",
                ty: FieldType::Float,
                nullable: false,
                merge: MergeRule::CompensatedSum,
            },
        ],
    }
}

impl State {
    /// The state as field values, in the order of [`state_fields`].
    pub fn to_fields(&self) -> Vec<FieldValue> {
        let value_or_null = |value: &Option<Value>| match value {
            Some(value) => FieldValue::Value(value.clone()),
            None => FieldValue::Null,
        };
        match self {
            State::CountAll(count) | State::Count(count) => vec![FieldValue::Int(*count)],
            State::Sum(sum) => sum_values(sum),
            State::Avg { sum, count } => {
                let mut fields = sum_values(sum);
                fields.push(FieldValue::Int(*count));
                fields
            }
            State::Min(value) | State::Max(value) => vec![value_or_null(value)],
            State::First(pair) | State::Last(pair) => match pair {
                Some(pair) => vec![
                    FieldValue::Time(pair.time),
                    FieldValue::Value(pair.value.clone()),
                ],
                None => vec![FieldValue::Null, FieldValue::Null],
            },
            State::LastN(latest) => vec![
                FieldValue::Ints(latest.newest_first().iter().map(|p| p.time).collect()),
                FieldValue::Values(
                    latest
                        .newest_first()
                        .iter()
                        .map(|p| p.value.clone())
                        .collect(),
                ),
            ],
            State::CountDistinct(set) => vec![FieldValue::Values(set.iter().cloned().collect())],
            State::ApproxCountDistinct(hll) => vec![FieldValue::Bytes(hll.registers().to_vec())],
            State::StddevPop(moments) | State::VarPop(moments) => vec![
                FieldValue::Int(moments.count()),
                FieldValue::Float(moments.mean()),
                FieldValue::Float(moments.m2()),
            ],
            State::ApproxPercentile { sketch, .. } => {
                let (keys, counts) = sketch.buckets();
                vec![FieldValue::Ints(keys), FieldValue::Ints(counts)]
            }
            State::TopK { counts, .. } => {
                let (values, counts) = counts.entries();
                vec![FieldValue::Values(values), FieldValue::Ints(counts)]
            }
        }
    }
}

fn sum_values(sum: &Sum) -> Vec<FieldValue> {
    let numeric = |unscaled: &Option<i128>, scale| match unscaled {
        Some(unscaled) => FieldValue::Numeric {
            unscaled: *unscaled,
            scale,
        },
        None => FieldValue::Null,
    };
    match sum {
        Sum::Int(unscaled) => vec![numeric(unscaled, 0)],
        Sum::Decimal { scale, unscaled } => vec![numeric(unscaled, *scale)],
        Sum::Float(Some(sum)) => vec![
            FieldValue::Float(sum.sum()),
            FieldValue::Float(sum.compensation()),
        ],
        Sum::Float(None) => vec![FieldValue::Null, FieldValue::Float(0.0)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_name_their_fields() {
        let suffixes = |func: AggFunc, arg: Type| -> Vec<&str> {
            state_fields(&func, Some(&arg))
                .iter()
                .map(|f| f.suffix)
                .collect()
        };
        assert_eq!(suffixes(AggFunc::Sum, Type::Float), ["sum", "compensation"]);
        assert_eq!(suffixes(AggFunc::Avg, Type::Int), ["sum", "count"]);
        assert_eq!(suffixes(AggFunc::Last, Type::String), ["ts", "value"]);
        assert_eq!(
            suffixes(AggFunc::LastN { n: 3 }, Type::Int),
            ["times", "values"]
        );
        assert_eq!(
            suffixes(AggFunc::VarPop, Type::Int),
            ["count", "mean", "m2"]
        );
        assert_eq!(
            state_fields(&AggFunc::CountAll, None),
            [StateField {
                suffix: "count",
                ty: FieldType::Int,
                nullable: false,
                merge: MergeRule::Add
            }]
        );
    }

    #[test]
    fn sum_of_decimals_is_numeric_at_the_input_scale() {
        let decimal = Type::Decimal {
            precision: 10,
            scale: 2,
        };
        let fields = state_fields(&AggFunc::Sum, Some(&decimal));
        assert_eq!(fields[0].ty, FieldType::Numeric { scale: 2 });
        let mut state = State::new(&AggFunc::Sum, Some(&decimal));
        state.update(&Value::Decimal(125, 2), 0);
        assert_eq!(
            state.to_fields(),
            [FieldValue::Numeric {
                unscaled: 125,
                scale: 2
            }]
        );
        // A numeric read back at a larger scale (as Postgres may return it) is the same state.
        let read_back = [FieldValue::Numeric {
            unscaled: 1250,
            scale: 3,
        }];
        assert_eq!(
            State::from_fields(&AggFunc::Sum, Some(&decimal), &read_back),
            Ok(state)
        );
    }
}
