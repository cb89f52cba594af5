//! The aggregate functions of the language and their typing rules (docs/language.md#aggregates), defined once for
//! the semantic analyser, the plan and every engine.

use crate::types::{ColumnType, Type, Value};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// An aggregate function, with the parameters that are part of its identity (`last_n`'s `n`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AggFunc {
    /// `count(*)`: every event that passes the `where` filter, nulls included.
    CountAll,
    /// `count(x)`: events whose `x` is not null.
    Count,
    Sum,
    Avg,
    Min,
    Max,
    First,
    Last,
    /// `last_n(x, n)`: the `n` latest non-null values, newest first.
    LastN {
        n: u32,
    },
    CountDistinct,
    ApproxCountDistinct,
    StddevPop,
    VarPop,
    /// `approx_percentile(x, q)`: the q-quantile within 1/128 relative error ([`super::Sketch`]);
    /// `q` in millionths.
    ApproxPercentile {
        ppm: u32,
    },
    /// `top_k(x, k)`: the `k` most frequent non-null values, most frequent first, ties by
    /// value ([`super::Frequencies`]).
    TopK {
        k: u32,
    },
}

/// What `min`, `max`, `first` and `last` keep — the one definition of their order and their
/// tie-break, which the states, the sweep and the SQL twin all follow: `min`/`max` compare
/// values; `first`/`last` compare (event time, value) pairs, so that at equal times `first`
/// keeps the smallest value and `last` the largest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extreme {
    /// Whether the event time is compared first.
    pub by_time: bool,
    /// `Less` to keep the least, `Greater` to keep the greatest.
    pub keep: Ordering,
}

impl Extreme {
    pub const MIN: Extreme = Extreme {
        by_time: false,
        keep: Ordering::Less,
    };
    pub const MAX: Extreme = Extreme {
        by_time: false,
        keep: Ordering::Greater,
    };
    pub const FIRST: Extreme = Extreme {
        by_time: true,
        keep: Ordering::Less,
    };
    pub const LAST: Extreme = Extreme {
        by_time: true,
        keep: Ordering::Greater,
    };
}

/// Which argument types an aggregate takes; one rule per family keeps the messages consistent.
enum Domain {
    /// Anything, lists and untyped `null` included: only nullness is looked at.
    Any,
    /// int, float, decimal.
    Numeric,
    /// Types with a total order shared by every engine.
    Orderable,
    /// Every typed scalar: values are stored, compared for tie-breaks or deduplicated.
    Scalar,
}

impl AggFunc {
    /// Every aggregate, with `last_n`'s `n` at 1 (a call gives the real one): what an engine
    /// registers, so that a new aggregate reaches every engine.
    pub const EVERY: [AggFunc; 15] = [
        AggFunc::CountAll,
        AggFunc::Count,
        AggFunc::Sum,
        AggFunc::Avg,
        AggFunc::Min,
        AggFunc::Max,
        AggFunc::First,
        AggFunc::Last,
        AggFunc::LastN { n: 1 },
        AggFunc::CountDistinct,
        AggFunc::ApproxCountDistinct,
        AggFunc::StddevPop,
        AggFunc::VarPop,
        AggFunc::ApproxPercentile { ppm: 500_000 },
        AggFunc::TopK { k: 1 },
    ];

