//! [`Sliding`]: how an aggregate's value is kept over a window that slides forward over events
//! sorted by time — what enters and what leaves — so that the batch sweep computes every
//! window of a key in one pass (the `retract` side of an accumulator). Each aggregate says
//! which strategy computes exactly its [`State`](super::State)'s value; the sweep implements
//! the strategies, and its tests hold each one against a fold of the window's events.

use super::AggFunc;
use super::func::Extreme;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sliding {
    /// The number of selected events: a difference of two prefix counts.
    Count,
    /// A difference of two prefix sums (with a count, for `avg`): exact for ints and
    /// decimals, compensated for floats — or a refold where a difference cannot be exact.
    PrefixSum,
    /// One extreme value ([`Extreme`]): a monotone deque of candidates.
    Extreme(Extreme),
    /// The number of distinct values: a count per value.
    Distinct,
    /// None: each window's events are folded into a fresh state, O(window).
    Refold,
}

impl AggFunc {
    /// The strategy that keeps this aggregate over a sliding window.
    pub fn sliding(&self) -> Sliding {
        match self {
            AggFunc::CountAll | AggFunc::Count => Sliding::Count,
            AggFunc::Sum | AggFunc::Avg => Sliding::PrefixSum,
            AggFunc::Min | AggFunc::Max | AggFunc::First | AggFunc::Last => {
                self.extreme().map_or(Sliding::Refold, Sliding::Extreme)
            }
            AggFunc::CountDistinct => Sliding::Distinct,
            AggFunc::LastN { .. }
            | AggFunc::ApproxCountDistinct
            | AggFunc::StddevPop
            | AggFunc::VarPop
            | AggFunc::ApproxPercentile { .. }
            | AggFunc::TopK { .. } => Sliding::Refold,
        }
    }
}
