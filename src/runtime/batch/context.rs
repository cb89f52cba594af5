//! A DataFusion `SessionContext` set up the way the generated statements expect it: featc's
//! UDAFs registered, every source and table registered under its own name with its declared
//! schema (so timestamps are microsecond UTC whatever the files hold), and the labels of a
//! training set with the two columns the runner adds (see [`crate::compile::batch::names`]).

use super::udaf::all_udafs;
use crate::compile::batch::names::{AT, LABELS, ROW};
use crate::plan::{BatchFormat, Field};
use crate::runtime::arrow::schema::{arrow_type, input_schema, timestamp_type};
use datafusion::arrow::array::{ArrayRef, Int64Array, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field as ArrowField, Schema, SchemaRef};
use datafusion::common::{DataFusionError, Result, plan_err};
use datafusion::datasource::MemTable;
use datafusion::prelude::{
    CsvReadOptions, DataFrame, ParquetReadOptions, SessionConfig, SessionContext,
};
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

/// Reads the labels file at `location` in file order and registers it as `labels`, with
/// `__featc_at` (the column `at` as a microsecond UTC timestamp) and `__featc_row` (0, 1, ...)
/// appended. The service's `keys` are read as their declared types (a CSV key `00123` stays
/// the string it is). Returns the label columns of the training set, as read.
pub async fn register_labels(
    ctx: &SessionContext,
    location: &str,
    format: BatchFormat,
    at: &str,
    keys: &[Field],
) -> Result<SchemaRef> {
    if !Path::new(location).exists() {
        return plan_err!("there is no labels file at {location}");
    }
    // one partition: the batches come back in file order
    let reader = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(1));
    let inferred = read_labels(&reader, location, format, None).await?;
    let inferred = inferred.schema().as_arrow().clone();
    let names = || {
        inferred
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    for wanted in std::iter::once(at).chain(keys.iter().map(|k| k.name.as_str())) {
        if inferred.index_of(wanted).is_err() {
            return plan_err!(
                "the labels have no column `{wanted}`; they have: {}",
                names()
            );
        }
    }
    let fields: Vec<ArrowField> = inferred
        .fields()
        .iter()
        .map(|f| match keys.iter().find(|k| k.name == *f.name()) {
            Some(key) => ArrowField::new(f.name(), arrow_type(&key.ty.ty), true),
            None => f.as_ref().clone(),
        })
        .collect();
    let schema: SchemaRef = Arc::new(Schema::new(fields));
    let batches = read_labels(&reader, location, format, Some(&schema))
        .await?
        .collect()
        .await?;
    register_label_batches(ctx, &schema, &batches, at)?;
    Ok(schema)
}

/// Registers labels already in memory as `labels`, like [`register_labels`] does with a file:
/// the batches (of `schema`, in label order) with `__featc_at` (the column `at`) and
/// `__featc_row` appended. `featc consistency` builds its labels from the serving log.
pub fn register_label_batches(
    ctx: &SessionContext,
    schema: &SchemaRef,
    batches: &[RecordBatch],
    at: &str,
) -> Result<()> {
    let at_index = schema.index_of(at)?;
    let labels = with_label_columns(schema, batches, at_index)?;
    ctx.register_table(LABELS, Arc::new(labels))?;
    Ok(())
}

/// The labels file as a data frame; a CSV file is read with `schema` when given (a Parquet
/// file has its own types, cast afterwards).
async fn read_labels(
    reader: &SessionContext,
    location: &str,
    format: BatchFormat,
    schema: Option<&Schema>,
) -> Result<DataFrame> {
    match format {
        BatchFormat::Csv => {
            let mut options = CsvReadOptions::new()
                .has_header(true)
                .file_extension(file_extension(location, format))
                .null_regex(Some("^$".to_string()));
            if let Some(schema) = schema {
                options = options.schema(schema);
            }
            reader.read_csv(location, options).await
        }
        BatchFormat::Parquet => {
            let options = ParquetReadOptions {
                file_extension: file_extension(location, format),
                ..ParquetReadOptions::default()
            };
            reader.read_parquet(location, options).await
        }
    }
}

/// The labels, their columns cast to `schema`, with `__featc_at` and `__featc_row` appended.
fn with_label_columns(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    at_index: usize,
) -> Result<MemTable> {
    let mut fields: Vec<ArrowField> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.push(ArrowField::new(AT, timestamp_type(), true));
    fields.push(ArrowField::new(ROW, DataType::Int64, false));
    let out_schema = Arc::new(Schema::new(fields));
    let mut next_row: i64 = 0;
    let mut out = Vec::with_capacity(batches.len());
    for batch in batches {
        let mut columns = Vec::with_capacity(batch.num_columns() + 2);
        for (column, field) in batch.columns().iter().zip(schema.fields()) {
            columns.push(cast(column, field.data_type()).map_err(|e| {
                DataFusionError::Plan(format!("the labels' column `{}`: {e}", field.name()))
            })?);
        }
        let at = cast(batch.column(at_index), &timestamp_type())
            .map_err(|e| DataFusionError::Plan(format!("the labels' time column: {e}")))?;
        let rows = i64::try_from(batch.num_rows()).unwrap_or(i64::MAX);
        let row: ArrayRef = Arc::new(Int64Array::from_iter_values(next_row..next_row + rows));
        next_row += rows;
        columns.push(at);
        columns.push(row);
        out.push(RecordBatch::try_new(Arc::clone(&out_schema), columns)?);
    }
    MemTable::try_new(out_schema, vec![out])
}
