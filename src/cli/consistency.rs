//! `featc consistency PATHS --log DIR --service S [--source NAME=LOCATION]... [--out FILE]
//! [--format human|json] [--late-horizon D] [--max-recomputes N] [--fail-on-mismatch]`:
//! recomputes the vectors `featc serve --log DIR` recorded with the offline engine — the
//! very computation `featc training-set` runs, on labels made of the logged keys and times —
//! and reports per output the share of served values that match, differ, are missing or
//! extra, each mismatch explained (`crate::runtime::consistency`).
//!
//! Exit code 0 when the measurement ran, whatever it found: mismatches are a report, not an
//! error. With `--fail-on-mismatch`, 1 when a mismatch is not explained by freshness lag
//! (the one cause the server announces in its answers), for a check in CI or a cron job.

use super::common::{self, data_error};
use super::{Failure, Format, report};
use crate::runtime::batch::Engine;
use crate::runtime::consistency::{Cause, Cuts, Explainer, Offline, measure};
use crate::runtime::serve::Catalog;
use crate::runtime::serve::log::read_service_log;
use crate::types::{MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, MICROS_PER_SECOND};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// `.feat` files or directories: the project the server served.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The directory `featc serve --log` wrote (the service's files are in DIR/<service>/).
    #[arg(long, value_name = "DIR")]
    pub log: PathBuf,
    /// The service whose log to check.
    #[arg(long)]
    pub service: String,
    /// Read a source or table from LOCATION instead of its `batch` location.
    #[arg(long = "source", value_name = "NAME=LOCATION", value_parser = common::parse_source_override)]
    pub sources: Vec<(String, String)>,
    /// Write the report to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// `human`: a readable report; `json`: the report as one JSON document.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Late data: rows this long before what the online state should have held that had
    /// not arrived (e.g. 30s, 5m, 1h).
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub late_horizon: i64,
    /// The most offline runs made to explain mismatches (one per distinct cut).
    #[arg(long, value_name = "N", default_value_t = 32)]
    pub max_recomputes: usize,
    /// Exit 1 when a mismatch is not explained by freshness lag.
    #[arg(long)]
    pub fail_on_mismatch: bool,
}

pub fn run(args: &Args) -> Result<(), Failure> {
    let (project, plan) = report::load_plan(&args.paths, Format::Human)?;
    let service = super::explain::find_service(&plan, &args.service)?;
    let catalog = Catalog::new(&plan).map_err(|e| data_error("cannot generate the lookups", e))?;
    let served = catalog
        .get(&service.name)
        .ok_or_else(|| data_error("the service is not servable", &service.name))?;
    let overrides = common::overrides(&plan, &args.sources)?;
    let log = read_service_log(&args.log, &plan, served)
        .map_err(|e| data_error("cannot read the log", e))?;
    for (path, reason) in &log.skipped {
        eprintln!("warning: skipped {}: {reason}", path.display());
    }
    if log.rows.is_empty() {
        eprintln!(
            "warning: the log of `{}` holds no served vectors",
            service.name
        );
    }
    let offline = Offline {
        plan: &plan,
        root: &project.root,
        service,
        served,
        overrides: &overrides,
        log: &log,
        engine: Engine::from_env(),
    };
    let explainer = Explainer::new(&plan, served, args.late_horizon);
    let report = common::block_on(async {
        let all: Vec<usize> = (0..log.rows.len()).collect();
        let values = offline
            .values(&Cuts::new(), &all)
            .await
            .map_err(common::fail)?;
        measure(
            served,
            &log,
            &values,
            &explainer,
            args.max_recomputes,
            async |cuts: &Cuts, rows: &[usize]| {
                offline.values(cuts, rows).await.map_err(common::fail)
            },
        )
        .await
    })??;

    let text = match args.format {
        Format::Human => report.text(),
        Format::Json => serde_json::to_string_pretty(&report).unwrap_or_default() + "\n",
    };
    match &args.out {
        Some(path) => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .map_err(|e| data_error(&format!("cannot write {}", path.display()), e))?;
            }
            std::fs::write(path, text)
                .map_err(|e| data_error(&format!("cannot write {}", path.display()), e))?;
            eprintln!(
                "featc: {} of {} served vectors' values differ; report in {}",
                report.mismatches(),
                report.rows,
                path.display()
            );
        }
        None => print!("{text}"),
    }
    let unexplained = report.mismatches() - report.caused_by(Cause::FreshnessLag);
    if args.fail_on_mismatch && unexplained > 0 {
        eprintln!(
            "error: {unexplained} served values differ from the offline engine's for another reason than freshness lag"
        );
        return Err(Failure::User);
    }
    Ok(())
}

/// `90s`, `5m`, `1h`, `2d`, `250ms`, `0s`: a non-negative duration in microseconds.
fn parse_duration(text: &str) -> Result<i64, String> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let unit_micros = match unit {
        "us" => 1,
        "ms" => 1_000,
        "s" => MICROS_PER_SECOND,
        "m" => MICROS_PER_MINUTE,
        "h" => MICROS_PER_HOUR,
        "d" => MICROS_PER_DAY,
        _ => return Err(format!("`{text}` is not a duration such as 30s, 5m or 1h")),
    };
    digits
        .parse::<i64>()
        .ok()
        .and_then(|n| n.checked_mul(unit_micros))
        .ok_or_else(|| format!("`{text}` is not a duration such as 30s, 5m or 1h"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_have_a_unit() {
        assert_eq!(parse_duration("5m"), Ok(5 * MICROS_PER_MINUTE));
        assert_eq!(parse_duration("250ms"), Ok(250_000));
        assert_eq!(parse_duration("0s"), Ok(0));
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("-5m").is_err());
        assert!(parse_duration("99999999999999999d").is_err());
    }
}
