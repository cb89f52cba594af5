//! The log's counters, lock-free (the hot path touches them only to count a drop):
//!
//! - `featc_serve_log_rows_total{service}`: rows in completed log files;
//! - `featc_serve_log_files_total{service}`: log files completed;
//! - `featc_serve_log_dropped_total{service, reason}`: served vectors not logged, because
//!   the writer's queue was full (`queue_full`) or their file could not be written
//!   (`write_error`).
//!
//! Every series is rendered from the start, at 0, so that an alert on a rate has a series.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
struct Counters {
    rows: AtomicU64,
    files: AtomicU64,
    queue_full: AtomicU64,
    write_error: AtomicU64,
}

/// The log's counters, per service.
#[derive(Debug, Default)]
pub struct LogMetrics {
    services: BTreeMap<String, Counters>,
}

fn add(counter: &AtomicU64, n: usize) {
    counter.fetch_add(n as u64, Ordering::Relaxed);
}

impl LogMetrics {
    pub fn new<'a>(services: impl IntoIterator<Item = &'a str>) -> LogMetrics {
        LogMetrics {
            services: services
                .into_iter()
                .map(|s| (s.to_string(), Counters::default()))
                .collect(),
        }
    }

    pub fn file_completed(&self, service: &str, rows: usize) {
        if let Some(c) = self.services.get(service) {
            add(&c.rows, rows);
            add(&c.files, 1);
        }
    }

    pub fn queue_full(&self, service: &str, rows: usize) {
        if let Some(c) = self.services.get(service) {
            add(&c.queue_full, rows);
        }
    }

    pub fn write_error(&self, service: &str, rows: usize) {
        if let Some(c) = self.services.get(service) {
            add(&c.write_error, rows);
        }
    }

    /// The rows dropped for `service` so far, for any reason.
    pub fn dropped(&self, service: &str) -> u64 {
        self.services.get(service).map_or(0, |c| {
            c.queue_full.load(Ordering::Relaxed) + c.write_error.load(Ordering::Relaxed)
        })
    }

    /// The exposition text (service names are identifiers: no escaping needed).
    pub fn render(&self) -> String {
        let mut out = String::new();
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        out.push_str("# HELP featc_serve_log_rows_total Served vectors in completed log files.\n");
        out.push_str("# TYPE featc_serve_log_rows_total counter\n");
        for (service, c) in &self.services {
            let _ = writeln!(
                out,
                "featc_serve_log_rows_total{{service=\"{service}\"}} {}",
                load(&c.rows)
            );
        }
        out.push_str("# HELP featc_serve_log_files_total Log files completed.\n");
        out.push_str("# TYPE featc_serve_log_files_total counter\n");
        for (service, c) in &self.services {
            let _ = writeln!(
                out,
                "featc_serve_log_files_total{{service=\"{service}\"}} {}",
                load(&c.files)
            );
        }
        out.push_str(
            "# HELP featc_serve_log_dropped_total Served vectors not logged: the queue was full, or their file could not be written.\n",
        );
        out.push_str("# TYPE featc_serve_log_dropped_total counter\n");
        for (service, c) in &self.services {
            for (reason, counter) in [
                ("queue_full", &c.queue_full),
                ("write_error", &c.write_error),
            ] {
                let _ = writeln!(
                    out,
                    "featc_serve_log_dropped_total{{service=\"{service}\",reason=\"{reason}\"}} {}",
                    load(counter)
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_series_renders_from_zero() {
        let m = LogMetrics::new(["churn", "fraud"]);
        m.file_completed("churn", 10);
        m.queue_full("fraud", 3);
        m.write_error("nope", 1);
        let text = m.render();
        for line in [
            "featc_serve_log_rows_total{service=\"churn\"} 10",
            "featc_serve_log_rows_total{service=\"fraud\"} 0",
            "featc_serve_log_files_total{service=\"churn\"} 1",
            "featc_serve_log_dropped_total{service=\"fraud\",reason=\"queue_full\"} 3",
            "featc_serve_log_dropped_total{service=\"churn\",reason=\"write_error\"} 0",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing `{line}` in\n{text}"
            );
        }
        assert_eq!(m.dropped("fraud"), 3);
    }
}
