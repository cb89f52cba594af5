//! Where micro-batches go: the only way the stream reaches its store. The online back end
//! provides the Postgres writer; the command line wires the two together (back ends never
//! import each other).

use super::batch::MicroBatch;
use std::future::Future;

/// The next offset the store holds for a partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOffset {
    pub topic: String,
    pub partition: i32,
    pub next_offset: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    /// The store holds another offset than the batch expected for a partition: another
    /// consumer has committed it meanwhile. Nothing was written; the batch must be dropped
    /// and the partitions resumed from the store.
    #[error("the offset of {topic}/{partition} moved: another consumer committed it")]
    OffsetMoved { topic: String, partition: i32 },
    /// The store failed; nothing was written.
    #[error("{0}")]
    Store(String),
}

/// A transactional store of micro-batches and consumer offsets.
pub trait StateSink {
    /// Writes the batch — merged states, dead letters, late events, offsets, watermarks — in
    /// one transaction: all of it or nothing.
    fn commit(
        &mut self,
        batch: &MicroBatch,
    ) -> impl Future<Output = Result<(), CommitError>> + Send;

    /// The stored next offsets of the consumer group for `topics` (partitions never committed
    /// are absent).
    fn stored_offsets(
        &mut self,
        topics: &[String],
    ) -> impl Future<Output = Result<Vec<StoredOffset>, CommitError>> + Send;
}
