//! `featc training-set` against the oracle: every fixture over many seeds, then the same in
//! other file layouts (CSV, other timestamp units and zones, directories and globs), and the
//! degenerate inputs (no labels, no events, thousands of distinct values).

use super::compare::LabelFile;
use super::compare::assert_none;
use super::data::{Data, Event, Label};
use super::generate::BASE;
use super::harness::{
    MICROS, MILLIS, PARQUET, SEEDS, Variant, check_data, check_output, check_seeds,
};
use super::rng::Rng;
use super::scenario::{self, Files, rename_users};
use super::values::DAY;
use super::write::Times;

#[test]
fn sliding_and_tumbling_training_sets_match_the_oracle() {
    check_seeds(scenario::WINDOWS, 0..SEEDS, PARQUET);
}

#[test]
fn rolling_and_lifetime_training_sets_match_the_oracle() {
    check_seeds(scenario::ROLLING, 0..SEEDS, PARQUET);
}

#[test]
fn table_training_sets_match_the_oracle() {
    check_seeds(scenario::TABLE, 0..SEEDS, PARQUET);
}

#[test]
fn two_entity_training_sets_match_the_oracle() {
    check_seeds(scenario::TWO_ENTITIES, 0..SEEDS, PARQUET);
}

#[test]
fn roles_and_request_inputs_match_the_oracle() {
    check_seeds(scenario::ROLES_AND_REQUEST, 0..SEEDS, PARQUET);
}

/// User ids that read as numbers: `0012` and `12`, `007` and `7` are four users.
// A `Variant::tweak`, whose type takes the labels as a `Vec` (other tweaks clear it).
#[allow(clippy::ptr_arg)]
fn numeric_looking_users(data: &mut Data, labels: &mut Vec<Label>) {
    rename_users(data, labels, |user| {
        match user {
            "u0" => "0012",
            "u1" => "12",
            "u2" => "007",
            "u3" => "7",
            _ => "0",
        }
        .to_string()
    });
}

/// CSV events, tables and labels: RFC 3339 times with microseconds, empty fields for nulls,
/// and user ids that a CSV reader could take for numbers.
#[test]
fn csv_inputs_match_the_oracle() {
    let csv = Variant {
        files: Files::Csv,
        shape: MICROS,
        tweak: numeric_looking_users,
    };
    check_seeds(scenario::WINDOWS, 100..102, csv);
    check_seeds(scenario::TABLE, 100..102, csv);
}

/// "The runtime must accept any unit, with or without UTC": milliseconds without a zone.
#[test]
fn millisecond_times_without_a_zone_match_the_oracle() {
    let millis = Variant {
        files: Files::Parquet(Times::MillisNaive),
        shape: MILLIS,
        ..PARQUET
    };
    check_seeds(scenario::ROLLING, 200..202, millis);
    check_seeds(scenario::TWO_ENTITIES, 200..202, millis);
}

/// Nanoseconds, with UTC spelled `+00:00`.
#[test]
fn nanosecond_times_with_an_offset_zone_match_the_oracle() {
    let nanos = Variant {
        files: Files::Parquet(Times::NanosOffset),
        ..PARQUET
    };
    check_seeds(scenario::TABLE, 250..252, nanos);
    check_seeds(scenario::WINDOWS, 250..252, nanos);
}

/// docs/batch.md#training-sets-offlineservicetrainingsql "all label columns first" and the "label columns first and unchanged": a
/// labels file's time column keeps its Arrow type (unit and zone) in the training set.
#[test]
fn label_time_columns_keep_their_unit_and_zone() {
    let mut problems = Vec::new();
    for (times, shape) in [(Times::MillisNaive, MILLIS), (Times::NanosOffset, MICROS)] {
        let fixture = scenario::TABLE;
        let (data, labels) = (fixture.generate)(&mut Rng::new(800), shape);
        let files = Files::Parquet(times);
        let label_file = LabelFile::Parquet {
            times,
            any_time_unit: false,
        };
        let context = format!("label types, fixture table seed 800 ({times:?} labels)");
        problems.extend(check_output(
            fixture, context, files, label_file, &data, &labels,
        ));
    }
    assert_none(&problems);
}

/// docs/language.md#declarations: a batch location is "file, directory or glob".
#[test]
fn events_split_over_a_directory_or_a_glob_match_the_oracle() {
    let directory = Variant {
        files: Files::ParquetParts { glob: false },
        ..PARQUET
    };
    let glob = Variant {
        files: Files::ParquetParts { glob: true },
        ..PARQUET
    };
    check_seeds(scenario::ROLLING, 500..502, directory);
    check_seeds(scenario::TWO_ENTITIES, 502..504, glob);
}

/// A labels file without rows gives a training set without rows, with every column.
#[test]
fn no_labels_give_an_empty_training_set() {
    let empty = Variant {
        tweak: |_, labels| labels.clear(),
        ..PARQUET
    };
    check_seeds(scenario::WINDOWS, 600..601, empty);
    check_seeds(scenario::TABLE, 600..601, empty);
}

/// "A window with no events of the entity gives the aggregates' empty values": here no
/// entity has any event at all.
#[test]
fn no_events_give_the_empty_values() {
    let no_events = Variant {
        tweak: |data, _| data.sources.values_mut().for_each(Vec::clear),
        ..PARQUET
    };
    check_seeds(scenario::WINDOWS, 700..701, no_events);
    check_seeds(scenario::ROLLING, 700..701, no_events);
    check_seeds(scenario::TWO_ENTITIES, 700..701, no_events);
}

/// HyperLogLog beyond linear counting's easy range: exact below 100 distinct values, within
/// 2% above (values.rs).
#[test]
fn approx_count_distinct_of_thousands_of_values() {
    let mut events = Vec::new();
    for (user, distinct) in [("u0", 150), ("u1", 1000), ("u2", 3000), ("u3", 99)] {
        for n in 0..distinct {
            // every value twice, the second time at another moment
            for copy in 0..2 {
                events.push(Event {
                    user_id: user.to_string(),
                    item_id: "i0".to_string(),
                    kind: "view".to_string(),
                    amount: None,
                    qty: None,
                    price: None,
                    tag: Some(format!("tag-{n:05}")),
                    flag: None,
                    ts: BASE - DAY + (n * 2 + copy) * 1_000_003,
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
            t: BASE + 2 * DAY,
            y: None,
            request: Default::default(),
        })
        .collect();
    let context = "approx_count_distinct of thousands of values".to_string();
    assert_none(&check_data(
        scenario::ROLLING,
        context,
        PARQUET.files,
        &data,
        &labels,
    ));
}
