//! One run of the oracle: a fixture project, its generated data and labels, the files they are
//! written to, and (for the leakage test) data added after the labels' times.

use super::data::{Column, Data, Event, Label, event_columns};
use super::fixtures;
use super::generate::{self, Shape};
use super::model::Service;
use super::rng::Rng;
use super::values::{DAY, HOUR, Ty, V};
use super::write::{Times, write_csv, write_parquet};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A project under `tests/cases/pit/` and how to make data for it.
#[derive(Clone, Copy)]
pub struct Fixture {
    pub name: &'static str,
    pub service: fn() -> Service,
    pub generate: fn(&mut Rng, Shape) -> (Data, Vec<Label>),
}

impl Fixture {
    pub fn project(&self) -> String {
        format!("tests/cases/pit/{}", self.name)
    }
}

pub const WINDOWS: Fixture = Fixture {
    name: "windows",
    service: fixtures::windows,
    generate: windows_data,
};
pub const ROLLING: Fixture = Fixture {
    name: "rolling",
    service: fixtures::rolling,
    generate: rolling_data,
};
pub const TABLE: Fixture = Fixture {
    name: "table",
    service: fixtures::table,
    generate: table_data,
};
pub const TWO_ENTITIES: Fixture = Fixture {
    name: "two_entities",
    service: fixtures::two_entities,
    generate: two_entities_data,
};
pub const ROLES_AND_REQUEST: Fixture = Fixture {
    name: "roles_and_request",
    service: fixtures::roles_and_request,
    generate: roles_and_request_data,
};

fn event_times(events: &[Event], matches: impl Fn(&Event) -> bool) -> Vec<i64> {
    events.iter().filter(|e| matches(e)).map(|e| e.ts).collect()
}

fn user_labels(rng: &mut Rng, shape: Shape, events: &[Event]) -> Vec<Label> {
    generate::labels(rng, shape, 80, &generate::user_keysets(), &|keys| {
        event_times(events, |e| e.user_id == keys["user_id"])
    })
}

fn windows_data(rng: &mut Rng, shape: Shape) -> (Data, Vec<Label>) {
    let events = generate::events(rng, shape, 300);
    let labels = user_labels(rng, shape, &events);
    let mut data = Data::default();
    data.sources.insert("events", events.clone());
    data.sources.insert("settled_events", events);
    (data, labels)
}

fn rolling_data(rng: &mut Rng, shape: Shape) -> (Data, Vec<Label>) {
    let events = generate::events(rng, shape, 300);
    let labels = user_labels(rng, shape, &events);
    let mut data = Data::default();
    data.sources.insert("events", events);
    (data, labels)
}

fn table_data(rng: &mut Rng, shape: Shape) -> (Data, Vec<Label>) {
    let profile = generate::profile(rng, shape);
    let plans = generate::plans(rng, shape);
    let labels = generate::labels(rng, shape, 80, &generate::user_keysets(), &|keys| {
        let user = &keys["user_id"];
        let mut times = generate::table_times(&profile, user, Some(2 * DAY));
        times.extend(generate::table_times(&plans, user, None));
        times
    });
    let mut data = Data::default();
    data.tables.insert("profile", profile);
    data.tables.insert("plans", plans);
    (data, labels)
}

fn two_entities_data(rng: &mut Rng, shape: Shape) -> (Data, Vec<Label>) {
    let events = generate::events(rng, shape, 300);
    let catalog = generate::item_catalog(rng, shape);
    let labels = generate::labels(rng, shape, 100, &generate::user_item_keysets(), &|keys| {
        let (user, item) = (&keys["user_id"], &keys["item_id"]);
        let mut times = event_times(&events, |e| e.user_id == *user || e.item_id == *item);
        times.extend(generate::table_times(&catalog, item, None));
        times
    });
    let mut data = Data::default();
    data.sources.insert("events", events);
    data.tables.insert("item_catalog", catalog);
    (data, labels)
}

/// Labels for (user, friend) pairs (a user may be their own friend), each with a `budget`
/// sent with the request: null, zero, negative or a price-like amount.
fn roles_and_request_data(rng: &mut Rng, shape: Shape) -> (Data, Vec<Label>) {
    let events = generate::events(rng, shape, 300);
    let users = generate::user_keysets();
    let pairs: Vec<BTreeMap<&'static str, String>> = users
        .iter()
        .flat_map(|u| {
            users.iter().map(move |f| {
                BTreeMap::from([
                    ("user_id", u["user_id"].clone()),
                    ("friend_id", f["user_id"].clone()),
                ])
            })
        })
        .collect();
    let mut labels = generate::labels(rng, shape, 100, &pairs, &|keys| {
        let (user, friend) = (&keys["user_id"], &keys["friend_id"]);
        event_times(&events, |e| e.user_id == *user || e.user_id == *friend)
    });
    for label in &mut labels {
        let budget = match rng.below(10) {
            0 | 1 => V::Null,
            2 => V::Float(0.0),
            3 => V::Float(-12.5),
            _ => V::Float(rng.range(1, 100_000) as f64 / 100.0),
        };
        label.request.insert("budget", budget);
    }
    let mut data = Data::default();
    data.sources.insert("events", events);
    (data, labels)
}

