//! One plan aggregate → one SQL aggregate call, and its empty value.
//!
//! DataFusion's own aggregates are used where they compute exactly what docs/language.md#aggregates and
//! [`crate::agg`] say: `count(*)`, `count(x)`, `count(DISTINCT x)`, `min`, `max` — except over
//! floats, where featc canonicalises `-0.0` and NaN first. Everything else goes through the
//! featc UDAFs over [`crate::agg::State`] (named and called as [`udaf_name`] and [`udaf_arity`]
//! say; the batch runtime registers them): `first`/`last`/`last_n` (time
//! ties, the non-null rule), `approx_count_distinct` (featc's own HyperLogLog), `sum` (DataFusion
//! wraps around on overflow where featc saturates, and featc compensates float sums), `avg`
//! (built on that sum), `stddev_pop`/`var_pop` (featc's merge of moments, so batch and stream
//! round alike).

use crate::agg::AggFunc;
use crate::compile::sql_expr::{
    DataFusion, SqlTarget, aggregate, cast, function, number_literal, value_literal,
};
use crate::plan::Aggregate;
use crate::types::{Type, Value};
use datafusion::sql::sqlparser::ast::Expr;

/// What a featc UDAF returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Output {
    /// The aggregate's value.
    Value,
    /// The partial state, as a struct of the portable state fields.
    State,
}

/// The name of the UDAF computing `func`'s value or state: `featc_last`, `featc_sum_state`.
pub fn udaf_name(func: &AggFunc, output: Output) -> String {
    let base = match func {
        AggFunc::CountAll => "count_all",
        other => other.name(),
    };
    match output {
        Output::Value => format!("featc_{base}"),
        Output::State => format!("featc_{base}_state"),
    }
}

/// The SQL arguments of one aggregate call.
pub struct CallArgs {
    /// The aggregated expression (`None` for `count(*)`).
    pub arg: Option<Expr>,
    /// The event time (a timestamp), read by `first`, `last` and `last_n`.
    pub event_time: Expr,
    /// The `where` predicate.
    pub filter: Option<Expr>,
}

fn arg_type(agg: &Aggregate) -> Option<&Type> {
    agg.arg.as_ref().map(|a| &a.ty.ty)
}

/// Whether DataFusion's built-in aggregate computes exactly featc's value.
fn is_native(agg: &Aggregate) -> bool {
    let float = arg_type(agg) == Some(&Type::Float);
    match agg.func {
        AggFunc::CountAll | AggFunc::Count => true,
        AggFunc::Min | AggFunc::Max | AggFunc::CountDistinct => !float,
        _ => false,
    }
}

/// The number of arguments a featc UDAF takes for `func`: the value, then the event time
/// where the aggregate uses it, then its parameter ([`AggFunc::parameter`]) as an integer.
pub fn udaf_arity(func: &AggFunc) -> usize {
    1 + usize::from(func.uses_event_time()) + usize::from(func.parameter().is_some())
}

/// The arguments a featc UDAF takes for `func` ([`udaf_arity`]).
fn udaf_args(func: &AggFunc, args: CallArgs) -> Vec<Expr> {
    // count(*) ignores its argument: any non-null value will do
    let mut out = vec![args.arg.unwrap_or_else(|| number_literal("1"))];
    if func.uses_event_time() {
        out.push(args.event_time);
    }
    if let Some(parameter) = func.parameter() {
        out.push(number_literal(parameter.to_string()));
    }
    out
}

/// The call computing the aggregate's value.
pub fn value_call(agg: &Aggregate, args: CallArgs) -> Expr {
    if is_native(agg) {
        let (name, distinct) = match agg.func {
            AggFunc::Min => ("min", false),
            AggFunc::Max => ("max", false),
            AggFunc::CountDistinct => ("count", true),
            _ => ("count", false),
        };
        let call_args: Vec<Expr> = args.arg.into_iter().collect();
        return aggregate(name, call_args, distinct, args.filter);
    }
    let filter = args.filter.clone();
    aggregate(
        &udaf_name(&agg.func, Output::Value),
        udaf_args(&agg.func, args),
        false,
        filter,
    )
}

/// The call computing the aggregate's partial state (a struct of its portable fields).
pub fn state_call(agg: &Aggregate, args: CallArgs) -> Expr {
    let filter = args.filter.clone();
    aggregate(
        &udaf_name(&agg.func, Output::State),
        udaf_args(&agg.func, args),
        false,
        filter,
    )
}

/// The aggregate's value over no events ([`AggFunc::empty_value`]) where it is not null. A
/// `LEFT JOIN` that finds no events gives null; this is what replaces it.
pub fn empty_value(agg: &Aggregate) -> Option<Expr> {
    match agg.func.empty_value() {
        Value::Null => None,
        // an empty array literal has no element type: make one of the result's type
        Value::List(items) if items.is_empty() => {
            let list = DataFusion.data_type(&agg.func.result_type(arg_type(agg)).ty);
            Some(cast(function("make_array", Vec::new()), list))
        }
        value => Some(value_literal(&DataFusion, &value)),
    }
}

/// `coalesce(value, empty)` where the aggregate's empty value is not null.
pub fn with_empty_value(agg: &Aggregate, value: Expr) -> Expr {
    match empty_value(agg) {
        Some(empty) => function("coalesce", vec![value, empty]),
        None => value,
    }
}
