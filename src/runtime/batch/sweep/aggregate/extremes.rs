//! `min`, `max`, `first` and `last` with a monotone deque: the window's candidates, best at the
//! front, each better than every later one. An event that enters removes the candidates it
//! beats, so each event enters and leaves once.
//!
//! Values are ranks in `Value` order ([`Dictionary`]), so comparing is comparing integers.
//! What each keeps is [`crate::agg::Extreme`]: `first`/`last` compare `(event time, rank)`, so
//! at equal times they keep the smallest/largest value.

use super::dictionary::Dictionary;
use super::{SlidingState, Windows, slide};
use crate::agg::Extreme;
use crate::runtime::batch::sweep::intern::NONE;
use datafusion::arrow::array::{ArrayRef, UInt32Array};
use datafusion::arrow::compute::take;
use datafusion::common::{Result, internal_err};
use std::cmp::Ordering;
use std::collections::VecDeque;

struct Candidates<'a> {
    ids: &'a [u32],
    times: &'a [i64],
    /// Whether the event time comes first in the comparison (`first`, `last`).
    timed: bool,
    /// Whether greater is better (`max`, `last`).
    greatest: bool,
    deque: VecDeque<(usize, (i64, u32))>,
}

impl Candidates<'_> {
    fn key(&self, event: usize) -> (i64, u32) {
        let time = if self.timed { self.times[event] } else { 0 };
        (time, self.ids[event])
    }

    fn best(&self) -> Option<u32> {
        self.deque.front().map(|(_, (_, rank))| *rank)
    }
}

impl SlidingState for Candidates<'_> {
    fn add(&mut self, event: usize) {
        if self.ids[event] == NONE {
            return;
        }
        let key = self.key(event);
        while let Some((_, last)) = self.deque.back() {
            let beaten = if self.greatest {
                *last <= key
            } else {
                *last >= key
            };
            if !beaten {
                break;
            }
            self.deque.pop_back();
        }
        self.deque.push_back((event, key));
    }

    fn remove(&mut self, event: usize) {
        if self.deque.front().is_some_and(|(e, _)| *e == event) {
            self.deque.pop_front();
        }
    }
}

/// The aggregate's value per window (monotone windows), taken from the dictionary's values.
pub fn extremes(
    extreme: Extreme,
    dictionary: &Dictionary,
    times: &[i64],
    windows: &Windows,
) -> Result<ArrayRef> {
    let (timed, greatest) = (extreme.by_time, extreme.keep == Ordering::Greater);
    let Some(values) = &dictionary.values else {
        return internal_err!("featc: {extreme:?} needs ranked values");
    };
    let mut candidates = Candidates {
        ids: &dictionary.ids,
        times,
        timed,
        greatest,
        deque: VecDeque::new(),
    };
    let mut at = 0..0;
    let ranks: UInt32Array = windows
        .ranges
        .iter()
        .map(|range| {
            slide(&mut candidates, &mut at, range);
            candidates.best()
        })
        .collect();
    Ok(take(values.as_ref(), &ranks, None)?)
}
