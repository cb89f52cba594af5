//! Request metrics in the Prometheus text exposition format (version 0.0.4), written by hand:
//! three families, few enough that a metrics crate would be more code to wire than this.
//!
//! - `featc_serve_requests_total{service, status}`: counter of lookup requests by outcome;
//! - `featc_serve_entities_total{service}`: counter of entities answered (200s only);
//! - `featc_serve_request_duration_seconds{service}`: histogram of lookup latency.
//!
//! A request for a service the plan does not have is counted under `service="(unknown)"`
//! (no service can be named so), which keeps the label set bounded whatever clients send.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// The label of requests naming no service of the plan.
pub const UNKNOWN_SERVICE: &str = "(unknown)";

/// Upper bounds of the latency buckets, in seconds (`+Inf` is implied).
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Debug, Default, Clone)]
struct Histogram {
    /// Per bucket, the count of observations ≤ its bound (not cumulative here).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Debug, Default)]
struct Counters {
    requests: BTreeMap<(String, u16), u64>,
    entities: BTreeMap<String, u64>,
    latency: BTreeMap<String, Histogram>,
}

/// The server's metrics, shared by every request.
#[derive(Debug, Default)]
pub struct ServeMetrics {
    counters: Mutex<Counters>,
}

impl ServeMetrics {
    /// Records one lookup request.
    pub fn record(&self, service: &str, status: u16, elapsed: Duration, entities: usize) {
        let Ok(mut c) = self.counters.lock() else {
            return; // a panic while recording elsewhere: metrics are not worth a second one
        };
        *c.requests.entry((service.to_string(), status)).or_default() += 1;
        if status == 200 {
            *c.entities.entry(service.to_string()).or_default() += entities as u64;
        }
        let seconds = elapsed.as_secs_f64();
        let h = c.latency.entry(service.to_string()).or_default();
        if let Some(i) = BUCKETS.iter().position(|bound| seconds <= *bound) {
            h.buckets[i] += 1;
        }
        h.count += 1;
        h.sum += seconds;
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let c = match self.counters.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut out = String::new();
        out.push_str(
            "# HELP featc_serve_requests_total Lookup requests by service and HTTP status.\n",
        );
        out.push_str("# TYPE featc_serve_requests_total counter\n");
        for ((service, status), n) in &c.requests {
            let _ = writeln!(
                out,
                "featc_serve_requests_total{{service=\"{}\",status=\"{status}\"}} {n}",
                escape(service)
            );
        }
        out.push_str(
            "# HELP featc_serve_entities_total Entities answered by successful lookups.\n",
        );
        out.push_str("# TYPE featc_serve_entities_total counter\n");
        for (service, n) in &c.entities {
            let _ = writeln!(
                out,
                "featc_serve_entities_total{{service=\"{}\"}} {n}",
                escape(service)
            );
        }
        out.push_str(
            "# HELP featc_serve_request_duration_seconds Lookup request latency, from the request to the response.\n",
        );
        out.push_str("# TYPE featc_serve_request_duration_seconds histogram\n");
        for (service, h) in &c.latency {
            let service = escape(service);
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(h.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "featc_serve_request_duration_seconds_bucket{{service=\"{service}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "featc_serve_request_duration_seconds_bucket{{service=\"{service}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "featc_serve_request_duration_seconds_sum{{service=\"{service}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "featc_serve_request_duration_seconds_count{{service=\"{service}\"}} {}",
                h.count
            );
        }
        out
    }
}

/// A label value with `\`, `"` and newlines escaped, as the text format requires.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_histograms_render_in_the_text_format() {
        let m = ServeMetrics::default();
        m.record("churn", 200, Duration::from_micros(700), 3);
        m.record("churn", 200, Duration::from_millis(20), 2);
        m.record("churn", 422, Duration::from_millis(20), 0);
        m.record(UNKNOWN_SERVICE, 404, Duration::from_secs(30), 0);
        let text = m.render();
        for line in [
            "featc_serve_requests_total{service=\"churn\",status=\"200\"} 2",
            "featc_serve_requests_total{service=\"churn\",status=\"422\"} 1",
            "featc_serve_requests_total{service=\"(unknown)\",status=\"404\"} 1",
            "featc_serve_entities_total{service=\"churn\"} 5",
            "featc_serve_request_duration_seconds_bucket{service=\"churn\",le=\"0.0005\"} 0",
            "featc_serve_request_duration_seconds_bucket{service=\"churn\",le=\"0.001\"} 1",
            "featc_serve_request_duration_seconds_bucket{service=\"churn\",le=\"0.025\"} 3",
            "featc_serve_request_duration_seconds_bucket{service=\"churn\",le=\"+Inf\"} 3",
            "featc_serve_request_duration_seconds_count{service=\"churn\"} 3",
            "featc_serve_request_duration_seconds_bucket{service=\"(unknown)\",le=\"10\"} 0",
            "featc_serve_request_duration_seconds_bucket{service=\"(unknown)\",le=\"+Inf\"} 1",
        ] {
            assert!(
                text.contains(&format!("{line}\n")),
                "missing `{line}` in\n{text}"
            );
        }
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
