//! The Kafka consumer loop (the only module that knows rdkafka): consume the views' topics in
//! a consumer group, feed the operator, commit micro-batches (up to `max_messages` messages or
//! `max_wait` after the first one) through the [`StateStore`], until `shutdown` resolves — then
//! commit the current batch and return.
//!
//! Offsets are never committed to Kafka (`enable.auto.commit=false`): they live in the store.
//! When partitions are assigned, a custom [`ConsumerContext`] assigns them at the offsets the
//! store held when last read (or the beginning); the loop then reads the store again, resumes
//! the operator there and seeks if it moved. When partitions are revoked, the current batch
//! is committed first. A commit refused because another consumer moved an offset drops the
//! batch and resumes every assigned partition from the store.

use super::metrics::StreamMetrics;
use super::operator::{Message as OperatorMessage, Operator};
use crate::runtime::store::{CommitError, StateStore, StoredOffset};
use crate::runtime::store::{Counts, MicroBatch};
use rdkafka::client::ClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{
    BaseConsumer, Consumer, ConsumerContext, RebalanceProtocol, StreamConsumer,
};
use rdkafka::error::KafkaError;
use rdkafka::message::{Message as _, OwnedMessage};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use rdkafka::types::RDKafkaRespErr;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct KafkaConfig {
    /// `bootstrap.servers`.
    pub brokers: String,
    /// The consumer group (also the key of the stored offsets).
    pub group: String,
    pub max_messages: u64,
    pub max_wait: Duration,
    /// More librdkafka properties (`key`, `value`).
    pub properties: Vec<(String, String)>,
    /// How long to wait at start-up for the views' topics to exist before giving up with an
    /// error that names them (`None`: wait as long as it takes).
    pub topic_wait: Option<Duration>,
}

#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error("Kafka: {0}")]
    Kafka(#[from] KafkaError),
    #[error("the online store: {0}")]
    Store(String),
    #[error("the views read no Kafka topic")]
    NoTopics,
    #[error("the topic check stopped: {0}")]
    TopicCheck(String),
    #[error(
        "Kafka topics not found on {brokers} after {waited:?}: {}\n  = help: create them (e.g. `kafka-topics.sh --bootstrap-server {brokers} --create --topic {} --partitions 3`), or pass --wait-for-topics to wait for them",
        topics.join(", "),
        topics[0]
    )]
    MissingTopics {
        topics: Vec<String>,
        brokers: String,
        waited: Duration,
    },
}

/// The topics of `topics` that `probe`'s brokers do not have (blocks on metadata requests).
fn missing_topics(probe: &BaseConsumer, topics: &[String]) -> Result<Vec<String>, KafkaError> {
    let mut missing = Vec::new();
    for topic in topics {
        let metadata = probe.fetch_metadata(Some(topic), Duration::from_secs(10))?;
        let exists = (metadata.topics().iter())
            .any(|t| t.name() == topic && t.error().is_none() && !t.partitions().is_empty());
        if !exists {
            missing.push(topic.clone());
        }
    }
    Ok(missing)
}

/// Waits for every topic of `topics` to exist, up to `wait` (`None`: for ever), saying once
/// which are missing. One short-lived probe client, on a blocking thread: metadata calls block.
async fn await_topics(
    client: &ClientConfig,
    topics: &[String],
    brokers: &str,
    wait: Option<Duration>,
) -> Result<(), StreamError> {
    let probe: BaseConsumer = client.create()?;
    let (topics, brokers) = (topics.to_vec(), brokers.to_string());
    tokio::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        let mut said = false;
        loop {
            let missing = missing_topics(&probe, &topics)?;
            if missing.is_empty() {
                return Ok(());
            }
            let waited = started.elapsed();
            if wait.is_some_and(|w| waited >= w) {
                return Err(StreamError::MissingTopics {
                    topics: missing,
                    brokers,
                    waited,
                });
            }
            if !said {
                log("waiting_for_topics", &missing.join(", "));
                said = true;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    })
    .await
    .map_err(|e| StreamError::TopicCheck(e.to_string()))?
}

type TopicPartition = (String, i32);

/// The partitions of an assignment, with the offsets they were assigned at (`None`: the
/// beginning).
type Assignment = Vec<(TopicPartition, Option<i64>)>;

