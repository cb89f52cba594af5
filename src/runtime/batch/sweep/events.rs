//! The events of a sweep in (key, time) order, and the event range of each window.
//!
//! Keys are dense ids (see [`super::intern`]), so the order is a counting sort by key and a
//! sort by time within each key: no comparison of strings, and each key's events end up
//! contiguous. A window over `[lo, hi)` of one key is then a contiguous range of sorted events,
//! found by binary search within the key's segment.

use super::intern::NONE;
use std::ops::Range;

pub struct SortedEvents {
    /// The global row of each sorted event.
    pub rows: Vec<u32>,
    /// The event time (µs) of each sorted event, ascending within a key.
    pub times: Vec<i64>,
    /// Key `k`'s events are `starts[k]..starts[k + 1]`.
    pub starts: Vec<usize>,
}

impl SortedEvents {
    /// Sorts the rows whose key id (`key_ids`, per global row) is not [`NONE`] by key, then time
    /// (then row, so that the order only depends on the input order). `keys` is the number of
    /// key ids.
    pub fn sort(key_ids: &[u32], times: &[i64], keys: usize) -> SortedEvents {
        let mut starts = vec![0usize; keys + 1];
        for &key in key_ids {
            if key != NONE {
                starts[key as usize + 1] += 1;
            }
        }
        for k in 0..keys {
            starts[k + 1] += starts[k];
        }
        let total = starts[keys];
        let mut next = starts.clone();
        let mut pairs: Vec<(i64, u32)> = vec![(0, 0); total];
        for (row, (&key, &time)) in key_ids.iter().zip(times).enumerate() {
            if key != NONE {
                let slot = &mut next[key as usize];
                // Batches hold fewer than 2^32 rows (checked when they are collected).
                pairs[*slot] = (time, row as u32);
                *slot += 1;
            }
        }
        for k in 0..keys {
            pairs[starts[k]..starts[k + 1]].sort_unstable();
        }
        let (times, rows) = pairs.into_iter().unzip();
        SortedEvents {
            rows,
            times,
            starts,
        }
    }

    /// The events of key `key` with `lo ≤ time < hi` (`lo = None`: from the first).
    pub fn range(&self, key: u32, lo: Option<i64>, hi: i64) -> Range<usize> {
        let Some(segment) = self.starts.get(key as usize..key as usize + 2) else {
            return 0..0;
        };
        let (first, last) = (segment[0], segment[1]);
        let times = &self.times[first..last];
        let start = lo.map_or(0, |lo| times.partition_point(|&t| t < lo));
        let end = times.partition_point(|&t| t < hi).max(start);
        first + start..first + end
    }

    /// The times of key `key`'s events, ascending.
    pub fn key_times(&self, key: u32) -> &[i64] {
        match self.starts.get(key as usize..key as usize + 2) {
            Some(segment) => &self.times[segment[0]..segment[1]],
            None => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_grouped_by_key_and_ordered_by_time() {
        // rows: key, time
        let keys = [1, 0, NONE, 1, 0, 1];
        let times = [30, 20, 5, 10, 20, 30];
        let events = SortedEvents::sort(&keys, &times, 2);
        assert_eq!(events.starts, vec![0, 2, 5]);
        assert_eq!(events.times, vec![20, 20, 10, 30, 30]);
        assert_eq!(
            events.rows,
            vec![1, 4, 3, 0, 5],
            "ties in time keep the input order"
        );
    }

    #[test]
    fn ranges_are_half_open_and_stay_in_the_key() {
        let keys = [0, 0, 0, 1];
        let times = [10, 20, 30, 15];
        let events = SortedEvents::sort(&keys, &times, 2);
        assert_eq!(events.range(0, Some(10), 30), 0..2);
        assert_eq!(events.range(0, Some(11), 31), 1..3);
        assert_eq!(events.range(0, None, 10), 0..0);
        assert_eq!(events.range(0, Some(40), 50), 3..3);
        assert_eq!(events.range(1, None, 100), 3..4);
        assert_eq!(
            events.range(0, Some(25), 20),
            2..2,
            "an empty window is empty"
        );
        assert_eq!(
            events.range(7, None, 100),
            0..0,
            "an unknown key has no events"
        );
        assert_eq!(events.key_times(1), &[15]);
    }
}
