//! The online store as serving uses it: a pool of Postgres connections, each preparing a
//! service's lookup once, and one round trip per request (the lookup and the freshness query
//! are pipelined on one connection).
//!
//! Connections are made without TLS (`sslmode=require` fails); a schema other than `public` is
//! chosen with the URL's `options`: `postgres://host/db?options=-c%20search_path%3Dfeatures`.

use super::catalog::ServedService;
use crate::compile::online::quote;
use crate::physical::ViewLayout;
use crate::physical::postgres_type::{PgType, Scalar};
use crate::plan::naming::WATERMARKS_TABLE;
use crate::runtime::store::codec::{self, CodecError, Param};
use crate::runtime::store::deployed_columns::{self, ColumnsMissing};
use crate::types::{Micros, Value};
use chrono::{DateTime, Utc};
use deadpool_postgres::{
    Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime, TimeoutType,
};
use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, Row};

/// How long a request waits for a connection, or for a new one to be made.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(5);

/// Postgres plans a prepared statement anew for its first five runs, then keeps a generic plan
/// only if it does not look costlier than those. A lookup of one key never passes that test
/// (the generic plan assumes ten rows per array parameter), so every single-key request would
/// pay a fresh plan: ~3 ms for a service over three views, ten times its execution. The
/// lookup's plan does not depend on the values (a nested loop over the request rows with a
/// primary-key index scan per view), so the generic plan is the right one for every batch.
const GENERIC_PLANS: &str = "-c plan_cache_mode=force_generic_plan";

/// Why the store could not answer.
#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    #[error("`{url}` is not a Postgres URL: {message}")]
    BadUrl { url: String, message: String },
    #[error("no connection to Postgres: {0}")]
    Unavailable(String),
    #[error("Postgres failed: {}", postgres_message(.0))]
    Query(#[from] tokio_postgres::Error),
    #[error("cannot read a result cell: {0}")]
    Decode(#[from] CodecError),
    #[error(transparent)]
    ColumnsMissing(#[from] ColumnsMissing),
}

impl LookupError {
    /// Whether the store could not be reached at all (503), rather than failing a statement.
    pub fn is_unavailable(&self) -> bool {
        match self {
            LookupError::Unavailable(_) | LookupError::BadUrl { .. } => true,
            // The tables are not there yet: a writer has not run (a deployment in progress).
            LookupError::Query(e) => e.is_closed() || e.code() == Some(&SqlState::UNDEFINED_TABLE),
            LookupError::Decode(_) | LookupError::ColumnsMissing(_) => false,
        }
    }
}

/// Postgres' own words (tokio-postgres' `Display` says only "db error"), or the cause of a
/// connection failure.
fn postgres_message(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{} (SQLSTATE {})", db.message(), db.code().code());
    }
    match std::error::Error::source(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}

/// The answer to one lookup.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// In request order: the keys, the request inputs, then the outputs.
    pub rows: Vec<Vec<Value>>,
    /// Per view the service reads (in `ServedService::views` order): up to which event time
    /// its online state is complete, if a writer has said so.
    pub freshness: Vec<Option<Micros>>,
}

/// A pool of connections to the online store.
#[derive(Clone)]
pub struct LookupPool {
    pool: Pool,
}

impl std::fmt::Debug for LookupPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LookupPool")
            .field("status", &self.pool.status())
            .finish()
    }
}

impl LookupPool {
    /// A pool of at most `connections` connections to `url`. Connects lazily: call
    /// [`LookupPool::ping`] to know that Postgres answers.
    pub fn new(url: &str, connections: usize) -> Result<LookupPool, LookupError> {
        let bad_url = |message: String| LookupError::BadUrl {
            url: url.to_string(),
            message,
        };
        let mut config =
            tokio_postgres::Config::from_str(url).map_err(|e| bad_url(e.to_string()))?;
        // Ours first, so that the URL's own `-c plan_cache_mode=...` wins.
        let options = match config.get_options() {
            Some(theirs) => format!("{GENERIC_PLANS} {theirs}"),
            None => GENERIC_PLANS.to_string(),
        };
        config.options(options);
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(connections.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(CONNECTION_TIMEOUT))
            .create_timeout(Some(CONNECTION_TIMEOUT))
            .recycle_timeout(Some(CONNECTION_TIMEOUT))
            .build()
            .map_err(|e| bad_url(e.to_string()))?;
        Ok(LookupPool { pool })
    }

    async fn client(&self) -> Result<deadpool_postgres::Client, LookupError> {
        self.pool.get().await.map_err(|e| match e {
            PoolError::Timeout(TimeoutType::Wait) => {
                LookupError::Unavailable("every connection stayed busy for 5 s".into())
            }
            PoolError::Timeout(_) => {
                LookupError::Unavailable("Postgres did not answer within 5 s".into())
            }
            PoolError::Backend(e) => LookupError::Unavailable(postgres_message(&e)),
            other => LookupError::Unavailable(other.to_string()),
        })
    }

