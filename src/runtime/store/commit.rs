//! [`PostgresStateStore`]: the [`StateStore`] of `featc stream`, on the Postgres writer. One
//! transaction per micro-batch: upserts, dead letters, late events, offsets (compare-and-set),
//! watermarks.

use super::contract::{CommitError, StateStore, StoredOffset};
use super::micro_batch::{MicroBatch, ViewRows};
use super::writer::{OnlineWriter, WriteError, WriteTransaction};

/// Commits micro-batches of consumer group `group` to Postgres.
pub struct PostgresStateStore {
    writer: OnlineWriter,
    group: String,
}

/// A failure of [`stage`]: the store's, or an offset another consumer moved.
#[derive(Debug)]
pub enum StageError {
    Write(WriteError),
    OffsetMoved { topic: String, partition: i32 },
}

impl From<WriteError> for StageError {
    fn from(e: WriteError) -> StageError {
        StageError::Write(e)
    }
}

impl From<StageError> for CommitError {
    fn from(e: StageError) -> CommitError {
        match e {
            StageError::Write(e) => CommitError::Store(e.to_string()),
            StageError::OffsetMoved { topic, partition } => {
                CommitError::OffsetMoved { topic, partition }
            }
        }
    }
}

impl PostgresStateStore {
    pub fn new(writer: OnlineWriter, group: impl Into<String>) -> PostgresStateStore {
        PostgresStateStore {
            writer,
            group: group.into(),
        }
    }

    pub fn writer(&mut self) -> &mut OnlineWriter {
        &mut self.writer
    }

    pub fn group(&self) -> &str {
        &self.group
    }
}

/// Upserts every view's rows; the number of rows written.
pub async fn write_views(tx: &WriteTransaction<'_>, views: &[ViewRows]) -> Result<u64, WriteError> {
    let mut written = 0;
    for rows in views.iter().filter(|v| v.rows > 0) {
        written += tx.upsert(rows).await?;
    }
    Ok(written)
}

/// Writes everything of `batch` into `tx`, without committing it.
pub async fn stage(
    tx: &WriteTransaction<'_>,
    group: &str,
    batch: &MicroBatch,
) -> Result<(), StageError> {
    write_views(tx, &batch.views).await?;
    tx.dead_letters(&batch.dead_letters).await?;
    tx.late_events(&batch.late_events).await?;
    for o in &batch.offsets {
        if !tx
            .advance_offset(group, &o.topic, o.partition, o.expected, o.next)
            .await?
        {
            return Err(StageError::OffsetMoved {
                topic: o.topic.clone(),
                partition: o.partition,
            });
        }
    }
    for w in &batch.watermarks {
        tx.raise_watermark(&w.view, w.event_time).await?;
    }
    Ok(())
}

impl StateStore for PostgresStateStore {
    async fn commit(&mut self, batch: &MicroBatch) -> Result<(), CommitError> {
        let store = |e: WriteError| CommitError::Store(e.to_string());
        let tx = self.writer.begin().await.map_err(store)?;
        // on any error the transaction is dropped: rolled back
        stage(&tx, &self.group, batch).await?;
        tx.commit().await.map_err(store)
    }

    async fn stored_offsets(
        &mut self,
        topics: &[String],
    ) -> Result<Vec<StoredOffset>, CommitError> {
        self.writer
            .stored_offsets(&self.group, topics)
            .await
            .map_err(|e| CommitError::Store(e.to_string()))
    }
}
