//! The stream's Postgres sink on a real Postgres: micro-batches committed in any grouping and
//! order leave the same tables; state and offsets commit together or not at all; an offset
//! moved by another consumer refuses the commit; a crash and restart ends where an
//! uninterrupted run does; dead letters, late events and watermarks are recorded.

use crate::support::db::{TestDb, with_db};
use crate::support::fixture::{self};
use crate::support::rng::Rng;
use crate::support::stream::{Produced, messages, push_all};
use crate::support::tiles::{Tiles, assert_same_tiles, merge_tiles, stored_tiles, tiles_of};
use featc::plan::Plan;
use featc::runtime::store::writer::OnlineWriter;
use featc::runtime::store::{CommitError, PostgresStateStore, StateStore, stage};
use featc::runtime::stream::{ManualClock, Operator, OperatorConfig};
use featc::types::{MICROS_PER_DAY, Micros};
use std::sync::Arc;
use tokio_postgres::Client;

const VIEWS: [&str; 2] = ["every_kind", "spend"];
const NOW: Micros = fixture::START + MICROS_PER_DAY;

fn operator(plan: &Plan) -> Operator {
    let config = OperatorConfig {
        start: None,
        record_late: true,
    };
    Operator::new(plan, &VIEWS, Arc::new(ManualClock::new(NOW)), config).expect("an operator")
}

async fn sink(db: &TestDb, plan: &Plan, group: &str) -> PostgresStateStore {
    let writer = OnlineWriter::prepare(db.client().await, plan, &VIEWS)
        .await
        .expect("the writer prepares");
    PostgresStateStore::new(writer, group)
}

/// Every view's tiles as one fold of all messages would leave them.
fn expected(plan: &Plan, produced: &[Produced]) -> Vec<Tiles> {
    let mut op = operator(plan);
    push_all(&mut op, produced);
    let batch = op.take_batch();
    VIEWS
        .iter()
        .zip(&batch.views)
        .map(|(name, rows)| tiles_of(plan.view(name).expect("a view"), rows))
        .collect()
}

async fn assert_stored(client: &Client, plan: &Plan, expected: &[Tiles], what: &str) {
    for (name, tiles) in VIEWS.iter().zip(expected) {
        let view = plan.view(name).expect("a view");
        let stored = stored_tiles(client, plan, view).await;
        assert_same_tiles(view, tiles, &stored, what);
    }
}

