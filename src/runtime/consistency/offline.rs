//! The offline side of a consistency check: the training-set engine run over the logged
//! requests (their keys and times as labels), with the inputs cut where the explanation of a
//! mismatch asks for it.

use super::Cuts;
use crate::plan::{Plan, Service};
use crate::runtime::arrow::convert::ValueColumn;
use crate::runtime::arrow::schema::{UTC, arrow_type, timestamp_type};
use crate::runtime::arrow::values_to_array;
use crate::runtime::batch::{self, Engine, inputs, labels};
use crate::runtime::serve::catalog::ServedService;
use crate::runtime::serve::log::{LoggedRow, ServiceLog};
use crate::types::Value;
use datafusion::arrow::array::{ArrayRef, RecordBatch, TimestampMicrosecondArray};
use datafusion::arrow::datatypes::{Field, Schema};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// One group of a logged row's values (its keys, or its request inputs).
type LoggedValues = fn(&LoggedRow) -> &[Value];

/// The labels' time column: a name no key can have (keys are `.feat` identifiers).
const AT_COLUMN: &str = "__featc_request_at";

/// The offline engine failed to recompute the logged vectors.
#[derive(Debug, thiserror::Error)]
#[error("{context}: {reason}")]
pub struct OfflineError {
    context: &'static str,
    reason: String,
}

fn failed(context: &'static str) -> impl Fn(&dyn std::fmt::Display) -> OfflineError {
    move |e| OfflineError {
        context,
        reason: e.to_string(),
    }
}

/// The offline engine over the logged requests.
pub struct Offline<'a> {
    pub plan: &'a Plan,
    /// The project's directory: batch locations are relative to it.
    pub root: &'a Path,
    pub service: &'a Service,
    pub served: &'a ServedService,
    /// `--source NAME=LOCATION` overrides.
    pub overrides: &'a BTreeMap<String, String>,
    pub log: &'a ServiceLog,
    pub engine: Engine,
}

impl Offline<'_> {
    /// Per logged row in `rows`, the outputs the training set holds for its keys and time,
    /// with the inputs cut as `cuts` says.
    pub async fn values(
        &self,
        cuts: &Cuts,
        rows: &[usize],
    ) -> Result<Vec<Vec<Value>>, OfflineError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ctx = batch::session();
        let views: Vec<&str> = self.service.view_names();
        inputs::register_cut(&ctx, self.plan, self.root, &views, self.overrides, cuts)
            .await
            .map_err(|e| failed("cannot register the inputs")(&e))?;
        let (schema, labels) = self
            .labels(rows)
            .map_err(|e| failed("cannot build the labels")(&e))?;
        labels::register_label_batches(
            &ctx,
            "the serving log",
            &schema,
            &[labels],
            AT_COLUMN,
            labels::LabelColumns::of(self.service),
        )
        .map_err(|e| failed("cannot register the labels")(&e))?;
        batch::check_label_columns(&schema, self.service)
            .map_err(|e| failed("cannot use the labels")(&e))?;
        let df = batch::training_set(&ctx, self.plan, self.service, self.engine)
            .await
            .map_err(|e| failed("the offline recompute failed")(&e))?;
        let batches = df
            .collect()
            .await
            .map_err(|e| failed("the offline recompute failed")(&e))?;
        let mut out: Vec<Vec<Value>> = Vec::with_capacity(rows.len());
        for batch in &batches {
            let columns = self
                .served
                .outputs
                .iter()
                .map(|(name, _)| {
                    batch
                        .column_by_name(name)
                        .map(ValueColumn::new)
                        .ok_or_else(|| {
                            failed("the offline engine did not compute")(&format!("`{name}`"))
                        })
                })
                .collect::<Result<Vec<_>, OfflineError>>()?;
            for row in 0..batch.num_rows() {
                let values = columns
                    .iter()
                    .map(|c| c.value(row))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| failed("cannot read an offline value")(&e))?;
                out.push(values);
            }
        }
        if out.len() != rows.len() {
            return Err(failed("the offline engine returned")(&format!(
                "{} rows for {} labels",
                out.len(),
                rows.len()
            )));
        }
        Ok(out)
    }

    /// The labels of `rows`: the keys, the request inputs as sent, and
    /// `__featc_request_at`, in order.
    fn labels(&self, rows: &[usize]) -> datafusion::error::Result<(Arc<Schema>, RecordBatch)> {
        let mut fields: Vec<Field> = Vec::new();
        let mut columns: Vec<ArrayRef> = Vec::new();
        let groups: [(&[crate::plan::Field], LoggedValues); 2] = [
            (&self.served.keys, |r| &r.keys),
            (&self.served.request, |r| &r.request),
        ];
        for (typed, logged) in groups {
            for (i, field) in typed.iter().enumerate() {
                let ty = arrow_type(&field.ty.ty);
                let values: Vec<Value> = rows
                    .iter()
                    .map(|&r| {
                        logged(&self.log.rows[r])
                            .get(i)
                            .cloned()
                            .unwrap_or(Value::Null)
                    })
                    .collect();
                columns.push(values_to_array(&values, &ty)?);
                fields.push(Field::new(&field.name, ty, true));
            }
        }
        let at: TimestampMicrosecondArray =
            rows.iter().map(|&r| Some(self.log.rows[r].at)).collect();
        columns.push(Arc::new(at.with_timezone(UTC)));
        fields.push(Field::new(AT_COLUMN, timestamp_type(), false));
        let schema = Arc::new(Schema::new(fields));
        let batch = RecordBatch::try_new(Arc::clone(&schema), columns)?;
        Ok((schema, batch))
    }
}
