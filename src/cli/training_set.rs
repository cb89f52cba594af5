//! `featc training-set PATHS --service S --labels FILE --at COL --out FILE [--source ...]`:
//! every label row, in input order, label columns first, then the service's outputs as of the
//! row's time (`docs/language.md`), computed by the service's batch statement on DataFusion. The Parquet
//! file's key-value metadata records the lineage: service, featc version, each output's
//! fingerprint and the locations read.

use super::common::{self, data_error};
use super::{Failure, Format, report};
use crate::plan::BatchFormat;
use crate::runtime::batch::{self, Engine, context, inputs, labels, output};
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
    let overrides = common::overrides(&plan, args.sources)?;
    let label_file = args.labels.to_string_lossy().into_owned();

    let rows = common::block_on(async {
        let ctx = batch::session();
        let views: Vec<&str> = service.view_names();
        let mut locations = inputs::register(&ctx, &plan, &project.root, &views, &overrides)
            .await
            .map_err(common::fail)?;
        let format = context::format_of(&label_file, BatchFormat::Parquet);
        let schema = labels::register_labels(
            &ctx,
            &label_file,
            format,
            args.at,
            labels::LabelColumns::of(service),
        )
        .await
        .map_err(common::fail)?;
        batch::check_label_columns(&schema, service).map_err(common::fail)?;
        locations.insert("labels".into(), label_file.clone());
        let df = batch::training_set(&ctx, &plan, service, Engine::from_env())
            .await
            .map_err(|e| data_error("training-set failed", e))?;
        let lineage = output::service_lineage(&plan, service, args.at, &locations);
        // Parquet label columns keep their types (the user's data, as given); a CSV file has
        // no types of its own, so its inferred (naive) times become UTC microseconds.
        let label_columns: Vec<String> = match format {
            BatchFormat::Parquet => schema.fields().iter().map(|f| f.name().clone()).collect(),
            BatchFormat::Csv => Vec::new(),
        };
        output::write_parquet(df, args.out, &lineage, &label_columns)
            .await
            .map_err(|e| data_error("training-set failed", e))
    })??;
    eprintln!("featc: wrote {rows} rows to {}", args.out.display());
    Ok(())
}