enum Change {
    Assigned(Assignment),
    Revoked(Vec<TopicPartition>),
}

/// What the rebalance callback and the loop share.
#[derive(Default)]
struct Shared {
    changes: Mutex<Vec<Change>>,
    /// The stored offsets as last read or committed by this process.
    stored: Mutex<HashMap<TopicPartition, i64>>,
}

impl Shared {
    fn take_changes(&self) -> Vec<Change> {
        self.changes
            .lock()
            .map(|mut c| std::mem::take(&mut *c))
            .unwrap_or_default()
    }

    fn remember(&self, offsets: impl IntoIterator<Item = (TopicPartition, i64)>) {
        if let Ok(mut stored) = self.stored.lock() {
            stored.extend(offsets);
        }
    }
}

struct Context {
    shared: Arc<Shared>,
}

impl ClientContext for Context {}

fn partitions(tpl: &TopicPartitionList) -> Vec<TopicPartition> {
    tpl.elements()
        .iter()
        .map(|e| (e.topic().to_string(), e.partition()))
        .collect()
}

impl ConsumerContext for Context {
    /// Assigns partitions at their stored offsets (the callback must not block: it uses the
    /// offsets last read; the loop corrects them from the store right after).
    fn rebalance(
        &self,
        consumer: &BaseConsumer<Self>,
        err: RDKafkaRespErr,
        tpl: &mut TopicPartitionList,
    ) {
        let cooperative = matches!(
            consumer.rebalance_protocol(),
            RebalanceProtocol::Cooperative
        );
        let assigned = partitions(tpl);
        let outcome = match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => {
                let mut assignment = Vec::with_capacity(assigned.len());
                if let Ok(stored) = self.shared.stored.lock() {
                    for (topic, partition) in assigned {
                        let offset = stored.get(&(topic.clone(), partition)).copied();
                        let at = offset.map_or(Offset::Beginning, Offset::Offset);
                        let _ = tpl.set_partition_offset(&topic, partition, at);
                        assignment.push(((topic, partition), offset));
                    }
                }
                if let Ok(mut changes) = self.shared.changes.lock() {
                    changes.push(Change::Assigned(assignment));
                }
                if cooperative {
                    consumer.incremental_assign(tpl)
                } else {
                    consumer.assign(tpl)
                }
            }
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => {
                if let Ok(mut changes) = self.shared.changes.lock() {
                    changes.push(Change::Revoked(assigned));
                }
                if cooperative {
                    consumer.incremental_unassign(tpl)
                } else {
                    consumer.unassign()
                }
            }
            other => {
                log("rebalance_error", &format!("{other:?}"));
                consumer.unassign()
            }
        };
        if let Err(e) = outcome {
            log("rebalance_error", &e.to_string());
        }
    }
}

fn log(event: &str, detail: &str) {
    eprintln!(
        "{}",
        serde_json::json!({ "event": event, "detail": detail })
    );
}

/// Consumes until `shutdown` resolves, then commits the current batch and returns.
pub async fn run<S: StateStore>(
    operator: &mut Operator,
    store: &mut S,
    config: &KafkaConfig,
    metrics: &StreamMetrics,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), StreamError> {
    let topics = operator.topics();
    if topics.is_empty() {
        return Err(StreamError::NoTopics);
    }
    let shared = Arc::new(Shared::default());
    let stored = stored(store, &topics).await?;
    shared.remember(stored);
    let mut client = ClientConfig::new();
    client
        .set("bootstrap.servers", &config.brokers)
        .set("group.id", &config.group)
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", "earliest");
    for (key, value) in &config.properties {
        client.set(key, value);
    }
    await_topics(&client, &topics, &config.brokers, config.topic_wait).await?;
    let consumer: StreamConsumer<Context> = client.create_with_context(Context {
        shared: shared.clone(),
    })?;
    let topic_refs: Vec<&str> = topics.iter().map(String::as_str).collect();
    consumer.subscribe(&topic_refs)?;
    let mut session = Session {
        operator,
        store,
        consumer: &consumer,
        shared: &shared,
        metrics,
        topics: &topics,
    };
    tokio::pin!(shutdown);
    let mut deadline: Option<tokio::time::Instant> = None;
    loop {
        let timer = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = &mut shutdown => break,
            _ = timer => {
                session.flush().await?;
                deadline = None;
            }
            received = consumer.recv() => {
                // the borrowed message is not held across an await (it is not `Send`): it is
                // pushed at once, or copied when the partition must be resumed first
                let changes = shared.take_changes();
                let mut failed = false;
                let waiting = match received {
                    Ok(message) => {
                        let ready = changes.is_empty()
                            && session.operator.is_positioned(message.topic(), message.partition());
                        if ready {
                            session.push(&message);
                            None
                        } else {
                            Some(message.detach())
                        }
                    }
                    Err(e) => {
                        log("kafka_error", &e.to_string());
                        failed = true;
                        None
                    }
                };
                if !changes.is_empty() {
                    session.apply(changes).await?;
                }
                if let Some(owned) = waiting {
                    session.position_and_push(&owned).await?;
                }
                if failed {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
                if deadline.is_none() {
                    deadline = Some(tokio::time::Instant::now() + config.max_wait);
                }
                if session.operator.pending() >= config.max_messages {
                    session.flush().await?;
                    deadline = None;
                }
            }
        }
    }
    session.flush().await
}

