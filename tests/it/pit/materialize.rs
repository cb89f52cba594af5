//! `featc materialize` against the oracle, for a sliding view and a settled tumbling view.

use super::compare::assert_none;
use super::harness::MICROS;
use super::model::View;
use super::naive;
use super::read::{self, read_parquet};
use super::rng::Rng;
use super::run;
use super::scenario::{self, Files, Inputs, write_inputs};
use super::values::{Ty, V, same};
use super::write::Times;

/// `featc materialize` of a tumbling or sliding view: one row per (entity, window) with at
/// least one event (docs/language.md#windows-and-point-in-time-semantics), whatever the row order and the number of files.
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
                    "{context}: column {name} is {data_type}, the documented type is {ty:?}"
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
