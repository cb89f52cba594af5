//! A fresh schema on the test Postgres per test, dropped afterwards even when the test fails,
//! reachable by a client or by URL (its `search_path` set in the URL, so that commands and
//! servers given the URL use it too).
//!
//! URL: `FEATC_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432/featc_test`); the
//! database is created if missing. `FEATC_TEST_POSTGRES=skip` skips these tests.

use featc::compile::online::{self, quote};
use featc::plan::Plan;
use featc::runtime::store::codec::Param;
use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Config, NoTls};

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/featc_test";

/// The test database's URL (`skip` when the tests are to be skipped).
pub fn base_url() -> String {
    std::env::var("FEATC_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_URL.to_string())
}

/// The test database's URL with `schema` as the search path.
pub fn schema_url(schema: &str) -> String {
    let base = base_url();
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}options=-c%20search_path%3D{schema}")
}

async fn connect(config: &Config) -> Result<Client, tokio_postgres::Error> {
    let (client, connection) = config.connect(NoTls).await?;
    tokio::spawn(async move {
        // The connection ends when the client is dropped; errors surface on the client.
        let _ = connection.await;
    });
    Ok(client)
}

async fn connect_url(url: &str) -> Client {
    let config = Config::from_str(url).unwrap_or_else(|e| panic!("bad URL `{url}`: {e}"));
    connect(&config)
        .await
        .unwrap_or_else(|e| panic!("connect to `{url}`: {e}"))
}

/// Connects to the test database, creating it first if it does not exist.
async fn connect_creating() -> Option<Client> {
    let url = base_url();
    if url == "skip" {
        eprintln!("FEATC_TEST_POSTGRES=skip: Postgres test skipped");
        return None;
    }
    let config =
        Config::from_str(&url).unwrap_or_else(|e| panic!("bad FEATC_TEST_POSTGRES `{url}`: {e}"));
    match connect(&config).await {
        Ok(client) => return Some(client),
        Err(e) if e.code() != Some(&tokio_postgres::error::SqlState::INVALID_CATALOG_NAME) => {
            panic!(
                "cannot reach the test Postgres at `{url}` ({e}); start one or set FEATC_TEST_POSTGRES=skip"
            )
        }
        Err(_) => {}
    }
    let database = config.get_dbname().unwrap_or("featc_test").to_string();
    let mut admin = config.clone();
    admin.dbname("postgres");
    let client = connect(&admin)
        .await
        .expect("connect to the `postgres` database");
    let create = format!("CREATE DATABASE {}", quote(&database));
    if let Err(e) = client.batch_execute(&create).await {
        // Another test may have created it meanwhile.
        assert_eq!(
            e.code(),
            Some(&tokio_postgres::error::SqlState::DUPLICATE_DATABASE),
            "{e}"
        );
    }
    Some(
        connect(&config)
            .await
            .expect("connect to the new test database"),
    )
}

fn fresh_schema_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "featc_t_{}_{}_{}",
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A fresh schema of the test database, reachable by URL.
pub struct TestDb {
    pub url: String,
}

impl TestDb {
    /// A new connection whose search path is the test's schema.
    pub async fn client(&self) -> Client {
        connect_url(&self.url).await
    }
}

/// Runs `body` with a fresh schema, then drops the schema, also when `body` panics (the panic
/// is then re-raised).
pub async fn with_db<F, Fut>(body: F)
where
    F: FnOnce(Arc<TestDb>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(admin) = connect_creating().await else {
        return;
    };
    let schema = fresh_schema_name();
    admin
        .batch_execute(&format!("CREATE SCHEMA {}", quote(&schema)))
        .await
        .expect("create the test schema");
    let db = Arc::new(TestDb {
        url: schema_url(&schema),
    });
    let outcome = tokio::spawn(body(db)).await;
    admin
        .batch_execute(&format!("DROP SCHEMA {} CASCADE", quote(&schema)))
        .await
        .expect("drop the test schema");
    if let Err(e) = outcome {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("test task failed: {e}");
    }
}

/// [`with_db`] for a body that needs one client on the schema.
pub async fn with_schema<F, Fut>(body: F)
where
    F: FnOnce(Arc<Client>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    with_db(|db: Arc<TestDb>| async move {
        let client = Arc::new(db.client().await);
        body(client).await;
    })
    .await;
}

/// A query's rows as text, in the given order: byte-for-byte comparisons of whole tables.
pub async fn dump(client: &Client, table: &str, order: &str) -> Vec<String> {
    let sql = format!("SELECT t::text FROM {} AS t ORDER BY {order}", quote(table));
    client
        .query(&sql, &[])
        .await
        .expect("the table reads")
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// Creates the bookkeeping tables and every view's online tables (the DDL applies again and
/// again).
pub async fn apply_ddl(client: &Client, plan: &Plan) {
    client
        .batch_execute(&online::system_ddl().expect("the system DDL"))
        .await
        .expect("the system DDL applies");
    for view in &plan.views {
        let artifacts = online::view_artifacts(plan, view).expect("artifacts");
        client
            .batch_execute(&artifacts.ddl)
            .await
            .expect("the DDL applies");
    }
}

/// Encoded parameters as a statement takes them.
pub fn refs(params: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| &**p as &(dyn ToSql + Sync)).collect()
}
