//! [`Window::tile_ranges`] as SQL: the same tile ranges, written as expressions of the lookup
//! time `t` instead of computed for one `t`, so that one prepared lookup serves every request
//! time. A unit test checks the symbolic ranges against `tile_ranges` for many times.

use super::text::{floor_micros, micros_to_timestamptz, quote};
use crate::plan::naming;
use crate::plan::window::Window;
use crate::types::{Micros, format_duration};

/// A time relative to the lookup time `t`: `floor(t, d) + offset`, or `t + offset` when
/// `floor_to` is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instant {
    pub floor_to: Option<Micros>,
    pub offset: Micros,
}

/// The tiles of one granularity a window merges: tile starts in `[from, until)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    pub granularity: Micros,
    /// `None`: unbounded (lifetime).
    pub from: Option<Instant>,
    pub until: Instant,
}

impl Instant {
    fn floor(d: Micros) -> Instant {
        Instant {
            floor_to: Some(d),
            offset: 0,
        }
    }

    const T: Instant = Instant {
        floor_to: None,
        offset: 0,
    };

    fn minus(self, d: Micros) -> Instant {
        Instant {
            offset: self.offset - d,
            ..self
        }
    }

    /// The instant's value at time `t`.
    #[cfg(test)]
    pub fn at(&self, t: Micros) -> Micros {
        let base = match self.floor_to {
            Some(d) => crate::plan::window::floor(t, d),
            None => t,
        };
        base + self.offset
    }

    /// The instant as bigint microseconds, given `t` as an SQL expression.
    pub fn micros_sql(&self, t_sql: &str) -> String {
        let base = match self.floor_to {
            Some(d) => floor_micros(t_sql, d),
            None => t_sql.to_string(),
        };
        match self.offset {
            0 => base,
            o if o < 0 => format!("{base} - {}", -o),
            o => format!("{base} + {o}"),
        }
    }

    /// The instant as a `timestamptz`, given `t` as bigint microseconds in SQL.
    pub fn timestamptz_sql(&self, t_sql: &str) -> String {
        micros_to_timestamptz(&self.micros_sql(t_sql))
    }
}

/// The levels of tiles whose merge is `window`'s value at `t`, mirroring
/// [`Window::tile_ranges`]: `[a, floor(t, g1))` in tiles of g1, `[floor(t, g1), floor(t, g2))`
/// in tiles of g2, ..., and `[floor(t, g_last), t)` at the finest level. A level may be empty at
/// some `t` (then it selects no tile), where `tile_ranges` leaves it out.
pub fn levels(window: &Window) -> Vec<Level> {
    match *window {
        Window::Tumbling { size } => vec![Level {
            granularity: size,
            from: Some(Instant::floor(size).minus(size)),
            until: Instant::floor(size),
        }],
        Window::Sliding { size, slide } => vec![Level {
            granularity: slide,
            from: Some(Instant::floor(slide).minus(size)),
            until: Instant::floor(slide),
        }],
        Window::Rolling { .. } | Window::Lifetime => {
            let chain = window.granularities();
            let mut from = match *window {
                Window::Rolling { size, hop } => Some(Instant::floor(hop).minus(size)),
                _ => None,
            };
            let mut out = Vec::with_capacity(chain.len());
            for (i, &granularity) in chain.iter().enumerate() {
                let until = if i + 1 == chain.len() {
                    Instant::T
                } else {
                    Instant::floor(granularity)
                };
                out.push(Level {
                    granularity,
                    from,
                    until,
                });
                from = Some(until);
            }
            out
        }
    }
}

/// The instant as a column name of the bound relation, spelled like docs/language.md#windows-and-point-in-time-semantics:
/// `t`, `floor(t, 15m)`, `floor(t, 10m) - 2h`. Names with spaces and parentheses can never
/// collide with a `.feat` identifier, and equal instants get equal names.
pub fn instant_label(instant: &Instant) -> String {
    let base = match instant.floor_to {
        Some(d) => format!("floor(t, {})", format_duration(d)),
        None => "t".to_string(),
    };
    let label = match instant.offset {
        0 => base,
        o if o < 0 => format!("{base} - {}", format_duration(-o)),
        o => format!("{base} + {}", format_duration(o)),
    };
    naming::fit(&label)
}

/// Per granularity, the tiles some window of `windows` reads at `t`, as one condition on a tile
/// row (`tile."tile_us" = g AND tile."tile_start" >= least(...) AND tile."tile_start" <
/// greatest(...)`), coarsest granularity first. Each is a range of the primary key for one
/// entity, so the lookup reads these tiles and no others: its cost does not grow with a key's
/// history (the windows' own membership then picks each window's tiles among them).
pub fn granularity_ranges(windows: &[Window], tile: &str, bound: &str) -> Vec<String> {
    let start = format!("{tile}.{}", quote(naming::TILE_START));
    let granularity = format!("{tile}.{}", quote(naming::TILE_GRANULARITY));
    let at = |instant: &Instant| format!("{bound}.{}", quote(&instant_label(instant)));
    let mut by_granularity: Vec<(Micros, Option<Vec<String>>, Vec<String>)> = Vec::new();
    for level in windows.iter().flat_map(levels) {
        let from = level.from.as_ref().map(at);
        let until = at(&level.until);
        match by_granularity
            .iter_mut()
            .find(|(g, _, _)| *g == level.granularity)
        {
            Some((_, froms, untils)) => {
                match (froms.as_mut(), from) {
                    (Some(froms), Some(from)) if !froms.contains(&from) => froms.push(from),
                    (Some(_), Some(_)) => {}
                    // an unbounded level: every tile before `until`
                    (_, None) => *froms = None,
                    (None, Some(_)) => {}
                }
                if !untils.contains(&until) {
                    untils.push(until);
                }
            }
            None => by_granularity.push((level.granularity, from.map(|f| vec![f]), vec![until])),
        }
    }
    by_granularity.sort_by_key(|(g, _, _)| std::cmp::Reverse(*g));
    let extreme = |function: &str, items: &[String]| match items {
        [one] => one.clone(),
        many => format!("{function}({})", many.join(", ")),
    };
    by_granularity
        .into_iter()
        .map(|(g, froms, untils)| {
            let mut parts = vec![format!("{granularity} = {g}")];
            if let Some(froms) = froms {
                parts.push(format!("{start} >= {}", extreme("least", &froms)));
            }
            parts.push(format!("{start} < {}", extreme("greatest", &untils)));
            parts.join(" AND ")
        })
        .collect()
}

