//! Windows and the point-in-time rule (docs/language.md#windows-and-point-in-time-semantics), defined once for every back end.
//!
//! Every window is a merge of **tiles**: per entity, a partial state of the events whose time
//! falls in `[tile_start, tile_start + granularity)`. A view keeps tiles at a small set of
//! granularities (its *ladder*); the value of a feature at time `t` is the merge of the tiles
//! that [`Window::tile_ranges`] lists. Granularity 1 µs is the exact level: one tile per distinct
//! event time, which is what makes the head of a rolling window exact.

use crate::types::{MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, Micros, format_duration};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The exact granularity: a tile per event time.
pub const EXACT: Micros = 1;

/// Coarse levels kept for lifetime features and for the heads of rolling windows, so that a
/// lookup merges a few dozen tiles, not every event (largest first, each dividing the previous).
pub const STANDARD_LADDER: [Micros; 3] = [MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Window {
    Tumbling { size: Micros },
    Sliding { size: Micros, slide: Micros },
    Rolling { size: Micros, hop: Micros },
    Lifetime,
}

/// `floor(t, d)`: the greatest multiple of `d` that is ≤ `t` (also for negative `t`).
pub fn floor(t: Micros, d: Micros) -> Micros {
    t - t.rem_euclid(d)
}

/// docs/language.md#windows-and-point-in-time-semantics: the hop of `rolling(size)` when none is written.
pub fn default_hop(size: Micros) -> Micros {
    if size <= 12 * MICROS_PER_HOUR {
        MICROS_PER_MINUTE
    } else if size <= 12 * MICROS_PER_DAY {
        MICROS_PER_HOUR
    } else {
        MICROS_PER_DAY
    }
}

/// Half-open event-time range `[start, end)`; `start = None` is unbounded (lifetime).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    pub start: Option<Micros>,
    pub end: Micros,
}

impl TimeRange {
    pub fn contains(&self, t: Micros) -> bool {
        self.start.is_none_or(|s| s <= t) && t < self.end
    }
}

/// Tiles of one granularity whose start lies in `[start, end)` (`start = None`: unbounded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TileRange {
    pub granularity: Micros,
    pub start: Option<Micros>,
    pub end: Micros,
}

impl Window {
    /// The events that make the value at time `t` (docs/language.md#windows-and-point-in-time-semantics). Callers apply `settle` first:
    /// pass `t − settle`.
    pub fn range_at(&self, t: Micros) -> TimeRange {
        match *self {
            Window::Tumbling { size } => {
                let end = floor(t, size);
                TimeRange {
                    start: Some(end - size),
                    end,
                }
            }
            Window::Sliding { size, slide } => {
                let end = floor(t, slide);
                TimeRange {
                    start: Some(end - size),
                    end,
                }
            }
            Window::Rolling { size, hop } => TimeRange {
                start: Some(floor(t, hop) - size),
                end: t,
            },
            Window::Lifetime => TimeRange {
                start: None,
                end: t,
            },
        }
    }

    /// The longest span of history the window reads (`None` for lifetime).
    pub fn extent(&self) -> Option<Micros> {
        match *self {
            Window::Tumbling { size } | Window::Sliding { size, .. } => Some(size),
            // the head adds up to one hop to the size
            Window::Rolling { size, hop } => Some(size + hop),
            Window::Lifetime => None,
        }
    }

    /// The granularities a view must keep for this window (largest first).
    pub fn granularities(&self) -> Vec<Micros> {
        let mut out = match *self {
            Window::Tumbling { size } => vec![size],
            Window::Sliding { slide, .. } => vec![slide],
            Window::Rolling { hop, .. } => {
                let mut v = vec![hop];
                v.extend(STANDARD_LADDER.iter().filter(|&&l| l < hop && hop % l == 0));
                v.push(EXACT);
                v
            }
            Window::Lifetime => {
                let mut v = STANDARD_LADDER.to_vec();
                v.push(EXACT);
                v
            }
        };
        out.dedup();
        out
    }

    /// The tiles whose merge is the window's value at `t`, given the view's ladder (which must
    /// contain [`Window::granularities`]). Each level covers what the coarser levels cannot
    /// align to: `[a, floor(t, g1))` in tiles of g1, then `[floor(t, g1), floor(t, g2))` in
    /// tiles of g2, ..., and `[floor(t, g_last), t)` exactly.
    pub fn tile_ranges(&self, t: Micros) -> Vec<TileRange> {
        match *self {
            Window::Tumbling { .. } | Window::Sliding { .. } => {
                let range = self.range_at(t);
                let granularity = self.granularities()[0];
                vec![TileRange {
                    granularity,
                    start: range.start,
                    end: range.end,
                }]
            }
            Window::Rolling { .. } | Window::Lifetime => {
                let range = self.range_at(t);
                let chain = self.granularities();
                let mut out = Vec::with_capacity(chain.len());
                let mut start = range.start;
                for (i, &g) in chain.iter().enumerate() {
                    let end = if i + 1 == chain.len() { t } else { floor(t, g) };
                    // tile starts are multiples of g; `start` is aligned to g by construction
                    if start.is_none_or(|s| s < end) {
                        out.push(TileRange {
                            granularity: g,
                            start,
                            end,
                        });
                    }
                    start = Some(start.map_or(end, |s| s.max(end)));
                }
                out
            }
        }
    }
}

