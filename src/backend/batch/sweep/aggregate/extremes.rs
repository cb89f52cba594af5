//! `min`, `max`, `first` and `last` with a monotone deque: the window's candidates, best at the
//! front, each better than every later one. An event that enters removes the candidates it
//! beats, so each event enters and leaves once.
//!
//! Values are ranks in `Value` order ([`Dictionary`]), so comparing is comparing integers.
//! `first`/`last` compare `(event time, rank)`: the least/greatest time, then — at equal times —
//! the smallest/largest value, as `crate::agg` breaks ties.

use super::dictionary::Dictionary;
use super::{SlidingState, Windows, slide};
use crate::agg::AggFunc;
use crate::backend::batch::sweep::intern::NONE;
use datafusion::arrow::array::{ArrayRef, UInt32Array};
use datafusion::arrow::compute::take;
use datafusion::common::{Result, internal_err};
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
    func: &AggFunc,
    dictionary: &Dictionary,
    times: &[i64],
    windows: &Windows,
) -> Result<ArrayRef> {
    let (timed, greatest) = match func {
        AggFunc::Min => (false, false),
        AggFunc::Max => (false, true),
        AggFunc::First => (true, false),
        AggFunc::Last => (true, true),
        other => return internal_err!("featc: `{}` is not an extreme", other.name()),
    };
    let Some(values) = &dictionary.values else {
        return internal_err!("featc: `{}` needs ranked values", func.name());
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
