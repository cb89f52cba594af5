//! `featc publish`: backfill a view's online table from its batch input, with the stream's
//! own operator.
//!
//! The events (table rows) with time < T are read with DataFusion and folded exactly as the
//! stream folds messages. In ONE transaction, the view's tiles that start before T (table
//! rows in force before T) are deleted and rewritten from history: publishing again replaces,
//! never double-counts. T must be a multiple of every tile granularity of the view
//! ([`alignment`]), so that no tile holds events on both sides of T: `publish --until T` then
//! owns the tiles before T and `stream --from-time T` those after, and every event is counted
//! once.
//!
//! History older than the online retention (`now − settle − longest look-back − retain`) is
//! not loaded (counted as expired).

use crate::plan::{Input, Plan, View};
use crate::runtime::arrow::convert::scalar_to_value;
use crate::runtime::store::{Counts, MicroBatch, OnlineWriter, WriteError, WriteTransaction};
use crate::runtime::store::{connect, write_views};
use crate::runtime::stream::{Clock, Operator, OperatorConfig};
use crate::types::Micros;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::prelude::{SessionContext, col, lit};
use datafusion::scalar::ScalarValue;
use futures::StreamExt;
use std::sync::Arc;

/// Events merged per upsert round inside the publishing transaction.
const ROUND: u64 = 50_000;

/// What a publish did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Published {
    pub counts: Counts,
    /// Rows upserted.
    pub rows: u64,
    /// Rows deleted before they were rewritten from history.
    pub deleted: u64,
    /// The greatest event time merged.
    pub watermark: Option<Micros>,
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("cannot run the view: {0}")]
    Program(String),
    #[error("cannot read `{input}`: {reason}")]
    Read { input: String, reason: String },
    #[error("cannot connect to Postgres: {0}")]
    Connect(WriteError),
    #[error("cannot prepare the online table: {0}")]
    Prepare(WriteError),
    #[error("cannot write the online table: {0}")]
    Write(#[from] WriteError),
}

/// The least common multiple of the view's tile granularities: a T aligned to it starts a
/// tile of every granularity.
pub fn alignment(view: &View) -> Micros {
    fn gcd(a: Micros, b: Micros) -> Micros {
        if b == 0 { a } else { gcd(b, a % b) }
    }
    view.ladder()
        .into_iter()
        .fold(1, |l, g| (l / gcd(l, g)).saturating_mul(g))
}

/// Publishes `view` from the history registered in `ctx` (its input under its own name) up
/// to `until` (aligned: see [`alignment`]) into the online store at `postgres`. `clock` is
/// "now" for the retention. `ctx` should have one target partition, so that history is folded
/// in file order and float states come out the same on every run.
pub async fn publish(
    ctx: &SessionContext,
    plan: &Plan,
    view: &View,
    until: Micros,
    clock: Arc<dyn Clock>,
    postgres: &str,
) -> Result<Published, PublishError> {
    let config = OperatorConfig {
        start: None,
        record_late: false,
    };
    let mut operator = Operator::new(plan, &[view.name.as_str()], clock, config)
        .map_err(|e| PublishError::Program(e.to_string()))?;
    let (input, time_column) = match &view.input {
        Input::Source(name) => (name, plan.source(name).map(|s| s.event_time.clone())),
        Input::Table(name) => (name, plan.table(name).map(|t| t.valid_from.clone())),
    };
    let time_column = time_column.unwrap_or_default();
    let columns: Vec<String> = operator
        .input_fields(input)
        .unwrap_or_default()
        .iter()
        .map(|f| f.name.clone())
        .collect();
    let read = |e: &dyn std::fmt::Display| PublishError::Read {
        input: input.clone(),
        reason: e.to_string(),
    };
    let until_literal = lit(ScalarValue::TimestampMicrosecond(
        Some(until),
        Some("UTC".into()),
    ));
    let history = async {
        ctx.table(input.as_str())
            .await?
            .filter(col(time_column.as_str()).lt(until_literal))?
            .select_columns(&columns.iter().map(String::as_str).collect::<Vec<_>>())?
            .execute_stream()
            .await
    };
    let mut history = history.await.map_err(|e| read(&e))?;

    let client = connect(postgres).await.map_err(PublishError::Connect)?;
    let mut writer = OnlineWriter::prepare(client, plan, &[view.name.as_str()])
        .await
        .map_err(PublishError::Prepare)?;
    let tx = writer.begin().await?;
    let mut published = Published {
        deleted: tx.delete_before(&view.name, until).await?,
        ..Published::default()
    };
    while let Some(batch) = history.next().await {
        let batch = batch.map_err(|e| read(&e))?;
        push_rows(&mut operator, input, &batch).map_err(|e| read(&e))?;
        if operator.pending() >= ROUND {
            published.add(&tx, operator.take_batch()).await?;
        }
    }
    published.add(&tx, operator.take_batch()).await?;
    if let Some(mark) = published.watermark {
        tx.raise_watermark(&view.name, mark).await?;
    }
    tx.commit().await?;
    Ok(published)
}

impl Published {
    async fn add(
        &mut self,
        tx: &WriteTransaction<'_>,
        batch: MicroBatch,
    ) -> Result<(), WriteError> {
        self.rows += write_views(tx, &batch.views).await?;
        let c = &batch.counts;
        self.counts.messages += c.messages;
        self.counts.merged += c.merged;
        self.counts.expired += c.expired;
        for w in &batch.watermarks {
            self.watermark = Some(self.watermark.map_or(w.event_time, |m| m.max(w.event_time)));
        }
        Ok(())
    }
}

/// Feeds every row of `batch` (the input's columns in schema order) to the operator.
fn push_rows(
    operator: &mut Operator,
    input: &str,
    batch: &RecordBatch,
) -> Result<(), Box<dyn std::error::Error>> {
    for row in 0..batch.num_rows() {
        let values = batch
            .columns()
            .iter()
            .map(|column| {
                ScalarValue::try_from_array(column, row).and_then(|scalar| scalar_to_value(&scalar))
            })
            .collect::<Result<Vec<_>, _>>()?;
        operator.push_row(input, &values)?;
    }
    Ok(())
}
