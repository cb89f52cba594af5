//! `featc stream` as one call: the operator's views consumed from Kafka and committed to the
//! online store in Postgres (the DDL applied, the upserts prepared), until `shutdown`
//! resolves. The command line parses arguments around it; another front end calls the same.

use super::kafka::{self, KafkaConfig, StreamError};
use super::metrics::StreamMetrics;
use super::operator::Operator;
use crate::plan::Plan;
use crate::runtime::store::{OnlineWriter, PostgresStateStore, WriteError, connect};
use std::future::Future;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot connect to Postgres: {0}")]
    Connect(WriteError),
    #[error("cannot prepare the online tables: {0}")]
    Prepare(WriteError),
    #[error("the stream stopped: {0}")]
    Stream(#[from] StreamError),
}

/// Runs `operator` (built for `views` of `plan`) against the brokers and consumer group of
/// `kafka`, committing every micro-batch with its offsets to the online store at `postgres`.
pub async fn stream_into_postgres(
    operator: &mut Operator,
    plan: &Plan,
    views: &[&str],
    postgres: &str,
    kafka: &KafkaConfig,
    metrics: &StreamMetrics,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), RunError> {
    let client = connect(postgres).await.map_err(RunError::Connect)?;
    let writer = OnlineWriter::prepare(client, plan, views)
        .await
        .map_err(RunError::Prepare)?;
    let mut store = PostgresStateStore::new(writer, kafka.group.clone());
    kafka::run(operator, &mut store, kafka, metrics, shutdown).await?;
    Ok(())
}
