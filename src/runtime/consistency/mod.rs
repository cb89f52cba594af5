//! `featc consistency`: the served values of a service's log ([`crate::runtime::serve::log`]) against
//! the offline engine's values for the same keys and times, per output ([`compare`]), each
//! mismatch explained as freshness lag, late data or logic ([`explain`]), in a [`report`].
//!
//! [`measure`] is the measurement, over any `recompute`; [`offline`] is the one `featc
//! consistency` uses: the training-set engine of [`crate::runtime::batch`] over the logged
//! requests.

pub mod compare;
pub mod explain;
pub mod offline;
pub mod report;

pub use crate::runtime::batch::inputs::Cuts;
pub use compare::{Outcome, compare, same};
pub use explain::{Cause, Explainer};
pub use offline::{Offline, OfflineError};
pub use report::Report;

use crate::runtime::serve::catalog::ServedService;
use crate::runtime::serve::log::ServiceLog;
use crate::types::Value;

/// A mismatched value: the logged row, the output, how it differs.
#[derive(Debug, Clone, Copy)]
struct Mismatch {
    row: usize,
    output: usize,
    outcome: Outcome,
}

/// What one recompute said of a mismatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Reproduced,
    NotReproduced,
    Unexamined,
}

/// Compares every logged value with `offline` (per logged row, the outputs the offline
/// engine computes for its keys and time) and explains the mismatches. `recompute(cuts,
/// rows)` must give, for each of the logged `rows` (indices, ascending), the outputs computed
/// offline with the inputs cut as `cuts` says; it is called at most `max_recomputes` times.
pub async fn measure<E>(
    service: &ServedService,
    log: &ServiceLog,
    offline: &[Vec<Value>],
    explainer: &Explainer,
    max_recomputes: usize,
    mut recompute: impl AsyncFnMut(&Cuts, &[usize]) -> Result<Vec<Vec<Value>>, E>,
) -> Result<Report, E> {
    let mut report = Report::new(service, log, explainer.late_horizon());
    let mut mismatches = Vec::new();
    for r in 0..log.rows.len() {
        for o in 0..service.outputs.len() {
            let outcome = compare(served(log, r, o), value(offline, r, o));
            report.count(o, outcome);
            if outcome != Outcome::Match {
                mismatches.push(Mismatch {
                    row: r,
                    output: o,
                    outcome,
                });
            }
        }
    }

    let mut budget = max_recomputes;
    let mut causes: Vec<Option<Cause>> = vec![None; mismatches.len()];
    // 1. freshness lag, where a view the output reads lagged
    let lagging: Vec<(Cuts, usize)> = mismatches
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            explainer
                .lag_cuts(&log.rows[m.row], m.output)
                .map(|cuts| (cuts, i))
        })
        .collect();
    let verdicts = stage(
        log,
        &mismatches,
        lagging,
        &mut budget,
        &mut report.recomputes,
        &mut recompute,
    )
    .await?;
    for (i, verdict) in verdicts {
        if verdict == Verdict::Reproduced {
            causes[i] = Some(Cause::FreshnessLag);
        }
    }
    // 2. late data, for the rest
    let rest: Vec<(Cuts, usize)> = mismatches
        .iter()
        .enumerate()
        .filter(|(i, _)| causes[*i].is_none())
        .map(|(i, m)| (explainer.late_cuts(&log.rows[m.row], m.output), i))
        .collect();
    let verdicts = stage(
        log,
        &mismatches,
        rest,
        &mut budget,
        &mut report.recomputes,
        &mut recompute,
    )
    .await?;
    for (i, verdict) in verdicts {
        causes[i] = Some(match verdict {
            Verdict::Reproduced => Cause::LateData,
            Verdict::NotReproduced => Cause::Logic,
            Verdict::Unexamined => Cause::Unexamined,
        });
    }

    for (m, cause) in mismatches.iter().zip(causes) {
        report.explain(
            service,
            &log.rows[m.row],
            m.output,
            m.outcome,
            value(offline, m.row, m.output),
            cause.unwrap_or(Cause::Unexamined),
        );
    }
    report.finish();
    Ok(report)
}

const NULL: Value = Value::Null;

fn served(log: &ServiceLog, row: usize, output: usize) -> &Value {
    log.rows
        .get(row)
        .and_then(|r| r.features.get(output))
        .unwrap_or(&NULL)
}

fn value(values: &[Vec<Value>], row: usize, output: usize) -> &Value {
    values.get(row).and_then(|r| r.get(output)).unwrap_or(&NULL)
}

