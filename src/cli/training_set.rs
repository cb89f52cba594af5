//! `featc training-set PATHS --service S --labels FILE --at COL --out FILE [--source ...]`:
//! every label row, in input order, label columns first, then the service's outputs as of the
//! row's time (SPEC 1.6), computed by the service's batch statement on DataFusion. The Parquet
//! file's key-value metadata records the lineage: service, featc version, each output's
//! fingerprint and the locations read.

use super::runtime::{self, data_error};
use super::{Failure, Format, inputs, report};
use crate::backend::batch::{self, context};
use crate::plan::{BatchFormat, Plan, Service};
use datafusion::arrow::datatypes::Schema;
use datafusion::dataframe::DataFrame;
use datafusion::prelude::SessionContext;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub struct Args<'a> {
    pub paths: &'a [PathBuf],
    pub service: &'a str,
    pub labels: &'a Path,
    pub at: &'a str,
    pub out: &'a Path,
    pub sources: &'a [(String, String)],
}

pub fn run(args: Args<'_>) -> Result<(), Failure> {
    let (project, plan) = report::load_plan(args.paths, Format::Human)?;
    let service = super::explain::find_service(&plan, args.service)?;
    let overrides = runtime::overrides(&plan, args.sources)?;
    let sql = batch::training_sql(&plan, service)
        .map_err(|e| data_error("cannot compile the training set", e))?;
    let labels = args.labels.to_string_lossy().into_owned();

    let rows = runtime::block_on(async {
        let ctx = runtime::session();
        let views: Vec<&str> = service.views.iter().map(String::as_str).collect();
        let mut locations =
            inputs::register(&ctx, &plan, &project.root, &views, &overrides).await?;
        let format = context::format_of(&labels, BatchFormat::Parquet);
        let schema = context::register_labels(&ctx, &labels, format, args.at, &service.keys)
            .await
            .map_err(|e| data_error("cannot read the labels", e))?;
        check_label_columns(&schema, service)?;
        locations.insert("labels".into(), labels.clone());
        let df = compute(&ctx, &plan, service, &sql).await?;
        let mut lineage = runtime::base_lineage(&plan);
        lineage.insert("featc.service".into(), service.name.clone());
        lineage.insert("featc.at".into(), args.at.to_string());
        lineage.insert(
            "featc.sources".into(),
            serde_json::to_string(&locations).unwrap_or_default(),
        );
        let fingerprints: BTreeMap<&str, &str> = service
            .outputs
            .iter()
            .map(|o| (o.name.as_str(), o.fingerprint.as_str()))
            .collect();
        lineage.insert(
            "featc.fingerprints".into(),
            serde_json::to_string(&fingerprints).unwrap_or_default(),
        );
        // Parquet label columns keep their types (the user's data, as given); a CSV file has
        // no types of its own, so its inferred (naive) times become UTC microseconds.
        let label_columns: Vec<String> = match format {
            BatchFormat::Parquet => schema.fields().iter().map(|f| f.name().clone()).collect(),
            BatchFormat::Csv => Vec::new(),
        };
        runtime::write_parquet(df, args.out, &lineage, &label_columns)
            .await
            .map_err(|e| data_error("training-set failed", e))
    })??;
    eprintln!("featc: wrote {rows} rows to {}", args.out.display());
    Ok(())
}

/// Label columns come first in the output; a label column named like an output would make
/// two columns of one name.
pub(super) fn check_label_columns(labels: &Schema, service: &Service) -> Result<(), Failure> {
    for output in &service.outputs {
        if labels.index_of(&output.name).is_ok() {
            eprintln!(
                "error: the labels have a column `{}`, which is also an output of `{}`\n  = help: rename or drop that column in the labels file",
                output.name, service.name
            );
            return Err(Failure::User);
        }
    }
    Ok(())
}

/// The training set of `service` for the labels registered in `ctx` (with the inputs of the
/// service's views): the service's batch statement `sql` (`batch::training_sql`), its
/// windowed aggregates computed by the sweep unless `FEATC_ENGINE=sql`. `featc consistency`
/// recomputes served vectors with this same function.
pub(super) async fn compute(
    ctx: &SessionContext,
    plan: &Plan,
    service: &Service,
    sql: &str,
) -> Result<DataFrame, Failure> {
    if runtime::sweeps() {
        batch::sweep::training_set(ctx, plan, service)
            .await
            .map_err(|e| data_error("training-set failed", e))
    } else {
        ctx.sql(sql)
            .await
            .map_err(|e| data_error("DataFusion rejected the training-set statement", e))
    }
}
