//! `featc materialize PATHS --view V --out DIR [--source NAME=LOCATION]... [--from T] [--to T]`:
//! runs the view's batch statement on DataFusion and writes Parquet under `DIR/V/`.
//!
//! `--from`/`--to` keep the rows whose span lies inside `[from, to)`: windows with
//! `from ≤ window_start` and `window_end ≤ to`; tiles with `from ≤ tile_start` and
//! `tile_start + tile_us ≤ to`; table rows with `from ≤ valid_from < to`.

use super::runtime::{self, data_error};
use super::{Failure, Format, inputs, report};
use crate::backend::batch;
use crate::plan::{ViewKind, Window, naming};
use datafusion::prelude::{col, lit};
use datafusion::scalar::ScalarValue;
use std::path::{Path, PathBuf};

pub struct Args<'a> {
    pub paths: &'a [PathBuf],
    pub view: &'a str,
    pub out: &'a Path,
    pub sources: &'a [(String, String)],
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
}

fn timestamp(micros: i64) -> datafusion::prelude::Expr {
    lit(ScalarValue::TimestampMicrosecond(
        Some(micros),
        Some("UTC".into()),
    ))
}

pub fn run(args: Args<'_>) -> Result<(), Failure> {
    let (project, plan) = report::load_plan(args.paths, Format::Human)?;
    let view = super::explain::find_view(&plan, args.view)?;
    let overrides = runtime::overrides(&plan, args.sources)?;
    let from = args
        .from
        .map(runtime::parse_time)
        .transpose()
        .map_err(Failure::Usage)?;
    let to = args
        .to
        .map(runtime::parse_time)
        .transpose()
        .map_err(Failure::Usage)?;
    let sql = batch::view_sql(&plan, view).map_err(|e| data_error("cannot compile the view", e))?;
    let dir = args.out.join(&view.name);
    let file = dir.join("part-0.parquet");

    let rows = runtime::block_on(async {
        let ctx = runtime::session();
        let locations = inputs::register(
            &ctx,
            &plan,
            &project.root,
            &[view.name.as_str()],
            &overrides,
        )
        .await?;
        let mut df = if runtime::sweeps() && batch::sweep::sweeps_materialization(view) {
            batch::sweep::materialize(&ctx, &plan, view)
                .await
                .map_err(|e| data_error("materialize failed", e))?
        } else {
            ctx.sql(&sql)
                .await
                .map_err(|e| data_error("DataFusion rejected the view's statement", e))?
        };
        let (start, end) = match &view.kind {
            ViewKind::Windowed {
                window: Window::Tumbling { .. } | Window::Sliding { .. },
            } => (col(naming::WINDOW_START), col(naming::WINDOW_END)),
            ViewKind::Windowed { .. } => (
                col(naming::TILE_START),
                col(naming::TILE_START), // tile ends are checked below with tile_us
            ),
            ViewKind::Table { .. } => (col(naming::VALID_FROM), col(naming::VALID_FROM)),
        };
        let tiles = matches!(
            &view.kind,
            ViewKind::Windowed {
                window: Window::Rolling { .. } | Window::Lifetime
            }
        );
        if let Some(from) = from {
            df = df
                .filter(start.gt_eq(timestamp(from)))
                .map_err(|e| data_error("--from", e))?;
        }
        if let Some(to) = to {
            let keep = if tiles {
                // tile_start + tile_us ≤ to  ⇔  tile_start ≤ to − tile_us, in microseconds
                (datafusion::prelude::cast(
                    col(naming::TILE_START),
                    datafusion::arrow::datatypes::DataType::Int64,
                ) + col(naming::TILE_GRANULARITY))
                .lt_eq(lit(to))
            } else if matches!(view.kind, ViewKind::Table { .. }) {
                end.lt(timestamp(to))
            } else {
                end.lt_eq(timestamp(to))
            };
            df = df.filter(keep).map_err(|e| data_error("--to", e))?;
        }
        if dir.is_dir() {
            // a view's directory holds exactly one run's output
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                if entry.path().extension().is_some_and(|e| e == "parquet") {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        let mut lineage = runtime::base_lineage(&plan);
        lineage.insert("featc.view".into(), view.name.clone());
        lineage.insert(
            "featc.sources".into(),
            serde_json::to_string(&locations).unwrap_or_default(),
        );
        let fingerprints: std::collections::BTreeMap<&str, &str> = view
            .features
            .iter()
            .map(|f| (f.name.as_str(), f.fingerprint.as_str()))
            .collect();
        lineage.insert(
            "featc.fingerprints".into(),
            serde_json::to_string(&fingerprints).unwrap_or_default(),
        );
        runtime::write_parquet(df, &file, &lineage, &[])
            .await
            .map_err(|e| data_error("materialize failed", e))
    })??;
    eprintln!("featc: wrote {rows} rows to {}", file.display());
    Ok(())
}
