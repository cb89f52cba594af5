//! The consistency report: per output, how many served values match the offline ones,
//! differ, are missing or extra, why the mismatches happened, and a few examples.

use super::compare::Outcome;
use super::explain::Cause;
use crate::runtime::serve::catalog::ServedService;
use crate::runtime::serve::json::{format_time, value_to_json};
use crate::runtime::serve::log::{LoggedRow, ServiceLog};
use crate::types::{Value, format_duration};
use serde::Serialize;
use serde_json::{Map, Value as Json};
use std::collections::BTreeSet;
use std::fmt::Write;

/// Examples kept per output.
pub const EXAMPLES: usize = 10;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub compared: usize,
    #[serde(rename = "match")]
    pub matched: usize,
    pub differ: usize,
    pub missing: usize,
    pub extra: usize,
}

impl Counts {
    fn add(&mut self, outcome: Outcome) {
        self.compared += 1;
        match outcome {
            Outcome::Match => self.matched += 1,
            Outcome::Differ => self.differ += 1,
            Outcome::Missing => self.missing += 1,
            Outcome::Extra => self.extra += 1,
        }
    }

    pub fn mismatched(&self) -> usize {
        self.differ + self.missing + self.extra
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Causes {
    pub freshness_lag: usize,
    pub late_data: usize,
    pub logic: usize,
    pub unexamined: usize,
}

impl Causes {
    fn add(&mut self, cause: Cause) {
        match cause {
            Cause::FreshnessLag => self.freshness_lag += 1,
            Cause::LateData => self.late_data += 1,
            Cause::Logic => self.logic += 1,
            Cause::Unexamined => self.unexamined += 1,
        }
    }

    fn get(&self, cause: Cause) -> usize {
        match cause {
            Cause::FreshnessLag => self.freshness_lag,
            Cause::LateData => self.late_data,
            Cause::Logic => self.logic,
            Cause::Unexamined => self.unexamined,
        }
    }
}

/// One mismatched value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Example {
    pub request_id: String,
    pub entity: i32,
    pub keys: Map<String, Json>,
    pub at: Option<String>,
    pub served: Json,
    pub offline: Json,
    pub outcome: Outcome,
    pub cause: Cause,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeatureReport {
    pub feature: String,
    #[serde(flatten)]
    pub counts: Counts,
    /// Per outcome, its share of the compared values (0 when none were compared).
    pub shares: Map<String, Json>,
    pub causes: Causes,
    pub examples: Vec<Example>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkippedFile {
    pub path: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub service: String,
    pub files: usize,
    pub skipped_files: Vec<SkippedFile>,
    pub requests: usize,
    /// Served entities compared (one logged row each).
    pub rows: usize,
    pub late_horizon: String,
    /// Offline runs made to explain mismatches.
    pub recomputes: usize,
    pub features: Vec<FeatureReport>,
}

impl Report {
    pub fn new(service: &ServedService, log: &ServiceLog, late_horizon: i64) -> Report {
        let requests: BTreeSet<&str> = log.rows.iter().map(|r| r.request_id.as_str()).collect();
        Report {
            service: service.name.clone(),
            files: log.files.len(),
            skipped_files: log
                .skipped
                .iter()
                .map(|(path, reason)| SkippedFile {
                    path: path.display().to_string(),
                    reason: reason.clone(),
                })
                .collect(),
            requests: requests.len(),
            rows: log.rows.len(),
            late_horizon: format_duration(late_horizon),
            recomputes: 0,
            features: service
                .outputs
                .iter()
                .map(|(name, _)| FeatureReport {
                    feature: name.clone(),
                    counts: Counts::default(),
                    shares: Map::new(),
                    causes: Causes::default(),
                    examples: Vec::new(),
                })
                .collect(),
        }
    }

    pub fn count(&mut self, output: usize, outcome: Outcome) {
        if let Some(f) = self.features.get_mut(output) {
            f.counts.add(outcome);
        }
    }

    /// Records why the value of `output` served in `row` differs from `offline`.
    pub fn explain(
        &mut self,
        service: &ServedService,
        row: &LoggedRow,
        output: usize,
        outcome: Outcome,
        offline: &Value,
        cause: Cause,
    ) {
        let Some(f) = self.features.get_mut(output) else {
            return;
        };
        f.causes.add(cause);
        if f.examples.len() < EXAMPLES {
            f.examples.push(Example {
                request_id: row.request_id.clone(),
                entity: row.entity,
                keys: service
                    .keys
                    .iter()
                    .zip(&row.keys)
                    .map(|(k, v)| (k.name.clone(), value_to_json(v)))
                    .collect(),
                at: format_time(row.at),
                served: row.features.get(output).map_or(Json::Null, value_to_json),
                offline: value_to_json(offline),
                outcome,
                cause,
            });
        }
    }

    /// Fills in the shares; call once every value is counted.
    pub fn finish(&mut self) {
        for f in &mut self.features {
            let c = &f.counts;
            let share = |n: usize| {
                if c.compared == 0 {
                    0.0
                } else {
                    n as f64 / c.compared as f64
                }
            };
            f.shares = [
                (Outcome::Match, c.matched),
                (Outcome::Differ, c.differ),
                (Outcome::Missing, c.missing),
                (Outcome::Extra, c.extra),
            ]
            .into_iter()
            .map(|(o, n)| (o.as_str().to_string(), Json::from(share(n))))
            .collect();
        }
    }

    /// Mismatched values, all outputs together.
    pub fn mismatches(&self) -> usize {
        self.features.iter().map(|f| f.counts.mismatched()).sum()
    }

    /// Mismatched values with the cause `cause`.
    pub fn caused_by(&self, cause: Cause) -> usize {
        self.features.iter().map(|f| f.causes.get(cause)).sum()
    }

    /// The report for people.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "consistency of service `{}`: {} served vectors in {} requests, from {} log file(s)",
            self.service, self.rows, self.requests, self.files
        );
        for skipped in &self.skipped_files {
            let _ = writeln!(out, "  skipped {}: {}", skipped.path, skipped.reason);
        }
        let width = self
            .features
            .iter()
            .map(|f| f.feature.len())
            .max()
            .unwrap_or(0)
            .max("feature".len());
        let _ = writeln!(
            out,
            "\n{:width$}  {:>7}  {:>7}  {:>7}  {:>7}   freshness_lag  late_data  logic  unexamined",
            "feature", "match", "differ", "missing", "extra"
        );
        let percent = |n: usize, of: usize| {
            if of == 0 {
                "-".to_string()
            } else {
                format!("{:.1}%", 100.0 * n as f64 / of as f64)
            }
        };
        for f in &self.features {
            let c = &f.counts;
            let _ = writeln!(
                out,
                "{:width$}  {:>7}  {:>7}  {:>7}  {:>7}   {:>13}  {:>9}  {:>5}  {:>10}",
                f.feature,
                percent(c.matched, c.compared),
                percent(c.differ, c.compared),
                percent(c.missing, c.compared),
                percent(c.extra, c.compared),
                f.causes.freshness_lag,
                f.causes.late_data,
                f.causes.logic,
                f.causes.unexamined,
            );
        }
        let mismatches = self.mismatches();
        let total: usize = self.features.iter().map(|f| f.counts.compared).sum();
        let _ = writeln!(
            out,
            "\n{mismatches} of {total} served values differ from the offline engine's",
        );
        if mismatches > 0 {
            let causes: Vec<String> = Cause::ALL
                .iter()
                .map(|c| format!("{} {}", self.caused_by(*c), c.as_str()))
                .collect();
            let _ = writeln!(
                out,
                "causes: {} (late horizon {}, {} offline recomputes)",
                causes.join(", "),
                self.late_horizon,
                self.recomputes
            );
            for f in self.features.iter().filter(|f| !f.examples.is_empty()) {
                let _ = writeln!(
                    out,
                    "\n{} ({} of {} mismatches):",
                    f.feature,
                    f.examples.len(),
                    f.counts.mismatched()
                );
                for e in &f.examples {
                    let _ = writeln!(
                        out,
                        "  request {} entity {} {} at {}: served {}, offline {} ({}, {})",
                        e.request_id,
                        e.entity,
                        Json::Object(e.keys.clone()),
                        e.at.as_deref().unwrap_or("?"),
                        e.served,
                        e.offline,
                        e.outcome.as_str(),
                        e.cause.as_str()
                    );
                }
            }
        }
        out
    }
}
