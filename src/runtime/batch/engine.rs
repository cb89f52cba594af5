//! What `featc materialize` and `featc training-set` compute, as DataFrames: a view's rows
//! (optionally restricted to a time range) and a service's training set, by the sweep or by
//! the generated statements as written ([`Engine`]). The commands, `featc consistency` and
//! the tests all go through here.

use super::context::session_context;
use super::sweep;
use crate::compile::batch::{BatchError, training_sql, view_sql};
use crate::plan::{Plan, Service, View, ViewKind, Window, naming};
use crate::types::Micros;
use datafusion::arrow::datatypes::Schema;
use datafusion::dataframe::DataFrame;
use datafusion::error::DataFusionError;
use datafusion::prelude::{Expr, SessionConfig, SessionContext, col, lit};
use datafusion::scalar::ScalarValue;

/// How windowed aggregates are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// The sweep over events sorted by (key, time) (`docs/batch.md`, "How the runtime
    /// executes the statements"): the default.
    Sweep,
    /// The generated statements as written: the reference the sweep is tested against, and a
    /// way around it should it ever be at fault.
    Sql,
}

impl Engine {
    /// `FEATC_ENGINE=sql` selects [`Engine::Sql`]; anything else the sweep.
    pub fn from_env() -> Engine {
        match std::env::var("FEATC_ENGINE") {
            Ok(engine) if engine == "sql" => Engine::Sql,
            _ => Engine::Sweep,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Label columns come first in a training set; a label column named like an output would
    /// make two columns of one name.
    #[error(
        "the labels have a column `{column}`, which is also an output of `{service}`\n  = help: rename or drop that column in the labels file"
    )]
    LabelColumn { column: String, service: String },
    #[error("cannot compile: {0}")]
    Compile(#[from] BatchError),
    #[error(transparent)]
    DataFusion(#[from] DataFusionError),
}

/// The session every batch command uses: featc's UDAFs, a batch size that keeps memory
/// bounded, and as many partitions as cores.
pub fn session() -> SessionContext {
    session_context(SessionConfig::new().with_information_schema(false))
}

/// The rows a materialization over `[from, to)` owns (either bound optional): windows whose
/// `window_end`, tiles whose `tile_start`, table rows whose `valid_from` lies in the range.
/// Consecutive ranges together hold exactly the rows of one unbounded run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeRange {
    pub from: Option<Micros>,
    pub to: Option<Micros>,
}

/// The input times a materialization over `range` reads: what the rows it owns are made of.
/// A window ending in `[from, to)` holds events from `from − size`; a tile starting in
/// `[from, to)` holds events up to `to` plus its granularity; a table row is its own input.
pub fn reach(view: &View, range: TimeRange) -> TimeRange {
    match &view.kind {
        ViewKind::Windowed {
            window: Window::Tumbling { size } | Window::Sliding { size, .. },
        } => TimeRange {
            from: range.from.map(|t| t.saturating_sub(*size)),
            to: range.to,
        },
        ViewKind::Windowed { .. } => {
            let widest = view.ladder().first().copied().unwrap_or(0);
            TimeRange {
                from: range.from,
                to: range.to.map(|t| t.saturating_add(widest)),
            }
        }
        ViewKind::Table { .. } => range,
    }
}

/// `view` materialized from the inputs registered in `ctx`.
pub async fn materialize(
    ctx: &SessionContext,
    plan: &Plan,
    view: &View,
    engine: Engine,
    range: TimeRange,
) -> Result<DataFrame, EngineError> {
    let df = if engine == Engine::Sweep && sweep::sweeps_materialization(view) {
        sweep::materialize(ctx, plan, view).await?
    } else {
        ctx.sql(&view_sql(plan, view)?).await?
    };
    Ok(restrict(df, view, range)?)
}

/// Checks that no label column is named like an output of `service`.
pub fn check_label_columns(labels: &Schema, service: &Service) -> Result<(), EngineError> {
    match service
        .outputs
        .iter()
        .find(|o| labels.index_of(&o.name).is_ok())
    {
        Some(output) => Err(EngineError::LabelColumn {
            column: output.name.clone(),
            service: service.name.clone(),
        }),
        None => Ok(()),
    }
}

/// The training set of `service` for the labels and inputs registered in `ctx`: every label
/// row, in input order, label columns first, then the outputs as of the row's time.
pub async fn training_set(
    ctx: &SessionContext,
    plan: &Plan,
    service: &Service,
    engine: Engine,
) -> Result<DataFrame, EngineError> {
    match engine {
        Engine::Sweep => Ok(sweep::training_set(ctx, plan, service).await?),
        Engine::Sql => Ok(ctx.sql(&training_sql(plan, service)?).await?),
    }
}

fn timestamp(micros: Micros) -> Expr {
    lit(ScalarValue::TimestampMicrosecond(
        Some(micros),
        Some("UTC".into()),
    ))
}

/// Keeps the rows a run over `[from, to)` owns: each row is owned by the range that holds
/// the time it is keyed at — a window's end (the time its value holds from), a tile's start,
/// a table row's `valid_from` — so consecutive ranges share no row and miss none.
fn restrict(
    mut df: DataFrame,
    view: &View,
    range: TimeRange,
) -> Result<DataFrame, DataFusionError> {
    let key = match &view.kind {
        ViewKind::Windowed {
            window: Window::Tumbling { .. } | Window::Sliding { .. },
        } => col(naming::WINDOW_END),
        ViewKind::Windowed { .. } => col(naming::TILE_START),
        ViewKind::Table { .. } => col(naming::VALID_FROM),
    };
    if let Some(from) = range.from {
        df = df.filter(key.clone().gt_eq(timestamp(from)))?;
    }
    if let Some(to) = range.to {
        df = df.filter(key.lt(timestamp(to)))?;
    }
    Ok(df)
}
