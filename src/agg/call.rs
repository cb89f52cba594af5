//! Recognising aggregate calls: the names, how each is called, and the mapping from a call's
//! shape to an [`AggFunc`]. The semantic analyser inspects the AST; this module decides.

use super::AggFunc;

/// The largest `n` of `last_n(x, n)`: the state keeps `n` values per entity per tile online.
pub const MAX_LAST_N: u32 = 1000;
/// The largest `k` of `top_k(x, k)`: the result is a list of up to `k` values.
pub const MAX_TOP_K: u32 = 1000;

/// How an aggregate is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arity {
    /// `count(*)` or `count(x)`.
    StarOrValue,
    /// `f(x)`.
    Value,
    /// `f(x, n)` with `n` an integer literal (`last_n`, `top_k`).
    ValueAndLimit,
    /// `f(x, q)` with `q` a number literal from 0 to 1 (`approx_percentile`).
    ValueAndFraction,
}

impl Arity {
    /// How to call `name`, for an error's help: "`count(*)` or `count(x)`".
    pub fn usage(self, name: &str) -> String {
        match self {
            Arity::StarOrValue => format!("`{name}(*)` or `{name}(x)`"),
            Arity::Value => format!("`{name}(x)`"),
            Arity::ValueAndLimit => {
                let max = if name == "top_k" {
                    MAX_TOP_K
                } else {
                    MAX_LAST_N
                };
                format!("`{name}(x, n)` with `n` an integer literal from 1 to {max}")
            }
            Arity::ValueAndFraction => {
                format!("`{name}(x, q)` with `q` a number from 0 to 1, e.g. `{name}(x, 0.95)`")
            }
        }
    }
}

/// Every aggregate name of the language and how it is called, in the order docs/language.md lists them.
pub const AGGREGATE_NAMES: &[(&str, Arity)] = &[
    ("count", Arity::StarOrValue),
    ("sum", Arity::Value),
    ("avg", Arity::Value),
    ("min", Arity::Value),
    ("max", Arity::Value),
    ("first", Arity::Value),
    ("last", Arity::Value),
    ("last_n", Arity::ValueAndLimit),
    ("count_distinct", Arity::Value),
    ("approx_count_distinct", Arity::Value),
    ("stddev_pop", Arity::Value),
    ("var_pop", Arity::Value),
    ("approx_percentile", Arity::ValueAndFraction),
    ("top_k", Arity::ValueAndLimit),
];

/// How `name` is called, or `None` if it is not an aggregate.
pub fn arity(name: &str) -> Option<Arity> {
    AGGREGATE_NAMES
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, arity)| *arity)
}

/// The shape of a call's arguments as the analyser found them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CallArgs {
    /// `(*)`
    Star,
    /// `(x)`
    Value,
    /// `(x, n)` with `n` an integer literal.
    ValueAndLimit(i64),
    /// `(x, q)` with `q` a number literal that is not an integer.
    ValueAndFraction(f64),
    /// Anything else (no argument, three arguments, a non-literal limit, ...).
    Other,
}

/// Why a call does not make an aggregate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CallError {
    #[error("`{0}` is not an aggregate")]
    NotAnAggregate(String),
    #[error("`{name}` is called as {usage}")]
    WrongArguments { name: &'static str, usage: String },
    #[error("the `n` of `{name}(x, n)` must be from 1 to {max}, found {found}")]
    LimitOutOfRange {
        name: &'static str,
        max: u32,
        found: i64,
    },
    #[error(
        "the `q` of `approx_percentile(x, q)` must be from 0 to 1 in steps of 0.000001, found {found}"
    )]
    FractionOutOfRange { found: f64 },
}

/// `q` in millionths, if it is in [0, 1] and a whole number of millionths.
fn fraction_ppm(q: f64) -> Option<u32> {
    let ppm = q * 1e6;
    let rounded = ppm.round();
    ((0.0..=1e6).contains(&rounded) && (ppm - rounded).abs() < 1e-6).then_some(rounded as u32)
}