/// The tile relation's flag column: whether a tile is part of `window` at `t`.
pub fn member_column(window: &Window) -> String {
    naming::fit(&format!("in {window}"))
}

/// `(tile."tile_us" = g AND tile."tile_start" >= bound."..." AND ...)`, one term per level,
/// to be joined with `OR`: whether a tile row belongs to the window at `t`, over the bound
/// relation's columns.
pub fn membership_terms(window: &Window, tile: &str, bound: &str) -> Vec<String> {
    let start = format!("{tile}.{}", quote(naming::TILE_START));
    let granularity = format!("{tile}.{}", quote(naming::TILE_GRANULARITY));
    levels(window)
        .iter()
        .map(|level| {
            let mut parts = vec![format!("{granularity} = {}", level.granularity)];
            if let Some(from) = &level.from {
                parts.push(format!(
                    "{start} >= {bound}.{}",
                    quote(&instant_label(from))
                ));
            }
            parts.push(format!(
                "{start} < {bound}.{}",
                quote(&instant_label(&level.until))
            ));
            format!("({})", parts.join(" AND "))
        })
        .collect()
}

/// The bound relation's columns for `windows`: every distinct instant their levels use, `t`
/// first, each as `(name, timestamptz expression of t)` given `t` in bigint microseconds.
pub fn bound_columns(windows: &[Window], t_sql: &str) -> Vec<(String, String)> {
    let mut instants = vec![Instant::T];
    for level in windows.iter().flat_map(levels) {
        for instant in level.from.into_iter().chain([level.until]) {
            if !instants.contains(&instant) {
                instants.push(instant);
            }
        }
    }
    instants
        .iter()
        .map(|i| (instant_label(i), i.timestamptz_sql(t_sql)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE};

    const M: Micros = MICROS_PER_MINUTE;
    const H: Micros = MICROS_PER_HOUR;
    const D: Micros = MICROS_PER_DAY;

    /// The symbolic levels, evaluated at `t`, select exactly the tiles `tile_ranges(t)` lists.
    #[test]
    fn levels_agree_with_tile_ranges() {
        let windows = [
            Window::Tumbling { size: D },
            Window::Tumbling { size: 7 * D },
            Window::Sliding {
                size: H,
                slide: 15 * M,
            },
            Window::Rolling {
                size: 2 * H,
                hop: 10 * M,
            },
            Window::Rolling {
                size: 7 * D,
                hop: H,
            },
            Window::Rolling {
                size: 30 * D,
                hop: D,
            },
            Window::Lifetime,
        ];
        let times = (0..400i64)
            .map(|i| (i * 7_919_993_117 + i * i * 13) % (90 * D) - 20 * D)
            .chain([0, D, 2 * D + 1, -1, -D]);
        for window in windows {
            for t in times.clone() {
                let expected: Vec<_> = window
                    .tile_ranges(t)
                    .into_iter()
                    .map(|r| (r.granularity, r.start, r.end))
                    .collect();
                let actual: Vec<_> = levels(&window)
                    .into_iter()
                    .map(|l| (l.granularity, l.from.map(|f| f.at(t)), l.until.at(t)))
                    .filter(|(_, from, until)| from.is_none_or(|f| f < *until))
                    .collect();
                assert_eq!(actual, expected, "{window} at {t}");
            }
        }
    }

    #[test]
    fn membership_reads_like_the_window() {
        let w = Window::Sliding {
            size: H,
            slide: 15 * M,
        };
        assert_eq!(
            membership_terms(&w, "tile", "bound").concat(),
            r#"(tile."tile_us" = 900000000 AND tile."tile_start" >= bound."floor(t, 15m) - 1h" AND tile."tile_start" < bound."floor(t, 15m)")"#
        );
        let bounds = bound_columns(&[w, Window::Lifetime], "c.t");
        let names: Vec<&str> = bounds.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "t",
                "floor(t, 15m) - 1h",
                "floor(t, 15m)",
                "floor(t, 1d)",
                "floor(t, 1h)",
                "floor(t, 1m)"
            ]
        );
        assert_eq!(
            bounds[0].1,
            "to_timestamp(0) + c.t * interval '1 microsecond'"
        );
        assert_eq!(
            bounds[1].1,
            "to_timestamp(0) + ((c.t - ((c.t % 900000000) + 900000000) % 900000000) - 3600000000) * interval '1 microsecond'"
        );
        assert_eq!(
            bounds[2].1,
            "to_timestamp(0) + (c.t - ((c.t % 900000000) + 900000000) % 900000000) * interval '1 microsecond'"
        );
    }
}
