//! Reading a service's log back (`featc consistency`): the complete files under
//! `DIR/<service>/`, in name order (the order they were started), checked against the plan.
//!
//! A file whose metadata names another service, another layout version, or other output
//! fingerprints than the plan's was written by another definition of the service: it is
//! skipped, with the reason, rather than compared with values it was never meant to equal.

use super::schema::{
    AT, ENTITY, FEATURES, FORMAT_VERSION, FRESHNESS, KEYS, META_FINGERPRINTS, META_FORMAT,
    META_SERVICE, REQUEST, REQUEST_ID, SERVED_AT, fingerprints,
};
use crate::plan::Plan;
use crate::runtime::arrow::convert::{TimeColumn, ValueColumn};
use crate::runtime::serve::catalog::ServedService;
use crate::types::{Micros, Value};
use datafusion::arrow::array::{
    Array, ArrayRef, Int32Array, RecordBatch, StringArray, StructArray,
};
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One served entity, as logged.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedRow {
    pub request_id: String,
    /// The entity's index in its request.
    pub entity: i32,
    pub at: Micros,
    pub served_at: Micros,
    /// In `ServedService::keys` order.
    pub keys: Vec<Value>,
    /// In `ServedService::request` order (empty for a service without request inputs).
    pub request: Vec<Value>,
    /// In `ServedService::outputs` order.
    pub features: Vec<Value>,
    /// In `ServedService::views` order.
    pub freshness: Vec<Option<Micros>>,
}

/// What the log of one service holds.
#[derive(Debug, Clone, Default)]
pub struct ServiceLog {
    pub rows: Vec<LoggedRow>,
    /// The files read.
    pub files: Vec<PathBuf>,
    /// The files skipped, and why.
    pub skipped: Vec<(PathBuf, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum LogReadError {
    #[error(
        "there is no log of service `{service}` at {dir} (`featc serve --log DIR` writes DIR/<service>/*.parquet)"
    )]
    NoLog { service: String, dir: PathBuf },
    #[error("cannot read {path}: {message}")]
    File { path: PathBuf, message: String },
}

/// Reads `DIR/<service>/*.parquet`.
pub fn read_service_log(
    dir: &Path,
    plan: &Plan,
    service: &ServedService,
) -> Result<ServiceLog, LogReadError> {
    let service_dir = dir.join(&service.name);
    let entries = std::fs::read_dir(&service_dir).map_err(|_| LogReadError::NoLog {
        service: service.name.clone(),
        dir: dir.to_path_buf(),
    })?;
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "parquet") && p.is_file())
        .collect();
    paths.sort();
    let expected = fingerprints(plan, &service.name);
    let mut log = ServiceLog::default();
    for path in paths {
        let failed = |message: String| LogReadError::File {
            path: path.clone(),
            message,
        };
        let file = std::fs::File::open(&path).map_err(|e| failed(e.to_string()))?;
        let builder =
            ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| failed(e.to_string()))?;
        let metadata: BTreeMap<String, String> = builder
            .metadata()
            .file_metadata()
            .key_value_metadata()
            .map(|kv| {
                kv.iter()
                    .map(|e| (e.key.clone(), e.value.clone().unwrap_or_default()))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(reason) = mismatch(&metadata, &service.name, &expected) {
            log.skipped.push((path, reason));
            continue;
        }
        let reader = builder.build().map_err(|e| failed(e.to_string()))?;
        for batch in reader {
            let batch = batch.map_err(|e| failed(e.to_string()))?;
            decode(&batch, service, &mut log.rows).map_err(failed)?;
        }
        log.files.push(path);
    }
    Ok(log)
}

/// Why a file's metadata does not fit the plan's service, if it does not.
fn mismatch(
    metadata: &BTreeMap<String, String>,
    service: &str,
    expected: &BTreeMap<String, String>,
) -> Option<String> {
    let get = |key: &str| metadata.get(key).map(String::as_str);
    if get(META_FORMAT) != Some(FORMAT_VERSION) {
        return Some(format!(
            "log format {:?}, not {FORMAT_VERSION}",
            get(META_FORMAT).unwrap_or("(none)")
        ));
    }
    if get(META_SERVICE) != Some(service) {
        return Some(format!(
            "written for service {:?}",
            get(META_SERVICE).unwrap_or("(none)")
        ));
    }
    let logged: BTreeMap<String, String> = get(META_FINGERPRINTS)
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default();
    if &logged != expected {
        let changed: Vec<&str> = expected
            .iter()
            .filter(|(name, fp)| logged.get(*name) != Some(*fp))
            .map(|(name, _)| name.as_str())
            .chain(
                logged
                    .keys()
                    .filter(|name| !expected.contains_key(*name))
                    .map(String::as_str),
            )
            .collect();
        return Some(format!(
            "served by another definition of the service (outputs changed since: {})",
            changed.join(", ")
        ));
    }
    None
}

