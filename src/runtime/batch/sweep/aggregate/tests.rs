//! Every strategy against the definition: random events (ties in time, nulls, filtered rows,
//! several keys) and windows, each window's value computed here by folding the raw rows that
//! fall in it into a `crate::agg::State`, in input order.

use super::{Input, Windows, aggregate};
use crate::agg::{AggFunc, State};
use crate::runtime::arrow::convert::scalar_to_value;
use crate::runtime::batch::sweep::batches::Batches;
use crate::runtime::batch::sweep::events::SortedEvents;
use crate::types::{Type, Value};
use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Decimal128Array, Float64Array, Int64Array, RecordBatch, StringArray,
};
use datafusion::common::ScalarValue;
use std::sync::Arc;

/// xorshift64*: deterministic data without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const KEYS: u32 = 3;

/// Raw events: key, time, argument (as a `Value`), filter.
struct Data {
    keys: Vec<u32>,
    times: Vec<i64>,
    args: Vec<Value>,
    filters: Vec<Option<bool>>,
}

fn data(rng: &mut Rng, rows: usize, ty: &Type) -> Data {
    let strings = ["", "a", "b", "web", "ios", "é"];
    let floats = [0.0, -0.0, 1.5, -2.25, 0.1, 0.2, 1e16, f64::NAN];
    let mut d = Data {
        keys: Vec::new(),
        times: Vec::new(),
        args: Vec::new(),
        filters: Vec::new(),
    };
    for _ in 0..rows {
        d.keys.push(rng.below(u64::from(KEYS)) as u32);
        // few distinct times: many ties
        d.times.push(rng.below(40) as i64 - 10);
        let null = rng.below(6) == 0;
        d.args.push(if null {
            Value::Null
        } else {
            match ty {
                Type::Int => Value::Int(rng.below(21) as i64 - 10),
                Type::Float => Value::Float(floats[rng.below(floats.len() as u64) as usize]),
                Type::String => Value::String(strings[rng.below(6) as usize].to_string()),
                Type::Decimal { scale, .. } => {
                    Value::Decimal(rng.below(2001) as i128 - 1000, *scale)
                }
                _ => Value::Null,
            }
        });
        d.filters.push(match rng.below(5) {
            0 => None,
            1 => Some(false),
            _ => Some(true),
        });
    }
    d
}

fn arg_array(d: &Data, ty: &Type) -> ArrayRef {
    match ty {
        Type::Int => Arc::new(Int64Array::from_iter(d.args.iter().map(|v| match v {
            Value::Int(i) => Some(*i),
            _ => None,
        }))),
        Type::Float => Arc::new(Float64Array::from_iter(d.args.iter().map(|v| match v {
            Value::Float(f) => Some(*f),
            _ => None,
        }))),
        Type::String => Arc::new(StringArray::from_iter(d.args.iter().map(|v| match v {
            Value::String(s) => Some(s.clone()),
            _ => None,
        }))),
        Type::Decimal { precision, scale } => Arc::new(
            Decimal128Array::from_iter(d.args.iter().map(|v| match v {
                Value::Decimal(u, _) => Some(*u),
                _ => None,
            }))
            .with_precision_and_scale(*precision, *scale as i8)
            .expect("decimal type"),
        ),
        other => panic!("no test data of type {other}"),
    }
}

/// The rows as batches of at most 7 rows: argument (column 0) and filter (column 1).
fn batches(d: &Data, ty: &Type) -> Batches {
    let arg = arg_array(d, ty);
    let filter: ArrayRef = Arc::new(BooleanArray::from(d.filters.clone()));
    let mut out = Vec::new();
    let mut start = 0;
    while start < d.keys.len() {
        let len = 7.min(d.keys.len() - start);
        out.push(
            RecordBatch::try_from_iter([
                ("arg", arg.slice(start, len)),
                ("filter", filter.slice(start, len)),
            ])
            .expect("batch"),
        );
        start += len;
    }
    Batches::new(out).expect("batches")
}

/// Windows `[hi − width, hi)` (or `(−∞, hi)`) per key, `hi` ascending: monotone.
fn windows(
    rng: &mut Rng,
    events: &SortedEvents,
    width: Option<i64>,
) -> (Windows, Vec<(u32, Option<i64>, i64)>) {
    let mut bounds = Vec::new();
    for key in 0..KEYS {
        let mut his: Vec<i64> = (0..8).map(|_| rng.below(50) as i64 - 15).collect();
        his.sort_unstable();
        for hi in his {
            bounds.push((key, width.map(|w| hi - w), hi));
        }
    }
    let windows = Windows::new(
        bounds.iter().map(|b| b.0).collect(),
        bounds
            .iter()
            .map(|&(k, lo, hi)| events.range(k, lo, hi))
            .collect(),
    );
    (windows, bounds)
}

fn expected(d: &Data, func: &AggFunc, arg: Option<&Type>, bound: (u32, Option<i64>, i64)) -> Value {
    let (key, lo, hi) = bound;
    let mut state = State::new(func, arg);
    for i in 0..d.keys.len() {
        let inside = d.keys[i] == key && lo.is_none_or(|lo| lo <= d.times[i]) && d.times[i] < hi;
        if inside && d.filters[i] == Some(true) {
            state.update(&d.args[i], d.times[i]);
        }
    }
    state.finish()
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => {
            (x.is_nan() && y.is_nan()) || x == y || (x - y).abs() <= 1e-12 * x.abs().max(y.abs())
        }
        (Value::List(xs), Value::List(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same(x, y))
        }
        _ => a == b,
    }
}

