//! Registering the batch inputs a command reads, and only those: a source the command does not
//! read need not have data on this machine.

use super::context::{format_of, register_input};
use crate::plan::{BatchFormat, Field, Input, Plan};
use crate::runtime::arrow::schema::UTC;
use crate::types::Micros;
use datafusion::common::{Column, DataFusionError, ScalarValue};
use datafusion::prelude::{SessionContext, col, lit};
use std::collections::BTreeMap;
use std::path::Path;

/// The locations read, by input name, for the output's lineage.
pub type Locations = BTreeMap<String, String>;

/// Per input name, the time up to which its rows are kept (`None`: none are): what the
/// online store held at some moment (`featc consistency`).
pub type Cuts = BTreeMap<String, Option<Micros>>;

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error(
        "`{0}` has no `batch` location, and none was given\n  = help: pass --source {0}=PATH (a Parquet or CSV file, directory or glob)"
    )]
    NoLocation(String),
    #[error("cannot read `{name}`: {source}")]
    Read {
        name: String,
        #[source]
        source: DataFusionError,
    },
}

fn input_of<'p>(
    plan: &'p Plan,
    input: &Input,
) -> Option<(&'p str, &'p [Field], Option<&'p crate::plan::Batch>)> {
    match input {
        Input::Source(name) => plan
            .source(name)
            .map(|s| (s.name.as_str(), s.fields.as_slice(), s.batch.as_ref())),
        Input::Table(name) => plan
            .table(name)
            .map(|t| (t.name.as_str(), t.fields.as_slice(), t.batch.as_ref())),
    }
}

/// Registers the inputs of `views` under their names; returns where each was read from.
pub async fn register(
    ctx: &SessionContext,
    plan: &Plan,
    root: &Path,
    views: &[&str],
    overrides: &BTreeMap<String, String>,
) -> Result<Locations, InputError> {
    register_cut(ctx, plan, root, views, overrides, &Cuts::new()).await
}

/// Like [`register`], but an input named in `cuts` keeps only the rows whose time (a
/// source's event time; a table's `known_at`, else its `valid_from`) is at or before its cut
/// (none for a cut of `None`): what the online store held (`featc consistency`).
pub async fn register_cut(
    ctx: &SessionContext,
    plan: &Plan,
    root: &Path,
    views: &[&str],
    overrides: &BTreeMap<String, String>,
    cuts: &Cuts,
) -> Result<Locations, InputError> {
    let keep = |input: &Input| {
        let name = input_name(input);
        let cut = cuts.get(name)?;
        let time = time_column(plan, input).unwrap_or_default();
        Some(match cut {
            Some(t) => col(Column::from_name(time)).lt_eq(timestamp(*t)),
            None => lit(false),
        })
    };
    register_kept(ctx, plan, root, views, overrides, &keep).await
}

/// Like [`register`] for one view, keeping only the input rows whose time (a source's event
/// time; a table's `valid_from`) lies in `[from, to)`: what a `featc materialize` range
/// reaches (see [`super::engine::reach`]).
pub async fn register_between(
    ctx: &SessionContext,
    plan: &Plan,
    root: &Path,
    view: &str,
    overrides: &BTreeMap<String, String>,
    from: Option<Micros>,
    to: Option<Micros>,
) -> Result<Locations, InputError> {
    let keep = |input: &Input| {
        let time = match input {
            Input::Source(name) => plan.source(name).map(|s| s.event_time.as_str()),
            Input::Table(name) => plan.table(name).map(|t| t.valid_from.as_str()),
        }?;
        let time = || col(Column::from_name(time));
        let bounds = [
            from.map(|t| time().gt_eq(timestamp(t))),
            to.map(|t| time().lt(timestamp(t))),
        ];
        bounds.into_iter().flatten().reduce(|a, b| a.and(b))
    };
    register_kept(ctx, plan, root, &[view], overrides, &keep).await
}

fn timestamp(t: Micros) -> datafusion::prelude::Expr {
    lit(ScalarValue::TimestampMicrosecond(Some(t), Some(UTC.into())))
}

fn input_name(input: &Input) -> &str {
    match input {
        Input::Source(name) | Input::Table(name) => name,
    }
}

/// Registers the inputs of `views`; an input for which `keep` gives a predicate is registered
/// as the rows that satisfy it.
async fn register_kept(
    ctx: &SessionContext,
    plan: &Plan,
    root: &Path,
    views: &[&str],
    overrides: &BTreeMap<String, String>,
    keep: &dyn Fn(&Input) -> Option<datafusion::prelude::Expr>,
) -> Result<Locations, InputError> {
    let mut locations = Locations::new();
    for view in views {
        let Some(view) = plan.view(view) else {
            continue;
        };
        let Some((name, fields, batch)) = input_of(plan, &view.input) else {
            continue;
        };
        if locations.contains_key(name) {
            continue;
        }
        let location = match (overrides.get(name), batch) {
            (Some(location), _) => location.clone(),
            (None, Some(batch)) => root.join(&batch.path).to_string_lossy().into_owned(),
            (None, None) => return Err(InputError::NoLocation(name.to_string())),
        };
        let default = batch.map_or(BatchFormat::Parquet, |b| b.format);
        let format = format_of(&location, default);
        let failed = |source| InputError::Read {
            name: name.to_string(),
            source,
        };
        match keep(&view.input) {
            None => register_input(ctx, name, fields, format, &location)
                .await
                .map_err(failed)?,
            Some(predicate) => {
                let all = format!("__featc_all_{name}");
                register_input(ctx, &all, fields, format, &location)
                    .await
                    .map_err(failed)?;
                let rows = ctx.table(all.as_str()).await.map_err(failed)?;
                let rows = rows.filter(predicate).map_err(failed)?;
                ctx.register_table(name, rows.into_view()).map_err(failed)?;
            }
        }
        locations.insert(name.to_string(), location);
    }
    Ok(locations)
}

/// The column that says when an input's row came to be: a source's event time; a table's
/// `known_at`, else its `valid_from`.
fn time_column<'p>(plan: &'p Plan, input: &Input) -> Option<&'p str> {
    match input {
        Input::Source(name) => plan.source(name).map(|s| s.event_time.as_str()),
        Input::Table(name) => plan
            .table(name)
            .map(|t| t.known_at.as_deref().unwrap_or(&t.valid_from)),
    }
}
