//! `featc serve PATHS --postgres URL --listen ADDR [--max-batch N] [--connections N] [--now T]
//! [--log DIR [--log-roll-rows N] [--log-roll-seconds S]]`: HTTP feature serving from the
//! online tables (see `crate::runtime::serve` for the API; `crate::runtime::serve::log` for `--log`). Runs
//! until SIGINT or SIGTERM, then finishes the requests in flight and completes the log files.

use super::common::{self, data_error};
use super::{Failure, Format, report};
use crate::runtime::serve::auth::TokenFile;
use crate::runtime::serve::log::LogConfig;
use crate::runtime::serve::{Clock, LookupPool, ServeConfig, Server};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// `--log` and how its files roll.
#[derive(clap::Args, Debug)]
pub struct LogArgs {
    /// Record every served vector as Parquet under DIR/<service>/ (for `featc consistency`).
    #[arg(long, value_name = "DIR")]
    pub log: Option<PathBuf>,
    /// A log file is completed after this many rows...
    #[arg(long, default_value_t = 100_000, requires = "log")]
    pub log_roll_rows: usize,
    /// ...or this many seconds after its first row, whichever comes first.
    #[arg(long, default_value_t = 60, requires = "log")]
    pub log_roll_seconds: u64,
}

pub struct Args<'a> {
    pub paths: &'a [PathBuf],
    pub postgres: &'a str,
    pub listen: &'a str,
    pub max_batch: usize,
    /// `None`: twice the available cores (see [`default_connections`]).
    pub connections: Option<usize>,
    pub now: Option<&'a str>,
    pub log: &'a LogArgs,
    pub tokens: Option<&'a std::path::Path>,
    pub protect_metrics: bool,
}

pub fn run(args: Args<'_>) -> Result<(), Failure> {
    let (_, plan) = report::load_plan(args.paths, Format::Human)?;
    if plan.services.is_empty() {
        eprintln!("error: the project declares no service: there is nothing to serve");
        return Err(Failure::User);
    }
    if args.max_batch == 0 {
        return Err(Failure::Usage("--max-batch must be at least 1".into()));
    }
    let clock = match args.now {
        Some(text) => Clock::Fixed(
            common::parse_time(text).map_err(|e| Failure::Usage(format!("--now: {e}")))?,
        ),
        None => Clock::System,
    };
    let tokens = match args.tokens {
        Some(path) => Some(Arc::new(TokenFile::load(path).map_err(common::fail)?)),
        None if args.protect_metrics => {
            return Err(Failure::Usage(
                "--protect-metrics needs --tokens FILE".into(),
            ));
        }
        None => None,
    };
    common::block_on(async {
        let store = LookupPool::new(
            args.postgres,
            args.connections.unwrap_or_else(default_connections),
        )
        .map_err(|e| Failure::Usage(e.to_string()))?;
        store
            .ping()
            .await
            .map_err(|e| data_error("cannot reach the online store", e))?;
        let config = ServeConfig {
            max_batch: args.max_batch,
            clock,
            tokens,
            protect_metrics: args.protect_metrics,
        };
        let server = match &args.log.log {
            None => Server::new(&plan, store, config)
                .map_err(|e| data_error("cannot generate the lookups", e))?,
            Some(dir) => {
                let log = LogConfig {
                    roll_rows: args.log.log_roll_rows.max(1),
                    roll_after: Duration::from_secs(args.log.log_roll_seconds.max(1)),
                    ..LogConfig::new(dir)
                };
                Server::with_log(&plan, store, config, &log)
                    .map_err(|e| data_error("cannot start serving", e))?
            }
        };
        for why in server.catalog().not_served() {
            eprintln!("warning: {why}");
        }
        for (service, problem) in server.check_services().await {
            // Missing tables are a deployment in progress; anything else (a table that lacks a
            // column of the plan: the problem names them and the fix) needs the table rebuilt.
            let until = if problem.is_unavailable() {
                "the online tables exist (`featc publish` or `featc stream` create them)"
            } else {
                "the online tables match the plan (docs/online.md, \"Changing a published view\")"
            };
            eprintln!(
                "warning: service `{service}` cannot be served yet ({problem}); its requests fail until {until}"
            );
        }
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| data_error(&format!("cannot listen on `{}`", args.listen), e))?;
        let address = listener
            .local_addr()
            .map_or_else(|_| args.listen.to_string(), |a| a.to_string());
        let services: Vec<&str> = server.catalog().names().collect();
        eprintln!(
            "featc serve: listening on http://{address} (services: {})",
            services.join(", ")
        );
        server
            .run(listener, shutdown_signal())
            .await
            .map_err(|e| data_error("the server stopped", e))?;
        eprintln!("featc serve: stopped");
        Ok(())
    })?
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM (what orchestrators send).
async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    eprintln!("featc serve: shutting down, finishing the requests in flight");
}

/// Twice the available cores. Lookups are short index reads: more connections than the machine
/// can run at once only queue inside Postgres: on 2 cores, 8 clients at `recommend` saw a p99 of
/// 4.7 ms with a pool of 4 and 53 ms with a pool of 8 (BENCHMARKS.md, serving).
fn default_connections() -> usize {
    std::thread::available_parallelism().map_or(4, |n| 2 * n.get())
}