async fn offsets(client: &Client, group: &str) -> Vec<(String, i32, i64)> {
    client
        .query(
            "SELECT topic, partition, next_offset FROM featc_offsets WHERE consumer_group = $1 ORDER BY 1, 2",
            &[&group],
        )
        .await
        .expect("offsets")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

/// Commits `produced` in batches of random sizes.
async fn stream_in_batches(
    sink: &mut PostgresStateStore,
    plan: &Plan,
    produced: &[Produced],
    rng: &mut Rng,
) {
    let mut op = operator(plan);
    let mut pushed = 0;
    while pushed < produced.len() {
        let end = (pushed + 1 + rng.below(produced.len() / 4 + 1)).min(produced.len());
        push_all(&mut op, &produced[pushed..end]);
        pushed = end;
        sink.commit(&op.take_batch())
            .await
            .expect("the batch commits");
    }
}

#[tokio::test]
async fn batches_in_any_grouping_and_order_leave_the_same_tables() {
    with_db(|db: Arc<TestDb>| async move {
        let plan = fixture::plan();
        let client = db.client().await;
        let mut rng = Rng::new(21);
        let events = fixture::events(&mut rng, 40);
        let want = expected(&plan, &messages("events", &events, 3));
        for (run, partitions) in [(0, 1), (1, 3), (2, 2)] {
            let mut shuffled = events.clone();
            rng.shuffle(&mut shuffled);
            let produced = messages("events", &shuffled, partitions);
            let group = format!("run{run}");
            let mut sink = sink(&db, &plan, &group).await;
            stream_in_batches(&mut sink, &plan, &produced, &mut rng).await;
            assert_stored(&client, &plan, &want, &format!("run {run}")).await;
            let stored = offsets(&client, &group).await;
            assert_eq!(
                stored.len(),
                partitions as usize,
                "one offset per partition"
            );
            for (_, partition, next) in stored {
                let count = produced.iter().filter(|m| m.partition == partition).count() as i64;
                assert_eq!(next, count, "run {run}, partition {partition}");
            }
            for name in VIEWS {
                let view = plan.view(name).expect("a view");
                let table = featc::compile::online::quote(&view.online.table);
                client
                    .batch_execute(&format!("TRUNCATE {table}"))
                    .await
                    .expect("truncate");
            }
        }
    })
    .await;
}

#[tokio::test]
async fn state_and_offsets_commit_together_or_not_at_all() {
    with_db(|db: Arc<TestDb>| async move {
        let plan = fixture::plan();
        let client = db.client().await;
        let mut rng = Rng::new(22);
        let events = fixture::events(&mut rng, 20);
        let produced = messages("events", &events, 2);
        let (first, second) = produced.split_at(produced.len() / 2);
        let mut sink = sink(&db, &plan, "g").await;
        let mut op = operator(&plan);

        // a crash after the upserts, before the commit: nothing is visible
        push_all(&mut op, first);
        let batch = op.take_batch();
        {
            let tx = sink.writer().begin().await.expect("begin");
            assert!(stage(&tx, "g", &batch).await.is_ok());
            // dropped without commit: rolled back
        }
        assert!(offsets(&client, "g").await.is_empty());
        assert_stored(
            &client,
            &plan,
            &[Tiles::new(), Tiles::new()],
            "after the crash",
        )
        .await;

        // a restart resumes from the (absent) stored offsets and redoes the batch
        let mut op = operator(&plan);
        for stored in sink
            .stored_offsets(&["events".to_string()])
            .await
            .expect("offsets")
        {
            op.resume(&stored.topic, stored.partition, Some(stored.next_offset))
                .expect("resume");
        }
        push_all(&mut op, first);
        sink.commit(&op.take_batch()).await.expect("commit");
        assert_stored(
            &client,
            &plan,
            &expected(&plan, first),
            "after the first batch",
        )
        .await;

        // a zombie consumer that still believes nothing is stored is refused, writing nothing
        let mut zombie = operator(&plan);
        push_all(&mut zombie, second);
        let refused = sink.commit(&zombie.take_batch()).await;
        assert!(
            matches!(refused, Err(CommitError::OffsetMoved { .. })),
            "{refused:?}"
        );
        assert_stored(&client, &plan, &expected(&plan, first), "after the refusal").await;

        // the rightful consumer goes on; redelivered messages are not counted twice
        push_all(&mut op, first);
        push_all(&mut op, second);
        sink.commit(&op.take_batch()).await.expect("commit");
        assert_stored(&client, &plan, &expected(&plan, &produced), "at the end").await;
        let stored = offsets(&client, "g").await;
        let total: i64 = stored.iter().map(|(_, _, next)| next).sum();
        assert_eq!(total, produced.len() as i64);
    })
    .await;
}

/// A run that crashes between batches (at random points, several times) and restarts from
/// the stored offsets — with Kafka redelivering everything from the start of each partition —
/// ends where an uninterrupted run does.
#[tokio::test]
async fn restarts_after_crashes_end_where_an_uninterrupted_run_does() {
    with_db(|db: Arc<TestDb>| async move {
        let plan = fixture::plan();
        let client = db.client().await;
        let mut rng = Rng::new(23);
        let events = fixture::events(&mut rng, 30);
        let produced = messages("events", &events, 3);
        let mut sink = sink(&db, &plan, "crashy").await;
        let topics = ["events".to_string()];
        for _attempt in 0..4 {
            let mut op = operator(&plan);
            for stored in sink.stored_offsets(&topics).await.expect("offsets") {
                op.resume(&stored.topic, stored.partition, Some(stored.next_offset))
                    .expect("resume");
            }
            // consume a random prefix in a few batches, then "crash" with one batch staged
            let limit = rng.below(produced.len() + 1);
            let mut pushed = 0;
            while pushed < limit {
                let end = (pushed + 1 + rng.below(20)).min(limit);
                push_all(&mut op, &produced[pushed..end]);
                pushed = end;
                if rng.below(3) == 0 {
                    let tx = sink.writer().begin().await.expect("begin");
                    let _ = stage(&tx, "crashy", &op.take_batch()).await;
                    break; // crash: the transaction is dropped
                }
                sink.commit(&op.take_batch()).await.expect("commit");
            }
        }
        let mut op = operator(&plan);
        for stored in sink.stored_offsets(&topics).await.expect("offsets") {
            op.resume(&stored.topic, stored.partition, Some(stored.next_offset))
                .expect("resume");
        }
        push_all(&mut op, &produced);
        sink.commit(&op.take_batch()).await.expect("commit");
        assert_stored(
            &client,
            &plan,
            &expected(&plan, &produced),
            "after the restarts",
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn dead_letters_late_events_and_watermarks_are_recorded() {
    with_db(|db: Arc<TestDb>| async move {
        let plan = fixture::plan();
        let client = db.client().await;
        let mut sink = sink(&db, &plan, "g").await;
        let mut op = operator(&plan);
        let message = |offset: i64, payload: &'static str| Produced {
            topic: "events".into(),
            partition: 0,
            offset,
            key: b"key".to_vec(),
            payload: payload.as_bytes().to_vec(),
        };
        let batch = [
            message(0, r#"{"user_id":"u_1","kind":"view","event_ts":"2024-03-15T10:00:00Z"}"#),
            message(1, "not json"),
            // older than every_kind keeps: late there, merged into spend (lifetime)
            message(2, r#"{"user_id":"u_1","kind":"view","event_ts":"2024-03-01T00:00:00Z"}"#),
            message(3, r#"{"user_id":"u_1","kind":"view","event_ts":"2024-03-15T11:30:00Z"}"#),
        ];
        push_all(&mut op, &batch);
        sink.commit(&op.take_batch()).await.expect("commit");
        let dead = client
            .query_one("SELECT topic, partition, kafka_offset, key, payload, error FROM featc_dead_letters", &[])
            .await
            .expect("one dead letter");
        assert_eq!(dead.get::<_, String>(0), "events");
        assert_eq!((dead.get::<_, i32>(1), dead.get::<_, i64>(2)), (0, 1));
        assert_eq!(dead.get::<_, Vec<u8>>(3), b"key");
        assert_eq!(dead.get::<_, Vec<u8>>(4), b"not json");
        assert!(dead.get::<_, String>(5).contains("not JSON"));
        let late = client
            .query_one("SELECT view, kafka_offset, event_time = '2024-03-01T00:00:00Z' FROM featc_late_events", &[])
            .await
            .expect("one late event");
        assert_eq!(late.get::<_, String>(0), "every_kind");
        assert_eq!((late.get::<_, i64>(1), late.get::<_, bool>(2)), (2, true));
        let marks = client
            .query("SELECT view, complete_until = '2024-03-15T11:30:00Z' FROM featc_watermarks ORDER BY 1", &[])
            .await
            .expect("watermarks");
        let marks: Vec<(String, bool)> = marks.iter().map(|r| (r.get(0), r.get(1))).collect();
        assert_eq!(marks, [("every_kind".to_string(), true), ("spend".to_string(), true)]);
        // an older batch never lowers a watermark
        push_all(&mut op, &[message(4, r#"{"user_id":"u_1","kind":"view","event_ts":"2024-03-15T09:00:00Z"}"#)]);
        sink.commit(&op.take_batch()).await.expect("commit");
        let raised = client
            .query_one("SELECT bool_and(complete_until = '2024-03-15T11:30:00Z') FROM featc_watermarks", &[])
            .await
            .expect("watermarks");
        assert!(raised.get::<_, bool>(0));
        let spend = plan.view("spend").expect("spend");
        let tiles: Tiles = stored_tiles(&client, &plan, spend).await;
        let mut merged = Tiles::new();
        merge_tiles(&mut merged, tiles);
        assert!(merged.keys().any(|(_, g, start)| *g == MICROS_PER_DAY && *start == 1_709_251_200_000_000), "the old event is in spend's day tile");
    })
    .await;
}
