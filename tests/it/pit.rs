//! The independent oracle for the offline engine: `featc training-set` and `featc materialize`,
//! run as users run them on seeded random data aimed at the edges of SPEC 1.4–1.6 (window
//! boundaries, settle, ttl, known_at, ties, nulls, empty windows), must give exactly what a
//! naive evaluator written from the SPEC's words computes (`pit/naive.rs`, which shares no
//! code with featc). A failure names the seed, the label, the feature, and both values.

#[path = "pit/compare.rs"]
mod compare;
#[path = "pit/data.rs"]
mod data;
#[path = "pit/fixtures.rs"]
mod fixtures;
#[path = "pit/generate.rs"]
mod generate;
#[path = "pit/model.rs"]
mod model;
#[path = "pit/naive.rs"]
mod naive;
#[path = "pit/oracle_checks.rs"]
mod oracle_checks;
#[path = "pit/read.rs"]
mod read;
#[path = "pit/rng.rs"]
mod rng;
#[path = "pit/run.rs"]
mod run;
#[path = "pit/scenario.rs"]
mod scenario;
#[path = "pit/sql.rs"]
mod sql;
#[path = "pit/values.rs"]
mod values;
#[path = "pit/write.rs"]
mod write;

use compare::{Expected, LabelFile, assert_none, differences};
use data::{Data, Label};
use generate::Shape;
use model::{Service, View};
use read::{Output, read_parquet};
use rng::Rng;
use scenario::{Files, Fixture, Inputs, label_columns, label_rows, write_inputs};
use std::path::Path;
use values::{Ty, V, same};
use write::Times;

/// Seeds per fixture: each run covers ~80 labels over ~300 events.
const SEEDS: u64 = 12;
const MICROS: Shape = Shape { tick: 1 };
const MILLIS: Shape = Shape { tick: 1000 };

fn outputs(service: &Service) -> Vec<(&'static str, Ty)> {
    service
        .outputs
        .iter()
        .map(|o| (o.name, o.ty.clone()))
        .collect()
}

fn oracle(service: &Service, data: &Data, labels: &[Label]) -> Vec<Vec<V>> {
    labels
        .iter()
        .map(|label| naive::evaluate(service, data, label))
        .collect()
}

/// Writes the inputs and runs `featc training-set`; the output, or why there is none.
fn run_training_set(
    fixture: Fixture,
    service: &Service,
    dir: &Path,
    data: &Data,
    labels: &[Label],
    files: Files,
) -> Result<Output, String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let Inputs {
        labels: labels_path,
        sources,
    } = write_inputs(dir, service, data, labels, files);
    let out = dir.join("training_set.parquet");
    run::training_set(&run::TrainingSet {
        project: &fixture.project(),
        service: service.name,
        labels: &labels_path,
        at: "observation_ts",
        out: &out,
        sources: &sources,
    })?;
    Ok(read_parquet(&out))
}

/// One seed of one fixture: featc's training set against the oracle's; the differences.
fn check_seed(fixture: Fixture, seed: u64, files: Files, shape: Shape) -> Vec<String> {
    let service = (fixture.service)();
    let (data, labels) = (fixture.generate)(&mut Rng::new(seed), shape);
    let context = format!("fixture {} seed {seed} ({files:?})", fixture.name);
    let dir = run::temp_dir(&format!("{}-{seed}-{}", fixture.name, shape.tick));
    let got = match run_training_set(fixture, &service, &dir, &data, &labels, files) {
        Ok(got) => got,
        Err(e) => return vec![format!("{context}: {e}")],
    };
    let label_file = match files {
        Files::Parquet(times) => LabelFile::Parquet(times),
        Files::Csv => LabelFile::Csv,
    };
    let problems = differences(
        &Expected {
            context,
            label_file,
            label_columns: &label_columns(&service),
            label_rows: &label_rows(&service, &labels),
            labels: &labels,
            outputs: outputs(&service),
            values: &oracle(&service, &data, &labels),
        },
        &got,
    );
    if problems.is_empty() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    problems
}

