//! `count(*)` and `count(x)`: prefix counts of the selected events, two lookups per window.

use super::Windows;
use datafusion::arrow::array::{ArrayRef, Int64Array};
use std::sync::Arc;

pub fn counts(selected: &[bool], windows: &Windows) -> ArrayRef {
    // before[i]: selected events among the first i
    let mut before = Vec::with_capacity(selected.len() + 1);
    let mut running = 0i64;
    before.push(0);
    for &s in selected {
        running += i64::from(s);
        before.push(running);
    }
    let values = windows
        .ranges
        .iter()
        .map(|r| before[r.end] - before[r.start]);
    Arc::new(Int64Array::from_iter_values(values))
}
