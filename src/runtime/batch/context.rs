//! A DataFusion `SessionContext` set up the way the generated statements expect it: featc's
//! UDAFs registered, every source and table registered under its own name with its declared
//! schema (so timestamps are microsecond UTC whatever the files hold). The labels of a
//! training set are registered by [`super::labels`].

use super::udaf::all_udafs;
use crate::plan::{BatchFormat, Field};
use crate::runtime::arrow::schema::input_schema;
use datafusion::common::{Result, plan_err};
use datafusion::prelude::{CsvReadOptions, ParquetReadOptions, SessionConfig, SessionContext};
use std::path::Path;

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
pub(super) fn file_extension(location: &str, format: BatchFormat) -> &'static str {
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