fn check_seeds(fixture: Fixture, seeds: std::ops::Range<u64>, files: Files, shape: Shape) {
    let problems: Vec<String> = seeds
        .flat_map(|seed| check_seed(fixture, seed, files, shape))
        .collect();
    assert_none(&problems);
}

#[test]
fn sliding_and_tumbling_training_sets_match_the_oracle() {
    check_seeds(
        scenario::WINDOWS,
        0..SEEDS,
        Files::Parquet(Times::MicrosUtc),
        MICROS,
    );
}

#[test]
fn rolling_and_lifetime_training_sets_match_the_oracle() {
    check_seeds(
        scenario::ROLLING,
        0..SEEDS,
        Files::Parquet(Times::MicrosUtc),
        MICROS,
    );
}

#[test]
fn table_training_sets_match_the_oracle() {
    check_seeds(
        scenario::TABLE,
        0..SEEDS,
        Files::Parquet(Times::MicrosUtc),
        MICROS,
    );
}

#[test]
fn two_entity_training_sets_match_the_oracle() {
    check_seeds(
        scenario::TWO_ENTITIES,
        0..SEEDS,
        Files::Parquet(Times::MicrosUtc),
        MICROS,
    );
}

/// CSV events and labels, times in RFC 3339 with microseconds.
#[test]
fn csv_inputs_match_the_oracle() {
    check_seeds(scenario::WINDOWS, 100..102, Files::Csv, MICROS);
    check_seeds(scenario::TABLE, 100..102, Files::Csv, MICROS);
}

/// Parquet with `Timestamp(Millisecond, None)`: "the runtime must accept any unit, with or
/// without UTC".
#[test]
fn millisecond_times_without_a_zone_match_the_oracle() {
    check_seeds(
        scenario::ROLLING,
        200..202,
        Files::Parquet(Times::MillisNaive),
        MILLIS,
    );
    check_seeds(
        scenario::TWO_ENTITIES,
        200..202,
        Files::Parquet(Times::MillisNaive),
        MILLIS,
    );
}

/// "never an event with event time ≥ T" (SPEC 1.5), and table rows not yet in force or not yet
/// written at T: adding them after a cutoff per key changes no value at or before the cutoff.
fn check_no_leak(fixture: Fixture, seed: u64) -> Vec<String> {
    let service = (fixture.service)();
    let mut rng = Rng::new(seed);
    let (data, labels) = (fixture.generate)(&mut rng, MICROS);
    let mut future = data.clone();
    let added = scenario::add_future(&mut rng, MICROS, &mut future, &labels);
    let context = format!("leakage, fixture {} seed {seed}", fixture.name);
    let dir = run::temp_dir(&format!("leak-{}-{seed}", fixture.name));
    let files = Files::Parquet(Times::MicrosUtc);
    let runs = run_training_set(
        fixture,
        &service,
        &dir.join("before"),
        &data,
        &labels,
        files,
    )
    .and_then(|before| {
        Ok((
            before,
            run_training_set(
                fixture,
                &service,
                &dir.join("after"),
                &future,
                &labels,
                files,
            )?,
        ))
    });
    let (before, after) = match runs {
        Ok(runs) => runs,
        Err(e) => return vec![format!("{context}: {e}")],
    };
    let n_labels = label_columns(&service).len();
    let mut problems = Vec::new();
    let mut protected = 0;
    for (i, label) in labels.iter().enumerate() {
        if added.iter().any(|a| a.concerns(label)) {
            continue;
        }
        protected += 1;
        // the oracle's own sanity: nothing it may see changed
        assert_eq!(
            naive::evaluate(&service, &data, label),
            naive::evaluate(&service, &future, label),
            "{context}: the oracle itself leaks at label {i}"
        );
        let (Some(b), Some(a)) = (before.rows.get(i), after.rows.get(i)) else {
            problems.push(format!("{context}: row {i} is missing"));
            continue;
        };
        for (j, (name, _)) in outputs(&service).iter().enumerate() {
            let (was, now) = (&b[n_labels + j], &a[n_labels + j]);
            if !same(was, now) {
                problems.push(format!(
                    "{context}: row {i} (label_id {}, {:?}, T={}): {name} was {was}, is {now} once data at or after T is added",
                    label.id,
                    label.keys,
                    values::rfc3339(label.t)
                ));
            }
        }
    }
    assert!(
        protected * 3 >= labels.len(),
        "{context}: only {protected} labels are protected"
    );
    if problems.is_empty() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    problems
}

