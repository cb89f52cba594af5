//! The in-memory data of one test run: events (one schema shared by every fixture's sources),
//! table rows, and labels. Plain data: the generator makes it, the writers put it in files,
//! the naive evaluator reads it.

use super::values::{Ty, V};
use std::collections::BTreeMap;

/// One event, as every fixture's `source` declares it:
/// `user_id, item_id, kind, amount?, qty?, price: decimal(10, 2)?, tag?, flag?, event_ts`.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub user_id: String,
    pub item_id: String,
    pub kind: String,
    pub amount: Option<f64>,
    pub qty: Option<i64>,
    /// Cents: `decimal(10, 2)` units.
    pub price: Option<i64>,
    pub tag: Option<String>,
    pub flag: Option<bool>,
    pub ts: i64,
}

/// The columns of an event file, in the order the `.feat` schemas declare them.
pub fn event_columns() -> Vec<Column> {
    vec![
        Column::new("user_id", Ty::Str, false),
        Column::new("item_id", Ty::Str, false),
        Column::new("kind", Ty::Str, false),
        Column::new("amount", Ty::Float, true),
        Column::new("qty", Ty::Int, true),
        Column::new("price", Ty::Dec(10, 2), true),
        Column::new("tag", Ty::Str, true),
        Column::new("flag", Ty::Bool, true),
        Column::new("event_ts", Ty::Ts, false),
    ]
}

impl Event {
    /// The event as a row of [`event_columns`].
    pub fn row(&self) -> Vec<V> {
        vec![
            V::Str(self.user_id.clone()),
            V::Str(self.item_id.clone()),
            V::Str(self.kind.clone()),
            self.amount.map_or(V::Null, V::Float),
            self.qty.map_or(V::Null, V::Int),
            self.price.map_or(V::Null, |cents| V::Dec(cents.into(), 2)),
            self.tag.clone().map_or(V::Null, V::Str),
            self.flag.map_or(V::Null, V::Bool),
            V::Ts(self.ts),
        ]
    }
}

/// A column of a file the test writes.
#[derive(Clone, Debug)]
pub struct Column {
    pub name: &'static str,
    pub ty: Ty,
    pub nullable: bool,
}

impl Column {
    pub fn new(name: &'static str, ty: Ty, nullable: bool) -> Column {
        Column { name, ty, nullable }
    }
}

/// A table file: its columns and rows, plus where the key, `valid_from` and `known_at` are.
#[derive(Clone, Debug)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<V>>,
    pub key: &'static str,
    pub valid_from: &'static str,
    pub known_at: Option<&'static str>,
}

impl Table {
    pub fn index(&self, column: &str) -> usize {
        self.columns
            .iter()
            .position(|c| c.name == column)
            .unwrap_or_else(|| panic!("the test table has no column {column}"))
    }

    /// The microseconds in a timestamp column of a row (its time columns are never null).
    pub fn time(&self, row: &[V], column: &str) -> i64 {
        match &row[self.index(column)] {
            V::Ts(t) => *t,
            other => panic!("{column} is not a timestamp: {other}"),
        }
    }
}

/// One row of a labels file: an id, the service's keys, the observation time, a target, and
/// the service's request inputs (if it has any).
#[derive(Clone, Debug)]
pub struct Label {
    pub id: i64,
    pub keys: BTreeMap<&'static str, String>,
    pub t: i64,
    pub y: Option<f64>,
    pub request: BTreeMap<&'static str, V>,
}

/// Everything a fixture reads: the events of each source and the rows of each table.
#[derive(Clone, Debug, Default)]
pub struct Data {
    pub sources: BTreeMap<&'static str, Vec<Event>>,
    pub tables: BTreeMap<&'static str, Table>,
}
