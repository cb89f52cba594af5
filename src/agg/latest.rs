//! The time-ordered states: `first`/`last` keep one (time, value) pair, `last_n` the n latest.
//!
//! Pairs are ordered by time, then by value, so that ties in event time are broken the same way
//! on every path: `first` keeps the least pair (earliest, then smallest value), `last` and
//! `last_n` the greatest (latest, then largest value). Values are canonical and non-null here.

use super::canonical::assign;
use crate::types::{Micros, Value};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// A value and the event time it came with; the derived order is (time, value).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Stamped {
    pub time: Micros,
    pub value: Value,
}

fn compare(time: Micros, value: &Value, other: &Stamped) -> Ordering {
    time.cmp(&other.time).then_with(|| value.cmp(&other.value))
}

/// Keeps in `slot` the pair that is `wanted` (`Less` for first, `Greater` for last) of the
/// current one and `(time, value)`; copies the value only when it wins.
pub fn keep_extreme(slot: &mut Option<Stamped>, time: Micros, value: &Value, wanted: Ordering) {
    match slot {
        None => {
            *slot = Some(Stamped {
                time,
                value: value.clone(),
            })
        }
        Some(current) => {
            if compare(time, value, current) == wanted {
                current.time = time;
                assign(&mut current.value, value);
            }
        }
    }
}

/// The `n` greatest pairs, newest first (greatest first); duplicates are kept, since two
/// events can carry the same value at the same time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatestN {
    n: u32,
    newest_first: Vec<Stamped>,
}

impl LatestN {
    pub fn new(n: u32) -> LatestN {
        LatestN {
            n,
            newest_first: Vec::new(),
        }
    }

    /// A state from pairs in any order; keeps the `n` greatest.
    pub fn from_pairs(n: u32, mut pairs: Vec<Stamped>) -> LatestN {
        pairs.sort_unstable_by(|a, b| b.cmp(a));
        pairs.truncate(n as usize);
        LatestN {
            n,
            newest_first: pairs,
        }
    }

    pub fn n(&self) -> u32 {
        self.n
    }

    pub fn newest_first(&self) -> &[Stamped] {
        &self.newest_first
    }

    pub fn offer(&mut self, time: Micros, value: &Value) {
        let n = self.n as usize;
        // Every pair before `position` is at least as new as the offered one.
        let position = self
            .newest_first
            .partition_point(|item| compare(time, value, item) != Ordering::Greater);
        if position >= n {
            return;
        }
        if self.newest_first.len() >= n {
            // Full: evict the oldest and reuse its value's buffer for the newcomer.
            if let Some(mut evicted) = self.newest_first.pop() {
                evicted.time = time;
                assign(&mut evicted.value, value);
                self.newest_first.insert(position, evicted);
            }
        } else {
            self.newest_first.insert(
                position,
                Stamped {
                    time,
                    value: value.clone(),
                },
            );
        }
    }

    /// The `n` greatest pairs of both; `false` (and no change) if the `n`s differ.
    pub fn merge(&mut self, other: &LatestN) -> bool {
        if self.n != other.n {
            return false;
        }
        let n = self.n as usize;
        let mut merged =
            Vec::with_capacity(n.min(self.newest_first.len() + other.newest_first.len()));
        let mut mine = std::mem::take(&mut self.newest_first)
            .into_iter()
            .peekable();
        let mut theirs = other.newest_first.iter().peekable();
        while merged.len() < n {
            let take_mine = match (mine.peek(), theirs.peek()) {
                (Some(a), Some(b)) => a >= *b,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            let next = if take_mine {
                mine.next()
            } else {
                theirs.next().cloned()
            };
            merged.extend(next);
        }
        self.newest_first = merged;
        true
    }

    /// The values, newest first.
    pub fn values(&self) -> Value {
        Value::List(
            self.newest_first
                .iter()
                .map(|item| item.value.clone())
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(i: i64) -> Value {
        Value::Int(i)
    }

    #[test]
    fn first_and_last_break_time_ties_by_value() {
        let (mut first, mut last) = (None, None);
        for (time, value) in [(5, 3), (5, 9), (1, 4), (1, 2), (5, 1)] {
            keep_extreme(&mut first, time, &int(value), Ordering::Less);
            keep_extreme(&mut last, time, &int(value), Ordering::Greater);
        }
        assert_eq!(
            first,
            Some(Stamped {
                time: 1,
                value: int(2)
            })
        );
        assert_eq!(
            last,
            Some(Stamped {
                time: 5,
                value: int(9)
            })
        );
    }

    #[test]
    fn latest_n_keeps_the_newest_newest_first() {
        let mut latest = LatestN::new(3);
        for (time, value) in [(1, 10), (4, 40), (2, 20), (4, 41), (3, 30), (0, 0)] {
            latest.offer(time, &int(value));
        }
        assert_eq!(
            latest.values(),
            Value::List(vec![int(41), int(40), int(30)])
        );
    }

    #[test]
    fn latest_n_merge_takes_the_top_n_of_both() {
        let mut a = LatestN::new(2);
        a.offer(1, &int(1));
        a.offer(5, &int(5));
        let mut b = LatestN::new(2);
        b.offer(3, &int(3));
        b.offer(5, &int(5));
        assert!(a.merge(&b));
        assert_eq!(a.values(), Value::List(vec![int(5), int(5)]));
        assert!(!a.merge(&LatestN::new(3)));
    }

    #[test]
    fn from_pairs_sorts_and_truncates() {
        let pairs = vec![
            Stamped {
                time: 1,
                value: int(1),
            },
            Stamped {
                time: 3,
                value: int(3),
            },
            Stamped {
                time: 2,
                value: int(2),
            },
        ];
        let latest = LatestN::from_pairs(2, pairs);
        assert_eq!(latest.values(), Value::List(vec![int(3), int(2)]));
    }
}
