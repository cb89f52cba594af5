//! The stream operator, pure (no Kafka, no Postgres): events folded into micro-batches of
//! tiles, then merged per `Window::tile_ranges` as a lookup does, give what a naive reading of
//! docs/language.md (aggregates, windows) computes from the events — at window boundaries, inside windows, before any
//! event, at an event's own time — whatever the grouping into batches; and the example's
//! stream values equal its offline training set. Bad messages become dead letters, old events
//! late records.

use crate::support::example::{self, run_training_set, user_activity_events};
use crate::support::fixture;
use crate::support::naive;
use crate::support::rng::Rng;
use crate::support::stream::{Produced, messages, push_all};
use crate::support::tiles::{Tiles, assert_same_tiles, merge_tiles, tiles_of, values_at};
use crate::support::values::{close_or_both_nan, read_parquet_rows};
use crate::support::window::floor;
use featc::plan::Plan;
use featc::runtime::stream::{ManualClock, Message, Operator, OperatorConfig};
use featc::types::{MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, Micros, Value};
use std::sync::Arc;

const NOW: Micros = fixture::START + MICROS_PER_DAY;

fn operator(plan: &Plan, views: &[&str], start: Option<Micros>) -> Operator {
    let config = OperatorConfig {
        start,
        record_late: true,
    };
    Operator::new(plan, views, Arc::new(ManualClock::new(NOW)), config).expect("an operator")
}

/// Pushes `messages` in batches cut at random points; returns every view's merged tiles.
fn fold(plan: &Plan, views: &[&str], messages: &[Produced], rng: &mut Rng) -> Vec<Tiles> {
    let mut op = operator(plan, views, None);
    let mut merged = vec![Tiles::new(); views.len()];
    let mut pushed = 0;
    while pushed < messages.len() {
        let n = 1 + rng.below(messages.len() / 3 + 1);
        let end = (pushed + n).min(messages.len());
        push_all(&mut op, &messages[pushed..end]);
        pushed = end;
        let batch = op.take_batch();
        assert!(batch.dead_letters.is_empty(), "{:?}", batch.dead_letters);
        for (i, name) in views.iter().enumerate() {
            let view = plan.view(name).expect("a view");
            merge_tiles(&mut merged[i], tiles_of(view, &batch.views[i]));
        }
    }
    merged
}