fn column<'b>(batch: &'b RecordBatch, name: &str) -> Result<&'b ArrayRef, String> {
    batch
        .column_by_name(name)
        .ok_or_else(|| format!("no column `{name}`"))
}

fn struct_child<'b>(
    parent: &'b StructArray,
    name: &str,
    group: &str,
) -> Result<&'b ArrayRef, String> {
    parent
        .column_by_name(name)
        .ok_or_else(|| format!("no field `{name}` in `{group}`"))
}

fn as_struct<'b>(batch: &'b RecordBatch, name: &str) -> Result<&'b StructArray, String> {
    column(batch, name)?
        .as_any()
        .downcast_ref::<StructArray>()
        .ok_or_else(|| format!("`{name}` is not a struct"))
}

fn decode(
    batch: &RecordBatch,
    service: &ServedService,
    out: &mut Vec<LoggedRow>,
) -> Result<(), String> {
    let request_ids = column(batch, REQUEST_ID)?
        .as_any()
        .downcast_ref::<StringArray>()
        .ok_or("`request_id` is not a string column")?;
    let entities = column(batch, ENTITY)?
        .as_any()
        .downcast_ref::<Int32Array>()
        .ok_or("`entity` is not an int32 column")?;
    let ats = TimeColumn::new(column(batch, AT)?).map_err(|e| e.to_string())?;
    let served = TimeColumn::new(column(batch, SERVED_AT)?).map_err(|e| e.to_string())?;
    let keys_struct = as_struct(batch, KEYS)?;
    let keys: Vec<ValueColumn<'_>> = service
        .keys
        .iter()
        .map(|k| struct_child(keys_struct, &k.name, KEYS).map(ValueColumn::new))
        .collect::<Result<_, _>>()?;
    let request: Vec<ValueColumn<'_>> = if service.request.is_empty() {
        Vec::new()
    } else {
        let request_struct = as_struct(batch, REQUEST)?;
        service
            .request
            .iter()
            .map(|k| struct_child(request_struct, &k.name, REQUEST).map(ValueColumn::new))
            .collect::<Result<_, _>>()?
    };
    let features_struct = as_struct(batch, FEATURES)?;
    let features: Vec<ValueColumn<'_>> = service
        .outputs
        .iter()
        .map(|(name, _)| struct_child(features_struct, name, FEATURES).map(ValueColumn::new))
        .collect::<Result<_, _>>()?;
    let freshness_struct = as_struct(batch, FRESHNESS)?;
    let freshness: Vec<TimeColumn<'_>> = service
        .views
        .iter()
        .map(|v| {
            struct_child(freshness_struct, &v.name, FRESHNESS)
                .and_then(|a| TimeColumn::new(a).map_err(|e| e.to_string()))
        })
        .collect::<Result<_, _>>()?;
    let values = |columns: &[ValueColumn<'_>], row: usize| {
        columns
            .iter()
            .map(|c| c.value(row).map_err(|e| e.to_string()))
            .collect::<Result<Vec<Value>, String>>()
    };
    for row in 0..batch.num_rows() {
        let time = |c: &TimeColumn<'_>, name: &str| {
            c.time(row)
                .ok_or_else(|| format!("row {row}: `{name}` is null"))
        };
        out.push(LoggedRow {
            request_id: request_ids.value(row).to_string(),
            entity: entities.value(row),
            at: time(&ats, AT)?,
            served_at: time(&served, SERVED_AT)?,
            keys: values(&keys, row)?,
            request: values(&request, row)?,
            features: values(&features, row)?,
            freshness: freshness.iter().map(|c| c.time(row)).collect(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_of_another_definition_are_recognised() {
        let expected = BTreeMap::from([("n".to_string(), "fp1".to_string())]);
        let meta = |format: &str, service: &str, fingerprints: &str| {
            BTreeMap::from([
                (META_FORMAT.to_string(), format.to_string()),
                (META_SERVICE.to_string(), service.to_string()),
                (META_FINGERPRINTS.to_string(), fingerprints.to_string()),
            ])
        };
        assert_eq!(
            mismatch(&meta("1", "s", r#"{"n":"fp1"}"#), "s", &expected),
            None
        );
        let changed = mismatch(&meta("1", "s", r#"{"n":"fp0","old":"x"}"#), "s", &expected);
        assert_eq!(
            changed.as_deref(),
            Some("served by another definition of the service (outputs changed since: n, old)")
        );
        assert!(mismatch(&meta("1", "t", r#"{"n":"fp1"}"#), "s", &expected).is_some());
        assert!(mismatch(&meta("2", "s", r#"{"n":"fp1"}"#), "s", &expected).is_some());
        assert!(mismatch(&BTreeMap::new(), "s", &expected).is_some());
    }
}