#[test]
fn no_value_at_t_depends_on_data_after_t() {
    let fixtures = [
        scenario::WINDOWS,
        scenario::ROLLING,
        scenario::TABLE,
        scenario::TWO_ENTITIES,
    ];
    let problems: Vec<String> = fixtures
        .iter()
        .flat_map(|f| (0..SEEDS).flat_map(move |seed| check_no_leak(*f, 300 + seed)))
        .collect();
    assert_none(&problems);
}

/// HyperLogLog above 100 distinct values: within 2% of the exact count.
#[test]
fn approx_count_distinct_of_thousands_of_values() {
    let service = scenario::ROLLING.service;
    let service = service();
    let mut events = Vec::new();
    for (user, distinct) in [("u0", 150), ("u1", 1000), ("u2", 3000), ("u3", 99)] {
        for n in 0..distinct {
            // every value twice, the second time at another moment
            for copy in 0..2 {
                events.push(data::Event {
                    user_id: user.to_string(),
                    item_id: "i0".to_string(),
                    kind: "view".to_string(),
                    amount: None,
                    qty: None,
                    price: None,
                    tag: Some(format!("tag-{n:05}")),
                    flag: None,
                    ts: generate::BASE - values::DAY + (n * 2 + copy) * 1_000_003,
                });
            }
        }
    }
    let mut data = Data::default();
    data.sources.insert("events", events);
    let labels: Vec<Label> = ["u0", "u1", "u2", "u3"]
        .iter()
        .enumerate()
        .map(|(i, user)| Label {
            id: i as i64,
            keys: [("user_id", user.to_string())].into(),
            t: generate::BASE + 2 * values::DAY,
            y: None,
        })
        .collect();
    let dir = run::temp_dir("approx");
    let files = Files::Parquet(Times::MicrosUtc);
    let got = run_training_set(scenario::ROLLING, &service, &dir, &data, &labels, files)
        .unwrap_or_else(|e| panic!("{e}"));
    let problems = differences(
        &Expected {
            context: "approx_count_distinct, thousands of values".into(),
            label_file: LabelFile::Parquet(Times::MicrosUtc),
            label_columns: &label_columns(&service),
            label_rows: &label_rows(&service, &labels),
            labels: &labels,
            outputs: outputs(&service),
            values: &oracle(&service, &data, &labels),
        },
        &got,
    );
    assert_none(&problems);
}

