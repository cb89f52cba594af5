//! No leakage: "never an event with event time ≥ T" (docs/language.md#windows-and-point-in-time-semantics), and no table row that is not
//! yet in force or not yet written at T. Adding such data after a cutoff per key must change
//! no value of a label at or before its key's cutoff.

use super::compare::assert_none;
use super::harness::{MICROS, SEEDS, outputs, run_training_set};
use super::naive;
use super::rng::Rng;
use super::run;
use super::scenario::{self, Files, Fixture, label_columns};
use super::values::{rfc3339, same};
use super::write::Times;

/// One seed: featc before and after the additions, compared on the labels they cannot concern.
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
                    rfc3339(label.t)
                ));
            }
        }
    }
    assert!(
        protected * 4 >= labels.len(),
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