/// How a run's input files are written.
#[derive(Clone, Copy, Debug)]
pub enum Files {
    Parquet(Times),
    Csv,
    /// Each source's events in several Parquet files (one of them empty) in a directory, named
    /// by the directory or by a glob; tables and labels in single files.
    ParquetParts {
        glob: bool,
    },
}

/// The labels file's columns: an id, the time, the keys in reverse order (so that featc must
/// find them by name), and a nullable target.
pub fn label_columns(service: &Service) -> Vec<Column> {
    let mut columns = vec![
        Column::new("label_id", Ty::Int, false),
        Column::new("observation_ts", Ty::Ts, false),
    ];
    columns.extend(
        service
            .keys
            .iter()
            .rev()
            .map(|k| Column::new(k, Ty::Str, false)),
    );
    columns.push(Column::new("y", Ty::Float, true));
    for (name, ty) in service.request {
        columns.push(Column::new(name, ty.clone(), true));
    }
    columns
}

pub fn label_rows(service: &Service, labels: &[Label]) -> Vec<Vec<V>> {
    labels
        .iter()
        .map(|label| {
            let mut row = vec![V::Int(label.id), V::Ts(label.t)];
            row.extend(
                service
                    .keys
                    .iter()
                    .rev()
                    .map(|k| V::Str(label.keys[k].clone())),
            );
            row.push(label.y.map_or(V::Null, V::Float));
            for (name, _) in service.request {
                row.push(label.request.get(name).cloned().unwrap_or(V::Null));
            }
            row
        })
        .collect()
}

