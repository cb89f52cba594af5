//! The stream's counters, and a minimal HTTP endpoint that serves them in the Prometheus text
//! format (`GET /metrics`).

use super::clock::Clock;
use crate::runtime::store::{Counts, MicroBatch};
use crate::types::{MICROS_PER_SECOND, Micros};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Debug, Default)]
pub struct StreamMetrics {
    messages: AtomicU64,
    merged: AtomicU64,
    dead_letters: AtomicU64,
    late: AtomicU64,
    before_start: AtomicU64,
    redelivered: AtomicU64,
    batches: AtomicU64,
    rows: AtomicU64,
    conflicts: AtomicU64,
    /// Per view, the greatest event time committed.
    watermarks: Mutex<BTreeMap<String, Micros>>,
}

impl StreamMetrics {
    /// Counts a committed batch.
    pub fn committed(&self, batch: &MicroBatch) {
        let c = &batch.counts;
        for (counter, n) in [
            (&self.messages, c.messages),
            (&self.merged, c.merged),
            (&self.dead_letters, c.dead_letters),
            (&self.late, c.late),
            (&self.before_start, c.before_start),
            (&self.redelivered, c.redelivered),
            (&self.batches, 1),
            (&self.rows, batch.rows() as u64),
        ] {
            counter.fetch_add(n, Ordering::Relaxed);
        }
        if let Ok(mut marks) = self.watermarks.lock() {
            for mark in &batch.watermarks {
                let slot = marks.entry(mark.view.clone()).or_insert(mark.event_time);
                *slot = (*slot).max(mark.event_time);
            }
        }
    }

    /// The totals over every committed batch.
    pub fn totals(&self) -> Counts {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Counts {
            messages: get(&self.messages),
            merged: get(&self.merged),
            dead_letters: get(&self.dead_letters),
            late: get(&self.late),
            before_start: get(&self.before_start),
            expired: 0,
            redelivered: get(&self.redelivered),
        }
    }

    /// Batches committed, and batches dropped after an offset conflict.
    pub fn batches(&self) -> (u64, u64) {
        (
            self.batches.load(Ordering::Relaxed),
            self.conflicts.load(Ordering::Relaxed),
        )
    }

    /// Counts a batch dropped because another consumer committed its partitions.
    pub fn conflict(&self) {
        self.conflicts.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition at `now`.
    pub fn render(&self, now: Micros) -> String {
        let mut out = String::new();
        let counters = [
            (
                "featc_stream_messages_total",
                "Messages consumed (first deliveries).",
                &self.messages,
            ),
            (
                "featc_stream_events_merged_total",
                "Events merged into state, once per view.",
                &self.merged,
            ),
            (
                "featc_stream_dead_letters_total",
                "Messages recorded as dead letters.",
                &self.dead_letters,
            ),
            (
                "featc_stream_late_events_total",
                "Events older than the retention, recorded as late.",
                &self.late,
            ),
            (
                "featc_stream_skipped_before_start_total",
                "Events before --from-time, skipped.",
                &self.before_start,
            ),
            (
                "featc_stream_redelivered_total",
                "Messages delivered again below the committed position.",
                &self.redelivered,
            ),
            (
                "featc_stream_batches_total",
                "Micro-batches committed.",
                &self.batches,
            ),
            (
                "featc_stream_rows_upserted_total",
                "State rows upserted.",
                &self.rows,
            ),
            (
                "featc_stream_commit_conflicts_total",
                "Batches dropped: another consumer committed their partitions.",
                &self.conflicts,
            ),
        ];
        for (name, help, counter) in counters {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            let _ = writeln!(out, "{name} {}", counter.load(Ordering::Relaxed));
        }
        if let Ok(marks) = self.watermarks.lock() {
            let name = "featc_stream_freshness_seconds";
            let _ = writeln!(
                out,
                "# HELP {name} Now minus the latest event time committed, per view.\n# TYPE {name} gauge"
            );
            for (view, mark) in marks.iter() {
                let lag = now.saturating_sub(*mark) as f64 / MICROS_PER_SECOND as f64;
                let _ = writeln!(
                    out,
                    "{name}{{view=\"{}\"}} {lag}",
                    view.replace('"', "\\\"")
                );
            }
        }
        out
    }
}

/// Serves `metrics` on `listener` until the task is dropped: any `GET` gets the text.
pub async fn serve(listener: TcpListener, metrics: Arc<StreamMetrics>, clock: Arc<dyn Clock>) {
    loop {
        let Ok((mut socket, _)) = listener.accept().await else {
            continue;
        };
        let body = metrics.render(clock.now());
        tokio::spawn(async move {
            // read the request head (bounded), answer, close
            let mut buffer = [0u8; 4096];
            let mut read = 0;
            while read < buffer.len() {
                match socket.read(&mut buffer[read..]).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => read += n,
                }
                if buffer[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
            let found = buffer[..read].starts_with(b"GET /metrics")
                || buffer[..read].starts_with(b"GET / ");
            let (status, body) = if found {
                ("200 OK", body)
            } else {
                ("404 Not Found", "not found: try GET /metrics\n".to_string())
            };
            let response = format!(
                "HTTP/1.1 {status}\r\ncontent-type: text/plain; version=0.0.4\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(response.as_bytes()).await;
            let _ = socket.shutdown().await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::store::Watermark;

    #[test]
    fn committed_batches_show_in_the_text_format() {
        let metrics = StreamMetrics::default();
        let batch = MicroBatch {
            watermarks: vec![Watermark {
                view: "v".into(),
                event_time: 10 * MICROS_PER_SECOND,
            }],
            counts: Counts {
                messages: 5,
                dead_letters: 1,
                ..Counts::default()
            },
            ..MicroBatch::default()
        };
        metrics.committed(&batch);
        metrics.committed(&batch);
        let text = metrics.render(12 * MICROS_PER_SECOND);
        assert!(text.contains("featc_stream_messages_total 10\n"), "{text}");
        assert!(
            text.contains("featc_stream_dead_letters_total 2\n"),
            "{text}"
        );
        assert!(text.contains("featc_stream_batches_total 2\n"), "{text}");
        assert!(
            text.contains("featc_stream_freshness_seconds{view=\"v\"} 2\n"),
            "{text}"
        );
    }
}
