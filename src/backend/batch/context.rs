//! A DataFusion `SessionContext` set up the way the generated statements expect it: featc's
//! UDAFs registered, every source and table registered under its own name with its declared
//! schema (so timestamps are microsecond UTC whatever the files hold), and the labels of a
//! training set with the two columns the runner adds (see [`super::names`]).

use super::names::{AT, LABELS, ROW};
use super::schema::{input_schema, timestamp_type};
use super::udaf::all_udafs;
use crate::plan::{BatchFormat, Field, Plan};
use datafusion::arrow::array::{ArrayRef, Int64Array, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{Field as ArrowField, Schema, SchemaRef};
use datafusion::common::{DataFusionError, Result, plan_err};
use datafusion::datasource::MemTable;
use datafusion::prelude::{CsvReadOptions, ParquetReadOptions, SessionConfig, SessionContext};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// Registers every featc UDAF (`featc_last`, `featc_sum_state`, ...) in `ctx`.
pub fn register_udafs(ctx: &SessionContext) {
    for udaf in all_udafs() {
        ctx.register_udaf(udaf);
    }
}

/// A new context with featc's UDAFs.
pub fn session_context(config: SessionConfig) -> SessionContext {
    let ctx = SessionContext::new_with_config(config);
    register_udafs(&ctx);
    ctx
}

/// The format of a location: its extension decides (`.csv`, `.parquet`), else `default`.
pub fn format_of(location: &str, default: BatchFormat) -> BatchFormat {
    let lower = location.to_ascii_lowercase();
    if lower.ends_with(".csv") {
        BatchFormat::Csv
    } else if lower.ends_with(".parquet") {
        BatchFormat::Parquet
    } else {
        default
    }
}

/// The extension DataFusion filters a location's files by: none for a single file (its name
/// is the user's business), the format's own for a directory or glob.
fn file_extension(location: &str, format: BatchFormat) -> &'static str {
    if Path::new(location).is_file() {
        ""
    } else {
        match format {
            BatchFormat::Csv => ".csv",
            BatchFormat::Parquet => ".parquet",
        }
    }
}

/// Registers the files at `location` as the table `name` with the declared columns `fields`.
/// CSV files have a header row; an empty field is a null.
pub async fn register_input(
    ctx: &SessionContext,
    name: &str,
    fields: &[Field],
    format: BatchFormat,
    location: &str,
) -> Result<()> {
    // DataFusion reads a missing local path as an empty table: features would silently be
    // empty
    let is_pattern = location.contains(['*', '?', '[']) || location.contains("://");
    if !is_pattern && !Path::new(location).exists() {
        return plan_err!("the batch data of `{name}` is not at {location}");
    }
    let schema = input_schema(fields);
    let extension = file_extension(location, format);
    match format {
        BatchFormat::Csv => {
            let options = CsvReadOptions::new()
                .has_header(true)
                .schema(&schema)
                .file_extension(extension)
                .null_regex(Some("^$".to_string()));
            ctx.register_csv(name, location, options).await
        }
        BatchFormat::Parquet => {
            let options = ParquetReadOptions {
                file_extension: extension,
                schema: Some(&schema),
                ..ParquetReadOptions::default()
            };
            ctx.register_parquet(name, location, options).await
        }
    }
}

/// Registers every source and table of `plan` that has a batch location, at
/// `root/<batch path>` or at the location `overrides` gives for its name.
pub async fn register_inputs(
    ctx: &SessionContext,
    plan: &Plan,
    root: &Path,
    overrides: &BTreeMap<String, String>,
) -> Result<()> {
    let inputs = plan
        .sources
        .iter()
        .map(|s| (&s.name, &s.fields, &s.batch))
        .chain(plan.tables.iter().map(|t| (&t.name, &t.fields, &t.batch)));
    for (name, fields, batch) in inputs {
        let declared = batch.as_ref();
        let location = match (overrides.get(name), declared) {
            (Some(location), _) => location.clone(),
            (None, Some(batch)) => root.join(&batch.path).to_string_lossy().into_owned(),
            (None, None) => continue,
        };
        let default = declared.map_or(BatchFormat::Parquet, |b| b.format);
        register_input(ctx, name, fields, format_of(&location, default), &location).await?;
    }
    Ok(())
}

/// Reads the labels file at `location` in file order and registers it as `labels`, with
/// `__featc_at` (the column `at` as a microsecond UTC timestamp) and `__featc_row` (0, 1, ...)
/// appended. Returns the file's own schema (the label columns of the training set).
pub async fn register_labels(
    ctx: &SessionContext,
    location: &str,
    format: BatchFormat,
    at: &str,
) -> Result<SchemaRef> {
    if !Path::new(location).exists() {
        return plan_err!("there is no labels file at {location}");
    }
    // one partition: the batches come back in file order
    let reader = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(1));
    let frame = match format {
        BatchFormat::Csv => {
            let options = CsvReadOptions::new()
                .has_header(true)
                .file_extension(file_extension(location, format))
                .null_regex(Some("^$".to_string()));
            reader.read_csv(location, options).await?
        }
        BatchFormat::Parquet => {
            let options = ParquetReadOptions {
                file_extension: file_extension(location, format),
                ..ParquetReadOptions::default()
            };
            reader.read_parquet(location, options).await?
        }
    };
    let file_schema: SchemaRef = Arc::new(frame.schema().as_arrow().clone());
    let Ok(at_index) = file_schema.index_of(at) else {
        return plan_err!(
            "the labels have no column `{at}`; they have: {}",
            file_schema
                .fields()
                .iter()
                .map(|f| f.name().as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    let batches = frame.collect().await?;
    let labels = with_label_columns(&file_schema, &batches, at_index)?;
    ctx.register_table(LABELS, Arc::new(labels))?;
    Ok(file_schema)
}

/// The labels with `__featc_at` and `__featc_row` appended to every batch.
fn with_label_columns(
    file_schema: &SchemaRef,
    batches: &[RecordBatch],
    at_index: usize,
) -> Result<MemTable> {
    let mut fields: Vec<ArrowField> = file_schema
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields.push(ArrowField::new(AT, timestamp_type(), true));
    fields.push(ArrowField::new(
        ROW,
        datafusion::arrow::datatypes::DataType::Int64,
        false,
    ));
    let schema = Arc::new(Schema::new(fields));
    let mut next_row: i64 = 0;
    let mut out = Vec::with_capacity(batches.len());
    for batch in batches {
        let at = cast(batch.column(at_index), &timestamp_type())
            .map_err(|e| DataFusionError::Plan(format!("the labels' time column: {e}")))?;
        let rows = i64::try_from(batch.num_rows()).unwrap_or(i64::MAX);
        let row: ArrayRef = Arc::new(Int64Array::from_iter_values(next_row..next_row + rows));
        next_row += rows;
        let mut columns = batch.columns().to_vec();
        columns.push(at);
        columns.push(row);
        out.push(RecordBatch::try_new(Arc::clone(&schema), columns)?);
    }
    MemTable::try_new(schema, vec![out])
}
