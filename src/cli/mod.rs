//! The command line: the composition root, the only place that wires several back ends
//! together. Exit codes: 0 success, 1 user errors (diagnostics, stale output, bad data),
//! 2 usage errors (clap's default).

mod artifacts;
mod check;
mod compile;
mod explain;
mod inputs;
mod materialize;
mod report;
mod runtime;
mod training_set;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

pub use artifacts::{Artifact, build_artifacts};

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

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Parse and type-check a project; report every error.
    Check {
        /// `.feat` files or directories (searched recursively).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Write every artifact (SQL, DDL, stream specs, plan, manifest) into DIR.
    Compile {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The output directory.
        #[arg(long)]
        out: PathBuf,
        /// Write nothing; exit 1 if DIR is not exactly what compile would write.
        #[arg(long)]
        check: bool,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Print the logical plan, one node per line.
    Explain {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Only this feature view.
        #[arg(long, conflicts_with = "service")]
        view: Option<String>,
        /// Only this service.
        #[arg(long)]
        service: Option<String>,
        /// `json` prints the plan as compile writes it to plan.json.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Run a view's batch job on DataFusion; Parquet under DIR/<view>/.
    Materialize {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long)]
        view: String,
        /// The output directory (the view's rows go to DIR/<view>/part-0.parquet).
        #[arg(long)]
        out: PathBuf,
        /// Read a source or table from LOCATION (file, directory or glob) instead of its
        /// `batch` location.
        #[arg(long = "source", value_name = "NAME=LOCATION", value_parser = runtime::parse_source_override)]
        sources: Vec<(String, String)>,
        /// Keep only windows (tiles, table rows) starting at or after this RFC 3339 time.
        #[arg(long)]
        from: Option<String>,
        /// Keep only windows (tiles) ending at or before this RFC 3339 time.
        #[arg(long)]
        to: Option<String>,
    },
    /// A point-in-time-correct training set for a service (SPEC 1.6); Parquet out.
    TrainingSet {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long)]
        service: String,
        /// Parquet or CSV: the service's key columns and a timestamp column.
        #[arg(long)]
        labels: PathBuf,
        /// The labels' timestamp column: features are computed as of this time.
        #[arg(long)]
        at: String,
        /// The output Parquet file.
        #[arg(long)]
        out: PathBuf,
        #[arg(long = "source", value_name = "NAME=LOCATION", value_parser = runtime::parse_source_override)]
        sources: Vec<(String, String)>,
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
