//! The stream back end's [`StateSink`] on the online back end's Postgres writer: the one place
//! where the two meet (back ends never import each other). One transaction per micro-batch:
//! upserts, dead letters, late events, offsets (compare-and-set), watermarks.

use crate::backend::online::sink::{
    Cells, DeadLetterRow, LateEventRow, OnlineWriter, WriteError, WriteTransaction,
};
use crate::backend::stream::{self, CommitError, MicroBatch, StateSink, StoredOffset, ViewRows};

/// Commits micro-batches of consumer group `group` to Postgres.
pub struct PostgresStateSink {
    writer: OnlineWriter,
    group: String,
}

/// A failure of [`stage`]: the store's, or an offset another consumer moved.
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

impl PostgresStateSink {
    pub fn new(writer: OnlineWriter, group: impl Into<String>) -> PostgresStateSink {
        PostgresStateSink {
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

/// Upserts every view's rows.
pub async fn write_views(tx: &WriteTransaction<'_>, views: &[ViewRows]) -> Result<u64, WriteError> {
    let mut written = 0;
    for rows in views.iter().filter(|v| v.rows > 0) {
        let columns: Vec<(&str, Cells<'_>)> = rows
            .columns
            .iter()
            .map(|c| {
                let cells = match &c.cells {
                    stream::Cells::Values(v) => Cells::Values(v),
                    stream::Cells::Fields(f) => Cells::Fields(f),
                };
                (c.name.as_str(), cells)
            })
            .collect();
        written += tx.upsert(&rows.view, rows.rows, &columns).await?;
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
    let dead: Vec<DeadLetterRow<'_>> = batch
        .dead_letters
        .iter()
        .map(|d| DeadLetterRow {
            topic: &d.topic,
            partition: d.partition,
            offset: d.offset,
            key: d.key.as_deref(),
            payload: d.payload.as_deref(),
            error: &d.error,
        })
        .collect();
    tx.dead_letters(&dead).await?;
    let late: Vec<LateEventRow<'_>> = batch
        .late_events
        .iter()
        .map(|l| LateEventRow {
            view: &l.view,
            topic: &l.topic,
            partition: l.partition,
            offset: l.offset,
            event_time: l.event_time,
            payload: l.payload.as_deref(),
        })
        .collect();
    tx.late_events(&late).await?;
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

impl StateSink for PostgresStateSink {
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
        let stored = self
            .writer
            .stored_offsets(&self.group, topics)
            .await
            .map_err(|e| CommitError::Store(e.to_string()))?;
        Ok(stored
            .into_iter()
            .map(|o| StoredOffset {
                topic: o.topic,
                partition: o.partition,
                next_offset: o.next_offset,
            })
            .collect())
    }
}