async fn stored<S: StateStore>(
    store: &mut S,
    topics: &[String],
) -> Result<Vec<(TopicPartition, i64)>, StreamError> {
    let offsets: Vec<StoredOffset> = store
        .stored_offsets(topics)
        .await
        .map_err(|e| StreamError::Store(e.to_string()))?;
    Ok(offsets
        .into_iter()
        .map(|o| ((o.topic, o.partition), o.next_offset))
        .collect())
}

/// Whether resuming a partition moves the consumer there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seek {
    Always,
    /// Unless it was assigned at this offset (`None`: the beginning) and fetches from there.
    UnlessAt(Option<i64>),
}

struct Session<'a, S> {
    operator: &'a mut Operator,
    store: &'a mut S,
    consumer: &'a StreamConsumer<Context>,
    shared: &'a Shared,
    metrics: &'a StreamMetrics,
    topics: &'a [String],
}

impl<S: StateStore> Session<'_, S> {
    fn push(&mut self, message: &impl rdkafka::message::Message) {
        self.operator.push(&OperatorMessage {
            topic: message.topic(),
            partition: message.partition(),
            offset: message.offset(),
            key: message.key(),
            payload: message.payload(),
        });
    }

    /// Pushes a message, resuming its partition from the store first if needed.
    async fn position_and_push(&mut self, message: &OwnedMessage) -> Result<(), StreamError> {
        let (topic, partition) = (message.topic(), message.partition());
        if !self.operator.is_positioned(topic, partition) {
            self.resume(&[((topic.to_string(), partition), Seek::Always)])
                .await?;
        }
        self.push(message);
        Ok(())
    }

    async fn apply(&mut self, changes: Vec<Change>) -> Result<(), StreamError> {
        for change in changes {
            match change {
                Change::Revoked(parts) => {
                    if parts.iter().any(|(t, p)| self.operator.in_batch(t, *p)) {
                        self.flush().await?;
                    }
                    for (topic, partition) in &parts {
                        self.operator.forget_partition(topic, *partition);
                    }
                    log("revoked", &format!("{parts:?}"));
                }
                Change::Assigned(assignment) => {
                    if assignment
                        .iter()
                        .any(|((t, p), _)| self.operator.in_batch(t, *p))
                    {
                        self.flush().await?;
                    }
                    let parts: Vec<(TopicPartition, Seek)> = assignment
                        .into_iter()
                        .map(|(part, at)| (part, Seek::UnlessAt(at)))
                        .collect();
                    self.resume(&parts).await?;
                    let names: Vec<&TopicPartition> = parts.iter().map(|(p, _)| p).collect();
                    log("assigned", &format!("{names:?}"));
                }
            }
        }
        Ok(())
    }

    /// Reads the stored offsets of `parts`, resumes the operator there and seeks the
    /// consumer (the assignment may have used an older offset).
    async fn resume(&mut self, parts: &[(TopicPartition, Seek)]) -> Result<(), StreamError> {
        let stored: HashMap<TopicPartition, i64> =
            stored(self.store, self.topics).await?.into_iter().collect();
        self.shared.remember(stored.clone());
        for ((topic, partition), seek) in parts {
            let offset = stored.get(&(topic.clone(), *partition)).copied();
            if let Err(e) = self.operator.resume(topic, *partition, offset) {
                // callers commit a partition's messages before resuming it: keep its position
                log("resume_refused", &e.to_string());
                continue;
            }
            if *seek == Seek::UnlessAt(offset) {
                continue; // the consumer fetches from there already
            }
            let target = offset.map_or(Offset::Beginning, Offset::Offset);
            if let Err(e) = self
                .consumer
                .seek(topic, *partition, target, Duration::from_secs(5))
            {
                // not fatal: messages below the position are ignored anyway
                log("seek_failed", &format!("{topic}/{partition}: {e}"));
            }
        }
        Ok(())
    }

    /// Commits the current batch; on an offset conflict, drops it and resumes every assigned
    /// partition from the store.
    async fn flush(&mut self) -> Result<(), StreamError> {
        let batch = self.operator.take_batch();
        if batch.is_empty() {
            return Ok(());
        }
        let started = Instant::now();
        match self.store.commit(&batch).await {
            Ok(()) => {
                self.shared.remember(
                    batch
                        .offsets
                        .iter()
                        .map(|o| ((o.topic.clone(), o.partition), o.next)),
                );
                self.metrics.committed(&batch);
                log_batch(&batch, started.elapsed());
                Ok(())
            }
            Err(CommitError::OffsetMoved { topic, partition }) => {
                self.metrics.conflict();
                log(
                    "commit_conflict",
                    &format!("{topic}/{partition}: batch dropped, resuming from the store"),
                );
                self.operator.forget_partitions();
                let assigned: Vec<(TopicPartition, Seek)> =
                    partitions(&self.consumer.assignment()?)
                        .into_iter()
                        .map(|part| (part, Seek::Always))
                        .collect();
                self.resume(&assigned).await
            }
            Err(CommitError::Store(e)) => {
                self.operator.forget_partitions();
                Err(StreamError::Store(e))
            }
        }
    }
}

