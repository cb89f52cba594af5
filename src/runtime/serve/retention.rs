//! How far back in time a request may ask (docs/language.md#declarations, `retain`): the online store keeps a view's
//! state back to at least now − its longest window − `retain`.
//!
//! A request at T reads the events of `[T − settle − longest window, T − settle)`. That range
//! lies inside the kept state exactly when T − settle − longest ≥ now − longest − retain, that
//! is when **T ≥ now − retain + settle**. So:
//! - a view over a source: T ≥ now − retain + settle (the window's length cancels out);
//! - a view over a source with a `lifetime` aggregate: its whole history is kept, no bound;
//! - a view over a table: a row is needed until the row that supersedes it is `retain` old,
//!   so T ≥ now − retain.

use crate::plan::{Plan, View, ViewKind, Window};
use crate::types::{Micros, format_duration};

/// The retention of one view, as far as serving is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Retention {
    /// A `lifetime` aggregate: the view keeps its whole history.
    Unbounded,
    /// Requests must be at or after now − `lookback`.
    Bounded {
        lookback: Micros,
        /// The view's longest window extent (`Window::extent`); `None` for a view over a table.
        longest_window: Option<Micros>,
        retain: Micros,
        settle: Micros,
    },
}

impl Retention {
    pub fn of_view(plan: &Plan, view: &View) -> Retention {
        let retain = view.online.retain;
        match &view.kind {
            ViewKind::Table { .. } => Retention::Bounded {
                lookback: retain,
                longest_window: None,
                retain,
                settle: 0,
            },
            ViewKind::Windowed { .. } => {
                let windows: Vec<&Window> = view.aggregates().map(|(_, a)| &a.window).collect();
                let extents: Option<Vec<Micros>> = windows.iter().map(|w| w.extent()).collect();
                let Some(extents) = extents else {
                    return Retention::Unbounded;
                };
                let settle = match &view.input {
                    crate::plan::Input::Source(name) => plan.source(name).map_or(0, |s| s.settle),
                    crate::plan::Input::Table(_) => 0,
                };
                Retention::Bounded {
                    lookback: retain - settle,
                    longest_window: extents.into_iter().max(),
                    retain,
                    settle,
                }
            }
        }
    }

    /// The earliest request time answered from complete state, or `None` without a bound.
    pub fn earliest(&self, now: Micros) -> Option<Micros> {
        match self {
            Retention::Unbounded => None,
            Retention::Bounded { lookback, .. } => Some(now.saturating_sub(*lookback)),
        }
    }

    /// Why requests before [`Retention::earliest`] are refused, for the error message.
    pub fn explain(&self, view: &str) -> String {
        match self {
            Retention::Unbounded => format!("view `{view}` keeps its whole history"),
            Retention::Bounded {
                longest_window: Some(longest),
                retain,
                settle,
                ..
            } => {
                let settle_part = if *settle > 0 {
                    format!(" + {} (settle)", format_duration(*settle))
                } else {
                    String::new()
                };
                format!(
                    "view `{view}` keeps state back to now − {} (its longest window) − {} (retain), \
                     so a request must be at or after now − {}{settle_part}",
                    format_duration(*longest),
                    format_duration(*retain),
                    format_duration(*retain),
                )
            }
            Retention::Bounded {
                longest_window: None,
                retain,
                ..
            } => format!(
                "view `{view}` keeps superseded table rows for {} (retain), so a request must be \
                 at or after now − {}",
                format_duration(*retain),
                format_duration(*retain),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_SECOND};

    #[test]
    fn the_bound_is_retain_minus_settle_before_now() {
        let r = Retention::Bounded {
            lookback: MICROS_PER_DAY - 30 * MICROS_PER_SECOND,
            longest_window: Some(2 * MICROS_PER_HOUR),
            retain: MICROS_PER_DAY,
            settle: 30 * MICROS_PER_SECOND,
        };
        let now = 10 * MICROS_PER_DAY;
        assert_eq!(
            r.earliest(now),
            Some(9 * MICROS_PER_DAY + 30 * MICROS_PER_SECOND)
        );
        assert_eq!(
            r.explain("v"),
            "view `v` keeps state back to now − 2h (its longest window) − 1d (retain), \
             so a request must be at or after now − 1d + 30s (settle)"
        );
        assert_eq!(Retention::Unbounded.earliest(now), None);
    }
}
