//! The labels of a training set: read from a file (CSV or Parquet) in file order, or built in
//! memory (`featc consistency`), checked, and registered as `labels` with `__featc_at` (the
//! time column as a microsecond UTC timestamp) and `__featc_row` (0, 1, ...) appended.
//!
//! Every label needs its keys and its time (`docs/batch.md`, "Labels"): a label with an empty
//! key or time, or a time that does not parse, is an error naming the file, the row (the n-th
//! label, from 1), the column and the value — never a row silently computed with empty
//! features. A service's request inputs (`request amount: float`) are label columns too, read
//! as their declared types; one that is not nullable must have a value in every label.

use super::context::file_extension;
use crate::compile::batch::names::{AT, LABELS, ROW};
use crate::plan::{BatchFormat, Field, Service};
use crate::runtime::arrow::schema::{arrow_type, timestamp_type};
use datafusion::arrow::array::{Array, ArrayRef, Int64Array, RecordBatch};
use datafusion::arrow::compute::{CastOptions, cast, cast_with_options};
use datafusion::arrow::datatypes::{DataType, Field as ArrowField, Schema, SchemaRef};
use datafusion::arrow::util::display::array_value_to_string;
use datafusion::common::DataFusionError;
use datafusion::datasource::MemTable;
use datafusion::prelude::{
    CsvReadOptions, DataFrame, ParquetReadOptions, SessionConfig, SessionContext,
};
use std::path::Path;
use std::sync::Arc;

const TIME_HELP: &str = "write times in RFC 3339, e.g. 2024-03-15T10:00:00Z";

/// Labels that cannot be used; each message names the file (or origin) and what to fix.
#[derive(Debug, thiserror::Error)]
pub enum LabelsError {
    #[error("there is no labels file at {0}")]
    NotFound(String),
    #[error("cannot read the labels in {origin}: {reason}")]
    Read { origin: String, reason: String },
    #[error("the labels in {origin} have no column `{column}`; they have: {have}")]
    MissingColumn {
        origin: String,
        column: String,
        have: String,
    },
    #[error(
        "the labels in {origin}: row {row} has `{value}` in the time column `{column}`, which is not a time\n  = help: {TIME_HELP}"
    )]
    BadTime {
        origin: String,
        row: usize,
        column: String,
        value: String,
    },
    #[error(
        "the labels in {origin}: row {row} has no value in `{column}`\n  = help: every label needs its keys and its time"
    )]
    Missing {
        origin: String,
        row: usize,
        column: String,
    },
    #[error(
        "the labels in {origin} have no column `{column}`, a request input of the service; they have: {have}\n  = help: give every label the value the caller would send (`{column}: {ty}`)"
    )]
    MissingRequestInput {
        origin: String,
        column: String,
        ty: String,
        have: String,
    },
    #[error(
        "the labels in {origin}: row {row} has no value in the request input `{column}`\n  = help: give it a value, or declare it nullable (`request {column}: {ty}?`)"
    )]
    MissingRequestValue {
        origin: String,
        row: usize,
        column: String,
        ty: String,
    },
    #[error("the labels in {origin}: column `{column}` cannot be read as `{to}`: {reason}")]
    Cast {
        origin: String,
        column: String,
        to: DataType,
        reason: String,
    },
}

/// DataFusion's message without its "Error during planning: "-style prefix: the labels'
/// errors say themselves where they come from.
fn reason(e: &DataFusionError) -> String {
    match e {
        DataFusionError::Plan(m) | DataFusionError::Execution(m) => m.clone(),
        DataFusionError::Context(_, inner) => reason(inner),
        DataFusionError::ArrowError(inner, _) => inner.to_string(),
        other => other.strip_backtrace(),
    }
}

/// What a service needs of its labels besides the time: its keys and its request inputs.
#[derive(Debug, Clone, Copy)]
pub struct LabelColumns<'a> {
    pub keys: &'a [Field],
    pub request: &'a [Field],
}