#[test]
fn folded_tiles_merge_to_the_naive_values_in_any_batching() {
    let plan = fixture::plan();
    let views = ["every_kind", "spend"];
    for seed in [1, 2, 3] {
        let mut rng = Rng::new(seed);
        let mut events = fixture::events(&mut rng, 30);
        rng.shuffle(&mut events);
        let produced = messages("events", &events, 2);
        let tiles = fold(&plan, &views, &produced, &mut rng);
        let settle = plan.source("events").expect("events").settle;
        for (i, name) in views.iter().enumerate() {
            let view = plan.view(name).expect("a view");
            for key in fixture::KEYS.iter().chain(&["nobody"]) {
                for t in fixture::probe_times(&events) {
                    let expected = naive::view_values(&plan, view, &events, &[], key, t);
                    let found = values_at(
                        view,
                        &tiles[i],
                        &[Value::String(key.to_string())],
                        t,
                        settle,
                    );
                    for (feature, want) in &expected {
                        let got = &found[feature];
                        assert!(
                            close_or_both_nan(want, got),
                            "seed {seed}: {name}.{feature} for {key} at {t}: expected {want:?}, found {got:?}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn batches_hold_each_tile_once_and_merge_to_one_fold() {
    let plan = fixture::plan();
    let mut rng = Rng::new(9);
    let events = fixture::events(&mut rng, 40);
    let produced = messages("events", &events, 3);
    let view = plan.view("spend").expect("spend");
    let mut one = operator(&plan, &["spend"], None);
    push_all(&mut one, &produced);
    let whole = tiles_of(view, &one.take_batch().views[0]); // panics on a duplicate tile
    let pieces = fold(&plan, &["spend"], &produced, &mut rng).remove(0);
    assert_same_tiles(view, &whole, &pieces, "batched");
    // the ladder of rolling(2h, hop 10m) and lifetime: every event in 5 tiles
    let per_event = [
        MICROS_PER_DAY,
        MICROS_PER_HOUR,
        10 * MICROS_PER_MINUTE,
        MICROS_PER_MINUTE,
        1,
    ];
    for g in per_event {
        assert!(
            whole.keys().any(|(_, tile_g, _)| *tile_g == g),
            "granularity {g}"
        );
    }
}

fn message<'a>(offset: i64, payload: &'a str) -> Message<'a> {
    Message {
        topic: "events",
        partition: 0,
        offset,
        key: Some(b"k"),
        payload: Some(payload.as_bytes()),
    }
}

#[test]
fn bad_messages_become_dead_letters_and_the_stream_goes_on() {
    let plan = fixture::plan();
    let mut op = operator(&plan, &["every_kind", "spend"], None);
    let good = r#"{"user_id":"u_1","kind":"view","qty":2,"event_ts":"2024-03-15T10:00:00Z"}"#;
    let bad = [
        ("{not json", "not JSON"),
        (r#"["an array"]"#, "not a JSON object"),
        (
            r#"{"kind":"view","event_ts":"2024-03-15T10:00:00Z"}"#,
            "`user_id` is missing",
        ),
        (
            r#"{"user_id":"u_1","kind":"view","qty":"two","event_ts":"2024-03-15T10:00:00Z"}"#,
            "`qty`: expected an integer",
        ),
        (
            r#"{"user_id":"u_1","kind":"view","event_ts":"tomorrow"}"#,
            "`event_ts`",
        ),
        ("", "empty"),
    ];
    op.push(&message(0, good));
    for (i, (payload, _)) in bad.iter().enumerate() {
        op.push(&message(1 + i as i64, payload));
    }
    op.push(&message(10, good));
    let batch = op.take_batch();
    assert_eq!(batch.counts.messages, 8);
    assert_eq!(batch.counts.merged, 4, "two good events, two views each");
    assert_eq!(batch.dead_letters.len(), bad.len());
    for (letter, (payload, error)) in batch.dead_letters.iter().zip(&bad) {
        assert_eq!(letter.topic, "events");
        assert_eq!(letter.key.as_deref(), Some(&b"k"[..]));
        assert_eq!(letter.payload.as_deref(), Some(payload.as_bytes()));
        assert!(
            letter.error.contains(error),
            "{} does not say {error}",
            letter.error
        );
    }
    assert_eq!(
        batch
            .dead_letters
            .iter()
            .map(|d| d.offset)
            .collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6]
    );
    // the offset moves past the dead letters too
    assert_eq!(batch.offsets.len(), 1);
    assert_eq!(
        (batch.offsets[0].expected, batch.offsets[0].next),
        (None, 11)
    );
}

#[test]
fn old_events_are_recorded_as_late_and_others_merge_whatever_their_lateness() {
    let plan = fixture::plan();
    // every_kind: settle 1m, sliding(1h, 15m) looks back at most 1h15m, retain 1d
    let cutoff = NOW - MICROS_PER_MINUTE - 75 * MICROS_PER_MINUTE - MICROS_PER_DAY;
    let at = |t: Micros| {
        let time = chrono::DateTime::from_timestamp_micros(t).expect("a time");
        format!(
            r#"{{"user_id":"u_1","kind":"view","event_ts":"{}"}}"#,
            time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        )
    };
    let mut op = operator(&plan, &["every_kind", "spend"], None);
    let (just_late, just_kept) = (at(cutoff - 1), at(cutoff));
    op.push(&message(0, &just_late));
    op.push(&message(1, &just_kept));
    let batch = op.take_batch();
    assert_eq!(
        batch.late_events.len(),
        1,
        "only every_kind has a retention (spend is lifetime)"
    );
    let late = &batch.late_events[0];
    assert_eq!(
        (late.view.as_str(), late.offset, late.event_time),
        ("every_kind", 0, cutoff - 1)
    );
    assert_eq!(late.payload.as_deref(), Some(just_late.as_bytes()));
    assert_eq!(batch.counts.late, 1);
    assert_eq!(batch.counts.merged, 3);
    let view = plan.view("every_kind").expect("every_kind");
    let tiles = tiles_of(view, &batch.views[0]);
    assert_eq!(tiles.len(), 1);
    assert_eq!(
        tiles.keys().next().map(|k| k.2),
        Some(floor(cutoff, 15 * MICROS_PER_MINUTE))
    );
    let watermarks: Vec<(&str, Micros)> = batch
        .watermarks
        .iter()
        .map(|w| (w.view.as_str(), w.event_time))
        .collect();
    assert_eq!(watermarks, [("every_kind", cutoff), ("spend", cutoff)]);
}

#[test]
fn events_before_the_start_are_skipped_and_counted() {
    let plan = fixture::plan();
    let mut rng = Rng::new(4);
    let events = fixture::events(&mut rng, 20);
    let start = fixture::START + 3 * MICROS_PER_HOUR;
    let mut op = operator(&plan, &["every_kind"], Some(start));
    push_all(&mut op, &messages("events", &events, 1));
    let batch = op.take_batch();
    let before = events.iter().filter(|e| e.time < start).count() as u64;
    assert!(before > 0 && before < events.len() as u64);
    assert_eq!(batch.counts.before_start, before);
    assert_eq!(batch.counts.merged, events.len() as u64 - before);
    let view = plan.view("every_kind").expect("every_kind");
    let tiles = tiles_of(view, &batch.views[0]);
    assert!(tiles.keys().all(|(_, _, tile_start)| *tile_start >= start));
    assert_eq!(
        batch.offsets[0].next,
        events.len() as i64,
        "skipped events are consumed"
    );
}

#[test]
fn redelivered_messages_below_the_position_are_not_merged_again() {
    let plan = fixture::plan();
    let mut rng = Rng::new(5);
    let events = fixture::events(&mut rng, 10);
    let produced = messages("events", &events, 1);
    let mut op = operator(&plan, &["every_kind"], None);
    op.resume("events", 0, Some(4)).expect("nothing in flight");
    push_all(&mut op, &produced); // 0..4 are below the stored offset
    push_all(&mut op, &produced[6..]); // a seek back within the batch
    let batch = op.take_batch();
    let n = produced.len() as u64;
    assert_eq!(batch.counts.merged, n - 4);
    assert_eq!(batch.counts.redelivered, 4 + (n - 6));
    assert_eq!(
        (batch.offsets[0].expected, batch.offsets[0].next),
        (Some(4), n as i64)
    );
    assert!(
        op.resume("events", 0, Some(0)).is_ok(),
        "nothing in flight after the batch"
    );
}

/// The example project's stream values equal its offline training set: the view's features
/// for every label row, from the operator's tiles, against `featc training-set`'s output.
#[test]
fn the_example_stream_agrees_with_its_training_set() {
    let (plan, dir) = example::example("user_activity");
    let view = plan.view("user_activity").expect("user_activity");
    let mut op = Operator::new(
        &plan,
        &["user_activity"],
        Arc::new(ManualClock::new(NOW)),
        OperatorConfig::default(),
    )
    .expect("an operator");
    for (offset, event) in user_activity_events().iter().enumerate() {
        op.push(&Message {
            topic: "user-events",
            partition: (offset % 3) as i32,
            offset: offset as i64,
            key: None,
            payload: Some(event.payload.as_bytes()),
        });
    }
    let batch = op.take_batch();
    assert!(batch.dead_letters.is_empty(), "{:?}", batch.dead_letters);
    assert_eq!(
        batch.counts.late, 0,
        "the events are within the retention at {NOW}"
    );
    let tiles = tiles_of(view, &batch.views[0]);

    let out = std::env::temp_dir().join(format!(
        "featc-it-stream-training-{}.parquet",
        std::process::id()
    ));
    run_training_set(&dir, "churn_model", &dir.join("labels.csv"), &out, &[]);
    let rows = read_parquet_rows(&out);
    let _ = std::fs::remove_file(&out);
    assert!(rows.len() > 10);
    for row in rows {
        let (Value::String(user), Value::Timestamp(at)) = (&row["user_id"], &row["observation_ts"])
        else {
            panic!("{row:?}");
        };
        let found = values_at(view, &tiles, &[Value::String(user.clone())], *at, 0);
        for feature in &view.features {
            let (want, got) = (&row[&feature.name], &found[&feature.name]);
            assert!(
                close_or_both_nan(want, got),
                "{}: {user} at {at}: training set {want:?}, stream {got:?}",
                feature.name
            );
        }
    }
}

/// `featc compile`'s `stream/<view>.json` is the program the operator runs: read back, it is
/// the program `Operator::new` compiles, and an operator running the file folds the same
/// messages into the same micro-batches.
#[test]
fn the_compiled_stream_artifact_is_the_program_the_operator_runs() {
    use featc::physical::stream_program::{StreamProgram, view_program};
    let plan = fixture::plan();
    let artifacts = featc::compile::build_artifacts(&plan).expect("artifacts");
    let mut rng = Rng::new(7);
    let events = fixture::events(&mut rng, 40);
    let produced = messages("events", &events, 3);
    let mut checked = 0;
    for view in &plan.views {
        let path = format!("stream/{}.json", view.name);
        let Some(artifact) = artifacts.iter().find(|a| a.path == path) else {
            continue;
        };
        let program: StreamProgram =
            serde_json::from_str(&artifact.contents).expect("the artifact is a program");
        assert_eq!(
            program,
            view_program(&plan, view).expect("a program"),
            "{path}"
        );
        let config = OperatorConfig {
            start: None,
            record_late: true,
        };
        let clock = Arc::new(ManualClock::new(NOW));
        let mut from_plan = Operator::new(&plan, &[view.name.as_str()], clock.clone(), config)
            .expect("an operator");
        let mut from_file = Operator::from_programs(vec![program], clock, config);
        push_all(&mut from_plan, &produced);
        push_all(&mut from_file, &produced);
        let (a, b) = (from_plan.take_batch(), from_file.take_batch());
        assert!(a.rows() > 0, "{path}: the messages reach the view");
        assert_eq!(a, b, "{path}");
        checked += 1;
    }
    assert!(checked > 0, "the fixture has a streamed view");
}
