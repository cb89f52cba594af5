//! The writer thread: one rolling Parquet file per service, written under a temporary name
//! and renamed when complete (see the module documentation of [`super`]).

use super::encode::encode;
use super::metrics::LogMetrics;
use super::schema::{log_schema, metadata};
use super::{LogConfig, Message};
use crate::plan::Plan;
use crate::runtime::serve::catalog::ServedService;
use chrono::{SecondsFormat, Utc};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::error::Result;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::file::metadata::KeyValue;
use datafusion::parquet::file::properties::WriterProperties;
use std::collections::BTreeMap;
use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// Rows gathered before they are encoded into one Arrow batch.
const FLUSH_ROWS: usize = 4096;
/// How long the thread sleeps when no file is open (a record or `Close` wakes it sooner).
const IDLE_WAIT: Duration = Duration::from_secs(3600);

/// The log files of one service.
pub struct ServiceFiles {
    service: ServedService,
    dir: PathBuf,
    schema: SchemaRef,
    metadata: Vec<KeyValue>,
    open: Option<OpenFile>,
    pending: Vec<super::Record>,
    pending_rows: usize,
}

struct OpenFile {
    writer: ArrowWriter<File>,
    partial: PathBuf,
    path: PathBuf,
    /// Rows handed to the Parquet writer.
    rows: usize,
    deadline: Instant,
}

impl ServiceFiles {
    pub fn new(plan: &Plan, service: &ServedService, dir: PathBuf) -> ServiceFiles {
        ServiceFiles {
            service: service.clone(),
            dir,
            schema: log_schema(service),
            metadata: metadata(plan, &service.name)
                .into_iter()
                .map(|(k, v)| KeyValue::new(k, v))
                .collect(),
            open: None,
            pending: Vec::new(),
            pending_rows: 0,
        }
    }
}

/// The state of the writer thread.
pub struct Writer {
    services: BTreeMap<String, ServiceFiles>,
    roll_rows: usize,
    roll_after: Duration,
    metrics: Arc<LogMetrics>,
    instance: u64,
    files: u64,
}

impl Writer {
    pub fn new(
        services: Vec<ServiceFiles>,
        config: &LogConfig,
        metrics: Arc<LogMetrics>,
    ) -> Writer {
        Writer {
            services: services
                .into_iter()
                .map(|s| (s.service.name.clone(), s))
                .collect(),
            roll_rows: config.roll_rows.max(1),
            roll_after: config.roll_after,
            metrics,
            instance: super::id::random_u64(),
            files: 0,
        }
    }

    /// Writes records until `Close` arrives or every sender is gone, then completes the files.
    pub fn run(mut self, queue: &Receiver<Message>) {
        loop {
            let wait = self
                .next_deadline()
                .map_or(IDLE_WAIT, |d| d.saturating_duration_since(Instant::now()));
            match queue.recv_timeout(wait) {
                Ok(Message::Record(record)) => self.append(record),
                Ok(Message::Close) | Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => self.roll_due(),
            }
        }
        // Requests answered before `Close` was sent are still queued behind it only if they
        // raced with shutdown; take them too.
        while let Ok(Message::Record(record)) = queue.try_recv() {
            self.append(record);
        }
        let names: Vec<String> = self.services.keys().cloned().collect();
        for name in names {
            self.roll(&name);
        }
    }

    fn next_deadline(&self) -> Option<Instant> {
        self.services
            .values()
            .filter_map(|s| s.open.as_ref().map(|o| o.deadline))
            .min()
    }

    fn roll_due(&mut self) {
        let now = Instant::now();
        let due: Vec<String> = self
            .services
            .iter()
            .filter(|(_, s)| s.open.as_ref().is_some_and(|o| o.deadline <= now))
            .map(|(name, _)| name.clone())
            .collect();
        for name in due {
            self.roll(&name);
        }
    }

