//! What `featc materialize` and `featc training-set` compute, as DataFrames: a view's rows
//! (optionally restricted to a time range) and a service's training set, by the sweep or by
//! the generated statements as written ([`Engine`]). The commands, `featc consistency` and
//! the tests all go through here.

use super::context::session_context;
use super::sweep;
use crate::compile::batch::{BatchError, training_sql, view_sql};
use crate::plan::{Plan, Service, View, ViewKind, Window, naming};
use crate::types::Micros;
use datafusion::arrow::datatypes::{DataType, Schema};
use datafusion::dataframe::DataFrame;
use datafusion::error::DataFusionError;
use datafusion::prelude::{Expr, SessionConfig, SessionContext, cast, col, lit};
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

/// The rows of a materialization whose span lies inside `[from, to)` (either bound optional):
/// windows with `from ≤ window_start` and `window_end ≤ to`; tiles with `from ≤ tile_start`
/// and `tile_start + tile_us ≤ to`; table rows with `from ≤ valid_from < to`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeRange {
    pub from: Option<Micros>,
    pub to: Option<Micros>,
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

fn restrict(
    mut df: DataFrame,
    view: &View,
    range: TimeRange,
) -> Result<DataFrame, DataFusionError> {
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
    if let Some(from) = range.from {
        df = df.filter(start.gt_eq(timestamp(from)))?;
    }
    if let Some(to) = range.to {
        let keep = if tiles {
            // tile_start + tile_us ≤ to  ⇔  tile_start ≤ to − tile_us, in microseconds
            (cast(col(naming::TILE_START), DataType::Int64) + col(naming::TILE_GRANULARITY))
                .lt_eq(lit(to))
        } else if matches!(view.kind, ViewKind::Table { .. }) {
            end.lt(timestamp(to))
        } else {
            end.lt_eq(timestamp(to))
        };
        df = df.filter(keep)?;
    }
    Ok(df)
}
