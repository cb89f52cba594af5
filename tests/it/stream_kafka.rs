//! The Kafka consumer loop against librdkafka's in-process mock cluster and a real Postgres:
//! partitions are assigned in a consumer group and resumed at the offsets stored in Postgres
//! (a partition with a stored offset skips what was committed before), every batch commits
//! state and offsets together, and a restart consumes only what is new.

use crate::support::db::{TestDb, with_db};
use crate::support::fixture::{self, Event};
use crate::support::rng::Rng;
use crate::support::stream::{Produced, messages, push_all};
use crate::support::tiles::{Tiles, assert_same_tiles, stored_tiles, tiles_of};
use featc::plan::Plan;
use featc::runtime::store::PostgresStateStore;
use featc::runtime::store::writer::OnlineWriter;
use featc::runtime::stream::kafka::{self, KafkaConfig};
use featc::runtime::stream::metrics::StreamMetrics;
use featc::runtime::stream::{ManualClock, Operator, OperatorConfig};
use featc::types::{MICROS_PER_DAY, Micros};
use rdkafka::config::ClientConfig;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{FutureProducer, FutureRecord};
use std::sync::Arc;
use std::time::Duration;

const TOPIC: &str = "events";
const GROUP: &str = "featc-test";
const NOW: Micros = fixture::START + MICROS_PER_DAY;

fn operator(plan: &Plan) -> Operator {
    let config = OperatorConfig {
        start: None,
        record_late: true,
    };
    Operator::new(
        plan,
        &["every_kind"],
        Arc::new(ManualClock::new(NOW)),
        config,
    )
    .expect("an operator")
}

/// Produces the events (a partition per key, as `messages` assigns them) and returns them
/// with the offsets the broker gave them.
async fn produce(bootstrap: &str, events: &[Event]) -> Vec<Produced> {
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("a producer");
    let mut out = Vec::new();
    for mut message in messages(TOPIC, events, 3) {
        let record = FutureRecord::to(TOPIC)
            .partition(message.partition)
            .key(&message.key)
            .payload(&message.payload);
        let delivery = producer
            .send(record, Duration::from_secs(5))
            .await
            .unwrap_or_else(|(e, _)| panic!("produce: {e}"));
        message.offset = delivery.offset;
        out.push(message);
    }
    out
}

fn config(bootstrap: &str) -> KafkaConfig {
    KafkaConfig {
        brokers: bootstrap.to_string(),
        group: GROUP.to_string(),
        max_messages: 25,
        max_wait: Duration::from_millis(100),
        properties: vec![
            ("session.timeout.ms".into(), "6000".into()),
            ("heartbeat.interval.ms".into(), "500".into()),
        ],
        topic_wait: Some(Duration::from_secs(30)),
    }
}

/// Runs the consumer until it has committed `messages` messages (or 60 s pass).
async fn consume(db: &TestDb, plan: &Plan, bootstrap: &str, messages: u64) -> StreamMetrics {
    let writer = OnlineWriter::prepare(db.client().await, plan, &["every_kind"])
        .await
        .expect("a writer");
    let mut sink = PostgresStateStore::new(writer, GROUP);
    let mut op = operator(plan);
    let metrics = StreamMetrics::default();
    let done = async {
        while metrics.totals().messages < messages {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let config = config(bootstrap);
    let run = kafka::run(&mut op, &mut sink, &config, &metrics, done);
    tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the consumer commits every message within 60 s")
        .expect("the consumer runs");
    metrics
}

fn fold(plan: &Plan, produced: &[Produced]) -> Tiles {
    let mut op = operator(plan);
    push_all(&mut op, produced);
    tiles_of(
        plan.view("every_kind").expect("every_kind"),
        &op.take_batch().views[0],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consumer_resumes_partitions_at_their_stored_offsets() {
    let cluster = MockCluster::new(1).expect("a mock cluster");
    cluster.create_topic(TOPIC, 3, 1).expect("a topic");
    let bootstrap = cluster.bootstrap_servers();
    let mut rng = Rng::new(41);
    let first_wave = fixture::events(&mut rng, 20);
    let second_wave = fixture::events(&mut rng, 10);
    let first = produce(&bootstrap, &first_wave).await;

    with_db(move |db: Arc<TestDb>| async move {
        let plan = fixture::plan();
        let client = db.client().await;
        // a previous run committed partition 1 up to offset 5
        OnlineWriter::prepare(db.client().await, &plan, &["every_kind"]).await.expect("ddl");
        client
            .execute(
                "INSERT INTO featc_offsets (consumer_group, topic, partition, next_offset) VALUES ($1, $2, 1, 5)",
                &[&GROUP, &TOPIC],
            )
            .await
            .expect("a stored offset");
        let resumed: Vec<Produced> = first
            .iter()
            .filter(|m| !(m.partition == 1 && m.offset < 5))
            .cloned()
            .collect();
        let metrics = consume(&db, &plan, &bootstrap, resumed.len() as u64).await;
        assert_eq!(metrics.totals().messages, resumed.len() as u64, "nothing below a stored offset");
        let view = plan.view("every_kind").expect("every_kind");
        let stored = stored_tiles(&client, &plan, view).await;
        assert_same_tiles(view, &fold(&plan, &resumed), &stored, "first run");
        let offsets = client
            .query("SELECT partition, next_offset FROM featc_offsets WHERE consumer_group = $1 ORDER BY 1", &[&GROUP])
            .await
            .expect("offsets");
        let offsets: Vec<(i32, i64)> = offsets.iter().map(|r| (r.get(0), r.get(1))).collect();
        let expected: Vec<(i32, i64)> = (0..3)
            .map(|p| (p, first.iter().filter(|m| m.partition == p).count() as i64))
            .filter(|(_, n)| *n > 0)
            .collect();
        assert_eq!(offsets, expected);

        // a restart consumes only what is new
        let second = produce(&bootstrap, &second_wave).await;
        let metrics = consume(&db, &plan, &bootstrap, second.len() as u64).await;
        assert_eq!(metrics.totals().messages, second.len() as u64);
        assert_eq!(metrics.totals().redelivered, 0, "each partition was resumed by a seek");
        let all: Vec<Produced> = resumed.into_iter().chain(second).collect();
        let stored = stored_tiles(&client, &plan, view).await;
        assert_same_tiles(view, &fold(&plan, &all), &stored, "after the restart");
    })
    .await;
    drop(cluster);
}
