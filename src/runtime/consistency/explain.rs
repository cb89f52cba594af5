//! Why a served value differs from the offline one: the cuts of the inputs under which the
//! offline engine would have computed what was served.
//!
//! A view's writer records `complete_until`, the greatest event time it has merged, so the
//! online state of a view is its input's rows up to that time — less any row that had not
//! arrived yet. The offline value at `at` counts the rows before `at − settle`. Hence:
//!
//! 1. **freshness lag**: a view the output reads had `complete_until` < `at − settle − 1µs`
//!    (or none recorded): the server said, in its answer, that its state was behind. The
//!    mismatch is attributed to the lag if recomputing offline with each such input cut at
//!    its `complete_until` (rows after it left out) gives the served value.
//! 2. **late data**: otherwise, or if that recompute does not give the served value, rows
//!    with an event time before the cut arrived after the request. Approximated by cutting
//!    each input the output reads at min(`complete_until`, `at − settle − 1µs`) − the late
//!    horizon: if that gives the served value, the rows in the horizon before the cut are
//!    the ones the online state lacked.
//! 3. **logic**: neither recompute gives the served value; online and offline disagree on the
//!    same rows (a bug, or data that differs between the stream and the batch files).
//!
//! A view over a table cuts on the table's `known_at`, else its `valid_from`. When two views
//! of one output read the same input, the input is cut at the earlier of their cuts.

use super::Cuts;
use crate::plan::{Input, OutputDef, Plan};
use crate::runtime::serve::catalog::ServedService;
use crate::runtime::serve::log::LoggedRow;
use crate::types::Micros;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    FreshnessLag,
    LateData,
    Logic,
    /// Not examined: the recomputes allowed (`--max-recomputes`) were spent.
    Unexamined,
}

impl Cause {
    pub const ALL: [Cause; 4] = [
        Cause::FreshnessLag,
        Cause::LateData,
        Cause::Logic,
        Cause::Unexamined,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Cause::FreshnessLag => "freshness_lag",
            Cause::LateData => "late_data",
            Cause::Logic => "logic",
            Cause::Unexamined => "unexamined",
        }
    }
}

/// A view of the service as the explanations need it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ViewInput {
    /// The source or table the view reads.
    input: String,
    settle: Micros,
}

/// The cuts of a service's outputs.
#[derive(Debug, Clone)]
pub struct Explainer {
    /// Per view, in `ServedService::views` order.
    views: Vec<ViewInput>,
    /// Per output, the indices of the views it reads.
    reads: Vec<Vec<usize>>,
    late_horizon: Micros,
}

impl Explainer {
    pub fn new(plan: &Plan, service: &ServedService, late_horizon: Micros) -> Explainer {
        let views = service
            .views
            .iter()
            .map(|v| {
                let view = plan.view(&v.name);
                let (input, settle) = match view.map(|v| &v.input) {
                    Some(Input::Source(name)) => {
                        (name.clone(), plan.source(name).map_or(0, |s| s.settle))
                    }
                    Some(Input::Table(name)) => (name.clone(), 0),
                    None => (String::new(), 0),
                };
                ViewInput { input, settle }
            })
            .collect();
        let index = |name: &str| service.views.iter().position(|v| v.name == name);
        let reads = plan
            .service(&service.name)
            .map(|s| {
                s.outputs
                    .iter()
                    .map(|o| {
                        let reads: Vec<&str> = match &o.def {
                            OutputDef::Feature { view, .. } => vec![view.as_str()],
                            OutputDef::Derived { expr } => {
                                expr.features().into_iter().map(|(v, _)| v).collect()
                            }
                        };
                        // a role's name stands for its view
                        let names = reads
                            .into_iter()
                            .map(|read| s.role(read).map_or(read, |r| r.view.as_str()));
                        let mut indices: Vec<usize> = names.into_iter().filter_map(index).collect();
                        indices.sort_unstable();
                        indices.dedup();
                        indices
                    })
                    .collect()
            })
            .unwrap_or_default();
        Explainer {
            views,
            reads,
            late_horizon,
        }
    }

    pub fn late_horizon(&self) -> Micros {
        self.late_horizon
    }

    fn reads(&self, output: usize) -> &[usize] {
        self.reads.get(output).map_or(&[], Vec::as_slice)
    }

    /// The last event time the offline value at `at` counts for view `v`.
    fn last_counted(&self, v: usize, at: Micros) -> Micros {
        at - self.views[v].settle - 1
    }