/// The files of one run.
pub struct Inputs {
    pub labels: PathBuf,
    /// `--source NAME=LOCATION` for every source and table of the fixture.
    pub sources: Vec<(&'static str, PathBuf)>,
}

fn write_rows(path: &Path, columns: &[Column], rows: &[Vec<V>], files: Files) {
    match files {
        Files::Parquet(times) => write_parquet(path, columns, rows, times),
        Files::ParquetParts { .. } => write_parquet(path, columns, rows, Times::MicrosUtc),
        Files::Csv => write_csv(path, columns, rows),
    }
}

/// Writes a source's events: one file, or parts in a directory (named by it or by a glob).
fn write_events(dir: &Path, name: &str, events: &[Event], files: Files) -> PathBuf {
    let rows: Vec<Vec<V>> = events.iter().map(Event::row).collect();
    let Files::ParquetParts { glob } = files else {
        let ext = if matches!(files, Files::Csv) {
            "csv"
        } else {
            "parquet"
        };
        let path = dir.join(format!("{name}.{ext}"));
        write_rows(&path, &event_columns(), &rows, files);
        return path;
    };
    let parts = dir.join(name);
    std::fs::create_dir_all(&parts).expect("a parts directory");
    let (first, rest) = rows.split_at(rows.len() / 3);
    for (i, part) in [first, &[], rest].into_iter().enumerate() {
        let path = parts.join(format!("part-{i}.parquet"));
        write_parquet(&path, &event_columns(), part, Times::MicrosUtc);
    }
    if glob { parts.join("*.parquet") } else { parts }
}

/// Gives users other ids in events, tables and labels: ids that read as numbers (`007` and
/// `7` must stay two users when a CSV file is read).
pub fn rename_users(data: &mut Data, labels: &mut [Label], rename: fn(&str) -> String) {
    for events in data.sources.values_mut() {
        for event in events.iter_mut() {
            event.user_id = rename(&event.user_id);
        }
    }
    for table in data.tables.values_mut() {
        if table.key != "user_id" {
            continue;
        }
        let key = table.index("user_id");
        for row in &mut table.rows {
            if let V::Str(user) = &row[key] {
                row[key] = V::Str(rename(user));
            }
        }
    }
    for label in labels {
        if let Some(user) = label.keys.get_mut("user_id") {
            *user = rename(user);
        }
    }
}

pub fn write_inputs(
    dir: &Path,
    service: &Service,
    data: &Data,
    labels: &[Label],
    files: Files,
) -> Inputs {
    let ext = match files {
        Files::Csv => "csv",
        Files::Parquet(_) | Files::ParquetParts { .. } => "parquet",
    };
    let mut sources = Vec::new();
    for (name, events) in &data.sources {
        sources.push((*name, write_events(dir, name, events, files)));
    }
    for (name, table) in &data.tables {
        let path = dir.join(format!("{name}.{ext}"));
        write_rows(&path, &table.columns, &table.rows, files);
        sources.push((*name, path));
    }
    let path = dir.join(format!("labels.{ext}"));
    write_rows(
        &path,
        &label_columns(service),
        &label_rows(service, labels),
        files,
    );
    Inputs {
        labels: path,
        sources,
    }
}

/// Something added after the labels' times: its key values and the first time T at which it
/// may be seen (an event at t: T > t; a table row: T ≥ max(valid_from, known_at)).
pub struct Added {
    pub keys: Vec<(&'static str, String)>,
    pub visible_from: i64,
}

impl Added {
    /// Whether a value at the label's time could depend on it at all.
    pub fn concerns(&self, label: &Label) -> bool {
        self.keys.iter().any(|(k, v)| label.keys.get(k) == Some(v)) && self.visible_from <= label.t
    }
}

/// A cutoff per key value: the time of one of its labels, chosen at random (the later of two
/// picks, so that most labels come before it and are checked).
fn cutoffs(rng: &mut Rng, labels: &[Label], key: &'static str) -> BTreeMap<String, i64> {
    let mut by_key: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for label in labels {
        if let Some(value) = label.keys.get(key) {
            by_key.entry(value.clone()).or_default().push(label.t);
        }
    }
    by_key
        .into_iter()
        .map(|(value, times)| {
            let t = *rng.pick(&times).max(rng.pick(&times));
            (value, t)
        })
        .collect()
}

/// Adds events at or after a cutoff per user (exactly at it, one tick after, later), and table
/// rows that become visible only after a cutoff per key (back-filled corrections written after
/// it, rows in force after it). Returns what was added.
pub fn add_future(rng: &mut Rng, shape: Shape, data: &mut Data, labels: &[Label]) -> Vec<Added> {
    let mut added = Vec::new();
    if !data.sources.is_empty() {
        for (user, cutoff) in cutoffs(rng, labels, "user_id") {
            for _ in 0..rng.range(1, 5) {
                let later = rng.range(0, 3 * HOUR);
                let offset = *rng.pick(&[0, shape.tick, later]);
                let ts = shape.align(cutoff + offset);
                let ts = ts.max(cutoff);
                let mut event = generate::events(rng, shape, 1).remove(0);
                event.user_id = user.clone();
                event.ts = ts;
                added.push(Added {
                    keys: vec![
                        ("user_id", user.clone()),
                        ("item_id", event.item_id.clone()),
                    ],
                    visible_from: ts + 1,
                });
                for events in data.sources.values_mut() {
                    events.push(event.clone());
                }
            }
        }
    }
    if let Some(profile) = data.tables.get_mut("profile") {
        for (user, cutoff) in cutoffs(rng, labels, "user_id") {
            let valid = cutoff - rng.pick(&[3 * DAY, HOUR, 0, -shape.tick]);
            let known = valid.max(cutoff) + rng.pick(&[shape.tick, HOUR]);
            let duplicate = profile.rows.iter().any(|r| {
                r[0] == V::Str(user.clone()) && r[4] == V::Ts(valid) && r[5] == V::Ts(known)
            });
            if !duplicate {
                profile
                    .rows
                    .push(generate::profile_row(rng, &user, valid, known));
                added.push(Added {
                    keys: vec![("user_id", user)],
                    visible_from: valid.max(known),
                });
            }
        }
    }
    for (table_name, key) in [("plans", "user_id"), ("item_catalog", "item_id")] {
        let Some(table) = data.tables.get_mut(table_name) else {
            continue;
        };
        for (value, cutoff) in cutoffs(rng, labels, key) {
            let valid = cutoff + rng.pick(&[shape.tick, HOUR]);
            let valid_index = table.index(table.valid_from);
            let key_index = table.index(table.key);
            if table
                .rows
                .iter()
                .any(|r| r[key_index] == V::Str(value.clone()) && r[valid_index] == V::Ts(valid))
            {
                continue;
            }
            let Some(mut row) = table.rows.first().cloned() else {
                continue;
            };
            row[key_index] = V::Str(value.clone());
            row[valid_index] = V::Ts(valid);
            if table_name == "plans" {
                row[1] = V::Str("future".into());
            }
            table.rows.push(row);
            added.push(Added {
                keys: vec![(key, value)],
                visible_from: valid,
            });
        }
    }
    added
}