/// A micro-batch that read messages and merged none of them, because they were late or
/// undecodable: said loudly, since a stream replaying old history without `--now` would
/// otherwise run on while loading nothing.
fn nothing_merged(counts: &Counts) -> Option<String> {
    if counts.merged > 0 || counts.late + counts.dead_letters == 0 {
        return None;
    }
    Some(format!(
        "warning: none of the {} messages of this micro-batch was merged: {} older than the online store keeps (in featc_late_events), {} dead letters (in featc_dead_letters)\n  = help: replaying old history? pass --now at the end of the data, or load it with `featc publish`",
        counts.messages, counts.late, counts.dead_letters
    ))
}

fn log_batch(batch: &MicroBatch, took: Duration) {
    let c = &batch.counts;
    if let Some(warning) = nothing_merged(c) {
        eprintln!("{warning}");
    }
    let watermarks: serde_json::Map<String, serde_json::Value> = batch
        .watermarks
        .iter()
        .map(|w| (w.view.clone(), serde_json::json!(w.event_time)))
        .collect();
    eprintln!(
        "{}",
        serde_json::json!({
            "event": "batch",
            "messages": c.messages,
            "merged": c.merged,
            "dead_letters": c.dead_letters,
            "late": c.late,
            "before_start": c.before_start,
            "redelivered": c.redelivered,
            "rows": batch.rows(),
            "partitions": batch.offsets.len(),
            "commit_ms": took.as_secs_f64() * 1000.0,
            "watermark_us": watermarks,
        })
    );
}

#[cfg(test)]
mod nothing_merged_tests {
    use super::{Counts, nothing_merged};

    #[test]
    fn a_batch_that_merged_nothing_it_read_is_said_loudly() {
        let late = Counts {
            messages: 7,
            late: 5,
            dead_letters: 2,
            ..Counts::default()
        };
        let warning = nothing_merged(&late).expect("a warning");
        assert!(
            warning.starts_with("warning: none of the 7 messages")
                && warning.contains("5 older than")
                && warning.contains("2 dead letters")
                && warning.contains("--now"),
            "{warning}"
        );
        let some_merged = Counts { merged: 1, ..late };
        assert_eq!(nothing_merged(&some_merged), None);
        // an idle batch (nothing read, or only redelivered messages) is not a warning
        let idle = Counts {
            messages: 3,
            redelivered: 3,
            ..Counts::default()
        };
        assert_eq!(nothing_merged(&idle), None);
    }
}
