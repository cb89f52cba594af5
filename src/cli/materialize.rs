//! `featc materialize PATHS --view V --out DIR [--source NAME=LOCATION]... [--from T] [--to T]`:
//! runs the view's batch statement on DataFusion and writes Parquet under `DIR/V/`.
//!
//! `--from`/`--to` keep the rows whose span lies inside `[from, to)`: windows with
//! `from ≤ window_start` and `window_end ≤ to`; tiles with `from ≤ tile_start` and
//! `tile_start + tile_us ≤ to`; table rows with `from ≤ valid_from < to`.

use super::common::{self, data_error};
use super::{Failure, Format, report};
use crate::runtime::batch::{self, Engine, TimeRange, inputs, output};
use std::path::{Path, PathBuf};

pub struct Args<'a> {
    pub paths: &'a [PathBuf],
    pub view: &'a str,
    pub out: &'a Path,
    pub sources: &'a [(String, String)],
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
}

pub fn run(args: Args<'_>) -> Result<(), Failure> {
    let (project, plan) = report::load_plan(args.paths, Format::Human)?;
    let view = super::explain::find_view(&plan, args.view)?;
    let overrides = common::overrides(&plan, args.sources)?;
    let from = args
        .from
        .map(common::parse_time)
        .transpose()
        .map_err(Failure::Usage)?;
    let to = args
        .to
        .map(common::parse_time)
        .transpose()
        .map_err(Failure::Usage)?;
    let range = TimeRange { from, to };
    let dir = args.out.join(&view.name);
    let file = dir.join("part-0.parquet");

    let rows = common::block_on(async {
        let ctx = batch::session();
        let locations = inputs::register(
            &ctx,
            &plan,
            &project.root,
            &[view.name.as_str()],
            &overrides,
        )
        .await
        .map_err(common::fail)?;
        let df = batch::materialize(&ctx, &plan, view, Engine::from_env(), range)
            .await
            .map_err(|e| data_error("materialize failed", e))?;
        if dir.is_dir() {
            // a view's directory holds exactly one run's output
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                if entry.path().extension().is_some_and(|e| e == "parquet") {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        let lineage = output::view_lineage(&plan, view, &locations);
        output::write_parquet(df, &file, &lineage, &[])
            .await
            .map_err(|e| data_error("materialize failed", e))
    })??;
    eprintln!("featc: wrote {rows} rows to {}", file.display());
    Ok(())
}
