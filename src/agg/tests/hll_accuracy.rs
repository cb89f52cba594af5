//! HyperLogLog accuracy on large sets, and its independence of insertion order and grouping.

use crate::agg::{AggFunc, State};
use crate::types::{Type, Value};

const DISTINCT: i64 = 100_000;

/// A deterministic permutation (Fisher-Yates driven by a fixed LCG): no `rand` needed.
fn shuffled<T>(mut items: Vec<T>, seed: u64) -> Vec<T> {
    let mut state = seed;
    for i in (1..items.len()).rev() {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let j = ((state >> 33) % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
    items
}

fn approx_of(ty: &Type, values: &[Value]) -> State {
    let mut state = State::new(&AggFunc::ApproxCountDistinct, Some(ty));
    for value in values {
        state.update(value, 0);
    }
    state
}

fn estimate(state: &State) -> i64 {
    match state.finish() {
        Value::Int(estimate) => estimate,
        other => panic!("approx_count_distinct gave {other:?}"),
    }
}

/// Three standard errors of HLL with 4096 registers: 3 · 1.04 / √4096 of the true count.
fn three_standard_errors(count: i64) -> i64 {
    (3.0 * 1.04 / 64.0 * count as f64).ceil() as i64
}

#[test]
fn hundred_thousand_distinct_values_are_estimated_within_three_standard_errors() {
    let ints: Vec<Value> = (0..DISTINCT).map(|i| Value::Int(i * 7919)).collect();
    let strings: Vec<Value> = (0..DISTINCT)
        .map(|i| Value::String(format!("user_{i}")))
        .collect();
    for (ty, values) in [(Type::Int, ints), (Type::String, strings)] {
        let found = estimate(&approx_of(&ty, &values));
        assert!(
            (found - DISTINCT).abs() <= three_standard_errors(DISTINCT),
            "{ty}: estimated {found} for {DISTINCT}"
        );
    }
}

#[test]
fn the_state_does_not_depend_on_insertion_order_or_grouping() {
    let values: Vec<Value> = (0..DISTINCT)
        .map(|i| Value::String(format!("s{}", i % 50_000)))
        .collect();
    let in_order = approx_of(&Type::String, &values);
    let reordered = shuffled(values.clone(), 42);
    assert_eq!(approx_of(&Type::String, &reordered), in_order);
    let (head, tail) = reordered.split_at(30_000);
    let mut merged = approx_of(&Type::String, tail);
    merged.merge(&approx_of(&Type::String, head));
    assert_eq!(merged, in_order);
    assert!((estimate(&in_order) - 50_000).abs() <= three_standard_errors(50_000));
}

#[test]
fn small_sets_are_nearly_exact() {
    // Linear counting: an estimate is off only when values share a register.
    let mut exact = 0;
    for n in 1..=100 {
        let values: Vec<Value> = (0..n).map(Value::Int).collect();
        let found = estimate(&approx_of(&Type::Int, &values));
        assert!((found - n).abs() <= 2, "{n} values estimated as {found}");
        exact += i32::from(found == n);
    }
    assert!(
        exact >= 80,
        "only {exact} of 100 small sets were counted exactly"
    );
}
