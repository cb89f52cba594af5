//! One training-set check: generate a seed's data for a fixture, write it in the variant's
//! files, run `featc training-set`, and compare the output with the oracle.

use super::compare::{Expected, LabelFile, assert_none, differences};
use super::data::{Data, Label};
use super::generate::Shape;
use super::model::Service;
use super::naive;
use super::read::{Output, read_parquet};
use super::rng::Rng;
use super::run;
use super::scenario::{Files, Fixture, Inputs, label_columns, label_rows, write_inputs};
use super::values::{Ty, V};
use super::write::Times;
use std::path::Path;

/// Seeds per fixture: each run covers 80–100 labels over ~300 events.
pub const SEEDS: u64 = 12;
pub const MICROS: Shape = Shape { tick: 1 };
pub const MILLIS: Shape = Shape { tick: 1000 };

/// How a seed's data is written, at which time resolution, and what is changed before.
#[derive(Clone, Copy)]
pub struct Variant {
    pub files: Files,
    pub shape: Shape,
    pub tweak: fn(&mut Data, &mut Vec<Label>),
}

fn unchanged(_: &mut Data, _: &mut Vec<Label>) {}

/// Parquet with `Timestamp(Microsecond, Some("UTC"))`, as generated.
pub const PARQUET: Variant = Variant {
    files: Files::Parquet(Times::MicrosUtc),
    shape: MICROS,
    tweak: unchanged,
};

pub fn outputs(service: &Service) -> Vec<(&'static str, Ty)> {
    service
        .outputs
        .iter()
        .map(|o| (o.name, o.ty.clone()))
        .collect()
}

pub fn oracle(service: &Service, data: &Data, labels: &[Label]) -> Vec<Vec<V>> {
    labels
        .iter()
        .map(|label| naive::evaluate(service, data, label))
        .collect()
}

/// Writes the inputs and runs `featc training-set`; the output, or why there is none.
pub fn run_training_set(
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

/// Runs featc on the data and labels and compares with the oracle; the differences. Label
/// columns must keep their Arrow types, except that a time column written in another unit than
/// microseconds may come back in microseconds (`label_time_columns_keep_their_unit_and_zone`
/// checks that case on its own).
pub fn check_data(
    fixture: Fixture,
    context: String,
    files: Files,
    data: &Data,
    labels: &[Label],
) -> Vec<String> {
    let label_file = match files {
        Files::Parquet(times) => LabelFile::Parquet {
            times,
            any_time_unit: times != Times::MicrosUtc,
        },
        Files::ParquetParts { .. } => LabelFile::Parquet {
            times: Times::MicrosUtc,
            any_time_unit: false,
        },
        Files::Csv => LabelFile::Csv,
    };
    check_output(fixture, context, files, label_file, data, labels)
}

/// [`check_data`], with the label columns checked as `label_file` says.
pub fn check_output(
    fixture: Fixture,
    context: String,
    files: Files,
    label_file: LabelFile,
    data: &Data,
    labels: &[Label],
) -> Vec<String> {
    let service = (fixture.service)();
    let dir = run::temp_dir(&context.replace(|c: char| !c.is_ascii_alphanumeric(), "-"));
    let got = match run_training_set(fixture, &service, &dir, data, labels, files) {
        Ok(got) => got,
        Err(e) => return vec![format!("{context}: {e}")],
    };
    let problems = differences(
        &Expected {
            context,
            label_file,
            label_columns: &label_columns(&service),
            label_rows: &label_rows(&service, labels),
            labels,
            outputs: outputs(&service),
            values: &oracle(&service, data, labels),
        },
        &got,
    );
    if problems.is_empty() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    problems
}

/// One seed of one fixture in one variant: the differences.
pub fn check_seed(fixture: Fixture, seed: u64, variant: Variant) -> Vec<String> {
    let (mut data, mut labels) = (fixture.generate)(&mut Rng::new(seed), variant.shape);
    (variant.tweak)(&mut data, &mut labels);
    let context = format!(
        "fixture {} seed {seed} ({:?}, tick {}us)",
        fixture.name, variant.files, variant.shape.tick
    );
    check_data(fixture, context, variant.files, &data, &labels)
}

/// Every seed of the range; fails with every difference.
pub fn check_seeds(fixture: Fixture, seeds: std::ops::Range<u64>, variant: Variant) {
    let problems: Vec<String> = seeds
        .flat_map(|seed| check_seed(fixture, seed, variant))
        .collect();
    assert_none(&problems);
}
