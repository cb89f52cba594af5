//! Online feature serving (`featc serve`, docs/serving.md): an HTTP server that answers a service's
//! feature vectors from the online tables with the service's generated lookup statement.
//!
//! # API
//!
//! `POST /v1/services/<service>` with
//! `{"entities": [{"user_id": "u_1"}, ...], "at": "2024-03-15T14:22:00Z"}` (`at` optional,
//! default now) answers
//!
//! ```json
//! {"features": [{"user_id": "u_1", "event_count_1h": 3, ...}, ...],
//!  "freshness": {"user_activity": "2024-03-15T14:20:00.000000Z", "user_profile_features": null},
//!  "at": "2024-03-15T14:22:00.000000Z"}
//! ```
//!
//! - `features`: one object per entity, in request order: the keys, then the service's outputs
//!   in order, with the values a training set holds for that key and time (docs/language.md#windows-and-point-in-time-semantics). An
//!   unknown key gets the aggregates' empty values, not an error. Value spellings: [`json`].
//! - `freshness`: per view the service reads, the event time up to which its online state is
//!   complete (`featc_watermarks.complete_until`), `null` until a writer has recorded one.
//! - `at`: the request time used, with microseconds (a time finer than a microsecond is
//!   rounded up: the events before it are those at or before its microsecond).
//!
//! The whole batch is one round trip to Postgres: the lookup (prepared once per connection)
//! and the freshness query are pipelined on one connection. Request values reach Postgres
//! only as bind parameters.
//!
//! Errors: `{"error": {"code": "...", "message": "..."}}`, codes in [`ErrorCode`]: 400 for a
//! body that is not JSON, 404 for an unknown service (with a suggestion), 413 for more entities
//! than `--max-batch`, 422 for everything else a client sent wrong (the message names the
//! entity index and the field), 503 when Postgres cannot be reached, 500 when it fails; with
//! `--tokens`, 401 without a valid bearer token and 403 for a service the token may not read
//! ([`auth`]).
//!
//! Retention: `at` must not be older than the online store keeps state for ([`retention`]):
//! now − `retain` (+ the source's `settle`) for a view over a source or a table, no bound for
//! a view with a `lifetime` aggregate. Later times are fine.
//!
//! `GET /healthz`: 200 `{"status": "ok"}` when Postgres answers, 503 otherwise.
//! `GET /metrics`: Prometheus text ([`metrics`], and [`log::LogMetrics`] with `--log`).
//!
//! Every lookup response carries an `X-Request-Id` header: the client's own, if it sent a
//! usable one, else one the server made ([`log::RequestIds`]). With `--log DIR`
//! ([`Server::with_log`]), each served entity is recorded under that id as a Parquet row
//! ([`log`]), off the hot path; `featc consistency` recomputes the log with the offline
//! engine and explains every difference ([`crate::runtime::consistency`]). The user's guide is
//! `docs/serving.md`.

pub mod auth;
pub mod catalog;
mod error;
pub mod json;
pub mod log;
pub mod lookup_pool;
pub mod metrics;
pub mod request;
pub mod retention;
mod routes;

pub use catalog::{Catalog, ServedService};
pub use error::{ApiError, ErrorCode};
pub use lookup_pool::{LookupError, LookupPool};

use crate::compile::online::OnlineError;
use crate::plan::Plan;
use crate::types::Micros;
use auth::TokenFile;
use log::{LogConfig, LogError, LogSender, LogWriter, RequestIds};
use metrics::ServeMetrics;
use std::future::Future;
use std::sync::Arc;

/// Where "now" comes from: the default `at` and the reference of the retention bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The system's clock.
    System,
    /// A fixed instant (tests; replaying a past day against an online store filled from it).
    Fixed(Micros),
}

impl Clock {
    pub fn now(self) -> Micros {
        match self {
            Clock::System => chrono::Utc::now().timestamp_micros(),
            Clock::Fixed(t) => t,
        }
    }
}

/// How the server behaves.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The most entities one request may ask for.
    pub max_batch: usize,
    pub clock: Clock,
    /// `--tokens FILE`: lookups need a bearer token of the file ([`auth`]); `None`: open.
    pub tokens: Option<Arc<TokenFile>>,
    /// `--protect-metrics`: `/metrics` needs a token too.
    pub protect_metrics: bool,
}

impl Default for ServeConfig {
    fn default() -> ServeConfig {
        ServeConfig {
            max_batch: 1000,
            clock: Clock::System,
            tokens: None,
            protect_metrics: false,
        }
    }
}

/// What every request handler shares.
struct Shared {
    catalog: Catalog,
    store: LookupPool,
    metrics: ServeMetrics,
    config: ServeConfig,
    ids: RequestIds,
    /// `--log`: where answered requests go.
    log: Option<LogSender>,
}

/// A feature server for one plan.
pub struct Server {
    shared: Arc<Shared>,
    log: Option<LogWriter>,
}

/// Why a server could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot generate the lookups: {0}")]
    Lookups(#[from] OnlineError),
    #[error(transparent)]
    Log(#[from] LogError),
}

impl Server {
    /// A server for every service of `plan`, answering from `store`.
    pub fn new(plan: &Plan, store: LookupPool, config: ServeConfig) -> Result<Server, OnlineError> {
        Ok(Server::build(Catalog::new(plan)?, store, config, None))
    }

    /// A server that also records every served vector under `log.dir` ([`log`]).
    pub fn with_log(
        plan: &Plan,
        store: LookupPool,
        config: ServeConfig,
        log: &LogConfig,
    ) -> Result<Server, ServerError> {
        let catalog = Catalog::new(plan)?;
        let logging = log::start(plan, &catalog, log)?;
        Ok(Server::build(catalog, store, config, Some(logging)))
    }

    fn build(
        catalog: Catalog,
        store: LookupPool,
        config: ServeConfig,
        logging: Option<(LogSender, LogWriter)>,
    ) -> Server {
        let (sender, writer) = logging.unzip();
        Server {
            shared: Arc::new(Shared {
                catalog,
                store,
                metrics: ServeMetrics::default(),
                config,
                ids: RequestIds::new(),
                log: sender,
            }),
            log: writer,
        }
    }

    pub fn catalog(&self) -> &Catalog {
        &self.shared.catalog
    }

    /// Prepares every service's lookup once: the services whose online tables are missing or
    /// do not match the plan, with Postgres' complaint (empty when all is well).
    pub async fn check_services(&self) -> Vec<(String, LookupError)> {
        let mut problems = Vec::new();
        let catalog = &self.shared.catalog;
        for service in catalog.services() {
            let layouts: Vec<_> = (service.views.iter())
                .filter_map(|v| Some((v.name.as_str(), catalog.layout(&v.name)?)))
                .collect();
            if let Err(e) = self.shared.store.prepare(service, &layouts).await {
                problems.push((service.name.clone(), e));
            }
        }
        problems
    }

    /// The HTTP routes, to serve or to test.
    pub fn router(&self) -> axum::Router {
        routes::router(self.shared.clone())
    }

    /// Serves on `listener` until `shutdown` completes, then lets requests in flight finish
    /// and completes the log files.
    pub async fn run(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let served = axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown)
            .await;
        if let Some(writer) = self.log {
            // The final flush writes and renames files: not on a runtime thread.
            tokio::task::spawn_blocking(move || writer.close())
                .await
                .map_err(std::io::Error::other)?;
        }
        served
    }
}
