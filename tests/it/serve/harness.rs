//! A server running in-process on 127.0.0.1:0 for one test, reading the test's schema.

use featc::plan::Plan;
use featc::runtime::serve::log::LogConfig;
use featc::runtime::serve::{Clock, LookupPool, ServeConfig, Server};
use featc::types::Micros;
use std::net::SocketAddr;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_postgres::Client;

/// The URL of the test database with the client's current schema as the search path, so that
/// the server's own connections see the test's tables.
pub async fn schema_url(client: &Client) -> String {
    let schema: String = client
        .query_one("SELECT current_schema()::text", &[])
        .await
        .expect("a current schema")
        .get(0);
    crate::support::db::schema_url(&schema)
}

pub struct Running {
    pub addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

/// Starts a server for `plan` on `url`, with "now" fixed at `now`.
pub async fn start(plan: &Plan, url: &str, max_batch: usize, now: Micros) -> Running {
    start_with(plan, url, max_batch, now, None).await
}

/// Starts a server that logs as `log` says, if given.
pub async fn start_with(
    plan: &Plan,
    url: &str,
    max_batch: usize,
    now: Micros,
    log: Option<&LogConfig>,
) -> Running {
    let config = ServeConfig {
        max_batch,
        clock: Clock::Fixed(now),
        ..ServeConfig::default()
    };
    start_configured(plan, url, config, log).await
}

/// Starts a server configured as `config` says.
pub async fn start_configured(
    plan: &Plan,
    url: &str,
    config: ServeConfig,
    log: Option<&LogConfig>,
) -> Running {
    let store = LookupPool::new(url, 4).expect("a valid URL");
    let server = match log {
        None => Server::new(plan, store, config).expect("the lookups generate"),
        Some(log) => Server::with_log(plan, store, config, log).expect("the server starts"),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr = listener.local_addr().expect("an address");
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server.run(listener, async {
        let _ = stopped.await;
    }));
    Running { addr, stop, task }
}

impl Running {
    /// Shuts the server down gracefully and waits until it has stopped (and, with a log, has
    /// completed its files).
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let outcome = tokio::time::timeout(std::time::Duration::from_secs(10), self.task)
            .await
            .expect("the server stops within 10 s");
        outcome.expect("the server task").expect("the server ran");
    }
}
