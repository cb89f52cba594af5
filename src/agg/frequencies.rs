//! [`Frequencies`]: the state of `top_k(x, k)` — how often each value occurred, exact, so that
//! merging adds counts and every grouping of the same events gives the same state. The value
//! is the `k` most frequent values, most frequent first; values with the same count are
//! ordered by value, ascending (strings by bytes), so the result is deterministic.

use crate::types::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Frequencies {
    /// Value (canonical) → count (> 0).
    #[serde(with = "super::pairs")]
    counts: BTreeMap<Value, i64>,
}

impl Frequencies {
    pub fn insert(&mut self, value: &Value) {
        match self.counts.get_mut(value) {
            Some(count) => *count = count.saturating_add(1),
            None => {
                self.counts.insert(value.clone(), 1);
            }
        }
    }

    pub fn merge(&mut self, other: &Frequencies) {
        for (value, count) in &other.counts {
            match self.counts.get_mut(value) {
                Some(slot) => *slot = slot.saturating_add(*count),
                None => {
                    self.counts.insert(value.clone(), *count);
                }
            }
        }
    }

    /// The `k` most frequent values, most frequent first, ties by value ascending.
    pub fn top(&self, k: u32) -> Vec<Value> {
        let mut ranked: Vec<(&Value, i64)> = self.counts.iter().map(|(v, c)| (v, *c)).collect();
        // stable: equal counts stay in value order
        ranked.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
        ranked
            .into_iter()
            .take(k as usize)
            .map(|(v, _)| v.clone())
            .collect()
    }

    /// The values (ascending) and their counts, as stored.
    pub fn entries(&self) -> (Vec<Value>, Vec<i64>) {
        self.counts.iter().map(|(v, c)| (v.clone(), *c)).unzip()
    }

    /// The state of stored entries; `None` if the lists differ in length or a count is not
    /// positive. Repeated values add up.
    pub fn from_entries(values: Vec<Value>, counts: &[i64]) -> Option<Frequencies> {
        if values.len() != counts.len() || counts.iter().any(|c| *c <= 0) {
            return None;
        }
        let mut state = Frequencies::default();
        for (value, count) in values.into_iter().zip(counts) {
            let slot = state.counts.entry(value).or_insert(0);
            *slot = slot.saturating_add(*count);
        }
        Some(state)
    }

    pub fn values(&self) -> impl Iterator<Item = &Value> {
        self.counts.keys()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_frequent_come_first_and_ties_go_by_value() {
        let mut f = Frequencies::default();
        for v in ["b", "a", "c", "b", "a", "d", "b"] {
            f.insert(&Value::String(v.into()));
        }
        let s = |v: &str| Value::String(v.into());
        assert_eq!(f.top(3), [s("b"), s("a"), s("c")]);
        assert_eq!(f.top(10).len(), 4);
        let (values, counts) = f.entries();
        assert_eq!(Frequencies::from_entries(values, &counts), Some(f));
    }
}
