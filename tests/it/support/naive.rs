//! Feature values of the online fixture (`support/fixture.rs`) computed the slow, obvious way
//! from the words of docs/language.md (aggregates, windows): the events of the window by
//! `support/window.rs`, the aggregate by the point-in-time oracle's plain loops
//! (`pit/naive.rs`, over its own values `V`), derived features by a minimal evaluator.
//! Independent of `plan::window` and `agg`: featc's plan only *describes* the features.

use super::fixture::{Event, ProfileRow};
use super::window::{self, window_range};
use crate::pit::model::Agg;
use crate::pit::naive::aggregate_kept;
use crate::pit::values::V;
use featc::agg::AggFunc;
use featc::plan::{
    Aggregate, BinaryOp, Expr, ExprKind, FeatureDef, Plan, ScalarFunc, UnaryOp, View, ViewKind,
    Window,
};
use featc::types::{Micros, Type, Value};
use std::collections::BTreeMap;

/// Feature values by name, so that derived features can read earlier ones.
pub type Values = BTreeMap<String, Value>;

/// A minimal evaluator for the expressions of the fixture and the examples (SQL semantics:
/// null in, null out, `and`/`or`/`not` three-valued; division by zero is null).
pub fn eval(expr: &Expr, lookup: &dyn Fn(&ExprKind) -> Value) -> Value {
    match &expr.kind {
        ExprKind::Literal(v) => v.clone(),
        ExprKind::Column(_) | ExprKind::Feature { .. } => lookup(&expr.kind),
        ExprKind::Cast { expr: inner, to } => match (eval(inner, lookup), to) {
            (Value::Int(i), Type::Float) => Value::Float(i as f64),
            (v @ (Value::Null | Value::Float(_)), Type::Float) | (v @ Value::Null, _) => v,
            (v, to) => panic!("the naive evaluator does not cast {v:?} to {to}"),
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
        ExprKind::Unary {
            op: UnaryOp::Not,
            expr: inner,
        } => match eval(inner, lookup) {
            Value::Bool(b) => Value::Bool(!b),
            _ => Value::Null,
        },
        ExprKind::Binary { op, left, right } => {
            let (l, r) = (eval(left, lookup), eval(right, lookup));
            match op {
                BinaryOp::And => match (&l, &r) {
                    (Value::Bool(false), _) | (_, Value::Bool(false)) => Value::Bool(false),
                    (Value::Bool(true), Value::Bool(true)) => Value::Bool(true),
                    _ => Value::Null,
                },
                BinaryOp::Or => match (&l, &r) {
                    (Value::Bool(true), _) | (_, Value::Bool(true)) => Value::Bool(true),
                    (Value::Bool(false), Value::Bool(false)) => Value::Bool(false),
                    _ => Value::Null,
                },
                _ if l.is_null() || r.is_null() => Value::Null,
                BinaryOp::Eq => Value::Bool(l == r),
                BinaryOp::NotEq => Value::Bool(l != r),
                BinaryOp::Lt => Value::Bool(l < r),
                BinaryOp::LtEq => Value::Bool(l <= r),
                BinaryOp::Gt => Value::Bool(l > r),
                BinaryOp::GtEq => Value::Bool(l >= r),
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

/// A window as `support/window.rs` reads it (the plan only describes it).
fn window_of(window: &Window) -> window::Window {
    match *window {
        Window::Tumbling { size } => window::Window::Tumbling { size },
        Window::Sliding { size, slide } => window::Window::Sliding { size, slide },
        Window::Rolling { size, hop } => window::Window::Rolling { size, hop },
        Window::Lifetime => window::Window::Lifetime,
    }
}

/// The oracle's name of an aggregate.
fn agg_of(func: &AggFunc) -> Agg {
    match func {
        AggFunc::CountAll => Agg::CountStar,
        AggFunc::Count => Agg::Count,
        AggFunc::Sum => Agg::Sum,
        AggFunc::Avg => Agg::Avg,
        AggFunc::Min => Agg::Min,
        AggFunc::Max => Agg::Max,
        AggFunc::First => Agg::First,
        AggFunc::Last => Agg::Last,
        AggFunc::LastN { n } => Agg::LastN(*n as usize),
        AggFunc::CountDistinct => Agg::CountDistinct,
        AggFunc::ApproxCountDistinct => Agg::ApproxCountDistinct,
        AggFunc::VarPop => Agg::VarPop,
        AggFunc::StddevPop => Agg::StddevPop,
        AggFunc::ApproxPercentile { ppm } => Agg::ApproxPercentile(*ppm),
        AggFunc::TopK { k } => Agg::TopK(*k as usize),
    }
}

/// A fixture value as the oracle's value.
fn to_oracle(value: &Value) -> V {
    match value {
        Value::Null => V::Null,
        Value::Bool(b) => V::Bool(*b),
        Value::Int(i) => V::Int(*i),
        Value::Float(f) => V::Float(*f),
        Value::String(s) => V::Str(s.clone()),
        Value::Timestamp(t) => V::Ts(*t),
        Value::Date(d) => V::Date(*d),
        Value::Decimal(units, scale) => V::Dec(*units, *scale as i8),
        Value::List(items) => V::List(items.iter().map(to_oracle).collect()),
    }
}

/// The oracle's value as a featc value; an `approx_count_distinct` as the exact count it
/// estimates (the lookup test allows the estimate its tolerance).
fn from_oracle(value: V) -> Value {
    match value {
        V::Null => Value::Null,
        V::Bool(b) => Value::Bool(b),
        V::Int(i) | V::Approx(i) => Value::Int(i),
        V::ApproxFloat(x) => Value::Float(x),
        V::Float(f) => Value::Float(f),
        V::Str(s) => Value::String(s),
        V::Ts(t) => Value::Timestamp(t),
        V::Date(d) => Value::Date(d),
        V::Dec(units, scale) => Value::Decimal(units, scale as u8),
        V::List(items) => Value::List(items.into_iter().map(from_oracle).collect()),
    }
}

/// docs/language.md#aggregates: the aggregate over `events` (already restricted to the
/// window), applying the feature's `where` filter and reading its argument column.
pub fn aggregate(aggregate: &Aggregate, events: &[&Event]) -> Value {
    let column = |e: &Event, expr: &Expr| {
        eval(expr, &|k| match k {
            ExprKind::Column(c) => e.columns[c].clone(),
            other => panic!("{other:?} in an aggregate"),
        })
    };
    let kept: Vec<(i64, V)> = events
        .iter()
        .filter(|e| {
            aggregate
                .filter
                .as_ref()
                .is_none_or(|f| column(e, f) == Value::Bool(true))
        })
        .map(|e| {
            let arg = aggregate.arg.as_ref().map_or(Value::Null, |a| column(e, a));
            (e.time, to_oracle(&arg))
        })
        .collect();
    from_oracle(aggregate_kept(agg_of(&aggregate.func), &kept))
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

/// Every feature of `view` for `key` at `t`: a windowed view's from `events` (T − the source's
/// settle), a table view's from `rows`.
pub fn view_values(
    plan: &Plan,
    view: &View,
    events: &[Event],
    rows: &[ProfileRow],
    key: &str,
    t: Micros,
) -> Values {
    let mut values = Values::new();
    match &view.kind {
        ViewKind::Windowed { .. } => {
            let settle = plan.source("events").expect("the source").settle;
            for feature in &view.features {
                let value = match &feature.def {
                    FeatureDef::Aggregate(aggregate) => {
                        let range = window_range(window_of(&aggregate.window), t - settle);
                        let in_window: Vec<&Event> = events
                            .iter()
                            .filter(|e| e.key == key && range.contains(&e.time))
                            .collect();
                        self::aggregate(aggregate, &in_window)
                    }
                    FeatureDef::Derived { expr } | FeatureDef::Column { expr } => {
                        eval(expr, &|k| match k {
                            ExprKind::Feature { feature, .. } => values[feature].clone(),
                            other => panic!("{other:?}"),
                        })
                    }
                };
                values.insert(feature.name.clone(), value);
            }
        }
        ViewKind::Table { ttl } => {
            let row = row_in_force(rows, key, t, *ttl);
            for feature in &view.features {
                let value = match (&feature.def, row) {
                    (_, None) => Value::Null,
                    (FeatureDef::Column { expr } | FeatureDef::Derived { expr }, Some(row)) => {
                        eval(expr, &|k| match k {
                            ExprKind::Column(c) if c == "country" => row.country.clone(),
                            ExprKind::Column(c) if c == "age_days" => Value::Int(row.age_days),
                            ExprKind::Feature { feature, .. } => values[feature].clone(),
                            other => panic!("{other:?}"),
                        })
                    }
                    (FeatureDef::Aggregate(_), Some(_)) => panic!("an aggregate over a table"),
                };
                values.insert(feature.name.clone(), value);
            }
        }
    }
    values
}