    /// The name as written in `.feat` (`count(*)` and `count(x)` are both "count").
    pub fn name(&self) -> &'static str {
        match self {
            AggFunc::CountAll | AggFunc::Count => "count",
            AggFunc::Sum => "sum",
            AggFunc::Avg => "avg",
            AggFunc::Min => "min",
            AggFunc::Max => "max",
            AggFunc::First => "first",
            AggFunc::Last => "last",
            AggFunc::LastN { .. } => "last_n",
            AggFunc::CountDistinct => "count_distinct",
            AggFunc::ApproxCountDistinct => "approx_count_distinct",
            AggFunc::StddevPop => "stddev_pop",
            AggFunc::VarPop => "var_pop",
            AggFunc::ApproxPercentile { .. } => "approx_percentile",
            AggFunc::TopK { .. } => "top_k",
        }
    }

    /// The literal parameter of a call (`last_n`'s `n`, `top_k`'s `k`, `approx_percentile`'s
    /// `q` in millionths), which is part of the aggregate's identity.
    pub fn parameter(&self) -> Option<i64> {
        match self {
            AggFunc::LastN { n } => Some(i64::from(*n)),
            AggFunc::TopK { k } => Some(i64::from(*k)),
            AggFunc::ApproxPercentile { ppm } => Some(i64::from(*ppm)),
            _ => None,
        }
    }

    /// The same aggregate with `parameter` (as [`AggFunc::parameter`] gives it), if it takes
    /// one and the value is in range.
    pub fn with_parameter(&self, parameter: i64) -> Option<AggFunc> {
        let bounded = |max: u32| {
            u32::try_from(parameter)
                .ok()
                .filter(|p| (1..=max).contains(p))
        };
        match self {
            AggFunc::LastN { .. } => bounded(super::MAX_LAST_N).map(|n| AggFunc::LastN { n }),
            AggFunc::TopK { .. } => bounded(super::MAX_TOP_K).map(|k| AggFunc::TopK { k }),
            AggFunc::ApproxPercentile { .. } => u32::try_from(parameter)
                .ok()
                .filter(|ppm| i64::from(*ppm) <= super::sketch::PPM)
                .map(|ppm| AggFunc::ApproxPercentile { ppm }),
            _ => None,
        }
    }

    /// The parameter as written in `.feat` (`3`, `0.95`), for `featc explain`.
    pub fn parameter_text(&self) -> Option<String> {
        match self {
            AggFunc::ApproxPercentile { ppm } => {
                let text = format!("{:06}", ppm % 1_000_000);
                let whole = ppm / 1_000_000;
                let fraction = text.trim_end_matches('0');
                Some(if fraction.is_empty() {
                    format!("{whole}.0")
                } else {
                    format!("{whole}.{fraction}")
                })
            }
            other => other.parameter().map(|p| p.to_string()),
        }
    }

    /// What the aggregate keeps, if it keeps one extreme value ([`Extreme`]).
    pub fn extreme(&self) -> Option<Extreme> {
        match self {
            AggFunc::Min => Some(Extreme::MIN),
            AggFunc::Max => Some(Extreme::MAX),
            AggFunc::First => Some(Extreme::FIRST),
            AggFunc::Last => Some(Extreme::LAST),
            _ => None,
        }
    }

    /// Whether `update` needs each event's real event time (the other aggregates ignore it).
    pub fn uses_event_time(&self) -> bool {
        matches!(self, AggFunc::First | AggFunc::Last | AggFunc::LastN { .. })
    }

    fn domain(&self) -> Domain {
        match self {
            AggFunc::CountAll | AggFunc::Count => Domain::Any,
            AggFunc::Sum
            | AggFunc::Avg
            | AggFunc::StddevPop
            | AggFunc::VarPop
            | AggFunc::ApproxPercentile { .. } => Domain::Numeric,
            AggFunc::Min | AggFunc::Max => Domain::Orderable,
            AggFunc::First
            | AggFunc::Last
            | AggFunc::LastN { .. }
            | AggFunc::CountDistinct
            | AggFunc::ApproxCountDistinct
            | AggFunc::TopK { .. } => Domain::Scalar,
        }
    }

    /// Whether the aggregate takes an argument of type `arg`; the error is a sentence for a
    /// diagnostic's `help`, e.g. "`sum` takes int, float or decimal".
    ///
    /// Lists are taken only by `count(x)`: the other aggregates store, order or deduplicate
    /// values, and a list has neither an order shared by Rust and Postgres (nulls inside arrays
    /// sort differently) nor a Postgres column type once nested in a list or set state
    /// (Postgres arrays are rectangular, not arrays of arrays).
    pub fn accepts(&self, arg: &Type) -> Result<(), String> {
        let name = self.name();
        let domain = self.domain();
        if matches!(domain, Domain::Any) {
            return Ok(());
        }
        if *arg == Type::Null {
            return Err(format!(
                "`{name}` needs an argument of a known type; write `cast(null as T)`"
            ));
        }
        match domain {
            Domain::Any => Ok(()),
            Domain::Numeric if arg.is_numeric() => Ok(()),
            Domain::Numeric => Err(format!("`{name}` takes int, float or decimal")),
            Domain::Orderable if arg.is_orderable() => Ok(()),
            Domain::Orderable => Err(format!(
                "`{name}` takes a type with an order: string, int, float, decimal, bool, timestamp or date"
            )),
            Domain::Scalar if matches!(arg, Type::List(_)) => Err(format!(
                "`{name}` takes a scalar type (string, int, float, decimal, bool, timestamp or date), not a list"
            )),
            Domain::Scalar => Ok(()),
        }
    }

    /// The type of the aggregate's result for an argument of type `arg` (`None` for
    /// `count(*)`). Only meaningful when [`AggFunc::accepts`] the argument.
    pub fn result_type(&self, arg: Option<&Type>) -> ColumnType {
        let arg_type = || arg.cloned().unwrap_or(Type::Null);
        match self {
            AggFunc::CountAll
            | AggFunc::Count
            | AggFunc::CountDistinct
            | AggFunc::ApproxCountDistinct => ColumnType::required(Type::Int),
            AggFunc::Sum => ColumnType::nullable(match arg {
                Some(Type::Int) => Type::Int,
                Some(Type::Decimal { scale, .. }) => Type::Decimal {
                    precision: 38,
                    scale: *scale,
                },
                _ => Type::Float,
            }),
            AggFunc::Avg
            | AggFunc::StddevPop
            | AggFunc::VarPop
            | AggFunc::ApproxPercentile { .. } => ColumnType::nullable(Type::Float),
            AggFunc::Min | AggFunc::Max | AggFunc::First | AggFunc::Last => {
                ColumnType::nullable(arg_type())
            }
            AggFunc::LastN { .. } | AggFunc::TopK { .. } => {
                ColumnType::required(Type::List(Box::new(arg_type())))
            }
        }
    }

    /// Whether the aggregate's value can be null: exactly when its empty window gives null
    /// (counts and `last_n` never are). Every engine declares its result columns with this.
    pub fn value_is_nullable(&self) -> bool {
        self.empty_value().is_null()
    }

    /// The value of the aggregate over a window without matching events: 0 for counts, an
    /// empty list for `last_n`, null otherwise. The one definition of the empty-window rule:
    /// the batch statements, the UDAFs, the sweep and the lookups all derive theirs from it.
    pub fn empty_value(&self) -> Value {
        match self {
            AggFunc::CountAll
            | AggFunc::Count
            | AggFunc::CountDistinct
            | AggFunc::ApproxCountDistinct => Value::Int(0),
            AggFunc::LastN { .. } | AggFunc::TopK { .. } => Value::List(Vec::new()),
            AggFunc::ApproxPercentile { .. }
            | AggFunc::Sum
            | AggFunc::Avg
            | AggFunc::Min
            | AggFunc::Max
            | AggFunc::First
            | AggFunc::Last
            | AggFunc::StddevPop
            | AggFunc::VarPop => Value::Null,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decimal(precision: u8, scale: u8) -> Type {
        Type::Decimal { precision, scale }
    }

    #[test]
    fn numeric_aggregates_reject_strings_with_a_reason() {
        assert_eq!(
            AggFunc::Sum.accepts(&Type::String),
            Err("`sum` takes int, float or decimal".to_string())
        );
        assert!(AggFunc::VarPop.accepts(&Type::Bool).is_err());
        assert!(AggFunc::Avg.accepts(&decimal(10, 2)).is_ok());
    }

    #[test]
    fn lists_are_counted_but_not_stored() {
        let list = Type::List(Box::new(Type::Int));
        assert!(AggFunc::Count.accepts(&list).is_ok());
        assert!(AggFunc::CountAll.accepts(&list).is_ok());
        for func in [
            AggFunc::Min,
            AggFunc::First,
            AggFunc::LastN { n: 3 },
            AggFunc::CountDistinct,
            AggFunc::ApproxCountDistinct,
        ] {
            let reason = func.accepts(&list).unwrap_err();
            assert!(
                reason.starts_with(&format!("`{}` takes", func.name())),
                "{reason}"
            );
        }
    }

    #[test]
    fn untyped_null_is_only_counted() {
        assert!(AggFunc::Count.accepts(&Type::Null).is_ok());
        assert!(
            AggFunc::Last
                .accepts(&Type::Null)
                .unwrap_err()
                .contains("cast(null as T)")
        );
    }

    #[test]
    fn result_types_follow_the_spec_table() {
        let cases = [
            (AggFunc::CountAll, None, "int"),
            (AggFunc::Count, Some(Type::String), "int"),
            (AggFunc::Sum, Some(Type::Int), "int?"),
            (AggFunc::Sum, Some(Type::Float), "float?"),
            (AggFunc::Sum, Some(decimal(10, 2)), "decimal(38, 2)?"),
            (AggFunc::Avg, Some(Type::Int), "float?"),
            (AggFunc::Min, Some(Type::Date), "date?"),
            (AggFunc::Last, Some(Type::String), "string?"),
            (AggFunc::LastN { n: 3 }, Some(Type::Int), "list<int>"),
            (AggFunc::CountDistinct, Some(Type::String), "int"),
            (AggFunc::ApproxCountDistinct, Some(Type::String), "int"),
            (AggFunc::StddevPop, Some(decimal(5, 1)), "float?"),
        ];
        for (func, arg, expected) in cases {
            assert_eq!(
                func.result_type(arg.as_ref()).to_string(),
                expected,
                "{func:?}"
            );
        }
    }

    #[test]
    fn empty_windows_give_zero_null_or_an_empty_list() {
        assert_eq!(AggFunc::Count.empty_value(), Value::Int(0));
        assert_eq!(AggFunc::ApproxCountDistinct.empty_value(), Value::Int(0));
        assert_eq!(AggFunc::LastN { n: 2 }.empty_value(), Value::List(vec![]));
        assert!(AggFunc::Sum.empty_value().is_null());
    }

    #[test]
    fn serde_names_are_snake_case() {
        let json = serde_json::to_string(&[AggFunc::CountAll, AggFunc::LastN { n: 5 }]).unwrap();
        assert_eq!(json, r#"["count_all",{"last_n":{"n":5}}]"#);
    }
}
