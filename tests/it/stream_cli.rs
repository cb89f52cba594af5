//! `featc stream` as a process, against librdkafka's mock cluster (its brokers listen on
//! loopback sockets) and a real Postgres: the example's events are produced, the command
//! consumes them, serves its counters on `--metrics`, and on SIGTERM commits and exits 0,
//! leaving the tiles a fold of every event gives.

use crate::support::db::{TestDb, with_db};
use crate::support::example::{self, user_activity_events};
use crate::support::tiles::{assert_same_tiles, stored_tiles, tiles_of};
use featc::runtime::stream::{ManualClock, Message, Operator, OperatorConfig};
use rdkafka::config::ClientConfig;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{FutureProducer, FutureRecord};
use std::io::{Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

const TOPIC: &str = "user-events";
const NOW: &str = "2024-03-16T00:00:00Z";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn get_metrics(port: u16) -> String {
    let mut socket = std::net::TcpStream::connect(("127.0.0.1", port)).expect("the metrics port");
    socket
        .write_all(b"GET /metrics HTTP/1.1\r\nhost: x\r\n\r\n")
        .expect("a request");
    let mut response = String::new();
    socket.read_to_string(&mut response).expect("a response");
    response
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_command_consumes_serves_metrics_and_stops_cleanly_on_sigterm() {
    let cluster = MockCluster::new(1).expect("a mock cluster");
    cluster.create_topic(TOPIC, 3, 1).expect("a topic");
    let bootstrap = cluster.bootstrap_servers();
    let (plan, dir) = example::example("user_activity");
    let payloads: Vec<String> = user_activity_events()
        .into_iter()
        .map(|e| e.payload)
        .collect();
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .create()
        .expect("a producer");
    for (i, payload) in payloads.iter().enumerate() {
        let record: FutureRecord<'_, (), str> = FutureRecord::to(TOPIC)
            .partition((i % 3) as i32)
            .payload(payload);
        producer
            .send(record, Duration::from_secs(5))
            .await
            .unwrap_or_else(|(e, _)| panic!("produce: {e}"));
    }

    with_db(move |db: Arc<TestDb>| async move {
        let port = free_port();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_featc"))
            .arg("stream")
            .arg(&dir)
            .args(["--view", "user_activity", "--brokers", &bootstrap])
            .args(["--postgres", &db.url, "--now", NOW, "--batch-ms", "100"])
            .args(["--metrics", &format!("127.0.0.1:{port}")])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("featc stream starts");
        let client = db.client().await;
        let started = Instant::now();
        let committed = loop {
            let row = client
                .query_one(
                    "SELECT coalesce(sum(next_offset), 0)::bigint FROM featc_offsets",
                    &[],
                )
                .await;
            let committed = row.map(|r| r.get::<_, i64>(0)).unwrap_or(0);
            if committed >= payloads.len() as i64 || started.elapsed() > Duration::from_secs(60) {
                break committed;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let metrics = get_metrics(port);
        let status = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let exit = child.wait().expect("featc stream exits");
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            let _ = pipe.read_to_string(&mut stderr);
        }
        assert_eq!(committed, payloads.len() as i64, "{stderr}");
        assert!(exit.success(), "exit {exit:?}: {stderr}");
        assert!(metrics.starts_with("HTTP/1.1 200 OK"), "{metrics}");
        let messages = format!("featc_stream_messages_total {}\n", payloads.len());
        assert!(metrics.contains(&messages), "{metrics}");
        assert!(
            stderr.contains(r#""event":"batch""#),
            "a JSON line per batch: {stderr}"
        );
        let group: String = client
            .query_one("SELECT DISTINCT consumer_group FROM featc_offsets", &[])
            .await
            .expect("one group")
            .get(0);
        assert_eq!(group, "featc:user_activity");

        // the tiles one fold of every event gives
        let view = plan.view("user_activity").expect("user_activity");
        let now = example::micros(NOW);
        let mut op = Operator::new(
            &plan,
            &["user_activity"],
            Arc::new(ManualClock::new(now)),
            OperatorConfig::default(),
        )
        .expect("an operator");
        for (i, payload) in payloads.iter().enumerate() {
            op.push(&Message {
                topic: TOPIC,
                partition: 0,
                offset: i as i64,
                key: None,
                payload: Some(payload.as_bytes()),
            });
        }
        let expected = tiles_of(view, &op.take_batch().views[0]);
        let stored = stored_tiles(&client, &plan, view).await;
        assert_same_tiles(view, &expected, &stored, "featc stream");
    })
    .await;
    drop(producer);
    drop(cluster);
}

/// A topic that does not exist: after `--topic-wait`, the command exits 1 naming the topic and
/// how to create it (instead of waiting forever behind one `kafka_error` line).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_topic_is_named_with_the_fix_after_a_bounded_wait() {
    let cluster = MockCluster::new(1).expect("a mock cluster");
    let bootstrap = cluster.bootstrap_servers();
    let (_, dir) = example::example("user_activity");
    with_db(move |db: Arc<TestDb>| async move {
        let started = Instant::now();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_featc"))
            .arg("stream")
            .arg(&dir)
            .args(["--view", "user_activity", "--brokers", &bootstrap])
            .args(["--postgres", &db.url, "--now", NOW, "--topic-wait", "1"])
            .output()
            .expect("featc stream runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains(&format!("Kafka topics not found on {bootstrap}"))
                && stderr.contains(&format!(": {TOPIC}\n"))
                && stderr.contains(&format!("--create --topic {TOPIC}"))
                && stderr.contains("--wait-for-topics"),
            "{stderr}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "it gave up after {:?}",
            started.elapsed()
        );
    })
    .await;
    drop(cluster);
}