impl<'a> LabelColumns<'a> {
    pub fn of(service: &'a Service) -> LabelColumns<'a> {
        LabelColumns {
            keys: &service.keys,
            request: &service.request,
        }
    }

    /// Keys and request inputs: the columns read as their declared types.
    fn typed(&self) -> impl Iterator<Item = &'a Field> + use<'a> {
        self.keys.iter().chain(self.request)
    }
}

/// Reads the labels file at `location` in file order and registers it. The service's keys
/// and request inputs are read as their declared types (a CSV key `00123` stays the string
/// it is); `at` names the time column. Returns the label columns of the training set, as
/// read.
pub async fn register_labels(
    ctx: &SessionContext,
    location: &str,
    format: BatchFormat,
    at: &str,
    columns: LabelColumns<'_>,
) -> Result<SchemaRef, LabelsError> {
    if !Path::new(location).exists() {
        return Err(LabelsError::NotFound(location.to_string()));
    }
    let read = |e: DataFusionError| LabelsError::Read {
        origin: location.to_string(),
        reason: reason(&e),
    };
    // one partition: the batches come back in file order
    let reader = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(1));
    let inferred = read_labels(&reader, location, format, None)
        .await
        .map_err(read)?;
    let inferred = inferred.schema().as_arrow().clone();
    for wanted in std::iter::once(at).chain(columns.keys.iter().map(|k| k.name.as_str())) {
        if inferred.index_of(wanted).is_err() {
            return Err(LabelsError::MissingColumn {
                origin: location.to_string(),
                column: wanted.to_string(),
                have: column_list(&inferred),
            });
        }
    }
    let fields: Vec<ArrowField> = inferred
        .fields()
        .iter()
        .map(|f| match columns.typed().find(|k| k.name == *f.name()) {
            Some(typed) => ArrowField::new(f.name(), arrow_type(&typed.ty.ty), true),
            None => f.as_ref().clone(),
        })
        .collect();
    let schema: SchemaRef = Arc::new(Schema::new(fields));
    let batches = read_labels(&reader, location, format, Some(&schema))
        .await
        .map_err(read)?
        .collect()
        .await
        .map_err(read)?;
    register_label_batches(ctx, location, &schema, &batches, at, columns)?;
    Ok(schema)
}

