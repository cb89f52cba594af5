//! A fresh schema on the test Postgres per test, dropped afterwards even when the test fails.
//!
//! URL: `FEATC_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432/featc_test`); the
//! database is created if missing. `FEATC_TEST_POSTGRES=skip` skips these tests.

use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use tokio_postgres::{Client, Config, NoTls};

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/featc_test";

async fn connect(config: &Config) -> Result<Client, tokio_postgres::Error> {
    let (client, connection) = config.connect(NoTls).await?;
    tokio::spawn(async move {
        // The connection ends when the client is dropped; errors surface on the client.
        let _ = connection.await;
    });
    Ok(client)
}

/// Connects to the test database, creating it first if it does not exist.
async fn connect_creating() -> Option<Client> {
    let url = std::env::var("FEATC_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_URL.to_string());
    if url == "skip" {
        eprintln!("FEATC_TEST_POSTGRES=skip: online Postgres test skipped");
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
    let create = format!(
        "CREATE DATABASE {}",
        featc::compile::online::quote(&database)
    );
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

/// Runs `body` with a client whose `search_path` is a fresh schema, then drops the schema,
/// also when `body` panics (the panic is then re-raised).
pub async fn with_schema<F, Fut>(body: F)
where
    F: FnOnce(Arc<Client>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(client) = connect_creating().await else {
        return;
    };
    let client = Arc::new(client);
    let schema = featc::compile::online::quote(&fresh_schema_name());
    client
        .batch_execute(&format!(
            "CREATE SCHEMA {schema}; SET search_path TO {schema}"
        ))
        .await
        .expect("create the test schema");
    let outcome = tokio::spawn(body(client.clone())).await;
    client
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .await
        .expect("drop the test schema");
    if let Err(e) = outcome {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("test task failed: {e}");
    }
}
