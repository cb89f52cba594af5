//! Compares a training set featc wrote with what the oracle expects (docs/batch.md#training-sets-offlineservicetrainingsql): every label row
//! in input order, the label columns first and unchanged, then the service's outputs in
//! declaration order with the oracle's values. Every difference is one precise line.

use super::data::{Column, Label};
use super::read::{Output, type_matches};
use super::values::{Ty, V, rfc3339, same};
use super::write::Times;
use chrono::DateTime;
use datafusion::arrow::datatypes::DataType;

/// How the labels were written, which decides what "unchanged" can mean for their types.
#[derive(Clone, Copy, Debug)]
pub enum LabelFile {
    /// Parquet: the output keeps each label column's Arrow type; with `any_time_unit`, a
    /// timestamp column may come back in another unit or zone (the value is still compared).
    Parquet { times: Times, any_time_unit: bool },
    /// CSV: column types are inferred; values must still read the same.
    Csv,
}

pub struct Expected<'a> {
    /// Names the run in every message: fixture, seed, variant.
    pub context: String,
    pub label_file: LabelFile,
    pub label_columns: &'a [Column],
    pub label_rows: &'a [Vec<V>],
    pub labels: &'a [Label],
    pub outputs: Vec<(&'static str, Ty)>,
    /// The oracle's outputs, one row per label.
    pub values: &'a [Vec<V>],
}

fn label_type(column: &Column, times: Times) -> DataType {
    match column.ty {
        Ty::Int => DataType::Int64,
        Ty::Float => DataType::Float64,
        Ty::Str => DataType::Utf8,
        Ty::Ts => times.data_type(),
        _ => panic!("the test writes no {:?} label column", column.ty),
    }
}

/// A label cell read back: identical, or (from CSV) a time that stayed text.
fn label_cell_same(expected: &V, got: &V, label_file: LabelFile) -> bool {
    match (expected, got, label_file) {
        (V::Ts(t), V::Str(s), LabelFile::Csv) => {
            DateTime::parse_from_rfc3339(s).is_ok_and(|parsed| parsed.timestamp_micros() == *t)
        }
        _ => same(expected, got),
    }
}

fn describe(label: &Label) -> String {
    let keys: Vec<String> = label.keys.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!(
        "label_id {}, {}, T={}",
        label.id,
        keys.join(", "),
        rfc3339(label.t)
    )
}

/// Every way `got` differs from `expected`, one line each (empty when they agree).
pub fn differences(expected: &Expected, got: &Output) -> Vec<String> {
    let ctx = &expected.context;
    let mut problems = Vec::new();
    let wanted: Vec<&str> = expected
        .label_columns
        .iter()
        .map(|c| c.name)
        .chain(expected.outputs.iter().map(|(name, _)| *name))
        .collect();
    let columns: Vec<&str> = got.columns.iter().map(|(name, _)| name.as_str()).collect();
    if columns != wanted {
        problems.push(format!(
            "{ctx}: columns are {columns:?}, expected {wanted:?}"
        ));
        return problems;
    }
    let n_labels = expected.label_columns.len();
    if let LabelFile::Parquet {
        times,
        any_time_unit,
    } = expected.label_file
    {
        for (column, (name, data_type)) in expected.label_columns.iter().zip(&got.columns) {
            let want = label_type(column, times);
            let same_kind = any_time_unit
                && matches!(
                    (&want, data_type),
                    (DataType::Timestamp(..), DataType::Timestamp(..))
                );
            if *data_type != want && !same_kind {
                problems.push(format!(
                    "{ctx}: label column {name} is {data_type}, was {want} in the labels"
                ));
            }
        }
    }
    for ((name, ty), (_, data_type)) in expected.outputs.iter().zip(&got.columns[n_labels..]) {
        if !type_matches(ty, data_type) {
            problems.push(format!(
                "{ctx}: output {name} is {data_type}, the documented type is {ty:?}"
            ));
        }
    }
    if got.rows.len() != expected.label_rows.len() {
        problems.push(format!(
            "{ctx}: {} rows, expected one per label: {}",
            got.rows.len(),
            expected.label_rows.len()
        ));
    }
    for (i, ((row, want_labels), want_values)) in got
        .rows
        .iter()
        .zip(expected.label_rows)
        .zip(expected.values)
        .enumerate()
    {
        let label = describe(&expected.labels[i]);
        for (column, (want, cell)) in expected
            .label_columns
            .iter()
            .zip(want_labels.iter().zip(row))
        {
            if !label_cell_same(want, cell, expected.label_file) {
                problems.push(format!(
                    "{ctx}: row {i} ({label}): label column {}: expected {want}, got {cell} (rows out of input order?)",
                    column.name
                ));
            }
        }
        for ((name, _), (want, cell)) in expected
            .outputs
            .iter()
            .zip(want_values.iter().zip(&row[n_labels..]))
        {
            if !same(want, cell) {
                problems.push(format!(
                    "{ctx}: row {i} ({label}): {name}: expected {want}, got {cell}"
                ));
            }
        }
    }
    problems
}

/// Fails the test with the first differences, if there are any.
pub fn assert_none(problems: &[String]) {
    const SHOWN: usize = 60;
    if problems.is_empty() {
        return;
    }
    let mut message = problems
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    if problems.len() > SHOWN {
        message.push_str(&format!(
            "\n... and {} more differences",
            problems.len() - SHOWN
        ));
    }
    panic!("featc disagrees with the oracle:\n{message}");
}
