//! Feature values computed the slow, obvious way from the words of docs/language.md (aggregates, windows): filter the
//! events of the window, then plain loops. Independent of `plan::window` and `agg`.

use super::fixture::{Event, ProfileRow};
use featc::agg::AggFunc;
use featc::plan::{Aggregate, BinaryOp, Expr, ExprKind, ScalarFunc, Window};
use featc::types::{Micros, Type, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The greatest multiple of `d` that is ≤ `t`.
fn floor(t: Micros, d: Micros) -> Micros {
    let q = t / d;
    if t % d != 0 && t < 0 {
        (q - 1) * d
    } else {
        q * d
    }
}

/// docs/language.md#windows-and-point-in-time-semantics: whether an event at `e` counts for the value at `t` (settle already applied).
pub fn in_window(window: &Window, t: Micros, e: Micros) -> bool {
    let (start, end) = match *window {
        Window::Tumbling { size } => (Some(floor(t, size) - size), floor(t, size)),
        Window::Sliding { size, slide } => (Some(floor(t, slide) - size), floor(t, slide)),
        Window::Rolling { size, hop } => (Some(floor(t, hop) - size), t),
        Window::Lifetime => (None, t),
    };
    start.is_none_or(|s| s <= e) && e < end
}

/// A minimal evaluator for the fixture's expressions (SQL semantics: null in, null out;
/// division by zero is null).
pub fn eval(expr: &Expr, lookup: &dyn Fn(&ExprKind) -> Value) -> Value {
    match &expr.kind {
        ExprKind::Literal(v) => v.clone(),
        ExprKind::Column(_) | ExprKind::Feature { .. } => lookup(&expr.kind),
        ExprKind::Cast { expr: inner, to } => match (eval(inner, lookup), to) {
            (Value::Int(i), Type::Float) => Value::Float(i as f64),
            (Value::Null, _) => Value::Null,
            (v, _) => v,
        },
        ExprKind::Call {
            func: ScalarFunc::Nullif,
            args,
        } => {
            let (a, b) = (eval(&args[0], lookup), eval(&args[1], lookup));
            if numeric(&a).is_some() && numeric(&a) == numeric(&b) {
                Value::Null
            } else {
                a
            }
        }
        ExprKind::Binary { op, left, right } => {
            let (l, r) = (eval(left, lookup), eval(right, lookup));
            if l.is_null() || r.is_null() {
                return Value::Null;
            }
            match op {
                BinaryOp::Eq => Value::Bool(l == r),
                BinaryOp::Div => match (numeric(&l), numeric(&r)) {
                    (Some(_), Some(0.0)) => Value::Null,
                    (Some(n), Some(d)) => Value::Float(n / d),
                    _ => panic!("division of {l:?} by {r:?}"),
                },
                other => panic!("the naive evaluator does not do {other:?}"),
            }
        }
        other => panic!("the naive evaluator does not do {other:?}"),
    }
}

fn numeric(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

/// docs/language.md#aggregates: the aggregate over `events` (already restricted to the window), applying the
/// feature's `where` filter and reading its argument column.
pub fn aggregate(aggregate: &Aggregate, events: &[&Event]) -> Value {
    let column = |e: &Event, expr: &Expr| {
        eval(expr, &|k| match k {
            ExprKind::Column(c) => e.columns[c].clone(),
            other => panic!("{other:?} in an aggregate"),
        })
    };
    let passing: Vec<&Event> = events
        .iter()
        .copied()
        .filter(|e| {
            aggregate
                .filter
                .as_ref()
                .is_none_or(|f| column(e, f) == Value::Bool(true))
        })
        .collect();
    if aggregate.func == AggFunc::CountAll {
        return Value::Int(passing.len() as i64);
    }
    let arg = aggregate.arg.as_ref().expect("an argument");
    // (time, value) of the non-null arguments
    let values: Vec<(Micros, Value)> = passing
        .iter()
        .map(|e| (e.time, column(e, arg)))
        .filter(|(_, v)| !v.is_null())
        .collect();
    let floats = || {
        values
            .iter()
            .map(|(_, v)| numeric(v).or_else(|| decimal(v)))
            .collect::<Option<Vec<f64>>>()
            .expect("numbers")
    };
    if values.is_empty() {
        // docs/language.md#aggregates, "empty window": 0 for counts, an empty list for last_n, null otherwise.
        return match aggregate.func {
            AggFunc::Count | AggFunc::CountDistinct | AggFunc::ApproxCountDistinct => Value::Int(0),
            AggFunc::LastN { .. } => Value::List(Vec::new()),
            _ => Value::Null,
        };
    }
    match &aggregate.func {
        AggFunc::Count => Value::Int(values.len() as i64),
        AggFunc::Sum => match &values[0].1 {
            Value::Int(_) => Value::Int(values.iter().map(|(_, v)| int(v)).sum::<i64>()),
            Value::Decimal(_, scale) => Value::Decimal(
                values
                    .iter()
                    .map(|(_, v)| match v {
                        Value::Decimal(u, _) => *u,
                        other => panic!("{other:?}"),
                    })
                    .sum(),
                *scale,
            ),
            _ => Value::Float(floats().iter().sum()),
        },
        AggFunc::Avg => Value::Float(floats().iter().sum::<f64>() / values.len() as f64),
        AggFunc::Min => values
            .iter()
            .map(|(_, v)| v.clone())
            .min()
            .unwrap_or(Value::Null),
        AggFunc::Max => values
            .iter()
            .map(|(_, v)| v.clone())
            .max()
            .unwrap_or(Value::Null),
        AggFunc::First => values.iter().min().map_or(Value::Null, |(_, v)| v.clone()),
        AggFunc::Last => values.iter().max().map_or(Value::Null, |(_, v)| v.clone()),
        AggFunc::LastN { n } => {
            let mut sorted = values.clone();
            sorted.sort_by(|a, b| b.cmp(a));
            Value::List(
                sorted
                    .into_iter()
                    .take(*n as usize)
                    .map(|(_, v)| v)
                    .collect(),
            )
        }
        AggFunc::CountDistinct | AggFunc::ApproxCountDistinct => {
            let distinct: BTreeSet<&Value> = values.iter().map(|(_, v)| v).collect();
            Value::Int(distinct.len() as i64)
        }
        AggFunc::VarPop | AggFunc::StddevPop => {
            let xs = floats();
            let n = xs.len() as f64;
            let mean = xs.iter().sum::<f64>() / n;
            let variance = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
            Value::Float(if aggregate.func == AggFunc::VarPop {
                variance
            } else {
                variance.sqrt()
            })
        }
        AggFunc::CountAll => Value::Int(passing.len() as i64),
    }
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        other => panic!("{other:?} is not an int"),
    }
}

fn decimal(v: &Value) -> Option<f64> {
    match v {
        Value::Decimal(u, s) => Some(*u as f64 / 10f64.powi(i32::from(*s))),
        _ => None,
    }
}

/// docs/language.md#windows-and-point-in-time-semantics for a table view: the row with the greatest `valid_from ≤ t` among rows with
/// `known_at ≤ t`; none if there is none or it is older than `ttl`.
pub fn row_in_force<'a>(
    rows: &'a [ProfileRow],
    key: &str,
    t: Micros,
    ttl: Option<Micros>,
) -> Option<&'a ProfileRow> {
    rows.iter()
        .filter(|r| r.key == key && r.valid_from <= t && r.known_at <= t)
        .max_by_key(|r| r.valid_from)
        .filter(|r| ttl.is_none_or(|ttl| t - r.valid_from <= ttl))
}

/// Feature values by name, so that derived features can read earlier ones.
pub type Values = BTreeMap<String, Value>;
