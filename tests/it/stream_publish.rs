//! `featc publish` on a real Postgres: publishing twice leaves identical tables; `publish
//! --until T` followed by the stream from T counts every event once (the tables equal those
//! of streaming everything), and publishing again afterwards changes nothing.

use crate::support::db::{TestDb, dump, with_db};
use crate::support::fixture::{self, Event};
use crate::support::rng::Rng;
use crate::support::stream::{json_value, messages, push_all};
use crate::support::tiles::{Tiles, assert_same_tiles, stored_tiles, tiles_of};
use featc::plan::Plan;
use featc::runtime::store::writer::OnlineWriter;
use featc::runtime::store::{PostgresStateStore, StateStore};
use featc::runtime::stream::{ManualClock, Operator, OperatorConfig};
use featc::types::{MICROS_PER_DAY, MICROS_PER_HOUR, Micros, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const NOW: &str = "2024-03-16T00:00:00Z";
const NOW_MICROS: Micros = fixture::START + MICROS_PER_DAY;

/// The fixture's project and its events as CSV, in a fresh directory.
fn project_dir(events: &[Event]) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("featc-it-publish-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    std::fs::write(dir.join("project.feat"), fixture::PROJECT).expect("the project");
    let columns = [
        "user_id", "kind", "amount", "qty", "price", "label", "flag", "day", "event_ts",
    ];
    let mut csv = columns.join(",") + "\n";
    for event in events {
        let cells: Vec<String> = columns
            .iter()
            .map(|c| match json_value(&event.columns[*c]) {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(s) => format!("\"{}\"", s.replace('"', "\"\"")),
                other => other.to_string(),
            })
            .collect();
        csv += &(cells.join(",") + "\n");
    }
    std::fs::write(dir.join("events.csv"), csv).expect("the events");
    dir
}

/// `featc publish` of `view` up to `until`, as a process.
fn run_publish(dir: &Path, db: &TestDb, view: &str, until: Micros) -> std::process::Output {
    let until = chrono::DateTime::from_timestamp_micros(until)
        .expect("a time")
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    std::process::Command::new(env!("CARGO_BIN_EXE_featc"))
        .arg("publish")
        .arg(dir)
        .args([
            "--view",
            view,
            "--postgres",
            &db.url,
            "--until",
            &until,
            "--now",
            NOW,
        ])
        .arg("--source")
        .arg(format!("events={}", dir.join("events.csv").display()))
        .output()
        .expect("featc runs")
}

/// A successful `featc publish`; its standard error.
fn publish(dir: &Path, db: &TestDb, view: &str, until: Micros) -> String {
    let run = run_publish(dir, db, view, until);
    let stderr = String::from_utf8_lossy(&run.stderr).to_string();
    assert!(
        run.status.success(),
        "publish {view} --until {until}: {stderr}"
    );
    stderr
}

fn operator(plan: &Plan, view: &str, start: Option<Micros>) -> Operator {
    let config = OperatorConfig {
        start,
        record_late: true,
    };
    Operator::new(
        plan,
        &[view],
        Arc::new(ManualClock::new(NOW_MICROS)),
        config,
    )
    .expect("an operator")
}

/// The view's tiles after one fold of `events`.
fn folded(plan: &Plan, view: &str, events: &[Event]) -> Tiles {
    let mut op = operator(plan, view, None);
    push_all(&mut op, &messages("events", events, 1));
    tiles_of(plan.view(view).expect("a view"), &op.take_batch().views[0])
}

/// Events over two days: half of them a day later, so that a day-aligned T splits them.
fn two_days_of_events() -> Vec<Event> {
    let mut rng = Rng::new(31);
    let mut events = fixture::events(&mut rng, 30);
    for (i, event) in events.iter_mut().enumerate() {
        if i % 2 == 1 {
            event.time += MICROS_PER_DAY;
            event
                .columns
                .insert("event_ts".into(), Value::Timestamp(event.time));
        }
    }
    events
}

/// (view, T): every_kind keeps 15-minute tiles; spend also day tiles (lifetime), so its T is
/// a day boundary.
const SPLITS: [(&str, Micros); 2] = [
    ("every_kind", fixture::START + 3 * MICROS_PER_HOUR),
    ("spend", fixture::START + MICROS_PER_DAY),
];

#[tokio::test]
async fn publishing_twice_leaves_identical_tables() {
    with_db(|db: Arc<TestDb>| async move {
        let plan = fixture::plan();
        let events = two_days_of_events();
        let dir = project_dir(&events);
        let client = db.client().await;
        for (name, until) in SPLITS {
            let view = plan.view(name).expect("a view");
            let order = "user_id, tile_us, tile_start";
            publish(&dir, &db, name, until);
            let first = dump(&client, &view.online.table, order).await;
            let log = publish(&dir, &db, name, until);
            let second = dump(&client, &view.online.table, order).await;
            assert!(!first.is_empty());
            assert_eq!(
                first, second,
                "{name}: publishing again changed the table\n{log}"
            );
            let before: Vec<Event> = events.iter().filter(|e| e.time < until).cloned().collect();
            let stored = stored_tiles(&client, &plan, view).await;
            assert_same_tiles(view, &folded(&plan, name, &before), &stored, "published");
        }
        let _ = std::fs::remove_dir_all(&dir);
    })
    .await;
}

#[tokio::test]
async fn publish_until_t_then_stream_from_t_counts_every_event_once() {
    with_db(|db: Arc<TestDb>| async move {
        let plan = fixture::plan();
        let events = two_days_of_events();
        let dir = project_dir(&events);
        let client = db.client().await;
        for (name, until) in SPLITS {
            let view = plan.view(name).expect("a view");
            publish(&dir, &db, name, until);
            // the stream sees every event (Kafka holds them all) and skips those before T
            let writer = OnlineWriter::prepare(db.client().await, &plan, &[name])
                .await
                .expect("a writer");
            let mut sink = PostgresStateStore::new(writer, format!("g-{name}"));
            let mut op = operator(&plan, name, Some(until));
            push_all(&mut op, &messages("events", &events, 2));
            let batch = op.take_batch();
            let before = events.iter().filter(|e| e.time < until).count() as u64;
            assert_eq!(batch.counts.before_start, before);
            sink.commit(&batch).await.expect("commit");
            let all = folded(&plan, name, &events);
            let stored = stored_tiles(&client, &plan, view).await;
            assert_same_tiles(view, &all, &stored, "publish + stream");
            // publishing again (say, after a fix of the history) leaves the stream's tiles alone
            publish(&dir, &db, name, until);
            let stored = stored_tiles(&client, &plan, view).await;
            assert_same_tiles(view, &all, &stored, "publish + stream + publish");
        }
        let _ = std::fs::remove_dir_all(&dir);
    })
    .await;
}

#[test]
fn an_unaligned_until_is_refused_with_an_aligned_suggestion() {
    let events = two_days_of_events();
    let dir = project_dir(&events[..2]);
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_featc"))
        .arg("publish")
        .arg(&dir)
        .args(["--view", "spend", "--postgres", "postgres://nowhere/none"])
        .args(["--until", "2024-03-15T10:10:00Z"])
        .output()
        .expect("featc runs");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--until must be a multiple of 1d")
            && stderr.contains("--until 2024-03-15T00:00:00Z"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// History older than the online retention as of now is not loaded, and `publish` says so
/// (with the counts and the fix) instead of exiting 0 in silence: when nothing at all was
/// loaded, it fails, so a backfill job cannot report success.
#[tokio::test]
async fn publishing_history_older_than_the_retention_warns() {
    with_db(|db: Arc<TestDb>| async move {
        let events = two_days_of_events();
        let dir = project_dir(&events);
        let run = std::process::Command::new(env!("CARGO_BIN_EXE_featc"))
            .arg("publish")
            .arg(&dir)
            .args(["--view", "every_kind", "--postgres", &db.url])
            .args(["--now", "2030-01-01T00:00:00Z"])
            .arg("--source")
            .arg(format!("events={}", dir.join("events.csv").display()))
            .output()
            .expect("featc runs");
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(1), "{stderr}");
        let expired = format!("{} of {} events are older", events.len(), events.len());
        assert!(
            stderr.contains("warning: ") && stderr.contains(&expired) && stderr.contains("--now"),
            "{stderr}"
        );
        assert!(
            stderr.contains("error: nothing was published to `every_kind`"),
            "{stderr}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    })
    .await;
}

/// A feature added to a published view: the next publish refuses the old table with the
/// missing column and the fix instead of Postgres' bare "column does not exist", leaves the
/// table as it was, and the fix it names (drop, publish again) works.
#[tokio::test]
async fn publishing_a_view_that_gained_a_feature_names_the_missing_column_and_the_fix() {
    with_db(|db: Arc<TestDb>| async move {
        let (name, until) = SPLITS[1];
        let events = two_days_of_events();
        let dir = project_dir(&events);
        let client = db.client().await;
        let plan = fixture::plan();
        let table = &plan.view(name).expect("a view").online.table;
        let order = "user_id, tile_us, tile_start";
        publish(&dir, &db, name, until);
        let published = dump(&client, table, order).await;

        let before = "  last_qty     = last(qty)\n";
        assert!(fixture::PROJECT.contains(before), "the fixture changed");
        let grown =
            fixture::PROJECT.replace(before, &format!("{before}  qty_peak     = max(qty)\n"));
        std::fs::write(dir.join("project.feat"), grown).expect("the project");
        let run = run_publish(&dir, &db, name, until);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(!run.status.success(), "{stderr}");
        assert!(
            stderr.contains(&format!("online table \"{table}\" of view `{name}`"))
                && stderr.contains("(the state of `qty_peak`)")
                && stderr.contains(&format!("DROP TABLE \"{table}\""))
                && !stderr.contains("does not exist"),
            "{stderr}"
        );
        assert_eq!(
            dump(&client, table, order).await,
            published,
            "the table changed"
        );

        client
            .batch_execute(&format!("DROP TABLE \"{table}\""))
            .await
            .expect("drop");
        publish(&dir, &db, name, until);
        assert_eq!(dump(&client, table, order).await.len(), published.len());
        let _ = std::fs::remove_dir_all(&dir);
    })
    .await;
}
