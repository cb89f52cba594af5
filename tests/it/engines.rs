//! One corpus, every engine: each case of `tests/cases/engines/<case>/` (a `.feat` project
//! with `events.csv` and `labels.csv`) is computed by
//!
//! - **sweep**: the offline engine as `featc training-set` runs it;
//! - **sql**: the generated DataFusion statements as written (`FEATC_ENGINE=sql`);
//! - **lookup**: the events as Kafka messages (shuffled over partitions) through the stream
//!   operator, committed micro-batch by micro-batch into a real Postgres by the upserts, read
//!   by the service's generated lookup statement;
//! - **tiles**: the same stored tiles read back into `agg::State`s and merged in Rust as
//!   `Window::tile_ranges` says, derived features by `plan::eval` (the plan evaluator);
//! - **serve**: `featc serve`'s server in-process, one HTTP request per label;
//!
//! and every value of every label is asserted equal to the sweep's (floats within 1e-9
//! relative, everything else exactly; approximate distinct counts exactly, since every engine
//! runs featc's own HyperLogLog). A new engine is one more column here.

mod case;
mod offline;
mod online;

use crate::support::db::with_db;
use crate::support::values::close_or_both_nan;
use case::{Case, Table};
use featc::runtime::batch::Engine;

/// The differences between `found` and the reference, as readable lines.
fn differences(case: &Case, reference: &Table, engine: &str, found: &Table) -> Vec<String> {
    let mut out = Vec::new();
    if found.len() != reference.len() {
        out.push(format!(
            "{}: {engine} gave {} rows for {} labels",
            case.name,
            found.len(),
            reference.len()
        ));
        return out;
    }
    for (i, (want, got)) in reference.iter().zip(found).enumerate() {
        for (name, expected) in want {
            match got.get(name) {
                Some(value) if close_or_both_nan(expected, value) => {}
                other => out.push(format!(
                    "{}: label {} ({}): `{name}`: sweep {expected:?}, {engine} {other:?}",
                    case.name,
                    i + 1,
                    case.labels[i].describe()
                )),
            }
        }
    }
    out
}

#[tokio::test]
async fn the_corpus_covers_every_aggregate_and_window_kind() {
    use featc::agg::AggFunc;
    use featc::plan::{ViewKind, Window};
    let cases = case::all().await;
    assert!(cases.len() >= 5, "{} cases", cases.len());
    let mut funcs = std::collections::BTreeSet::new();
    let mut windows: Vec<std::mem::Discriminant<Window>> = Vec::new();
    let mut filters = 0;
    for case in &cases {
        for view in &case.plan.views {
            if let ViewKind::Windowed { window } = &view.kind {
                windows.push(std::mem::discriminant(window));
            }
            for (_, aggregate) in view.aggregates() {
                funcs.insert(
                    aggregate.func.name().to_string()
                        + if aggregate.func == AggFunc::CountAll {
                            "(*)"
                        } else {
                            ""
                        },
                );
                windows.push(std::mem::discriminant(&aggregate.window));
                filters += usize::from(aggregate.filter.is_some());
            }
        }
    }
    for func in AggFunc::EVERY {
        let name = func.name().to_string() + if func == AggFunc::CountAll { "(*)" } else { "" };
        assert!(funcs.contains(&name), "no case uses `{name}`");
    }
    let every_window = [
        Window::Tumbling { size: 1 },
        Window::Sliding { size: 1, slide: 1 },
        Window::Rolling { size: 1, hop: 1 },
        Window::Lifetime,
    ];
    for window in every_window {
        assert!(
            windows.contains(&std::mem::discriminant(&window)),
            "no case has a {window:?} window"
        );
    }
    assert!(filters > 0, "no case has a `where` filter");
}

/// Engines that all read nothing agree too: every feature of a case must have a non-null
/// value for some label, or the case does not exercise it. Features named `never…` are empty
/// on purpose (filters that match nothing, `empty_windows`).
fn assert_every_feature_has_a_value(case: &str, sweep: &Table) {
    let names: std::collections::BTreeSet<&String> = sweep.iter().flat_map(|r| r.keys()).collect();
    for name in names.into_iter().filter(|n| !n.starts_with("never")) {
        assert!(
            sweep.iter().any(|row| row
                .get(name)
                .is_some_and(|v| *v != featc::types::Value::Null)),
            "{case}: `{name}` is null for every label"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_engine_gives_the_sweeps_values() {
    let mut mismatches = Vec::new();
    for case in case::all().await {
        let sweep = offline::training_set(&case, Engine::Sweep).await;
        assert_eq!(sweep.len(), case.labels.len(), "{}: the sweep", case.name);
        assert_every_feature_has_a_value(&case.name, &sweep);
        let sql = offline::training_set(&case, Engine::Sql).await;
        mismatches.extend(differences(&case, &sweep, "sql", &sql));

        let case = std::sync::Arc::new(case);
        let (inner, reference) = (std::sync::Arc::clone(&case), sweep.clone());
        let found = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = std::sync::Arc::clone(&found);
        with_db(|db| async move {
            let tables = online::run(&inner, &db).await;
            let mut lines = Vec::new();
            for (engine, table) in &tables {
                lines.extend(differences(&inner, &reference, engine, table));
            }
            sink.lock().expect("not poisoned").extend(lines);
        })
        .await;
        mismatches.extend(found.lock().expect("not poisoned").drain(..));
    }
    assert!(
        mismatches.is_empty(),
        "{} values differ from the sweep's:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
