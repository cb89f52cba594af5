//! The Postgres side: the offsets featc stores (how a test knows the stream has read
//! everything it produced), the final state of a schema (tiles, dead letters, late events),
//! and the same state computed in-process by one fold of every acknowledged message.

use super::kafka::Position;
use super::process::Stream;
use crate::support::tiles::{Tiles, assert_same_tiles, stored_tiles, tiles_of};
use featc::plan::Plan;
use featc::runtime::stream::{ManualClock, Message, Operator, OperatorConfig};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_postgres::Client;

/// The group's stored next offset per partition of `topic` (nothing before the first commit).
pub async fn offsets(client: &Client, group: &str, topic: &str) -> BTreeMap<i32, i64> {
    let rows = client
        .query(
            "SELECT partition, next_offset FROM featc_offsets WHERE consumer_group = $1 AND topic = $2",
            &[&group, &topic],
        )
        .await;
    // the table does not exist until the stream has prepared the schema
    rows.map(|rows| rows.iter().map(|r| (r.get(0), r.get(1))).collect())
        .unwrap_or_default()
}

/// Whether the stored offsets cover every message up to `ends` (next offsets per partition).
pub fn covers(stored: &BTreeMap<i32, i64>, ends: &BTreeMap<i32, i64>) -> bool {
    ends.iter()
        .all(|(p, end)| stored.get(p).is_some_and(|s| s >= end))
}

/// Waits until the group's stored offsets cover `ends`; panics with the streams' logs if a
/// stream exits meanwhile or `within` passes.
pub async fn wait_covered(
    client: &Client,
    group: &str,
    topic: &str,
    ends: &BTreeMap<i32, i64>,
    streams: &mut [&mut Stream],
    within: Duration,
) {
    let deadline = Instant::now() + within;
    loop {
        let stored = offsets(client, group, topic).await;
        if covers(&stored, ends) {
            return;
        }
        let exited: Vec<String> = streams
            .iter_mut()
            .filter_map(|s| s.exited().map(|status| status.to_string()))
            .collect();
        let logs = || {
            streams
                .iter()
                .map(|s| s.log())
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert!(
            exited.is_empty(),
            "a stream exited ({exited:?}) before committing everything\n{}",
            logs()
        );
        assert!(
            Instant::now() < deadline,
            "{group}: stored offsets {stored:?} do not cover {ends:?} after {within:?}\n{}",
            logs()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A dead letter as stored: (partition, offset, error).
pub type DeadLetter = (i32, i64, String);

pub async fn dead_letters(client: &Client, topic: &str) -> Vec<DeadLetter> {
    client
        .query(
            "SELECT partition, kafka_offset, error FROM featc_dead_letters WHERE topic = $1
             ORDER BY partition, kafka_offset",
            &[&topic],
        )
        .await
        .expect("the dead letters")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

/// The late events recorded for `topic`, as (view, partition, offset).
pub async fn late_events(client: &Client, topic: &str) -> Vec<(String, i32, i64)> {
    client
        .query(
            "SELECT view, partition, kafka_offset FROM featc_late_events WHERE topic = $1
             ORDER BY view, partition, kafka_offset",
            &[&topic],
        )
        .await
        .expect("the late events")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

/// What one fold of every acknowledged message gives, independently of Kafka and Postgres:
/// the tiles of `user_activity`, and the positions of the dead letters and late events.
pub struct Folded {
    pub tiles: Tiles,
    pub dead_letters: Vec<Position>,
    pub late: Vec<Position>,
}

pub fn fold(plan: &Plan, topic: &str, messages: &[(Position, &[u8])], now: &str) -> Folded {
    let now = crate::support::example::micros(now);
    let config = OperatorConfig {
        start: None,
        record_late: true,
    };
    let mut operator = Operator::new(
        plan,
        &["user_activity"],
        Arc::new(ManualClock::new(now)),
        config,
    )
    .expect("an operator");
    let mut sorted = messages.to_vec();
    sorted.sort_by_key(|(p, _)| *p);
    for (position, payload) in &sorted {
        operator.push(&Message {
            topic,
            partition: position.partition,
            offset: position.offset,
            key: None,
            payload: Some(payload),
        });
    }
    let batch = operator.take_batch();
    let view = plan.view("user_activity").expect("user_activity");
    let mut dead_letters: Vec<Position> = batch
        .dead_letters
        .iter()
        .map(|d| Position {
            partition: d.partition,
            offset: d.offset,
        })
        .collect();
    dead_letters.sort();
    let mut late: Vec<Position> = batch
        .late_events
        .iter()
        .map(|l| Position {
            partition: l.partition,
            offset: l.offset,
        })
        .collect();
    late.sort();
    Folded {
        tiles: tiles_of(view, &batch.views[0]),
        dead_letters,
        late,
    }
}

/// The schema holds what the fold gives: the same tiles (finished values equal, floats to
/// 1e-9), and exactly the same dead letters and late events, each once.
pub async fn assert_holds(
    client: &Client,
    plan: &Plan,
    topic: &str,
    expected: &Folded,
    what: &str,
) {
    let view = plan.view("user_activity").expect("user_activity");
    let stored = stored_tiles(client, plan, view).await;
    assert_same_tiles(view, &expected.tiles, &stored, what);
    let dead: Vec<Position> = dead_letters(client, topic)
        .await
        .iter()
        .map(|(partition, offset, _)| Position {
            partition: *partition,
            offset: *offset,
        })
        .collect();
    assert_eq!(dead, expected.dead_letters, "{what}: the dead letters");
    let late: Vec<Position> = late_events(client, topic)
        .await
        .iter()
        .map(|(view, partition, offset)| {
            assert_eq!(view, "user_activity");
            Position {
                partition: *partition,
                offset: *offset,
            }
        })
        .collect();
    assert_eq!(late, expected.late, "{what}: the late events");
}

/// Ends every server connection of `application_name` (as if Postgres restarted under
/// them, without touching the server other tests share); returns how many there were.
pub async fn terminate_backends(client: &Client, application_name: &str) -> i64 {
    client
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
            &[&application_name],
        )
        .await
        .expect("pg_terminate_backend")
        .len() as i64
}
