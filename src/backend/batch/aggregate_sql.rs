//! One plan aggregate → one SQL aggregate call, and its empty value.
//!
//! DataFusion's own aggregates are used where they compute exactly what SPEC 1.4 and
//! [`crate::agg`] say: `count(*)`, `count(x)`, `count(DISTINCT x)`, `min`, `max` — except over
//! floats, where featc canonicalises `-0.0` and NaN first. Everything else goes through the
//! featc UDAFs over [`crate::agg::State`] (see [`super::udaf`]): `first`/`last`/`last_n` (time
//! ties, the non-null rule), `approx_count_distinct` (featc's own HyperLogLog), `sum` (DataFusion
//! wraps around on overflow where featc saturates, and featc compensates float sums), `avg`
//! (built on that sum), `stddev_pop`/`var_pop` (featc's merge of moments, so batch and stream
//! round alike).

use super::udaf::{Output, udaf_name};
use crate::agg::AggFunc;
use crate::backend::sql_expr::{DataFusion, SqlTarget, aggregate, cast, function, number_literal};
use crate::plan::Aggregate;
use crate::types::Type;
use datafusion::sql::sqlparser::ast::Expr;

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

/// The arguments a featc UDAF takes for `func`: the value, then the event time and `n` where
/// the aggregate uses them.
fn udaf_args(func: &AggFunc, args: CallArgs) -> Vec<Expr> {
    // count(*) ignores its argument: any non-null value will do
    let mut out = vec![args.arg.unwrap_or_else(|| number_literal("1"))];
    match func {
        AggFunc::First | AggFunc::Last => out.push(args.event_time),
        AggFunc::LastN { n } => {
            out.push(args.event_time);
            out.push(number_literal(n.to_string()));
        }
        _ => {}
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

/// The aggregate's value over no events, where it is not null: `0` for counts, an empty list
/// of the argument's type for `last_n`. A `LEFT JOIN` that finds no events gives null; this is
/// what replaces it.
pub fn empty_value(agg: &Aggregate) -> Option<Expr> {
    match agg.func {
        AggFunc::CountAll
        | AggFunc::Count
        | AggFunc::CountDistinct
        | AggFunc::ApproxCountDistinct => Some(number_literal("0")),
        AggFunc::LastN { .. } => {
            let item = arg_type(agg).cloned().unwrap_or(Type::Null);
            let list = DataFusion.data_type(&Type::List(Box::new(item)));
            Some(cast(function("make_array", Vec::new()), list))
        }
        _ => None,
    }
}

/// `coalesce(value, empty)` where the aggregate's empty value is not null.
pub fn with_empty_value(agg: &Aggregate, value: Expr) -> Expr {
    match empty_value(agg) {
        Some(empty) => function("coalesce", vec![value, empty]),
        None => value,
    }
}
