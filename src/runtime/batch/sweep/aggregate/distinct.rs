//! `count_distinct`: a multiset of value ids (a count per id) that windows slide over; the
//! number of ids with a non-zero count is the window's value.

use super::dictionary::Dictionary;
use super::{SlidingState, Windows, slide};
use crate::runtime::batch::sweep::intern::NONE;
use datafusion::arrow::array::{ArrayRef, Int64Array};
use std::sync::Arc;

struct Multiset<'a> {
    ids: &'a [u32],
    counts: Vec<u32>,
    distinct: i64,
}

impl SlidingState for Multiset<'_> {
    fn add(&mut self, event: usize) {
        let id = self.ids[event];
        if id == NONE {
            return;
        }
        let count = &mut self.counts[id as usize];
        if *count == 0 {
            self.distinct += 1;
        }
        *count += 1;
    }

    fn remove(&mut self, event: usize) {
        let id = self.ids[event];
        if id == NONE {
            return;
        }
        let count = &mut self.counts[id as usize];
        *count -= 1;
        if *count == 0 {
            self.distinct -= 1;
        }
    }
}

/// The distinct count per window; the windows must be monotone.
pub fn distinct_counts(dictionary: &Dictionary, windows: &Windows) -> ArrayRef {
    let mut set = Multiset {
        ids: &dictionary.ids,
        counts: vec![0; dictionary.len],
        distinct: 0,
    };
    let mut at = 0..0;
    let values = windows.ranges.iter().map(|range| {
        slide(&mut set, &mut at, range);
        set.distinct
    });
    Arc::new(Int64Array::from_iter_values(values.collect::<Vec<_>>()))
}