/// The output's key-value metadata names the service, featc's version and every output's
/// fingerprint (the ones `featc compile` writes to manifest.json).
#[test]
fn training_sets_record_their_lineage() {
    let fixture = scenario::WINDOWS;
    let service = (fixture.service)();
    let (data, labels) = (fixture.generate)(&mut Rng::new(7), MICROS);
    let dir = run::temp_dir("lineage");
    let got = run_training_set(
        fixture,
        &service,
        &dir.join("run"),
        &data,
        &labels,
        Files::Parquet(Times::MicrosUtc),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    run::compile(&fixture.project(), &dir.join("compiled")).unwrap_or_else(|e| panic!("{e}"));
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("compiled/manifest.json")).expect("a manifest"),
    )
    .expect("JSON");
    let metadata: String = got
        .metadata
        .iter()
        .map(|(k, v)| format!("{k}={v}\n"))
        .collect();
    let mut missing = Vec::new();
    for wanted in [service.name, env!("CARGO_PKG_VERSION")] {
        if !metadata.contains(wanted) {
            missing.push(format!("`{wanted}`"));
        }
    }
    for output in &service.outputs {
        let fingerprint = manifest["services"][service.name][output.name]
            .as_str()
            .unwrap_or_else(|| panic!("manifest.json has no fingerprint for {}", output.name));
        if !metadata.contains(fingerprint) {
            missing.push(format!("{}'s fingerprint {fingerprint}", output.name));
        }
    }
    assert!(
        missing.is_empty(),
        "the training set's metadata lacks {}; it holds:\n{metadata}",
        missing.join(", ")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `featc materialize` of a tumbling or sliding view: one row per (entity, window) with at
/// least one event (SPEC 1.5), whatever the row order and the number of files.
fn check_materialized(seed: u64, view_name: &str) -> Vec<String> {
    let fixture = scenario::WINDOWS;
    let service = (fixture.service)();
    let View::Events(view) = service.view(view_name) else {
        panic!("no event view {view_name}");
    };
    let (data, labels) = (fixture.generate)(&mut Rng::new(seed), MICROS);
    let context = format!("materialize {view_name}, seed {seed}");
    let dir = run::temp_dir(&format!("materialize-{view_name}-{seed}"));
    let Inputs { sources, .. } = write_inputs(
        &dir,
        &service,
        &data,
        &labels,
        Files::Parquet(Times::MicrosUtc),
    );
    let out = dir.join("out");
    if let Err(e) = run::materialize(&fixture.project(), view_name, &out, &sources) {
        return vec![format!("{context}: {e}")];
    }
    let files = read::parquet_files(&out.join(view_name));
    if files.is_empty() {
        return vec![format!(
            "{context}: no Parquet file under {}",
            out.join(view_name).display()
        )];
    }
    let mut problems = Vec::new();
    let mut wanted_columns: Vec<(&str, Ty)> = view.keys.iter().map(|k| (*k, Ty::Str)).collect();
    wanted_columns.extend(["window_start", "window_end", "feature_ts"].map(|c| (c, Ty::Ts)));
    wanted_columns.extend(view.features.iter().map(|f| (f.name, f.ty.clone())));
    let mut got_rows = Vec::new();
    for file in &files {
        let output = read_parquet(file);
        let names: Vec<&str> = output.columns.iter().map(|(n, _)| n.as_str()).collect();
        let wanted_names: Vec<&str> = wanted_columns.iter().map(|(n, _)| *n).collect();
        if names != wanted_names {
            return vec![format!(
                "{context}: {} has columns {names:?}, expected {wanted_names:?}",
                file.display()
            )];
        }
        for ((name, ty), (_, data_type)) in wanted_columns.iter().zip(&output.columns) {
            if !read::type_matches(ty, data_type) {
                problems.push(format!(
                    "{context}: column {name} is {data_type}, the SPEC type is {ty:?}"
                ));
            }
        }
        got_rows.extend(output.rows);
    }
    let window_end = view.keys.len() + 1;
    let identity = |row: &Vec<V>| {
        format!(
            "{:?} window_end {}",
            &row[..view.keys.len()],
            row[window_end]
        )
    };
    let mut got: std::collections::BTreeMap<String, Vec<V>> = std::collections::BTreeMap::new();
    for row in got_rows {
        if let Some(previous) = got.insert(identity(&row), row.clone()) {
            problems.push(format!(
                "{context}: two rows for {}: {previous:?} and {row:?}",
                identity(&row)
            ));
        }
    }
    let all_events = &data.sources[view.source];
    for want in naive::materialize(view, all_events) {
        let id = identity(&want);
        let Some(row) = got.remove(&id) else {
            problems.push(format!("{context}: no row for {id} (expected {want:?})"));
            continue;
        };
        for ((name, _), (w, g)) in wanted_columns.iter().zip(want.iter().zip(&row)) {
            if !same(w, g) {
                problems.push(format!("{context}: {id}: {name}: expected {w}, got {g}"));
            }
        }
    }
    for id in got.keys() {
        problems.push(format!(
            "{context}: a row for {id}, a window without events"
        ));
    }
    if problems.is_empty() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    problems
}

#[test]
fn materialized_windows_match_the_oracle() {
    let problems: Vec<String> = (400..404)
        .flat_map(|seed| {
            let mut p = check_materialized(seed, "activity");
            p.extend(check_materialized(seed, "half_hours"));
            p
        })
        .collect();
    assert_none(&problems);
}