fn column_list(schema: &Schema) -> String {
    schema
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Registers labels already in memory ([`register_labels`] calls it with a file's): the
/// batches (of `schema`, in label order), whose column `at` is the time. `origin` says where
/// they come from, for errors.
pub fn register_label_batches(
    ctx: &SessionContext,
    origin: &str,
    schema: &SchemaRef,
    batches: &[RecordBatch],
    at: &str,
    columns: LabelColumns<'_>,
) -> Result<(), LabelsError> {
    let missing = |column: &str| LabelsError::MissingColumn {
        origin: origin.to_string(),
        column: column.to_string(),
        have: column_list(schema),
    };
    let at_index = schema.index_of(at).map_err(|_| missing(at))?;
    let mut required = Vec::new();
    for key in columns.keys {
        let index = schema.index_of(&key.name).map_err(|_| missing(&key.name))?;
        required.push((index, None));
    }
    for input in columns.request {
        let Ok(index) = schema.index_of(&input.name) else {
            return Err(LabelsError::MissingRequestInput {
                origin: origin.to_string(),
                column: input.name.clone(),
                ty: input.ty.ty.to_string(),
                have: column_list(schema),
            });
        };
        if !input.ty.nullable {
            required.push((index, Some(input)));
        }
    }
    let labels = with_label_columns(origin, schema, batches, at_index, &required)?;
    ctx.register_table(LABELS, Arc::new(labels))
        .map_err(|e| LabelsError::Read {
            origin: origin.to_string(),
            reason: reason(&e),
        })?;
    Ok(())
}

/// The labels file as a data frame; a CSV file is read with `schema` when given (a Parquet
/// file has its own types, cast afterwards).
async fn read_labels(
    reader: &SessionContext,
    location: &str,
    format: BatchFormat,
    schema: Option<&Schema>,
) -> datafusion::error::Result<DataFrame> {
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

/// The labels, their columns cast to `schema`, with `__featc_at` and `__featc_row` appended;
/// every row checked to have a time and a value in each `required` column (a key, or a
/// request input that is not nullable).
fn with_label_columns(
    origin: &str,
    schema: &SchemaRef,
    batches: &[RecordBatch],
    at_index: usize,
    required: &[(usize, Option<&Field>)],
) -> Result<MemTable, LabelsError> {
    let mut fields: Vec<ArrowField> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.push(ArrowField::new(AT, timestamp_type(), true));
    fields.push(ArrowField::new(ROW, DataType::Int64, false));
    let out_schema = Arc::new(Schema::new(fields));
    let cast_error = |column: &str, to: &DataType, e: &dyn std::fmt::Display| LabelsError::Cast {
        origin: origin.to_string(),
        column: column.to_string(),
        to: to.clone(),
        reason: e.to_string(),
    };
    let at_name = schema.field(at_index).name().clone();
    let mut next_row: i64 = 0;
    let mut out = Vec::with_capacity(batches.len());
    for batch in batches {
        let first_row = usize::try_from(next_row).unwrap_or(usize::MAX);
        let mut columns = Vec::with_capacity(batch.num_columns() + 2);
        for (column, field) in batch.columns().iter().zip(schema.fields()) {
            columns.push(
                cast(column, field.data_type())
                    .map_err(|e| cast_error(field.name(), field.data_type(), &e))?,
            );
        }
        for &(k, request_input) in required {
            if let Some(row) = first_null(&columns[k]) {
                let (origin, row) = (origin.to_string(), first_row + row + 1);
                let column = schema.field(k).name().clone();
                return Err(match request_input {
                    None => LabelsError::Missing {
                        origin,
                        row,
                        column,
                    },
                    Some(input) => LabelsError::MissingRequestValue {
                        origin,
                        row,
                        column,
                        ty: input.ty.ty.to_string(),
                    },
                });
            }
        }
        let written = batch.column(at_index);
        // a value that does not parse becomes null in a safe cast: found, and reported
        let options = CastOptions {
            safe: true,
            ..CastOptions::default()
        };
        let at = cast_with_options(written, &timestamp_type(), &options)
            .map_err(|e| cast_error(&at_name, &timestamp_type(), &e))?;
        if let Some(row) = first_null(&at) {
            let error = if written.is_null(row) {
                LabelsError::Missing {
                    origin: origin.to_string(),
                    row: first_row + row + 1,
                    column: at_name.clone(),
                }
            } else {
                LabelsError::BadTime {
                    origin: origin.to_string(),
                    row: first_row + row + 1,
                    column: at_name.clone(),
                    value: array_value_to_string(written, row).unwrap_or_default(),
                }
            };
            return Err(error);
        }
        let rows = i64::try_from(batch.num_rows()).unwrap_or(i64::MAX);
        let row: ArrayRef = Arc::new(Int64Array::from_iter_values(next_row..next_row + rows));
        next_row += rows;
        columns.push(at);
        columns.push(row);
        out.push(
            RecordBatch::try_new(Arc::clone(&out_schema), columns).map_err(|e| {
                LabelsError::Read {
                    origin: origin.to_string(),
                    reason: e.to_string(),
                }
            })?,
        );
    }
    MemTable::try_new(out_schema, vec![out]).map_err(|e| LabelsError::Read {
        origin: origin.to_string(),
        reason: reason(&e),
    })
}

/// The first row of `array` that is null.
fn first_null(array: &ArrayRef) -> Option<usize> {
    if array.null_count() == 0 {
        return None;
    }
    (0..array.len()).find(|&i| array.is_null(i))
}
