//! The Postgres writer of the online store: what `featc stream` and `featc publish` commit
//! through. Everything a micro-batch writes goes into one transaction ([`WriteTransaction`]):
//! the generated upsert of each view (array parameters bound with [`super::codec`]), dead
//! letters, late events, the consumer's offsets and the views' watermarks — so that state and
//! offsets commit together or not at all (exactly once).
//!
//! Offsets advance by compare-and-set ([`WriteTransaction::advance_offset`]): a writer that
//! expected another stored offset learns that another consumer took its partition over, and
//! must roll back.

use super::codec::{self, CodecError, Param};
use super::contract::StoredOffset;
use super::deployed_columns;
use super::micro_batch::{Cells, DeadLetter, LateEvent, ViewRows};
use crate::compile::online::{OnlineError, quote, system_ddl, view_artifacts, view_upsert};
use crate::physical::{LayoutError, StorageKind, ViewLayout, view_layout};
use crate::plan::{Plan, naming};
use crate::types::Micros;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls, Statement, Transaction};

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("Postgres: {}", postgres_text(.0))]
    Postgres(#[from] tokio_postgres::Error),
    #[error(transparent)]
    Codec(#[from] CodecError),
    #[error(transparent)]
    Online(#[from] OnlineError),
    #[error(transparent)]
    Layout(#[from] LayoutError),
    #[error("the writer was not prepared for view `{0}`")]
    UnknownView(String),
    #[error("view `{view}`: the rows have no column `{column}`")]
    MissingColumn { view: String, column: String },
    #[error("view `{view}`: column `{column}` has {found} cells for {rows} rows")]
    Ragged {
        view: String,
        column: String,
        rows: usize,
        found: usize,
    },
    #[error("{0} is out of the timestamp range")]
    Time(Micros),
    #[error(transparent)]
    ColumnsMissing(#[from] super::deployed_columns::ColumnsMissing),
}

struct Prepared {
    layout: ViewLayout,
    upsert: Statement,
}

/// A Postgres error with its causes: tokio-postgres's own text is only the kind ("db error",
/// "error communicating with the server"), which told an operator nothing about why a
/// stream stopped; the server's message (e.g. "terminating connection due to administrator
/// command") is in the source chain.
fn postgres_text(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{} {}: {}", db.severity(), db.code().code(), db.message());
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// Connects to `url` (the connection runs on the current tokio runtime until the client is
/// dropped).
pub async fn connect(url: &str) -> Result<Client, WriteError> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(async move {
        // errors surface on the client's next call
        let _ = connection.await;
    });
    Ok(client)
}

/// A connection ready to write the given views: their DDL applied (idempotent) and their
/// upserts prepared.
pub struct OnlineWriter {
    client: Client,
    views: BTreeMap<String, Prepared>,
}

impl OnlineWriter {
    /// Applies the views' DDL (each script takes an advisory lock and is idempotent, so
    /// concurrent writers starting together are safe) and prepares their upserts.
    pub async fn prepare(
        client: Client,
        plan: &Plan,
        views: &[&str],
    ) -> Result<OnlineWriter, WriteError> {
        let mut prepared = BTreeMap::new();
        client.batch_execute(&system_ddl()?).await?;
        for name in views {
            let view = plan.view(name).ok_or_else(|| OnlineError::Missing {
                kind: "view",
                name: name.to_string(),
            })?;
            let artifacts = view_artifacts(plan, view)?;
            client.batch_execute(&artifacts.ddl).await?;
            let layout = view_layout(plan, view)?;
            if let Some(missing) = deployed_columns::check(&client, name, &layout).await? {
                return Err(missing.into());
            }
            let upsert = client.prepare(&view_upsert(view, &layout)?).await?;
            prepared.insert(view.name.clone(), Prepared { layout, upsert });
        }
        Ok(OnlineWriter {
            client,
            views: prepared,
        })
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The stored next offsets of `group` for `topics`.
    pub async fn stored_offsets(
        &self,
        group: &str,
        topics: &[String],
    ) -> Result<Vec<StoredOffset>, WriteError> {
        let sql = format!(
            "SELECT topic, partition, next_offset FROM {} WHERE consumer_group = $1 AND topic = ANY($2) ORDER BY topic, partition",
            quote(naming::OFFSETS_TABLE)
        );
        let rows = self.client.query(&sql, &[&group, &topics]).await?;
        Ok(rows
            .iter()
            .map(|r| StoredOffset {
                topic: r.get(0),
                partition: r.get(1),
                next_offset: r.get(2),
            })
            .collect())
    }

    /// Starts the transaction a batch is written in; dropping it uncommitted rolls it back.
    pub async fn begin(&mut self) -> Result<WriteTransaction<'_>, WriteError> {
        Ok(WriteTransaction {
            tx: self.client.transaction().await?,
            views: &self.views,
        })
    }
}

pub struct WriteTransaction<'w> {
    tx: Transaction<'w>,
    views: &'w BTreeMap<String, Prepared>,
}

fn timestamp(micros: Micros) -> Result<DateTime<Utc>, WriteError> {
    DateTime::from_timestamp_micros(micros).ok_or(WriteError::Time(micros))
}

fn refs(params: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| &**p as &(dyn ToSql + Sync)).collect()
}

impl WriteTransaction<'_> {
    fn prepared(&self, view: &str) -> Result<&Prepared, WriteError> {
        self.views
            .get(view)
            .ok_or_else(|| WriteError::UnknownView(view.to_string()))
    }

    /// Merges a batch's rows of one view into its table with its upsert. Every column of the
    /// table must be among `rows.columns` (others are ignored), and no primary key may occur
    /// twice (the upsert's precondition).
    pub async fn upsert(&self, rows: &ViewRows) -> Result<u64, WriteError> {
        let view = rows.view.as_str();
        let prepared = self.prepared(view)?;
        let mut params: Vec<Param> = Vec::with_capacity(prepared.layout.columns.len());
        for column in &prepared.layout.columns {
            let cells = rows
                .column(&column.name)
                .ok_or_else(|| WriteError::MissingColumn {
                    view: view.to_string(),
                    column: column.name.clone(),
                })?;
            if cells.len() != rows.rows {
                return Err(WriteError::Ragged {
                    view: view.to_string(),
                    column: column.name.clone(),
                    rows: rows.rows,
                    found: cells.len(),
                });
            }
            params.push(match cells {
                Cells::Values(values) => codec::encode_values(&column.ty, values)?,
                Cells::Fields(fields) => codec::encode_fields(&column.ty, fields)?,
            });
        }
        Ok(self.tx.execute(&prepared.upsert, &refs(&params)).await?)
    }

    /// Records dead letters (a message already recorded is left as it is).
    pub async fn dead_letters(&self, rows: &[DeadLetter]) -> Result<u64, WriteError> {
        if rows.is_empty() {
            return Ok(0);
        }
        let sql = format!(
            "INSERT INTO {} (topic, partition, kafka_offset, key, payload, error)
             SELECT * FROM unnest($1::text[], $2::integer[], $3::bigint[], $4::bytea[], $5::bytea[], $6::text[])
             ON CONFLICT (topic, partition, kafka_offset) DO NOTHING",
            quote(naming::DEAD_LETTER_TABLE)
        );
        let topics: Vec<&str> = rows.iter().map(|r| r.topic.as_str()).collect();
        let partitions: Vec<i32> = rows.iter().map(|r| r.partition).collect();
        let offsets: Vec<i64> = rows.iter().map(|r| r.offset).collect();
        let keys: Vec<Option<&[u8]>> = rows.iter().map(|r| r.key.as_deref()).collect();
        let payloads: Vec<Option<&[u8]>> = rows.iter().map(|r| r.payload.as_deref()).collect();
        let errors: Vec<&str> = rows.iter().map(|r| r.error.as_str()).collect();
        Ok(self
            .tx
            .execute(
                &sql,
                &[&topics, &partitions, &offsets, &keys, &payloads, &errors],
            )
            .await?)
    }

    /// Records late events (an event already recorded for the view is left as it is).
    pub async fn late_events(&self, rows: &[LateEvent]) -> Result<u64, WriteError> {
        if rows.is_empty() {
            return Ok(0);
        }
        let sql = format!(
            "INSERT INTO {} (view, topic, partition, kafka_offset, event_time, payload)
             SELECT * FROM unnest($1::text[], $2::text[], $3::integer[], $4::bigint[], $5::timestamptz[], $6::bytea[])
             ON CONFLICT (view, topic, partition, kafka_offset) DO NOTHING",
            quote(naming::LATE_EVENTS_TABLE)
        );
        let views: Vec<&str> = rows.iter().map(|r| r.view.as_str()).collect();
        let topics: Vec<&str> = rows.iter().map(|r| r.topic.as_str()).collect();
        let partitions: Vec<i32> = rows.iter().map(|r| r.partition).collect();
        let offsets: Vec<i64> = rows.iter().map(|r| r.offset).collect();
        let times = rows
            .iter()
            .map(|r| timestamp(r.event_time))
            .collect::<Result<Vec<_>, _>>()?;
        let payloads: Vec<Option<&[u8]>> = rows.iter().map(|r| r.payload.as_deref()).collect();
        Ok(self
            .tx
            .execute(
                &sql,
                &[&views, &topics, &partitions, &offsets, &times, &payloads],
            )
            .await?)
    }

    /// Sets the group's next offset of a partition to `next` if the store holds `expected`
    /// (`None`: no offset stored yet). Returns false — and writes nothing — when it holds
    /// something else: another consumer committed the partition meanwhile.
    pub async fn advance_offset(
        &self,
        group: &str,
        topic: &str,
        partition: i32,
        expected: Option<i64>,
        next: i64,
    ) -> Result<bool, WriteError> {
        let table = quote(naming::OFFSETS_TABLE);
        let sql = format!(
            "INSERT INTO {table} AS stored (consumer_group, topic, partition, next_offset) VALUES ($1, $2, $3, $4)
             ON CONFLICT (consumer_group, topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset
             WHERE stored.next_offset = $5"
        );
        let changed = self
            .tx
            .execute(&sql, &[&group, &topic, &partition, &next, &expected])
            .await?;
        Ok(changed == 1)
    }

    /// Raises the view's watermark (the latest event time merged) to `event_time`.
    pub async fn raise_watermark(&self, view: &str, event_time: Micros) -> Result<(), WriteError> {
        let sql = format!(
            "INSERT INTO {} AS stored (view, complete_until, updated_at) VALUES ($1, $2, now())
             ON CONFLICT (view) DO UPDATE
             SET complete_until = greatest(stored.complete_until, EXCLUDED.complete_until), updated_at = now()",
            quote(naming::WATERMARKS_TABLE)
        );
        self.tx
            .execute(&sql, &[&view, &timestamp(event_time)?])
            .await?;
        Ok(())
    }

    /// Deletes the view's tiles that start before `until` (table rows: that come into force
    /// before it); `featc publish` rewrites them from history in the same transaction.
    pub async fn delete_before(&self, view: &str, until: Micros) -> Result<u64, WriteError> {
        let layout = &self.prepared(view)?.layout;
        let column = match layout.kind {
            StorageKind::Tiles { .. } => naming::TILE_START,
            StorageKind::Rows => naming::VALID_FROM,
        };
        let sql = format!(
            "DELETE FROM {} WHERE {} < $1",
            quote(&layout.table),
            quote(column)
        );
        Ok(self.tx.execute(&sql, &[&timestamp(until)?]).await?)
    }

    pub async fn commit(self) -> Result<(), WriteError> {
        Ok(self.tx.commit().await?)
    }
}