/// The ladder a view keeps: the union of its windows' granularities, largest first.
pub fn view_ladder<'a>(windows: impl IntoIterator<Item = &'a Window>) -> Vec<Micros> {
    let mut out: Vec<Micros> = windows
        .into_iter()
        .flat_map(Window::granularities)
        .collect();
    out.sort_unstable_by(|a, b| b.cmp(a));
    out.dedup();
    out
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Window::Tumbling { size } => write!(f, "tumbling({})", format_duration(size)),
            Window::Sliding { size, slide } => write!(
                f,
                "sliding({}, {})",
                format_duration(size),
                format_duration(slide)
            ),
            Window::Rolling { size, hop } => write!(
                f,
                "rolling({}, hop {})",
                format_duration(size),
                format_duration(hop)
            ),
            Window::Lifetime => f.write_str("lifetime"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::MICROS_PER_SECOND;

    const M: Micros = MICROS_PER_MINUTE;
    const H: Micros = MICROS_PER_HOUR;
    const D: Micros = MICROS_PER_DAY;

    #[test]
    fn floor_is_euclidean() {
        assert_eq!(floor(7, 5), 5);
        assert_eq!(floor(5, 5), 5);
        assert_eq!(floor(-1, 5), -5);
        assert_eq!(floor(-5, 5), -5);
    }

    #[test]
    fn sliding_value_is_the_completed_window_ending_at_floor_t() {
        let w = Window::Sliding {
            size: H,
            slide: 15 * M,
        };
        // at 10:20 the completed window is [09:15, 10:15)
        let t = 10 * H + 20 * M;
        let r = w.range_at(t);
        assert_eq!(r.start, Some(9 * H + 15 * M));
        assert_eq!(r.end, 10 * H + 15 * M);
        // exactly on the boundary, the window ending at t is complete: events at t are excluded
        let r = w.range_at(10 * H);
        assert_eq!((r.start, r.end), (Some(9 * H), 10 * H));
        assert!(!r.contains(10 * H));
        assert!(r.contains(9 * H));
    }

    #[test]
    fn rolling_head_is_exact_and_tail_aligned_to_the_hop() {
        let w = Window::Rolling {
            size: 7 * D,
            hop: H,
        };
        let t = 20 * D + 5 * H + 17 * M + 3 * MICROS_PER_SECOND + 9;
        let r = w.range_at(t);
        assert_eq!(r.start, Some(20 * D + 5 * H - 7 * D));
        assert_eq!(r.end, t);
    }

    /// Brute force: for many times t, the tiles listed by `tile_ranges` cover exactly the
    /// events of `range_at(t)`, each event in exactly one tile.
    #[test]
    fn tile_ranges_partition_the_window() {
        let windows = [
            Window::Rolling {
                size: 2 * H,
                hop: 10 * M,
            },
            Window::Rolling {
                size: 3 * D,
                hop: H,
            },
            Window::Lifetime,
            Window::Sliding {
                size: H,
                slide: 15 * M,
            },
            Window::Tumbling { size: D },
        ];
        let events: Vec<Micros> = (0..400)
            .map(|i: i64| (i * 7_919_993_117 + i * i * 13) % (5 * D) + D / 3)
            .chain([D, 2 * D, 3 * D + H])
            .collect();
        let times = (0..300)
            .map(|i: i64| D + i * 1_234_567_891 % (5 * D))
            .chain([2 * D, 2 * D + 1]);
        for w in windows {
            for t in times.clone() {
                let range = w.range_at(t);
                let tiles = w.tile_ranges(t);
                for &e in &events {
                    let covering = tiles
                        .iter()
                        .filter(|tr| {
                            let tile_start = floor(e, tr.granularity);
                            tr.start.is_none_or(|s| s <= tile_start) && tile_start < tr.end
                        })
                        .count();
                    let expected = usize::from(range.contains(e));
                    assert_eq!(covering, expected, "{w} at t={t}, event {e}: {tiles:?}");
                }
            }
        }
    }

    #[test]
    fn ladders_are_chains() {
        let ladder = view_ladder(&[
            Window::Rolling {
                size: 7 * D,
                hop: H,
            },
            Window::Lifetime,
        ]);
        assert_eq!(ladder, vec![D, H, M, EXACT]);
        for pair in ladder.windows(2) {
            assert_eq!(pair[0] % pair[1], 0);
        }
    }
}
