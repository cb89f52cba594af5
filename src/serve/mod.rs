//! Online feature serving (`featc serve`, SPEC 3): an HTTP server that answers a service's
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
//!   in order, with the values a training set holds for that key and time (SPEC 1.5). An
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
//! entity index and the field), 503 when Postgres cannot be reached, 500 when it fails.
//!
//! Retention: `at` must not be older than the online store keeps state for ([`retention`]):
//! now − `retain` (+ the source's `settle`) for a view over a source or a table, no bound for
//! a view with a `lifetime` aggregate. Later times are fine.
//!
//! `GET /healthz`: 200 `{"status": "ok"}` when Postgres answers, 503 otherwise.
//! `GET /metrics`: Prometheus text ([`metrics`]).
//!
//! Not yet: `--log DIR` (recording every served vector as Parquet) and `featc consistency`.

pub mod catalog;
mod error;
pub mod json;
pub mod metrics;
pub mod request;
pub mod retention;
mod routes;
pub mod store;

pub use catalog::{Catalog, ServedService};
pub use error::{ApiError, ErrorCode};
pub use store::{Store, StoreError};

use crate::backend::online::OnlineError;
use crate::plan::Plan;
use crate::types::Micros;
use metrics::Metrics;
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeConfig {
    /// The most entities one request may ask for.
    pub max_batch: usize,
    pub clock: Clock,
}

impl Default for ServeConfig {
    fn default() -> ServeConfig {
        ServeConfig {
            max_batch: 1000,
            clock: Clock::System,
        }
    }
}

/// What every request handler shares.
struct Shared {
    catalog: Catalog,
    store: Store,
    metrics: Metrics,
    config: ServeConfig,
}

/// A feature server for one plan.
pub struct Server {
    shared: Arc<Shared>,
}

impl Server {
    /// A server for every service of `plan`, answering from `store`.
    pub fn new(plan: &Plan, store: Store, config: ServeConfig) -> Result<Server, OnlineError> {
        Ok(Server {
            shared: Arc::new(Shared {
                catalog: Catalog::new(plan)?,
                store,
                metrics: Metrics::default(),
                config,
            }),
        })
    }

    pub fn catalog(&self) -> &Catalog {
        &self.shared.catalog
    }

    /// Prepares every service's lookup once: the services whose online tables are missing or
    /// do not match the plan, with Postgres' complaint (empty when all is well).
    pub async fn check_services(&self) -> Vec<(String, StoreError)> {
        let mut problems = Vec::new();
        for service in self.shared.catalog.services() {
            if let Err(e) = self.shared.store.prepare(service).await {
                problems.push((service.name.clone(), e));
            }
        }
        problems
    }

    /// The HTTP routes, to serve or to test.
    pub fn router(&self) -> axum::Router {
        routes::router(self.shared.clone())
    }

    /// Serves on `listener` until `shutdown` completes, then lets requests in flight finish.
    pub async fn run(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown)
            .await
    }
}
