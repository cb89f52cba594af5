//! The store contract: what the stream's Kafka loop needs of a store — commit a batch with
//! its offsets atomically, and say which offsets it holds. [`super::PostgresStore`] is the
//! store; tests may wrap it to inject faults.

use super::micro_batch::MicroBatch;
use std::future::Future;

/// The next offset the store holds for a partition (of a consumer group).
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
pub trait StateStore {
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
