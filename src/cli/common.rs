//! What the runtime commands share: `--source NAME=LOCATION` overrides, RFC 3339 times, a
//! tokio runtime, and how a runtime error is printed.

use super::Failure;
use super::explain::unknown;
use crate::plan::Plan;
use std::collections::BTreeMap;

/// `NAME=LOCATION`, as given to `--source`.
pub fn parse_source_override(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((name, location)) if !name.is_empty() && !location.is_empty() => {
            Ok((name.to_string(), location.to_string()))
        }
        _ => Err(format!("expected NAME=LOCATION, got `{s}`")),
    }
}

/// Checks that every overridden name is a source or table of the plan.
pub fn overrides(
    plan: &Plan,
    given: &[(String, String)],
) -> Result<BTreeMap<String, String>, Failure> {
    let names = plan
        .sources
        .iter()
        .map(|s| s.name.as_str())
        .chain(plan.tables.iter().map(|t| t.name.as_str()));
    let mut out = BTreeMap::new();
    for (name, location) in given {
        if !names.clone().any(|n| n == name) {
            return Err(unknown("source or table", name, names));
        }
        out.insert(name.clone(), location.clone());
    }
    Ok(out)
}

/// An RFC 3339 time as microseconds since the epoch.
pub fn parse_time(s: &str) -> Result<i64, String> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp_micros())
        .map_err(|e| format!("`{s}` is not an RFC 3339 time (e.g. 2024-03-15T14:22:00Z): {e}"))
}

/// Runs a future on a fresh multi-threaded runtime.
pub fn block_on<T>(future: impl std::future::Future<Output = T>) -> Result<T, Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Usage(format!("cannot start the async runtime: {e}")))?;
    Ok(runtime.block_on(future))
}

/// Prints a runtime error that explains itself and fails with exit code 1.
pub fn fail(e: impl std::fmt::Display) -> Failure {
    eprintln!("error: {e}");
    Failure::User
}

/// Prints a runtime error (bad data, unreadable files) and fails with exit code 1.
pub fn data_error(context: &str, e: impl std::fmt::Display) -> Failure {
    eprintln!("error: {context}: {e}");
    Failure::User
}

/// Refuses to give an `offline only` view an online copy (`publish`, `stream`): it has no
/// online table by declaration.
pub fn refuse_offline_only(view: &crate::plan::View, command: &str) -> Result<(), Failure> {
    if !view.freshness.is_offline_only() {
        return Ok(());
    }
    Err(fail(format!(
        "view `{}` is `offline only` ({}): it has no online table to {command}\n  = help: training sets read it as it is; to serve it, replace `offline only` with how it is kept fresh, e.g. `refresh every 1h`",
        view.name, view.location
    )))
}
