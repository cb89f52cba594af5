//! `featc publish PATHS --view V --postgres URL [--source NAME=LOCATION]... [--until T]`:
//! backfill a view's online table from its batch input (`crate::runtime::publish`). Without
//! `--until`, T is now (or `--now`) rounded down to the view's tile alignment.

use super::common::{self, data_error};
use super::stream::clock;
use super::{Failure, Format, report};
use crate::plan::window::floor;
use crate::runtime::batch::context::session_context;
use crate::runtime::batch::inputs;
use crate::runtime::publish::{alignment, publish};
use crate::types::{Micros, format_duration};
use datafusion::prelude::SessionConfig;
use std::path::PathBuf;

pub struct Args<'a> {
    pub paths: &'a [PathBuf],
    pub view: &'a str,
    pub postgres: &'a str,
    pub sources: &'a [(String, String)],
    pub until: Option<&'a str>,
    pub now: Option<&'a str>,
}

fn time_text(t: Micros) -> String {
    chrono::DateTime::from_timestamp_micros(t)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        .unwrap_or_else(|| t.to_string())
}

pub fn run(args: Args<'_>) -> Result<(), Failure> {
    let (project, plan) = report::load_plan(args.paths, Format::Human)?;
    let view = super::explain::find_view(&plan, args.view)?;
    common::refuse_offline_only(view, "publish")?;
    let overrides = common::overrides(&plan, args.sources)?;
    let clock = clock(args.now)?;
    let now = clock.now();
    let align = alignment(view);
    let until = match args.until {
        Some(t) => common::parse_time(t).map_err(Failure::Usage)?,
        None => floor(clock.now(), align),
    };
    if until.rem_euclid(align) != 0 {
        return Err(Failure::Usage(format!(
            "--until must be a multiple of {} (the tiles of `{}` must not straddle it); e.g. --until {}",
            format_duration(align),
            view.name,
            time_text(floor(until, align))
        )));
    }
    let published = common::block_on(async {
        // one partition: the history is folded in file order, so that float states (whose
        // last bits depend on the order of additions) are the same on every run
        let ctx = session_context(SessionConfig::new().with_target_partitions(1));
        inputs::register(
            &ctx,
            &plan,
            &project.root,
            &[view.name.as_str()],
            &overrides,
        )
        .await
        .map_err(common::fail)?;
        publish(&ctx, &plan, view, until, clock, args.postgres)
            .await
            .map_err(|e| data_error("publish failed", e))
    })??;
    let c = published.counts;
    eprintln!(
        "{}",
        serde_json::json!({
            "event": "published",
            "view": view.name,
            "until": time_text(until),
            "events": c.merged,
            "expired": c.expired,
            "rows_upserted": published.rows,
            "rows_replaced": published.deleted,
        })
    );
    if c.expired > 0 {
        // history older than the online retention (as of now) is not loaded: say so, since a
        // backfill of old data without `--now` would otherwise load nothing and exit 0
        eprintln!(
            "warning: {} of {} events are older than what the online store of `{}` keeps as of {} (its longest window, settle and `retain`) and were not loaded\n  = help: to load old history, pass --now at the end of the data (the latest event time backfilled), or give the view a longer `retain`",
            c.expired,
            c.merged + c.expired,
            view.name,
            time_text(now),
        );
        if c.merged == 0 {
            // everything read was dropped: exit 0 would let a backfill job report success
            return Err(common::fail(format!(
                "nothing was published to `{}`: all {} events read were older than its online store keeps",
                view.name, c.expired
            )));
        }
    }
    if c.merged + c.expired == 0 {
        eprintln!(
            "warning: `{}` read no event before {}: its online table holds nothing yet
  = help: check --source and --until (the inputs the view reads, and up to when)",
            view.name,
            time_text(until)
        );
    }
    eprintln!(
        "featc: published `{}` from events before {}; start the stream with --from-time {}",
        view.name,
        time_text(until),
        time_text(until)
    );
    Ok(())
}