    /// The cuts at the lagging views' `complete_until`, if a view `output` reads lagged.
    pub fn lag_cuts(&self, row: &LoggedRow, output: usize) -> Option<Cuts> {
        let mut cuts = Cuts::new();
        for &v in self.reads(output) {
            let until = row.freshness.get(v).copied().flatten();
            if until.is_some_and(|u| u >= self.last_counted(v, row.at)) {
                continue;
            }
            cut_at(&mut cuts, &self.views[v].input, until);
        }
        (!cuts.is_empty()).then_some(cuts)
    }

    /// The cuts a late-horizon before what the online state should have held.
    pub fn late_cuts(&self, row: &LoggedRow, output: usize) -> Cuts {
        let mut cuts = Cuts::new();
        for &v in self.reads(output) {
            let last = self.last_counted(v, row.at);
            let held = row
                .freshness
                .get(v)
                .copied()
                .flatten()
                .map_or(last, |u| u.min(last));
            cut_at(
                &mut cuts,
                &self.views[v].input,
                Some(held.saturating_sub(self.late_horizon)),
            );
        }
        cuts
    }
}

/// Cuts `input` at `at`, or keeps an earlier cut already there.
fn cut_at(cuts: &mut Cuts, input: &str, at: Option<Micros>) {
    let cut = cuts.entry(input.to_string()).or_insert(at);
    *cut = (*cut).min(at);
}

/// Items grouped by their cuts, the largest groups first (ties: by cuts), so that a budget
/// of recomputes explains as many values as it can.
pub fn group<T>(items: Vec<(Cuts, T)>) -> Vec<(Cuts, Vec<T>)> {
    let mut groups: BTreeMap<Cuts, Vec<T>> = BTreeMap::new();
    for (cuts, item) in items {
        groups.entry(cuts).or_default().push(item);
    }
    let mut groups: Vec<(Cuts, Vec<T>)> = groups.into_iter().collect();
    groups.sort_by_key(|g| std::cmp::Reverse(g.1.len()));
    groups
}

#[cfg(test)]
impl Explainer {
    /// One view per `(input, settle)`; per output, the views it reads.
    pub(super) fn for_tests(
        views: &[(&str, Micros)],
        reads: Vec<Vec<usize>>,
        late_horizon: Micros,
    ) -> Explainer {
        Explainer {
            views: views
                .iter()
                .map(|(input, settle)| ViewInput {
                    input: input.to_string(),
                    settle: *settle,
                })
                .collect(),
            reads,
            late_horizon,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(at: Micros, freshness: Vec<Option<Micros>>) -> LoggedRow {
        LoggedRow {
            request_id: "r".into(),
            entity: 0,
            at,
            served_at: at,
            keys: vec![],
            request: vec![],
            features: vec![],
            freshness,
        }
    }

    fn cuts(entries: &[(&str, Option<Micros>)]) -> Cuts {
        entries.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn a_view_lags_when_its_writer_had_not_merged_what_offline_counts() {
        // two views over one source (settle 10), one over a table; output 0 reads view 0,
        // output 1 reads views 0 and 1, output 2 reads the table view
        let e = Explainer::for_tests(
            &[("events", 10), ("events", 10), ("profile", 0)],
            vec![vec![0], vec![0, 1], vec![2]],
            5,
        );
        // at 100, offline counts events up to 89
        assert_eq!(
            e.lag_cuts(&row(100, vec![Some(89), Some(89), None]), 0),
            None
        );
        assert_eq!(
            e.lag_cuts(&row(100, vec![Some(88), Some(89), None]), 0),
            Some(cuts(&[("events", Some(88))]))
        );
        // the earlier of two cuts of one input
        assert_eq!(
            e.lag_cuts(&row(100, vec![Some(80), Some(70), None]), 1),
            Some(cuts(&[("events", Some(70))]))
        );
        // nothing recorded: nothing kept
        assert_eq!(
            e.lag_cuts(&row(100, vec![None, None, None]), 2),
            Some(cuts(&[("profile", None)]))
        );
        // late: the horizon before min(complete_until, last counted)
        assert_eq!(
            e.late_cuts(&row(100, vec![Some(500), Some(500), None]), 0),
            cuts(&[("events", Some(84))])
        );
        assert_eq!(
            e.late_cuts(&row(100, vec![Some(60), Some(500), None]), 1),
            cuts(&[("events", Some(55))])
        );
        assert_eq!(
            e.late_cuts(&row(100, vec![None, None, None]), 2),
            cuts(&[("profile", Some(94))])
        );
    }

    #[test]
    fn groups_come_largest_first() {
        let a = cuts(&[("events", Some(1))]);
        let b = cuts(&[("events", Some(2))]);
        let groups = group(vec![(a.clone(), 1), (b.clone(), 2), (b.clone(), 3)]);
        assert_eq!(groups, vec![(b, vec![2, 3]), (a, vec![1])]);
    }
}
