//! The batch back end's statements, planned and executed by DataFusion on small hand-written
//! data, against values worked out by hand from the words of docs/language.md.

mod aggregates;
mod examples;
mod planning;
mod training;
mod udafs;
mod windows;

use crate::support::values::value_rows;
use datafusion::arrow::array::{ArrayRef, RecordBatch, new_empty_array};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::ScalarValue;
use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionConfig, SessionContext};
use featc::plan::{Field, Plan};
use featc::runtime::arrow::convert::value_to_scalar;
use featc::runtime::arrow::schema::input_schema;
use featc::runtime::batch::context::session_context;
use featc::source::SourceMap;
use featc::types::{Micros, Value};
use std::sync::Arc;

/// The plan of a one-file project; panics with the diagnostics if it does not compile.
pub fn plan_of(text: &str) -> Plan {
    let mut sources = SourceMap::new();
    sources.add("test.feat", text);
    let (plan, diagnostics) = featc::project::analyze(&sources);
    plan.unwrap_or_else(|| panic!("{diagnostics:#?}"))
}

/// Microseconds since the epoch of an RFC 3339 time.
pub fn at(rfc3339: &str) -> Micros {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap_or_else(|e| panic!("{rfc3339}: {e}"))
        .timestamp_micros()
}

pub fn ts(rfc3339: &str) -> Value {
    Value::Timestamp(at(rfc3339))
}

pub fn s(text: &str) -> Value {
    Value::String(text.to_string())
}

/// A context with featc's UDAFs and `partitions` target partitions.
pub fn context(partitions: usize) -> SessionContext {
    session_context(SessionConfig::new().with_target_partitions(partitions))
}

/// Rows per batch in the tables tests register: small, so that even tiny tables come in
/// several batches and partial states meet in merges.
const BATCH_ROWS: usize = 16;

/// Registers `rows` (in the declared column order) as the table `name`, spread over
/// `partitions` partitions round robin, in batches of at most [`BATCH_ROWS`] rows.
pub fn register_rows(
    ctx: &SessionContext,
    name: &str,
    fields: &[Field],
    rows: &[Vec<Value>],
    partitions: usize,
) {
    let schema: SchemaRef = input_schema(fields);
    let batch = |chunk: &[&Vec<Value>]| -> RecordBatch {
        let columns: Vec<ArrayRef> = schema
            .fields()
            .iter()
            .enumerate()
            .map(|(i, field)| {
                let scalars: Vec<ScalarValue> = chunk
                    .iter()
                    .map(|row| {
                        value_to_scalar(&row[i], field.data_type())
                            .unwrap_or_else(|e| panic!("{name}.{}: {e}", field.name()))
                    })
                    .collect();
                if scalars.is_empty() {
                    return new_empty_array(field.data_type());
                }
                ScalarValue::iter_to_array(scalars)
                    .unwrap_or_else(|e| panic!("{name}.{}: {e}", field.name()))
            })
            .collect();
        RecordBatch::try_new(Arc::clone(&schema), columns).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let mut parts: Vec<Vec<RecordBatch>> = Vec::new();
    for p in 0..partitions.max(1) {
        let part: Vec<&Vec<Value>> = rows.iter().skip(p).step_by(partitions.max(1)).collect();
        let batches = if part.is_empty() {
            vec![batch(&[])]
        } else {
            part.chunks(BATCH_ROWS).map(&batch).collect()
        };
        parts.push(batches);
    }
    let table =
        MemTable::try_new(Arc::clone(&schema), parts).expect("a table of the declared schema");
    ctx.register_table(name, Arc::new(table))
        .expect("a new table name");
}

/// Registers an input of `plan` (a source or a table) with `rows`.
pub fn register_input(ctx: &SessionContext, plan: &Plan, name: &str, rows: &[Vec<Value>]) {
    let fields = plan
        .source(name)
        .map(|s| &s.fields)
        .or_else(|| plan.table(name).map(|t| &t.fields))
        .unwrap_or_else(|| panic!("no input `{name}`"));
    register_rows(ctx, name, fields, rows, 2);
}

/// Runs `sql` and returns its column names and rows as values.
pub async fn run(ctx: &SessionContext, sql: &str) -> (Vec<String>, Vec<Vec<Value>>) {
    let frame = ctx
        .sql(sql)
        .await
        .unwrap_or_else(|e| panic!("planning failed: {e}\n{sql}"));
    let names = frame
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let batches = frame
        .collect()
        .await
        .unwrap_or_else(|e| panic!("execution failed: {e}\n{sql}"));
    (names, batches.iter().flat_map(value_rows).collect())
}

/// A column of `rows` by name.
pub fn column(names: &[String], rows: &[Vec<Value>], name: &str) -> Vec<Value> {
    let index = names
        .iter()
        .position(|n| n == name)
        .unwrap_or_else(|| panic!("no column `{name}` in {names:?}"));
    rows.iter().map(|r| r[index].clone()).collect()
}

/// A unique scratch directory for files a test writes.
pub fn scratch_dir(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("featc-batch-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}
