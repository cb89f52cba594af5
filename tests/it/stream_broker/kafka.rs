//! The test side of the broker: its address (`FEATC_TEST_KAFKA`), unique names, topics, a
//! producer that reports where every record landed, and a plain consumer.

use futures::future::join_all;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::Message as _;
use rdkafka::producer::{FutureProducer, FutureRecord};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

const DEFAULT_BROKER: &str = "127.0.0.1:9092";

/// The test broker's bootstrap address, or `None` (with a message) when
/// `FEATC_TEST_KAFKA=skip`. Panics, saying how to start one, when it does not answer.
pub fn broker() -> Option<String> {
    let address = std::env::var("FEATC_TEST_KAFKA").unwrap_or_else(|_| DEFAULT_BROKER.into());
    if address == "skip" {
        eprintln!("FEATC_TEST_KAFKA=skip: Kafka broker test skipped");
        return None;
    }
    for host in address.split(',') {
        let answers = host
            .to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next())
            .is_some_and(|a| TcpStream::connect_timeout(&a, Duration::from_secs(3)).is_ok());
        assert!(
            answers,
            "no Kafka broker answers at `{host}` (FEATC_TEST_KAFKA={address}): run \
             `bash scripts/setup-kafka.sh` to start one, or set FEATC_TEST_KAFKA=skip to skip"
        );
    }
    Some(address)
}

/// A name no other test (or earlier run against the same broker) uses.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() % 1_000_000_000_000)
        .unwrap_or(0);
    format!(
        "{prefix}-{}-{nanos}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Creates `topic` with `partitions` partitions and waits until its metadata lists them all.
pub async fn create_topic(brokers: &str, topic: &str, partitions: i32) {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .create()
        .expect("an admin client");
    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)));
    let results = admin
        .create_topics(
            &[NewTopic::new(topic, partitions, TopicReplication::Fixed(1))],
            &options,
        )
        .await
        .unwrap_or_else(|e| panic!("create topic {topic}: {e}"));
    for result in results {
        result.unwrap_or_else(|(t, e)| panic!("create topic {t}: {e}"));
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let listed = admin
            .inner()
            .fetch_metadata(Some(topic), Duration::from_secs(5))
            .ok()
            .and_then(|m| {
                m.topics()
                    .iter()
                    .find(|t| t.name() == topic)
                    .map(|t| t.partitions().len())
            });
        if listed == Some(partitions as usize) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "topic {topic}: {listed:?} partitions listed, {partitions} created"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A record to produce. Without a partition, the producer's partitioner picks one from the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub key: Option<Vec<u8>>,
    pub payload: Vec<u8>,
    pub partition: Option<i32>,
}

impl Record {
    pub fn keyed(key: &str, payload: impl Into<Vec<u8>>) -> Record {
        Record {
            key: Some(key.as_bytes().to_vec()),
            payload: payload.into(),
            partition: None,
        }
    }
}

/// Where the broker stored a record it acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    pub partition: i32,
    pub offset: i64,
}

pub struct Producer {
    inner: FutureProducer,
}

impl Producer {
    /// One record per request and per batch: tansu 0.6.0 loses the rest of a batch when a
    /// consumer resumes at an offset inside it, and resuming at stored offsets is what the
    /// tests exercise.
    pub fn new(brokers: &str) -> Producer {
        let inner = ClientConfig::new()
            .set("bootstrap.servers", brokers)
            .set("batch.num.messages", "1")
            .set("linger.ms", "0")
            .set("message.timeout.ms", "20000")
            .create()
            .expect("a producer");
        Producer { inner }
    }

    /// Produces `records` to `topic` in order (all in flight at once) and returns where each
    /// landed, in the same order. Panics if the broker does not acknowledge one.
    pub async fn send(&self, topic: &str, records: &[Record]) -> Vec<Position> {
        let mut deliveries = Vec::with_capacity(records.len());
        for (i, r) in records.iter().enumerate() {
            let mut record: FutureRecord<'_, [u8], [u8]> =
                FutureRecord::to(topic).payload(&r.payload);
            if let Some(key) = &r.key {
                record = record.key(key);
            }
            if let Some(partition) = r.partition {
                record = record.partition(partition);
            }
            let delivery = self
                .inner
                .send_result(record)
                .unwrap_or_else(|(e, _)| panic!("enqueue record {i} for {topic}: {e}"));
            deliveries.push(delivery);
        }
        join_all(deliveries)
            .await
            .into_iter()
            .enumerate()
            .map(|(i, d)| match d {
                Ok(Ok(d)) => Position {
                    partition: d.partition,
                    offset: d.offset,
                },
                Ok(Err((e, _))) => panic!("record {i} to {topic} not acknowledged: {e}"),
                Err(_) => panic!("record {i} to {topic}: the producer went away"),
            })
            .collect()
    }
}

/// A consumed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consumed {
    pub position: Position,
    pub payload: Vec<u8>,
}

/// A plain consumer in `group` (offsets committed to Kafka, by hand), subscribed to `topic`.
pub fn consumer(brokers: &str, group: &str, topic: &str) -> StreamConsumer {
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .set("session.timeout.ms", "3000")
        .set("heartbeat.interval.ms", "500")
        .create()
        .expect("a consumer");
    consumer.subscribe(&[topic]).expect("subscribe");
    consumer
}

/// Receives until `count` messages arrived, then for `grace` more (to catch duplicates), or
/// until `deadline`.
pub async fn receive(
    consumer: &StreamConsumer,
    count: usize,
    grace: Duration,
    deadline: Duration,
) -> Vec<Consumed> {
    let started = Instant::now();
    let mut out = Vec::new();
    let mut complete_at: Option<Instant> = None;
    loop {
        let stop = match complete_at {
            Some(at) => at + grace,
            None => started + deadline,
        };
        let now = Instant::now();
        if now >= stop {
            return out;
        }
        match tokio::time::timeout(stop - now, consumer.recv()).await {
            Err(_) => return out,
            Ok(Err(e)) => eprintln!("consumer error (retried): {e}"),
            Ok(Ok(m)) => {
                out.push(Consumed {
                    position: Position {
                        partition: m.partition(),
                        offset: m.offset(),
                    },
                    payload: m.payload().unwrap_or_default().to_vec(),
                });
                if out.len() >= count && complete_at.is_none() {
                    complete_at = Some(Instant::now());
                }
            }
        }
    }
}

/// The next offset to consume per partition once every acknowledged record is read.
pub fn ends(acked: &[Position]) -> std::collections::BTreeMap<i32, i64> {
    let mut ends = std::collections::BTreeMap::new();
    for p in acked {
        let end = ends.entry(p.partition).or_insert(0);
        *end = (*end).max(p.offset + 1);
    }
    ends
}