fn check(func: AggFunc, ty: Type, width: Option<i64>, seed: u64) {
    let mut rng = Rng(seed);
    let d = data(&mut rng, 300, &ty);
    let batches = batches(&d, &ty);
    let events = SortedEvents::sort(&d.keys, &d.times, KEYS as usize);
    let (windows, bounds) = windows(&mut rng, &events, width);
    let arg = (func != AggFunc::CountAll).then_some(&ty);
    let input = Input {
        func: &func,
        arg: Some(0),
        filter: Some(1),
    };
    let got = aggregate(&batches, &events, &input, &windows).expect("aggregated");
    assert_eq!(got.len(), bounds.len());
    for (i, bound) in bounds.iter().enumerate() {
        let value =
            scalar_to_value(&ScalarValue::try_from_array(&got, i).expect("scalar")).expect("value");
        let want = expected(&d, &func, arg, *bound);
        assert!(
            same(&value, &want),
            "{func:?} of {ty} over {bound:?} (seed {seed}): got {value:?}, expected {want:?}"
        );
    }
}

const DECIMAL: Type = Type::Decimal {
    precision: 12,
    scale: 2,
};

#[test]
fn every_aggregate_matches_its_definition_over_sliding_and_lifetime_windows() {
    let cases: Vec<(AggFunc, Vec<Type>)> = vec![
        (AggFunc::CountAll, vec![Type::Int]),
        (AggFunc::Count, vec![Type::String]),
        (AggFunc::Sum, vec![Type::Int, DECIMAL]),
        (AggFunc::Avg, vec![Type::Int, DECIMAL]),
        (AggFunc::Min, vec![Type::Int, Type::String, Type::Float]),
        (AggFunc::Max, vec![Type::Int, Type::String, Type::Float]),
        (AggFunc::First, vec![Type::String, Type::Float]),
        (AggFunc::Last, vec![Type::String, Type::Int]),
        (
            AggFunc::CountDistinct,
            vec![Type::String, Type::Float, DECIMAL],
        ),
        (AggFunc::LastN { n: 3 }, vec![Type::String]),
        (AggFunc::ApproxCountDistinct, vec![Type::String]),
        (AggFunc::StddevPop, vec![Type::Int]),
        (AggFunc::VarPop, vec![DECIMAL]),
    ];
    for (func, types) in cases {
        for ty in types {
            for (seed, width) in [(1, Some(5)), (2, Some(17)), (3, None), (4, Some(1))] {
                check(func.clone(), ty.clone(), width, seed);
            }
        }
    }
}

#[test]
fn float_sums_by_prefix_are_as_accurate_as_folding() {
    // no NaN here (that is the fold's case below): sums over [0.1, 0.2, 1e16, -2.25, ...]
    for seed in 10..20 {
        for func in [AggFunc::Sum, AggFunc::Avg] {
            let mut rng = Rng(seed);
            let mut d = data(&mut rng, 300, &Type::Float);
            for v in &mut d.args {
                if matches!(v, Value::Float(f) if f.is_nan()) {
                    *v = Value::Float(0.1);
                }
            }
            let batches = batches(&d, &Type::Float);
            let events = SortedEvents::sort(&d.keys, &d.times, KEYS as usize);
            let (windows, bounds) = windows(&mut rng, &events, Some(9));
            let input = Input {
                func: &func,
                arg: Some(0),
                filter: Some(1),
            };
            let got = aggregate(&batches, &events, &input, &windows).expect("aggregated");
            for (i, bound) in bounds.iter().enumerate() {
                let value = scalar_to_value(&ScalarValue::try_from_array(&got, i).expect("scalar"))
                    .expect("value");
                let want = expected(&d, &func, Some(&Type::Float), *bound);
                assert!(
                    same(&value, &want),
                    "{func:?} over {bound:?}: {value:?} vs {want:?}"
                );
            }
        }
    }
}

#[test]
fn non_finite_float_sums_and_non_monotone_windows_fall_back_to_folding() {
    // NaN among the floats: prefix sums cannot subtract it
    check(AggFunc::Sum, Type::Float, Some(6), 5);
    check(AggFunc::Avg, Type::Float, Some(6), 6);
    // windows whose start moves back: the deque and the multiset cannot serve them
    let mut rng = Rng(7);
    let d = data(&mut rng, 100, &Type::String);
    let batches = batches(&d, &Type::String);
    let events = SortedEvents::sort(&d.keys, &d.times, KEYS as usize);
    let bounds = [(0, Some(0), 20), (0, Some(-10), 25), (1, None, 5)];
    let windows = Windows::new(
        bounds.iter().map(|b| b.0).collect(),
        bounds
            .iter()
            .map(|&(k, lo, hi)| events.range(k, lo, hi))
            .collect(),
    );
    assert!(!windows.is_monotone());
    for func in [AggFunc::Max, AggFunc::CountDistinct, AggFunc::Last] {
        let input = Input {
            func: &func,
            arg: Some(0),
            filter: Some(1),
        };
        let got = aggregate(&batches, &events, &input, &windows).expect("aggregated");
        for (i, bound) in bounds.iter().enumerate() {
            let value = scalar_to_value(&ScalarValue::try_from_array(&got, i).expect("scalar"))
                .expect("value");
            let want = expected(&d, &func, Some(&Type::String), *bound);
            assert_eq!(value, want, "{func:?} over {bound:?}");
        }
    }
}
