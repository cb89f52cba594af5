//! Each aggregate computed the obvious way from the words of docs/language.md over a whole event list,
//! sharing no code with the states (only `Value`'s order from `crate::types`).

use crate::agg::AggFunc;
use crate::types::{Micros, Type, Value};

pub type Event = (Micros, Value);

/// The expected result of `func` over `events` of argument type `arg`; `None` for
/// `approx_count_distinct`, which has no exact expected value (see [`exact_distinct`]).
pub fn expected(func: &AggFunc, arg: &Type, events: &[Event]) -> Option<Value> {
    let present: Vec<&Event> = events.iter().filter(|(_, v)| !v.is_null()).collect();
    let values: Vec<&Value> = present.iter().map(|(_, v)| v).collect();
    let float_values: Vec<f64> = values.iter().map(|v| as_f64(v)).collect();
    let count = |n: usize| Value::Int(n as i64);
    let null_if_empty = |value: Value| {
        if values.is_empty() {
            Value::Null
        } else {
            value
        }
    };
    Some(match func {
        AggFunc::CountAll => count(events.len()),
        AggFunc::Count => count(values.len()),
        AggFunc::Sum => null_if_empty(match arg {
            Type::Int => {
                let total: i128 = values.iter().map(|v| i128::from(as_int(v))).sum();
                Value::Int(total.clamp(i64::MIN.into(), i64::MAX.into()) as i64)
            }
            Type::Decimal { scale, .. } => {
                let total: i128 = values.iter().map(|v| as_unscaled(v)).sum();
                Value::Decimal(total, *scale)
            }
            _ => Value::Float(float_values.iter().sum()),
        }),
        AggFunc::Avg => null_if_empty(Value::Float(
            float_values.iter().sum::<f64>() / float_values.len() as f64,
        )),
        AggFunc::Min => values.iter().min().map_or(Value::Null, |v| (*v).clone()),
        AggFunc::Max => values.iter().max().map_or(Value::Null, |v| (*v).clone()),
        AggFunc::First => present
            .iter()
            .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)))
            .map_or(Value::Null, |(_, v)| v.clone()),
        AggFunc::Last => present
            .iter()
            .max_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)))
            .map_or(Value::Null, |(_, v)| v.clone()),
        AggFunc::LastN { n } => {
            let mut newest_first: Vec<&Event> = present.clone();
            newest_first.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
            Value::List(
                newest_first
                    .iter()
                    .take(*n as usize)
                    .map(|(_, v)| v.clone())
                    .collect(),
            )
        }
        AggFunc::CountDistinct => count(exact_distinct(events)),
        AggFunc::ApproxCountDistinct | AggFunc::ApproxPercentile { .. } => return None,
        AggFunc::TopK { k } => {
            // how often each value occurs; most frequent first, ties by value ascending
            let mut counts: Vec<(&Value, usize)> = Vec::new();
            let mut sorted = values.clone();
            sorted.sort();
            for v in sorted {
                match counts.last_mut() {
                    Some((last, n)) if *last == v => *n += 1,
                    _ => counts.push((v, 1)),
                }
            }
            counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            Value::List(
                counts
                    .iter()
                    .take(*k as usize)
                    .map(|(v, _)| (*v).clone())
                    .collect(),
            )
        }
        AggFunc::VarPop | AggFunc::StddevPop => null_if_empty({
            let n = float_values.len() as f64;
            let mean = float_values.iter().sum::<f64>() / n;
            let variance = float_values
                .iter()
                .map(|x| (x - mean) * (x - mean))
                .sum::<f64>()
                / n;
            Value::Float(if *func == AggFunc::VarPop {
                variance
            } else {
                variance.sqrt()
            })
        }),
    })
}

/// The exact q-quantile (`q` in millionths) of the non-null values, as docs/language.md
/// defines the one `approx_percentile` approximates: the value of rank `⌊q·(n − 1)⌋` (from 0)
/// in ascending order; `None` without values. NaN and infinities are not counted.
pub fn exact_quantile(ppm: u32, events: &[Event]) -> Option<f64> {
    let mut values: Vec<f64> = events
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(_, v)| as_f64(v))
        .filter(|x| x.is_finite())
        .collect();
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let rank = u64::from(ppm) * (values.len() as u64 - 1) / 1_000_000;
    let value = values[rank as usize];
    // `-0.0` and `0.0` are one value
    Some(if value == 0.0 { 0.0 } else { value })
}

/// The number of distinct non-null values.
pub fn exact_distinct(events: &[Event]) -> usize {
    let mut values: Vec<&Value> = events
        .iter()
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
        .collect();
    values.sort();
    values.dedup();
    values.len()
}

/// A scale for float comparisons: the magnitude below which rounding differences are noise.
pub fn magnitude(func: &AggFunc, events: &[Event]) -> f64 {
    let abs: Vec<f64> = events
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(_, v)| as_f64(v).abs())
        .collect();
    let largest = abs.iter().copied().fold(0.0, f64::max);
    match func {
        AggFunc::Sum => abs.iter().sum::<f64>(),
        AggFunc::VarPop => largest * largest,
        _ => largest,
    }
}

fn as_f64(value: &Value) -> f64 {
    match value {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        Value::Decimal(unscaled, scale) => *unscaled as f64 / 10f64.powi(i32::from(*scale)),
        _ => 0.0,
    }
}

fn as_int(value: &Value) -> i64 {
    match value {
        Value::Int(i) => *i,
        _ => 0,
    }
}

fn as_unscaled(value: &Value) -> i128 {
    match value {
        Value::Decimal(unscaled, _) => *unscaled,
        _ => 0,
    }
}