    fn append(&mut self, record: super::Record) {
        let Some(files) = self.services.get_mut(&record.service) else {
            return; // the catalog's services are the only ones served
        };
        if files.open.is_none() {
            self.files += 1;
            let name = file_name(self.instance, self.files);
            match open(files, &name, self.roll_after) {
                Ok(file) => files.open = Some(file),
                Err(e) => {
                    eprintln!(
                        "featc serve: cannot start a log file for `{}`: {e}",
                        record.service
                    );
                    self.metrics.write_error(&record.service, record.rows.len());
                    return;
                }
            }
        }
        files.pending_rows += record.rows.len();
        files.pending.push(record);
        let written = files.open.as_ref().map_or(0, |o| o.rows);
        let service = files.service.name.clone();
        if written + files.pending_rows >= self.roll_rows {
            self.roll(&service);
        } else if files.pending_rows >= FLUSH_ROWS
            && let Err(e) = flush(files)
        {
            self.abandon(&service, &e);
        }
    }

    /// Completes the service's open file, if any: flush, close, rename.
    fn roll(&mut self, service: &str) {
        let Some(files) = self.services.get_mut(service) else {
            return;
        };
        if files.open.is_none() {
            return;
        }
        if let Err(e) = flush(files) {
            self.abandon(service, &e);
            return;
        }
        let Some(file) = files.open.take() else {
            return;
        };
        let rows = file.rows;
        let partial = file.partial.clone();
        let outcome: Result<()> = file
            .writer
            .close()
            .map_err(Into::into)
            .and_then(|_| std::fs::rename(&partial, &file.path).map_err(Into::into));
        match outcome {
            Ok(()) => self.metrics.file_completed(service, rows),
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                self.report_loss(service, &e, rows);
            }
        }
    }

    /// Drops the service's open file and pending rows after a failure, counting them.
    fn abandon(&mut self, service: &str, error: &datafusion::error::DataFusionError) {
        let Some(files) = self.services.get_mut(service) else {
            return;
        };
        let mut lost = files.pending_rows;
        files.pending.clear();
        files.pending_rows = 0;
        if let Some(file) = files.open.take() {
            lost += file.rows;
            let _ = std::fs::remove_file(&file.partial);
        }
        self.report_loss(service, error, lost);
    }

    fn report_loss(&self, service: &str, error: &datafusion::error::DataFusionError, lost: usize) {
        eprintln!("featc serve: log of `{service}`: {error}; {lost} served vectors not logged");
        self.metrics.write_error(service, lost);
    }
}

/// `<opened>-<instance>-<seq>`: UTC time compact enough for a file name, sortable.
fn file_name(instance: u64, seq: u64) -> String {
    let opened = Utc::now()
        .to_rfc3339_opts(SecondsFormat::Micros, true)
        .replace(['-', ':'], "");
    format!("{opened}-{instance:016x}-{seq:06}")
}

fn open(files: &ServiceFiles, name: &str, roll_after: Duration) -> Result<OpenFile> {
    let path = files.dir.join(format!("{name}.parquet"));
    let partial = files.dir.join(format!("{name}.parquet.partial"));
    let properties = WriterProperties::builder()
        .set_key_value_metadata(Some(files.metadata.clone()))
        .set_max_row_group_row_count(Some(64 * 1024))
        .build();
    let file = File::create(&partial)?;
    let writer = ArrowWriter::try_new(file, Arc::clone(&files.schema), Some(properties))?;
    Ok(OpenFile {
        writer,
        partial,
        path,
        rows: 0,
        deadline: Instant::now() + roll_after,
    })
}

/// Encodes the pending records into the open file.
fn flush(files: &mut ServiceFiles) -> Result<()> {
    if files.pending.is_empty() {
        return Ok(());
    }
    let batch = encode(&files.service, &files.pending)?;
    if let Some(file) = files.open.as_mut() {
        file.writer.write(&batch)?;
        file.rows += batch.num_rows();
    }
    files.pending.clear();
    files.pending_rows = 0;
    Ok(())
}