/// Recomputes each group of mismatches (by cuts, largest first) while the budget lasts:
/// per mismatch, whether the recompute gives the served value.
async fn stage<E>(
    log: &ServiceLog,
    mismatches: &[Mismatch],
    items: Vec<(Cuts, usize)>,
    budget: &mut usize,
    runs: &mut usize,
    recompute: &mut impl AsyncFnMut(&Cuts, &[usize]) -> Result<Vec<Vec<Value>>, E>,
) -> Result<Vec<(usize, Verdict)>, E> {
    let mut verdicts = Vec::with_capacity(items.len());
    for (cuts, group) in explain::group(items) {
        if *budget == 0 {
            verdicts.extend(group.into_iter().map(|i| (i, Verdict::Unexamined)));
            continue;
        }
        *budget -= 1;
        *runs += 1;
        let mut rows: Vec<usize> = group.iter().map(|&i| mismatches[i].row).collect();
        rows.sort_unstable();
        rows.dedup();
        let values = recompute(&cuts, &rows).await?;
        for i in group {
            let m = mismatches[i];
            let recomputed = rows
                .binary_search(&m.row)
                .ok()
                .map_or(&NULL, |p| value(&values, p, m.output));
            let verdict = if same(served(log, m.row, m.output), recomputed) {
                Verdict::Reproduced
            } else {
                Verdict::NotReproduced
            };
            verdicts.push((i, verdict));
        }
    }
    Ok(verdicts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::physical::postgres_type::PgType;
    use crate::plan::Field;
    use crate::runtime::serve::catalog::ServedView;
    use crate::runtime::serve::log::LoggedRow;
    use crate::runtime::serve::retention::Retention;
    use crate::types::{ColumnType, Micros, Type};

    fn service() -> ServedService {
        ServedService {
            name: "s".into(),
            keys: vec![Field {
                name: "k".into(),
                ty: ColumnType::required(Type::String),
            }],
            key_wires: vec![PgType::of_type(&Type::String).expect("text")],
            request: vec![],
            request_wires: vec![],
            outputs: vec![("n".into(), Type::Int)],
            views: vec![ServedView {
                name: "v".into(),
                retention: Retention::Unbounded,
            }],
            lookup: String::new(),
        }
    }

    fn row(at: Micros, freshness: Option<Micros>, served: i64) -> LoggedRow {
        LoggedRow {
            request_id: format!("r{at}"),
            entity: 0,
            at,
            served_at: at,
            keys: vec![Value::String("k".into())],
            request: vec![],
            features: vec![Value::Int(served)],
            freshness: vec![freshness],
        }
    }

    /// Served, offline, and what the recompute at each cut gives.
    fn scenario(max_recomputes: usize) -> (Report, Vec<Cuts>) {
        let log = ServiceLog {
            rows: vec![
                row(100, Some(50), 1),  // lagging; the cut at 50 gives 1
                row(100, Some(200), 2), // complete; the late cut (99 − 10) gives 2
                row(300, Some(400), 0), // complete; the late cut gives 5: logic
                row(100, None, 7),      // matches
            ],
            ..ServiceLog::default()
        };
        let offline = vec![
            vec![Value::Int(3)],
            vec![Value::Int(3)],
            vec![Value::Int(5)],
            vec![Value::Int(7)],
        ];
        let explainer = Explainer::for_tests(&[("events", 0)], vec![vec![0]], 10);
        let mut calls = Vec::new();
        let report = futures::executor::block_on(measure(
            &service(),
            &log,
            &offline,
            &explainer,
            max_recomputes,
            async |cuts: &Cuts, rows: &[usize]| -> Result<Vec<Vec<Value>>, ()> {
                calls.push(cuts.clone());
                let value = match cuts.get("events").copied().flatten() {
                    Some(50) => 1,
                    Some(89) => 2,
                    _ => 5,
                };
                Ok(rows.iter().map(|_| vec![Value::Int(value)]).collect())
            },
        ))
        .expect("measured");
        (report, calls)
    }

    #[test]
    fn mismatches_are_explained_by_the_recompute_that_gives_the_served_value() {
        let (report, calls) = scenario(10);
        let f = &report.features[0];
        assert_eq!(
            (
                f.counts.compared,
                f.counts.matched,
                f.counts.differ,
                f.counts.missing
            ),
            (4, 1, 3, 0)
        );
        assert_eq!(
            (f.causes.freshness_lag, f.causes.late_data, f.causes.logic),
            (1, 1, 1)
        );
        assert_eq!(report.recomputes, 3);
        assert_eq!(calls.len(), 3);
        assert_eq!(f.shares["match"], serde_json::json!(0.25));
        let causes: Vec<Cause> = f.examples.iter().map(|e| e.cause).collect();
        assert_eq!(causes, [Cause::FreshnessLag, Cause::LateData, Cause::Logic]);
    }

    #[test]
    fn what_the_budget_does_not_cover_is_unexamined() {
        let (report, calls) = scenario(1);
        let f = &report.features[0];
        assert_eq!(calls.len(), 1);
        assert_eq!((f.causes.freshness_lag, f.causes.unexamined), (1, 2));
    }
}
