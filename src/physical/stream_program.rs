//! What the stream operator runs for each view, resolved once from the plan: where its events
//! come from (the input's schema, topic and time column), its keys, and either its aggregates
//! with the tile ladder and retention (a view over a source) or the columns of its rows (a
//! view over a table). The state columns are the online table's ([`super::online_table`]).
//!
//! A [`StreamProgram`] is self-contained and serializable: `featc compile` writes it as
//! `stream/<view>.json`, and the operator runs exactly what that file says
//! ([`link`] joins the programs of several views that share inputs).

use super::online_table::{ColumnRole, view_layout};
use crate::agg::AggFunc;
use crate::plan::{Expr, Field, Input, Plan, StreamFormat, View, ViewKind, Window};
use crate::types::{Micros, Type};
use serde::{Deserialize, Serialize};

/// Bumped whenever a field's meaning changes.
pub const PROGRAM_VERSION: u32 = 3;

/// The plan does not describe a view the stream can run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProgramError {
    #[error("there is no view `{0}`")]
    UnknownView(String),
    #[error("view `{view}` reads `{input}`, which is not in the plan")]
    UnknownInput { view: String, input: String },
    #[error("view `{view}`: its input has no column `{column}`")]
    MissingColumn { view: String, column: String },
    #[error("view `{view}`: {reason}")]
    Layout { view: String, reason: String },
}

/// An input (source or table) as the operator decodes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputProgram {
    pub name: String,
    /// The Kafka topic (`None`: batch only; such an input can still be published).
    pub topic: Option<String>,
    /// The messages' format (`None` with the topic).
    pub format: Option<StreamFormat>,
    /// The schema messages are validated against, in declaration order.
    pub fields: Vec<Field>,
    /// The column that places an event in time: the event time of a source, `valid_from` of
    /// a table.
    pub time: usize,
}

/// One aggregate feature: how an event updates its state and where the state is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AggregateProgram {
    pub feature: String,
    pub func: AggFunc,
    /// `None` for `count(*)`.
    pub arg: Option<Expr>,
    pub arg_type: Option<Type>,
    pub filter: Option<Expr>,
    /// The window the lookup reads; the operator merges every event into every tile of the
    /// ladder whatever the window.
    pub window: Window,
    /// The online column of each state field, in `agg::state_fields` order.
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProgramKind {
    /// A view over a source: every event is merged into one tile per granularity.
    Tiles {
        ladder: Vec<Micros>,
        aggregates: Vec<AggregateProgram>,
        /// How far back from "now" the online store must keep state (settle + the longest
        /// look-back of a window + retain); `None` for a lifetime feature (forever).
        retention: Option<Micros>,
    },
    /// A view over a table: one row per key and `valid_from`, last write wins.
    Rows { known_at: Option<usize> },
}

/// An entity key and the input column that holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyColumn {
    pub name: String,
    /// Its position in the input's fields.
    pub column: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ViewProgram {
    pub name: String,
    /// Index into the operator's inputs, set by [`link`] (not part of the serialized program,
    /// which carries its input whole).
    #[serde(skip)]
    pub input: usize,
    /// The entity keys, in the view's key order.
    pub keys: Vec<KeyColumn>,
    pub kind: ProgramKind,
}

/// How far before `t` the value at `t` may read (docs/language.md#windows-and-point-in-time-semantics): `floor(t, slide) − size` is at
/// least `t − slide − size`, and `floor(t, hop) − size` at least `t − hop − size`.
fn look_back(window: &Window) -> Option<Micros> {
    match *window {
        Window::Tumbling { size } => Some(size.saturating_mul(2)),
        Window::Sliding { size, slide } => Some(size.saturating_add(slide)),
        Window::Rolling { size, hop } => Some(size.saturating_add(hop)),
        Window::Lifetime => None,
    }
}

/// One view's program as `featc compile` writes it (`stream/<view>.json`): the view, its
/// input, and the file that declares it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamProgram {
    pub program_version: u32,
    pub input: InputProgram,
    pub view: ViewProgram,
    pub entity: String,
    /// The online table the states are merged into.
    pub online_table: String,
    /// The file that declares the view (by name, not line: adding a line above a view must
    /// not change its program).
    pub declared_in: String,
}

