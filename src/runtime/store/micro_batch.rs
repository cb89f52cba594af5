//! What one batch commits to the online store, all in one transaction (a micro-batch of the
//! stream operator, or a slice of history from `featc publish`): the merged partial states of every
//! view (pre-merged, so every primary key occurs once: the upsert's precondition), the
//! messages that are not events (dead letters), the events too old to merge (late), the
//! Kafka offsets consumed, and how far in event time each view has seen.

use crate::agg::FieldValue;
use crate::types::{Micros, Value};

/// The cells of one online column, one per row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cells {
    /// Keys, tile starts (`Value::Timestamp`), granularities (`Value::Int`), table columns.
    Values(Vec<Value>),
    /// One field of an aggregate's partial state.
    Fields(Vec<FieldValue>),
}

impl Cells {
    pub fn len(&self) -> usize {
        match self {
            Cells::Values(v) => v.len(),
            Cells::Fields(f) => f.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A column of a view's rows, named as the online table's column (`plan::naming`).
#[derive(Debug, Clone, PartialEq)]
pub struct CellColumn {
    pub name: String,
    pub cells: Cells,
}

/// The rows a micro-batch merges into one view's online table, column by column (ready to be
/// bound as the upsert's array parameters). Tile views: the keys, `tile_start`, `tile_us` and
/// every state field; table views: the keys, `valid_from`, `known_at` and every column of the
/// table (the writer binds those its table has).
#[derive(Debug, Clone, PartialEq)]
pub struct ViewRows {
    pub view: String,
    pub rows: usize,
    pub columns: Vec<CellColumn>,
}

impl ViewRows {
    pub fn column(&self, name: &str) -> Option<&Cells> {
        self.columns
            .iter()
            .find(|c| c.name == name)
            .map(|c| &c.cells)
    }
}

/// A message that is not an event of its input's schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub key: Option<Vec<u8>>,
    pub payload: Option<Vec<u8>>,
    pub error: String,
}

/// An event older than what a view's online store retains: recorded, not merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LateEvent {
    pub view: String,
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub event_time: Micros,
    pub payload: Option<Vec<u8>>,
}

/// A partition's consumed position: `next` is the last consumed offset + 1. `expected` is
/// what the store should hold before this commit (`None`: nothing yet); a writer that finds
/// something else must not commit (another consumer has taken the partition over).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetAdvance {
    pub topic: String,
    pub partition: i32,
    pub expected: Option<i64>,
    pub next: i64,
}

/// The greatest event time a view has merged (serving's freshness: `complete_until`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watermark {
    pub view: String,
    pub event_time: Micros,
}

/// What happened to the batch's messages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Messages (or history rows) offered to the operator.
    pub messages: u64,
    /// Events merged, counted once per view.
    pub merged: u64,
    pub dead_letters: u64,
    /// Events recorded as late, once per view.
    pub late: u64,
    /// Events before `--from-time` (left to `publish`).
    pub before_start: u64,
    /// Events older than the retention when late events are not recorded (publish).
    pub expired: u64,
    /// Messages delivered again below a partition's position (after a seek): already merged.
    pub redelivered: u64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct MicroBatch {
    pub views: Vec<ViewRows>,
    pub dead_letters: Vec<DeadLetter>,
    pub late_events: Vec<LateEvent>,
    pub offsets: Vec<OffsetAdvance>,
    pub watermarks: Vec<Watermark>,
    pub counts: Counts,
}

impl MicroBatch {
    /// Nothing to write.
    pub fn is_empty(&self) -> bool {
        self.views.iter().all(|v| v.rows == 0)
            && self.dead_letters.is_empty()
            && self.late_events.is_empty()
            && self.offsets.is_empty()
            && self.watermarks.is_empty()
    }

    /// The number of state rows over all views.
    pub fn rows(&self) -> usize {
        self.views.iter().map(|v| v.rows).sum()
    }
}
