//! Writing a batch result: one Parquet file, streamed in the frame's order, with featc's
//! lineage (version, plan version, service or view, fingerprints, sources) in the file's
//! key-value metadata, and every feature timestamp as UTC microseconds.

use super::inputs::Locations;
use crate::plan::{Plan, Service, View};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::dataframe::DataFrame;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::file::metadata::KeyValue;
use datafusion::parquet::file::properties::WriterProperties;
use futures::StreamExt;
use std::collections::BTreeMap;
use std::path::Path;

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

/// Every timestamp column but those in `passthrough` as microseconds in UTC (all times are UTC
/// with microsecond precision: `docs/language.md`); a naive time is read as UTC.
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
fn base_lineage(plan: &Plan) -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "featc.version".to_string(),
            env!("CARGO_PKG_VERSION").to_string(),
        ),
        ("featc.plan_version".to_string(), plan.version.to_string()),
    ])
}

/// The lineage of a view's materialization: the base, the view, its features' fingerprints
/// and the locations read.
pub fn view_lineage(plan: &Plan, view: &View, locations: &Locations) -> BTreeMap<String, String> {
    let fingerprints = view
        .features
        .iter()
        .map(|f| (f.name.as_str(), f.fingerprint.as_str()));
    let mut lineage = lineage(plan, locations, fingerprints.collect());
    lineage.insert("featc.view".into(), view.name.clone());
    lineage
}

/// The lineage of a training set: the base, the service, the labels' time column, its
/// outputs' fingerprints and the locations read (the labels' among them).
pub fn service_lineage(
    plan: &Plan,
    service: &Service,
    at: &str,
    locations: &Locations,
) -> BTreeMap<String, String> {
    let fingerprints = service
        .outputs
        .iter()
        .map(|o| (o.name.as_str(), o.fingerprint.as_str()));
    let mut lineage = lineage(plan, locations, fingerprints.collect());
    lineage.insert("featc.service".into(), service.name.clone());
    lineage.insert("featc.at".into(), at.to_string());
    lineage
}

fn lineage(
    plan: &Plan,
    locations: &Locations,
    fingerprints: BTreeMap<&str, &str>,
) -> BTreeMap<String, String> {
    let mut lineage = base_lineage(plan);
    lineage.insert(
        "featc.sources".into(),
        serde_json::to_string(locations).unwrap_or_default(),
    );
    lineage.insert(
        "featc.fingerprints".into(),
        serde_json::to_string(&fingerprints).unwrap_or_default(),
    );
    lineage
}
