//! `featc publish PATHS --view V --postgres URL [--source NAME=LOCATION]... [--until T]`:
//! backfill a view's online table from its batch input, with the stream's own operator.
//!
//! The events (table rows) with time < T are read with DataFusion and folded exactly as the
//! stream folds messages. In ONE transaction, the view's tiles that start before T (table
//! rows in force before T) are deleted and rewritten from history: publishing again replaces,
//! never double-counts. T must be a multiple of every tile granularity of the view (checked),
//! so that no tile holds events on both sides of T: `publish --until T` then owns the tiles
//! before T and `stream --from-time T` those after, and every event is counted once.
//! Without `--until`, T is now (or `--now`) rounded down to that multiple.
//!
//! History older than the online retention (`now − settle − longest look-back − retain`) is
//! not loaded (counted as expired).

use super::runtime::{self, data_error};
use super::state_sink::write_views;
use super::stream::clock;
use super::{Failure, Format, inputs, report};
use crate::backend::batch::context::session_context;
use crate::backend::batch::udaf::convert::scalar_to_value;
use crate::backend::online::sink::{OnlineWriter, connect};
use crate::backend::stream::{Counts, Operator, OperatorConfig};
use crate::plan::window::floor;
use crate::plan::{Input, View};
use crate::types::{Micros, format_duration};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::prelude::{SessionConfig, col, lit};
use datafusion::scalar::ScalarValue;
use futures::StreamExt;
use std::path::PathBuf;

pub struct Args<'a> {
    pub paths: &'a [PathBuf],
    pub view: &'a str,
    pub postgres: &'a str,
    pub sources: &'a [(String, String)],
    pub until: Option<&'a str>,
    pub now: Option<&'a str>,
}

/// Events merged per upsert round inside the publishing transaction.
const ROUND: u64 = 50_000;

/// The least common multiple of the view's tile granularities: a T aligned to it starts a
/// tile of every granularity.
fn alignment(view: &View) -> Micros {
    fn gcd(a: Micros, b: Micros) -> Micros {
        if b == 0 { a } else { gcd(b, a % b) }
    }
    view.ladder()
        .into_iter()
        .fold(1, |l, g| (l / gcd(l, g)).saturating_mul(g))
}

fn time_text(t: Micros) -> String {
    chrono::DateTime::from_timestamp_micros(t)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        .unwrap_or_else(|| t.to_string())
}

pub fn run(args: Args<'_>) -> Result<(), Failure> {
    let (project, plan) = report::load_plan(args.paths, Format::Human)?;
    let view = super::explain::find_view(&plan, args.view)?;
    let overrides = runtime::overrides(&plan, args.sources)?;
    let clock = clock(args.now)?;
    let align = alignment(view);
    let until = match args.until {
        Some(t) => runtime::parse_time(t).map_err(Failure::Usage)?,
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
    let config = OperatorConfig {
        start: None,
        record_late: false,
    };
    let mut operator = Operator::new(&plan, &[view.name.as_str()], clock, config)
        .map_err(|e| data_error("cannot run the view", e))?;
    let input = match &view.input {
        Input::Source(name) | Input::Table(name) => name.clone(),
    };
    let time_column = match &view.input {
        Input::Source(name) => plan.source(name).map(|s| s.event_time.clone()),
        Input::Table(name) => plan.table(name).map(|t| t.valid_from.clone()),
    }
    .unwrap_or_default();
    let columns: Vec<String> = operator
        .input_fields(&input)
        .unwrap_or_default()
        .iter()
        .map(|f| f.name.clone())
        .collect();

    let totals = runtime::block_on(async {
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
        .await?;
        let until_literal = lit(ScalarValue::TimestampMicrosecond(
            Some(until),
            Some("UTC".into()),
        ));
        let history = async {
            ctx.table(input.as_str())
                .await?
                .filter(col(time_column.as_str()).lt(until_literal))?
                .select_columns(&columns.iter().map(String::as_str).collect::<Vec<_>>())?
                .execute_stream()
                .await
        };
        let mut history = history
            .await
            .map_err(|e| data_error(&format!("cannot read `{input}`"), e))?;

        let client = connect(args.postgres)
            .await
            .map_err(|e| data_error("cannot connect to Postgres", e))?;
        let mut writer = OnlineWriter::prepare(client, &plan, &[view.name.as_str()])
            .await
            .map_err(|e| data_error("cannot prepare the online table", e))?;
        let write = |e| data_error("cannot write the online table", e);
        let tx = writer.begin().await.map_err(write)?;
        let deleted = tx.delete_before(&view.name, until).await.map_err(write)?;
        let mut totals = Totals {
            deleted,
            ..Totals::default()
        };
        while let Some(batch) = history.next().await {
            let batch = batch.map_err(|e| data_error(&format!("cannot read `{input}`"), e))?;
            push_rows(&mut operator, &input, &batch)?;
            if operator.pending() >= ROUND {
                totals
                    .add(&tx, operator.take_batch())
                    .await
                    .map_err(write)?;
            }
        }
        totals
            .add(&tx, operator.take_batch())
            .await
            .map_err(write)?;
        if let Some(mark) = totals.watermark {
            tx.raise_watermark(&view.name, mark).await.map_err(write)?;
        }
        tx.commit().await.map_err(write)?;
        Ok::<Totals, Failure>(totals)
    })??;
    let c = totals.counts;
    eprintln!(
        "{}",
        serde_json::json!({
            "event": "published",
            "view": view.name,
            "until": time_text(until),
            "events": c.merged,
            "expired": c.expired,
            "rows_upserted": totals.rows,
            "rows_replaced": totals.deleted,
        })
    );
    eprintln!(
        "featc: published `{}` from events before {}; start the stream with --from-time {}",
        view.name,
        time_text(until),
        time_text(until)
    );
    Ok(())
}

#[derive(Default)]
struct Totals {
    counts: Counts,
    rows: u64,
    deleted: u64,
    watermark: Option<Micros>,
}

impl Totals {
    async fn add(
        &mut self,
        tx: &crate::backend::online::sink::WriteTransaction<'_>,
        batch: crate::backend::stream::MicroBatch,
    ) -> Result<(), crate::backend::online::sink::WriteError> {
        self.rows += write_views(tx, &batch.views).await?;
        let c = &batch.counts;
        self.counts.messages += c.messages;
        self.counts.merged += c.merged;
        self.counts.expired += c.expired;
        for w in &batch.watermarks {
            self.watermark = Some(self.watermark.map_or(w.event_time, |m| m.max(w.event_time)));
        }
        Ok(())
    }
}

/// Feeds every row of `batch` (the input's columns in schema order) to the operator.
fn push_rows(operator: &mut Operator, input: &str, batch: &RecordBatch) -> Result<(), Failure> {
    let bad = |e: &dyn std::fmt::Display| data_error(&format!("cannot read `{input}`"), e);
    for row in 0..batch.num_rows() {
        let values = batch
            .columns()
            .iter()
            .map(|column| {
                ScalarValue::try_from_array(column, row).and_then(|scalar| scalar_to_value(&scalar))
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(&e))?;
        operator.push_row(input, &values).map_err(|e| bad(&e))?;
    }
    Ok(())
}
