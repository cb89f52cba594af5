//! The command line: each command parses its arguments, calls a compiler or a runtime
//! (`crate::compile`, `crate::runtime`) and prints what it did. Exit codes: 0 success, 1 user errors (diagnostics, stale output, bad data),
//! 2 usage errors (clap's default).

mod check;
mod common;
mod compile;
mod consistency;
mod explain;
mod materialize;
mod publish;
mod report;
mod serve;
mod stream;
mod training_set;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(name = "featc", version, about = "The declarative feature compiler")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// Rendered for people, with source excerpts.
    #[default]
    Human,
    /// One JSON document on stdout.
    Json,
}

/// How `featc explain` prints the plan.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    /// One node per line.
    #[default]
    Human,
    /// The plan as `plan.json` holds it.
    Json,
    /// A Mermaid flowchart of the whole project (GitHub renders it in Markdown).
    Mermaid,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Parse and type-check a project; report every error.
    Check {
        /// `.feat` files or directories (searched recursively).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// `human` renders diagnostics with source excerpts; `json` prints them as one document.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Write every artifact (SQL, DDL, stream specs, plan, manifest) into DIR.
    Compile {
        /// `.feat` files or directories (searched recursively).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The output directory.
        #[arg(long)]
        out: PathBuf,
        /// Write nothing; exit 1 if DIR is not exactly what compile would write.
        #[arg(long)]
        check: bool,
        /// `human` renders diagnostics with source excerpts; `json` prints them as one document.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Print the logical plan, one node per line.
    Explain {
        /// `.feat` files or directories (searched recursively).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Only this feature view.
        #[arg(long, conflicts_with = "service")]
        view: Option<String>,
        /// Only this service.
        #[arg(long)]
        service: Option<String>,
        /// `json` prints the plan as compile writes it to plan.json; `mermaid` draws the
        /// project (inputs, views with their freshness, services) as a Mermaid flowchart.
        #[arg(long, value_enum, default_value_t)]
        format: ExplainFormat,
    },
    /// Run a view's batch job on DataFusion; Parquet under DIR/<view>/.
    Materialize {
        /// `.feat` files or directories (searched recursively).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The feature view to materialize.
        #[arg(long)]
        view: String,
        /// The output directory (the view's rows go to DIR/<view>/part-0.parquet).
        #[arg(long)]
        out: PathBuf,
        /// Read a source or table from LOCATION (file, directory or glob) instead of its
        /// `batch` location.
        #[arg(long = "source", value_name = "NAME=LOCATION", value_parser = common::parse_source_override)]
        sources: Vec<(String, String)>,
        /// Keep only windows (tiles, table rows) starting at or after this RFC 3339 time.
        #[arg(long)]
        from: Option<String>,
        /// Keep only windows (tiles) ending at or before this RFC 3339 time.
        #[arg(long)]
        to: Option<String>,
    },
    /// A point-in-time-correct training set for a service (docs/batch.md#training-sets-offlineservicetrainingsql); Parquet out.
    TrainingSet {
        /// `.feat` files or directories (searched recursively).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The service whose outputs the training set holds.
        #[arg(long)]
        service: String,
        /// Parquet or CSV: the service's key columns (and request inputs) and a timestamp column.
        #[arg(long)]
        labels: PathBuf,
        /// The labels' timestamp column: features are computed as of this time.
        #[arg(long)]
        at: String,
        /// The output Parquet file.
        #[arg(long)]
        out: PathBuf,
        /// Read a source or table from LOCATION (file, directory or glob) instead of its
        /// `batch` location.
        #[arg(long = "source", value_name = "NAME=LOCATION", value_parser = common::parse_source_override)]
        sources: Vec<(String, String)>,
    },
    /// Serve the services' feature vectors over HTTP from the online tables.
    Serve {
        /// `.feat` files or directories (searched recursively).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The online store, e.g. postgres://user@host:5432/db (a schema:
        /// ?options=-c%20search_path%3DNAME).
        #[arg(long)]
        postgres: String,
        /// The address to listen on, e.g. 127.0.0.1:8080.
        #[arg(long)]
        listen: String,
        /// The most entities one request may ask for.
        #[arg(long, default_value_t = 1000)]
        max_batch: usize,
        /// The most Postgres connections the server opens; default: twice the available cores.
        #[arg(long)]
        connections: Option<usize>,
        /// Serve as if the time were this RFC 3339 instant (the default `at` and the reference
        /// of the retention bound), to replay a recorded day; default: the system clock.
        #[arg(long)]
        now: Option<String>,
        #[command(flatten)]
        log: serve::LogArgs,
        /// Require `Authorization: Bearer TOKEN` with a token of FILE for lookups (one token per
        /// line, optionally followed by the services it may read: `TOKEN a,b`); FILE is read
        /// again when it changes. `/healthz` stays open.
        #[arg(long, value_name = "FILE")]
        tokens: Option<PathBuf>,
        /// Require a token for `/metrics` too.
        #[arg(long)]
        protect_metrics: bool,
    },
    /// Recompute what `featc serve --log` recorded offline; report how many served values match.
    Consistency(consistency::Args),
    /// Backfill a view's online table from its batch input (events before --until).
    Publish {
        /// `.feat` files or directories (searched recursively).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The feature view whose online table to fill.
        #[arg(long)]
        view: String,
        /// The online store, e.g. postgres://user@host/db.
        #[arg(long)]
        postgres: String,
        /// Read a source or table from LOCATION (file, directory or glob) instead of its
        /// `batch` location.
        #[arg(long = "source", value_name = "NAME=LOCATION", value_parser = common::parse_source_override)]
        sources: Vec<(String, String)>,
        /// Publish the events before this RFC 3339 time (a multiple of the view's tile
        /// granularities); default: now, rounded down to one. Then run the stream with
        /// --from-time T.
        #[arg(long)]
        until: Option<String>,
        /// Pretend it is this RFC 3339 time (retention, the default --until): for replays.
        #[arg(long)]
        now: Option<String>,
    },
    /// Consume Kafka and merge the views' partial states into Postgres, exactly once.
    Stream {
        /// `.feat` files or directories (searched recursively).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The views to keep fresh (repeat the option for several).
        #[arg(long = "view", required = true)]
        views: Vec<String>,
        /// Kafka bootstrap servers, host:port[,host:port...].
        #[arg(long)]
        brokers: String,
        /// The online store, e.g. postgres://user@host/db (a schema:
        /// ?options=-c%20search_path%3DNAME).
        #[arg(long)]
        postgres: String,
        /// The consumer group (default: `featc:` and the sorted view names). Processes in one
        /// group share the partitions; they must run the same views.
        #[arg(long)]
        group: Option<String>,
        /// Skip events before this RFC 3339 time (`featc publish --until` loaded them).
        #[arg(long)]
        from_time: Option<String>,
        /// Serve Prometheus metrics on this address (e.g. 127.0.0.1:9464).
        #[arg(long)]
        metrics: Option<String>,
        /// Pretend it is this RFC 3339 time (what the online store retains): for replays.
        #[arg(long)]
        now: Option<String>,
        /// A micro-batch commits after this many messages...
        #[arg(long, default_value_t = 10_000)]
        batch_messages: u64,
        /// ...or this many milliseconds after its first message.
        #[arg(long, default_value_t = 1_000)]
        batch_ms: u64,
        /// A librdkafka consumer property (security, timeouts), KEY=VALUE.
        #[arg(long = "kafka-property", value_name = "KEY=VALUE", value_parser = stream::parse_property)]
        kafka_properties: Vec<(String, String)>,
        /// How many seconds to wait at start-up for the views' topics to exist before exiting
        /// with an error that names them.
        #[arg(long, value_name = "SECONDS", default_value_t = 60)]
        topic_wait: u64,
        /// Wait for the topics as long as it takes (a deployment that starts before them).
        #[arg(long, conflicts_with = "topic_wait")]
        wait_for_topics: bool,
    },
}

/// Parses the arguments, runs the command, and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Check { paths, format } => check::run(&paths, format),
        Command::Compile {
            paths,
            out,
            check,
            format,
        } => compile::run(&paths, &out, check, format),
        Command::Explain {
            paths,
            view,
            service,
            format,
        } => explain::run(&paths, view.as_deref(), service.as_deref(), format),
        Command::Materialize {
            paths,
            view,
            out,
            sources,
            from,
            to,
        } => materialize::run(materialize::Args {
            paths: &paths,
            view: &view,
            out: &out,
            sources: &sources,
            from: from.as_deref(),
            to: to.as_deref(),
        }),
        Command::TrainingSet {
            paths,
            service,
            labels,
            at,
            out,
            sources,
        } => training_set::run(training_set::Args {
            paths: &paths,
            service: &service,
            labels: &labels,
            at: &at,
            out: &out,
            sources: &sources,
        }),
        Command::Serve {
            paths,
            postgres,
            listen,
            max_batch,
            connections,
            now,
            log,
            tokens,
            protect_metrics,
        } => serve::run(serve::Args {
            paths: &paths,
            postgres: &postgres,
            listen: &listen,
            max_batch,
            connections,
            now: now.as_deref(),
            log: &log,
            tokens: tokens.as_deref(),
            protect_metrics,
        }),
        Command::Consistency(args) => consistency::run(&args),
        Command::Publish {
            paths,
            view,
            postgres,
            sources,
            until,
            now,
        } => publish::run(publish::Args {
            paths: &paths,
            view: &view,
            postgres: &postgres,
            sources: &sources,
            until: until.as_deref(),
            now: now.as_deref(),
        }),
        Command::Stream {
            paths,
            views,
            brokers,
            postgres,
            group,
            from_time,
            metrics,
            now,
            batch_messages,
            batch_ms,
            kafka_properties,
            topic_wait,
            wait_for_topics,
        } => stream::run(stream::Args {
            paths: &paths,
            views: &views,
            brokers: &brokers,
            postgres: &postgres,
            group: group.as_deref(),
            from_time: from_time.as_deref(),
            metrics: metrics.as_deref(),
            now: now.as_deref(),
            batch_messages,
            batch_ms,
            kafka_properties: &kafka_properties,
            topic_wait: (!wait_for_topics).then(|| std::time::Duration::from_secs(topic_wait)),
        }),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::User) => ExitCode::from(1),
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// How a command failed. Diagnostics have already been printed for `User`.
#[derive(Debug)]
pub enum Failure {
    User,
    Usage(String),
}

#[cfg(test)]
mod help_tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every argument of every command says what it is in `--help`.
    #[test]
    fn every_argument_has_help() {
        let cli = Cli::command();
        let mut missing = Vec::new();
        for command in cli.get_subcommands() {
            assert!(
                command.get_about().is_some(),
                "`featc {}` has no description",
                command.get_name()
            );
            for arg in command.get_arguments() {
                let generated = matches!(arg.get_id().as_str(), "help" | "version");
                if !generated && arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("featc {} {}", command.get_name(), arg.get_id()));
                }
            }
        }
        assert!(missing.is_empty(), "arguments without help: {missing:?}");
    }
}