    /// Whether Postgres answers a trivial query.
    pub async fn ping(&self) -> Result<(), LookupError> {
        let client = self.client().await?;
        client.simple_query("SELECT 1").await?;
        Ok(())
    }

    /// Prepares the lookup of `service` on one connection: whether its tables exist and
    /// have the columns of `layouts` (the tables of the views it reads, by view name).
    pub async fn prepare(
        &self,
        service: &ServedService,
        layouts: &[(&str, &ViewLayout)],
    ) -> Result<(), LookupError> {
        let client = self.client().await?;
        for &(view, layout) in layouts {
            if let Some(missing) = deployed_columns::check(&client, view, layout).await? {
                return Err(missing.into());
            }
        }
        client.prepare_cached(&service.lookup).await?;
        Ok(())
    }

    /// Runs the lookup of `service` for one time `at` and one entity per element of the key
    /// columns (and of the request inputs' columns), and reads the freshness of its views, in
    /// one round trip.
    pub async fn lookup(
        &self,
        service: &ServedService,
        key_columns: &[Vec<Value>],
        request_columns: &[Vec<Value>],
        at: Micros,
    ) -> Result<Answer, LookupError> {
        let count = key_columns.first().map_or(0, Vec::len);
        let mut params: Vec<Param> =
            Vec::with_capacity(key_columns.len() + 1 + request_columns.len());
        for (wire, column) in service.key_wires.iter().zip(key_columns) {
            params.push(codec::encode_values(wire, column)?);
        }
        params.push(codec::encode_values(
            &PgType::scalar(Scalar::Timestamptz),
            &vec![Value::Timestamp(at); count],
        )?);
        for (wire, column) in service.request_wires.iter().zip(request_columns) {
            params.push(codec::encode_values(wire, column)?);
        }
        let params: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|p| &**p as &(dyn ToSql + Sync)).collect();
        let views: Vec<&str> = service.views.iter().map(|v| v.name.as_str()).collect();

        let watermarks_sql = watermarks_sql();
        let client = self.client().await?;
        let outcome = async {
            let (lookup, watermarks) = futures::try_join!(
                client.prepare_cached(&service.lookup),
                client.prepare_cached(&watermarks_sql),
            )?;
            let view_param: [&(dyn ToSql + Sync); 1] = [&views];
            futures::try_join!(
                client.query(&lookup, &params),
                client.query(&watermarks, &view_param),
            )
        }
        .await;
        let (rows, marks) = match outcome {
            Ok(answer) => answer,
            Err(e) => {
                // A statement prepared before the tables changed would keep failing.
                client.statement_cache.clear();
                return Err(e.into());
            }
        };
        Ok(Answer {
            rows: decode_rows(service, &rows, count)?,
            freshness: decode_freshness(&views, &marks)?,
        })
    }
}

fn watermarks_sql() -> String {
    format!(
        "SELECT \"view\", \"complete_until\" FROM {} WHERE \"view\" = ANY($1::text[])",
        quote(WATERMARKS_TABLE)
    )
}

/// The lookup's rows, placed by `request_index` (1-based) and decoded by type.
fn decode_rows(
    service: &ServedService,
    rows: &[Row],
    count: usize,
) -> Result<Vec<Vec<Value>>, LookupError> {
    let mut out: Vec<Option<Vec<Value>>> = vec![None; count];
    let types = service
        .keys
        .iter()
        .chain(&service.request)
        .map(|k| &k.ty.ty)
        .chain(service.outputs.iter().map(|(_, ty)| ty));
    for row in rows {
        let index: i64 = row.try_get(0)?;
        let slot = usize::try_from(index - 1)
            .ok()
            .and_then(|i| out.get_mut(i))
            .ok_or_else(|| CodecError::OutOfRange(format!("request_index {index}")))?;
        let values = types
            .clone()
            .enumerate()
            .map(|(i, ty)| codec::decode_value(row, 1 + i, ty))
            .collect::<Result<Vec<_>, _>>()?;
        *slot = Some(values);
    }
    out.into_iter()
        .enumerate()
        .map(|(i, row)| {
            row.ok_or_else(|| {
                LookupError::Decode(CodecError::OutOfRange(format!(
                    "the lookup returned no row for request {}",
                    i + 1
                )))
            })
        })
        .collect()
}

fn decode_freshness(views: &[&str], marks: &[Row]) -> Result<Vec<Option<Micros>>, LookupError> {
    let mut by_view: BTreeMap<String, Option<Micros>> = BTreeMap::new();
    for row in marks {
        let view: String = row.try_get(0)?;
        let until: Option<DateTime<Utc>> = row.try_get(1)?;
        by_view.insert(view, until.map(|t| t.timestamp_micros()));
    }
    Ok(views
        .iter()
        .map(|v| by_view.get(*v).copied().flatten())
        .collect())
}