/// The program of `view`.
pub fn view_program(plan: &Plan, view: &View) -> Result<StreamProgram, ProgramError> {
    let (input, settle) = input_program(plan, view)?;
    let column = |column: &str| {
        input
            .fields
            .iter()
            .position(|f| f.name == column)
            .ok_or_else(|| ProgramError::MissingColumn {
                view: view.name.clone(),
                column: column.to_string(),
            })
    };
    let keys = view
        .keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            Ok(KeyColumn {
                name: k.name.clone(),
                column: column(view.key_column(i))?,
            })
        })
        .collect::<Result<_, ProgramError>>()?;
    let kind = match &view.kind {
        ViewKind::Windowed { .. } => tiles(plan, view, settle)?,
        ViewKind::Table { .. } => {
            let known_at = match &view.input {
                Input::Table(t) => plan.table(t).and_then(|t| t.known_at.clone()),
                Input::Source(_) => None,
            };
            ProgramKind::Rows {
                known_at: known_at.as_deref().map(column).transpose()?,
            }
        }
    };
    Ok(StreamProgram {
        program_version: PROGRAM_VERSION,
        input,
        view: ViewProgram {
            name: view.name.clone(),
            input: 0,
            keys,
            kind,
        },
        entity: view.entity.clone(),
        online_table: view.online.table.clone(),
        declared_in: view.location.file.clone(),
    })
}

/// The inputs and views one operator runs for several programs: inputs shared by views are
/// decoded once (each view's `input` is its index in the returned inputs).
pub fn link(programs: Vec<StreamProgram>) -> (Vec<InputProgram>, Vec<ViewProgram>) {
    let mut inputs: Vec<InputProgram> = Vec::new();
    let mut views = Vec::new();
    for program in programs {
        let index = match inputs.iter().position(|i| i.name == program.input.name) {
            Some(i) => i,
            None => {
                inputs.push(program.input);
                inputs.len() - 1
            }
        };
        views.push(ViewProgram {
            input: index,
            ..program.view
        });
    }
    (inputs, views)
}

/// The inputs and views the operator runs for `views` (names of views of `plan`).
pub fn compile(
    plan: &Plan,
    views: &[&str],
) -> Result<(Vec<InputProgram>, Vec<ViewProgram>), ProgramError> {
    let programs = views
        .iter()
        .map(|name| {
            let view = plan
                .view(name)
                .ok_or_else(|| ProgramError::UnknownView(name.to_string()))?;
            view_program(plan, view)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(link(programs))
}

/// The tile program of a view over a source: its state columns are those of its online table.
fn tiles(plan: &Plan, view: &View, settle: Micros) -> Result<ProgramKind, ProgramError> {
    let layout = view_layout(plan, view).map_err(|e| ProgramError::Layout {
        view: view.name.clone(),
        reason: e.to_string(),
    })?;
    let aggregates: Vec<AggregateProgram> = view
        .aggregates()
        .map(|(feature, aggregate)| {
            let columns = layout
                .columns
                .iter()
                .filter(|c| matches!(&c.role, ColumnRole::State { feature: f, .. } if *f == feature.name))
                .map(|c| c.name.clone())
                .collect();
            AggregateProgram {
                feature: feature.name.clone(),
                func: aggregate.func.clone(),
                arg: aggregate.arg.clone(),
                arg_type: aggregate.arg.as_ref().map(|a| a.ty.ty.clone()),
                filter: aggregate.filter.clone(),
                window: aggregate.window,
                columns,
            }
        })
        .collect();
    let look_backs: Option<Vec<Micros>> = view
        .aggregates()
        .map(|(_, aggregate)| look_back(&aggregate.window))
        .collect();
    let retention = look_backs.map(|spans| {
        let longest = spans.into_iter().max().unwrap_or(0);
        settle
            .saturating_add(longest)
            .saturating_add(view.online.retain)
    });
    Ok(ProgramKind::Tiles {
        ladder: view.ladder(),
        aggregates,
        retention,
    })
}

fn input_program(plan: &Plan, view: &View) -> Result<(InputProgram, Micros), ProgramError> {
    let unknown = |input: &str| ProgramError::UnknownInput {
        view: view.name.clone(),
        input: input.to_string(),
    };
    let missing = |column: &str| ProgramError::MissingColumn {
        view: view.name.clone(),
        column: column.to_string(),
    };
    let position = |fields: &[Field], column: &str| {
        fields
            .iter()
            .position(|f| f.name == column)
            .ok_or_else(|| missing(column))
    };
    match &view.input {
        Input::Source(name) => {
            let source = plan.source(name).ok_or_else(|| unknown(name))?;
            let program = InputProgram {
                name: source.name.clone(),
                topic: source.stream.as_ref().map(|s| s.topic.clone()),
                format: source.stream.as_ref().map(|s| s.format),
                fields: source.fields.clone(),
                time: position(&source.fields, &source.event_time)?,
            };
            Ok((program, source.settle))
        }
        Input::Table(name) => {
            let table = plan.table(name).ok_or_else(|| unknown(name))?;
            let program = InputProgram {
                name: table.name.clone(),
                topic: table.stream.as_ref().map(|s| s.topic.clone()),
                format: table.stream.as_ref().map(|s| s.format),
                fields: table.fields.clone(),
                time: position(&table.fields, &table.valid_from)?,
            };
            Ok((program, 0))
        }
    }
}