impl AggFunc {
    /// The aggregate that `name(args)` denotes.
    pub fn from_call(name: &str, args: CallArgs) -> Result<AggFunc, CallError> {
        let (known, arity) = AGGREGATE_NAMES
            .iter()
            .find(|(known, _)| *known == name)
            .ok_or_else(|| CallError::NotAnAggregate(name.to_string()))?;
        let wrong = || CallError::WrongArguments {
            name: known,
            usage: arity.usage(known),
        };
        let limited = |name: &'static str, max: u32, n: i64| match u32::try_from(n) {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(CallError::LimitOutOfRange {
                name,
                max,
                found: n,
            }),
        };
        let fraction = |q: f64| {
            fraction_ppm(q)
                .map(|ppm| AggFunc::ApproxPercentile { ppm })
                .ok_or(CallError::FractionOutOfRange { found: q })
        };
        match (args, *known) {
            (CallArgs::Star, "count") => Ok(AggFunc::CountAll),
            (CallArgs::ValueAndLimit(n), "last_n") => {
                limited("last_n", MAX_LAST_N, n).map(|n| AggFunc::LastN { n })
            }
            (CallArgs::ValueAndLimit(k), "top_k") => {
                limited("top_k", MAX_TOP_K, k).map(|k| AggFunc::TopK { k })
            }
            (CallArgs::ValueAndLimit(q), "approx_percentile") => fraction(q as f64),
            (CallArgs::ValueAndFraction(q), "approx_percentile") => fraction(q),
            (CallArgs::Value, "last_n" | "top_k" | "approx_percentile") => Err(wrong()),
            (CallArgs::Value, _) => single_argument(known).ok_or_else(wrong),
            (
                CallArgs::Star
                | CallArgs::ValueAndLimit(_)
                | CallArgs::ValueAndFraction(_)
                | CallArgs::Other,
                _,
            ) => Err(wrong()),
        }
    }
}

fn single_argument(name: &str) -> Option<AggFunc> {
    Some(match name {
        "count" => AggFunc::Count,
        "sum" => AggFunc::Sum,
        "avg" => AggFunc::Avg,
        "min" => AggFunc::Min,
        "max" => AggFunc::Max,
        "first" => AggFunc::First,
        "last" => AggFunc::Last,
        "count_distinct" => AggFunc::CountDistinct,
        "approx_count_distinct" => AggFunc::ApproxCountDistinct,
        "stddev_pop" => AggFunc::StddevPop,
        "var_pop" => AggFunc::VarPop,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_name_round_trips_through_from_call() {
        for (name, arity) in AGGREGATE_NAMES {
            let args = match arity {
                Arity::ValueAndLimit => CallArgs::ValueAndLimit(3),
                Arity::ValueAndFraction => CallArgs::ValueAndFraction(0.5),
                _ => CallArgs::Value,
            };
            let func = AggFunc::from_call(name, args).unwrap();
            assert_eq!(func.name(), *name);
            assert_eq!(arity_of_func(&func), *arity);
        }
    }

    fn arity_of_func(func: &AggFunc) -> Arity {
        arity(func.name()).unwrap()
    }

    #[test]
    fn count_star_and_count_value_differ() {
        assert_eq!(
            AggFunc::from_call("count", CallArgs::Star),
            Ok(AggFunc::CountAll)
        );
        assert_eq!(
            AggFunc::from_call("count", CallArgs::Value),
            Ok(AggFunc::Count)
        );
    }

    #[test]
    fn wrong_shapes_name_the_usage() {
        let error = AggFunc::from_call("sum", CallArgs::Star).unwrap_err();
        assert_eq!(error.to_string(), "`sum` is called as `sum(x)`");
        let error = AggFunc::from_call("last_n", CallArgs::Value).unwrap_err();
        assert!(error.to_string().contains("`last_n(x, n)`"), "{error}");
        assert_eq!(
            AggFunc::from_call("coalesce", CallArgs::Value),
            Err(CallError::NotAnAggregate("coalesce".into()))
        );
    }

    #[test]
    fn last_n_limits_are_bounded() {
        assert_eq!(
            AggFunc::from_call("last_n", CallArgs::ValueAndLimit(1000)),
            Ok(AggFunc::LastN { n: 1000 })
        );
        for bad in [0, -1, 1001, i64::MAX] {
            assert_eq!(
                AggFunc::from_call("last_n", CallArgs::ValueAndLimit(bad)),
                Err(CallError::LimitOutOfRange {
                    name: "last_n",
                    max: MAX_LAST_N,
                    found: bad
                })
            );
        }
    }

    #[test]
    fn percentiles_take_a_fraction_in_millionths() {
        let q = |q| AggFunc::from_call("approx_percentile", CallArgs::ValueAndFraction(q));
        assert_eq!(q(0.95), Ok(AggFunc::ApproxPercentile { ppm: 950_000 }));
        assert_eq!(q(0.999999), Ok(AggFunc::ApproxPercentile { ppm: 999_999 }));
        assert_eq!(
            AggFunc::from_call("approx_percentile", CallArgs::ValueAndLimit(1)),
            Ok(AggFunc::ApproxPercentile { ppm: 1_000_000 })
        );
        for bad in [1.5, -0.1, 0.1234567] {
            assert!(q(bad).is_err(), "{bad}");
        }
        assert_eq!(
            AggFunc::ApproxPercentile { ppm: 950_000 }.parameter_text(),
            Some("0.95".into())
        );
        assert_eq!(
            AggFunc::ApproxPercentile { ppm: 1_000_000 }.parameter_text(),
            Some("1.0".into())
        );
    }
}
