//! What the runtime commands share: `--source NAME=LOCATION` overrides, RFC 3339 times, a
//! tokio runtime, and Parquet output with featc's lineage in the file's key-value metadata.

use super::Failure;
use super::explain::unknown;
use crate::plan::Plan;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::dataframe::DataFrame;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::file::metadata::KeyValue;
use datafusion::parquet::file::properties::WriterProperties;
use datafusion::prelude::SessionConfig;
use futures::StreamExt;
use std::collections::BTreeMap;
use std::path::Path;

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

/// The session every runtime command uses: featc's UDAFs, a batch size that keeps memory
/// bounded, and as many partitions as cores.
pub fn session() -> datafusion::prelude::SessionContext {
    crate::backend::batch::context::session_context(
        SessionConfig::new().with_information_schema(false),
    )
}

/// Whether windowed aggregates are computed by the sweep (`backend::batch::sweep`), the
/// default, or by running the generated statements as they are (`FEATC_ENGINE=sql`: the
/// reference the sweep is tested against, and a way around it should it ever be at fault).
pub fn sweeps() -> bool {
    std::env::var("FEATC_ENGINE").map_or(true, |engine| engine != "sql")
}

/// Runs a future on a fresh multi-threaded runtime.
pub fn block_on<T>(future: impl std::future::Future<Output = T>) -> Result<T, Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Usage(format!("cannot start the async runtime: {e}")))?;
    Ok(runtime.block_on(future))
}

/// Prints a runtime error (bad data, unreadable files) and fails with exit code 1.
pub fn data_error(context: &str, e: impl std::fmt::Display) -> Failure {
    eprintln!("error: {context}: {e}");
    Failure::User
}

/// Streams a DataFrame into one Parquet file, in the frame's order, with `metadata` as the
/// file's key-value metadata. The columns named in `passthrough` (a training set's label
/// columns: the user's own data) keep their type; every other timestamp becomes UTC
/// microseconds. Returns the number of rows written.
pub async fn write_parquet(
    df: DataFrame,
    path: &Path,
    metadata: &BTreeMap<String, String>,
    passthrough: &[String],
) -> datafusion::error::Result<usize> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let df = utc_micros(df, passthrough)?;
    let schema = df.schema().as_arrow().clone();
    let mut stream = df.execute_stream().await?;
    // Write to a temporary name and rename, so a failed run never leaves a truncated file
    // that looks complete.
    let partial = path.with_extension("parquet.partial");
    let file = std::fs::File::create(&partial)?;
    let kv: Vec<KeyValue> = metadata
        .iter()
        .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
        .collect();
    let properties = WriterProperties::builder()
        .set_key_value_metadata(Some(kv))
        .build();
    let mut writer = ArrowWriter::try_new(file, std::sync::Arc::new(schema), Some(properties))?;
    let mut rows = 0;
    while let Some(batch) = stream.next().await {
        let batch: RecordBatch = batch?;
        rows += batch.num_rows();
        writer.write(&batch)?;
    }
    writer.close()?;
    std::fs::rename(&partial, path)?;
    Ok(rows)
}

/// Every timestamp column but those in `passthrough` as microseconds in UTC (SPEC 1.1: all
/// times are UTC, microsecond precision); a naive time is read as UTC.
fn utc_micros(df: DataFrame, passthrough: &[String]) -> datafusion::error::Result<DataFrame> {
    use datafusion::arrow::datatypes::{DataType, Field, TimeUnit};
    let target = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    let fields = df.schema().as_arrow().fields().clone();
    let needs_cast = |f: &Field| {
        matches!(f.data_type(), DataType::Timestamp(..))
            && *f.data_type() != target
            && !passthrough.iter().any(|p| p == f.name())
    };
    if !fields.iter().any(|f| needs_cast(f)) {
        return Ok(df);
    }
    let exprs: Vec<datafusion::prelude::Expr> = fields
        .iter()
        .map(|f| {
            let column = datafusion::prelude::col(datafusion::common::Column::from_name(f.name()));
            if needs_cast(f) {
                datafusion::prelude::cast(column, target.clone()).alias(f.name())
            } else {
                column
            }
        })
        .collect();
    df.select(exprs)
}

/// Lineage common to every output: featc's version and the plan's version.
pub fn base_lineage(plan: &Plan) -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "featc.version".to_string(),
            env!("CARGO_PKG_VERSION").to_string(),
        ),
        ("featc.plan_version".to_string(), plan.version.to_string()),
    ])
}
