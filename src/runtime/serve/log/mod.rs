//! `featc serve --log DIR`: every served vector recorded as Parquet, off the hot path.
//!
//! # Layout
//!
//! `DIR/<service>/<opened>-<instance>-<seq>.parquet`, one row per served entity (schema in
//! [`schema`]): `request_id`, `entity` (its index in the request), `service`, `at`,
//! `served_at` (the server's clock when it answered), and three structs: `keys`, `features`
//! (the outputs as served) and `freshness` (per view, `complete_until` as served). `opened` is
//! the UTC time the file was started (names sort by time), `instance` tells apart servers
//! writing into one DIR, `seq` counts the files of one server.
//!
//! Each file carries key-value metadata: `featc.service`, `featc.fingerprints` (each
//! output's fingerprint, JSON), `featc.version`, `featc.plan_version`, `featc.log_format`;
//! `featc consistency` compares them with the plan it is given.
//!
//! # Rolling
//!
//! A file is written as `<name>.parquet.partial` and renamed to `<name>.parquet` once
//! complete, so a reader of `*.parquet` never sees a file being written. A file is completed
//! after [`LogConfig::roll_rows`] rows (the request that reaches the count is written
//! whole) or [`LogConfig::roll_after`] after its first row, whichever comes first, and on
//! shutdown. A `.partial` file left behind is what a crash interrupted: it has no footer and
//! may be deleted.
//!
//! # Off the hot path
//!
//! A request hands its answer (moved, not copied) to a bounded queue with `try_send` and
//! returns; one thread encodes and writes. When the queue is full the record is **dropped**
//! and counted (`featc_serve_log_dropped_total{reason="queue_full"}`): waiting for room
//! would make lookups as slow as the disk, and the log is a measurement (`featc
//! consistency` compares what it holds), not a ledger. A file that cannot be written is
//! dropped too (`reason="write_error"`, with the error on stderr) and logging goes on with
//! the next file. The queue holds [`LogConfig::queue`] requests, which bounds the memory
//! the log may take.

mod encode;
mod id;
mod metrics;
pub mod reader;
mod record;
pub mod schema;
mod writer;

pub use id::{REQUEST_ID_HEADER, RequestIds};
pub use metrics::LogMetrics;
pub use reader::{LogReadError, LoggedRow, ServiceLog, read_service_log};
pub use record::Record;

use super::catalog::Catalog;
use crate::plan::Plan;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{SyncSender, TrySendError};
use std::thread::JoinHandle;
use std::time::Duration;

/// Where and how to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogConfig {
    pub dir: PathBuf,
    /// A file is completed after about this many rows...
    pub roll_rows: usize,
    /// ...or this long after its first row.
    pub roll_after: Duration,
    /// Requests waiting to be written; more are dropped.
    pub queue: usize,
}

impl LogConfig {
    pub fn new(dir: impl Into<PathBuf>) -> LogConfig {
        LogConfig {
            dir: dir.into(),
            roll_rows: 100_000,
            roll_after: Duration::from_secs(60),
            queue: 1024,
        }
    }
}

/// Why logging could not start.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("cannot create the log directory {path}: {source}")]
    Directory {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot start the log writer: {0}")]
    Thread(std::io::Error),
    #[error("service `{0}` has no keys, outputs or views to log")]
    EmptyService(String),
}

enum Message {
    Record(Record),
    Close,
}

/// The request handlers' end: hands records to the writer without waiting.
#[derive(Clone)]
pub struct LogSender {
    queue: SyncSender<Message>,
    metrics: Arc<LogMetrics>,
}

impl LogSender {
    /// Queues `record`, or drops it (counted) if the queue is full.
    pub fn send(&self, record: Record) {
        match self.queue.try_send(Message::Record(record)) {
            Ok(()) => {}
            Err(TrySendError::Full(Message::Record(r))) => {
                self.metrics.queue_full(&r.service, r.rows.len());
            }
            Err(TrySendError::Disconnected(Message::Record(r))) => {
                self.metrics.write_error(&r.service, r.rows.len());
            }
            Err(_) => {}
        }
    }

    pub fn metrics(&self) -> &LogMetrics {
        &self.metrics
    }
}

/// The writer thread's owner: [`LogWriter::close`] completes the open files.
pub struct LogWriter {
    queue: SyncSender<Message>,
    thread: Option<JoinHandle<()>>,
}

impl LogWriter {
    /// Writes what is queued, completes every open file and stops the thread.
    pub fn close(mut self) {
        self.finish();
    }

    fn finish(&mut self) {
        if let Some(thread) = self.thread.take() {
            // Blocks while the queue is full; the writer is draining it.
            let _ = self.queue.send(Message::Close);
            if thread.join().is_err() {
                eprintln!("featc serve: the log writer panicked; the open log files are lost");
            }
        }
    }
}

impl Drop for LogWriter {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Creates `DIR/<service>/` for every service and starts the writer thread.
pub fn start(
    plan: &Plan,
    catalog: &Catalog,
    config: &LogConfig,
) -> Result<(LogSender, LogWriter), LogError> {
    let mut services = Vec::new();
    for service in catalog.services() {
        if service.keys.is_empty() || service.outputs.is_empty() || service.views.is_empty() {
            return Err(LogError::EmptyService(service.name.clone()));
        }
        let dir = config.dir.join(&service.name);
        std::fs::create_dir_all(&dir).map_err(|source| LogError::Directory {
            path: dir.clone(),
            source,
        })?;
        services.push(writer::ServiceFiles::new(plan, service, dir));
    }
    let metrics = Arc::new(LogMetrics::new(catalog.names()));
    let (queue, receiver) = std::sync::mpsc::sync_channel(config.queue.max(1));
    let writer = writer::Writer::new(services, config, Arc::clone(&metrics));
    let thread = std::thread::Builder::new()
        .name("featc-serve-log".into())
        .spawn(move || writer.run(&receiver))
        .map_err(LogError::Thread)?;
    Ok((
        LogSender {
            queue: queue.clone(),
            metrics,
        },
        LogWriter {
            queue,
            thread: Some(thread),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_drops_and_counts_instead_of_waiting() {
        let metrics = Arc::new(LogMetrics::new(["s"]));
        let (queue, receiver) = std::sync::mpsc::sync_channel(1);
        let sender = LogSender {
            queue,
            metrics: Arc::clone(&metrics),
        };
        let record = |rows: usize| Record {
            service: "s".into(),
            request_id: "r".into(),
            at: 0,
            served_at: 0,
            rows: vec![vec![]; rows],
            freshness: vec![],
        };
        sender.send(record(2));
        sender.send(record(3)); // the queue holds one request: dropped, not awaited
        assert_eq!(metrics.dropped("s"), 3);
        assert!(matches!(receiver.try_recv(), Ok(Message::Record(r)) if r.rows.len() == 2));
        drop(receiver);
        sender.send(record(4)); // no writer any more: dropped too
        assert_eq!(metrics.dropped("s"), 7);
    }
}
