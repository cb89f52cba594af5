//! `featc materialize PATHS --view V --out DIR [--source NAME=LOCATION]... [--from T] [--to T]`:
//! runs the view's batch statement on DataFusion and writes Parquet under `DIR/V/`.
//!
//! `--from`/`--to` keep the rows a run over `[from, to)` owns: windows whose `window_end`,
//! tiles whose `tile_start`, table rows whose `valid_from` lies in it, so that consecutive
//! ranges together equal one full run, row for row. Each run writes its own part file,
//! `DIR/V/part-<from>_<to>.parquet` (µs since the epoch, `start`/`end` when unbounded), and
//! replaces only the parts whose ranges overlap its own.

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
    if let (Some(from), Some(to)) = (from, to)
        && from >= to
    {
        return Err(Failure::Usage(format!(
            "--from must be before --to (the range is [from, to)), got {} and {}",
            args.from.unwrap_or_default(),
            args.to.unwrap_or_default()
        )));
    }
    let range = TimeRange { from, to };
    let dir = args.out.join(&view.name);
    let file = dir.join(part_name(range));

    let rows = common::block_on(async {
        let ctx = batch::session();
        // only the input rows the range's windows, tiles or rows are made of
        let reach = batch::reach(view, range);
        let locations = inputs::register_between(
            &ctx,
            &plan,
            &project.root,
            &view.name,
            &overrides,
            reach.from,
            reach.to,
        )
        .await
        .map_err(common::fail)?;
        let df = batch::materialize(&ctx, &plan, view, Engine::from_env(), range)
            .await
            .map_err(|e| data_error("materialize failed", e))?;
        if dir.is_dir() {
            // the parts of earlier runs over ranges that overlap this one are replaced by it
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let is_parquet = entry.path().extension().is_some_and(|e| e == "parquet");
                if is_parquet && part_range(&name).is_none_or(|other| overlap(other, range)) {
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

/// `part-<from>_<to>.parquet`, bounds in µs since the epoch (`_` because a bound before 1970
/// has a `-`), `start`/`end` when open.
fn part_name(range: TimeRange) -> String {
    let bound = |b: Option<i64>, open: &str| b.map_or_else(|| open.to_string(), |t| t.to_string());
    format!(
        "part-{}_{}.parquet",
        bound(range.from, "start"),
        bound(range.to, "end")
    )
}

/// The range a part file was written for (`None`: not a part this command names, e.g. the
/// `part-0.parquet` of earlier versions, which held a whole run).
fn part_range(name: &str) -> Option<TimeRange> {
    let stem = name.strip_prefix("part-")?.strip_suffix(".parquet")?;
    let (from, to) = stem.split_once('_')?;
    let bound = |text: &str, open: &str| -> Option<Option<i64>> {
        if text == open {
            Some(None)
        } else {
            text.parse().ok().map(Some)
        }
    };
    Some(TimeRange {
        from: bound(from, "start")?,
        to: bound(to, "end")?,
    })
}

/// Whether two half-open ranges share an instant (open bounds reach infinitely far).
fn overlap(a: TimeRange, b: TimeRange) -> bool {
    let before = |end: Option<i64>, start: Option<i64>| match (end, start) {
        (Some(end), Some(start)) => end <= start,
        _ => false,
    };
    !before(a.to, b.from) && !before(b.to, a.from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(from: Option<i64>, to: Option<i64>) -> TimeRange {
        TimeRange { from, to }
    }

    #[test]
    fn part_names_round_trip_and_overlaps_are_half_open() {
        for r in [
            range(None, None),
            range(Some(10), Some(20)),
            range(Some(-20), Some(-10)),
            range(None, Some(-5)),
            range(Some(7), None),
        ] {
            assert_eq!(part_range(&part_name(r)), Some(r), "{}", part_name(r));
        }
        assert_eq!(part_range("part-0.parquet"), None);
        assert!(!overlap(
            range(Some(0), Some(10)),
            range(Some(10), Some(20))
        ));
        assert!(overlap(range(Some(0), Some(11)), range(Some(10), Some(20))));
        assert!(overlap(range(None, None), range(Some(10), Some(20))));
        assert!(!overlap(range(None, Some(10)), range(Some(10), None)));
    }
}
