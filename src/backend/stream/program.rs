//! What the operator runs for each view, resolved once from the plan: where its events come
//! from (the input's schema, topic and time columns), its keys, and either its aggregates with
//! the tile ladder and retention (a view over a source) or the columns of its rows (a view over
//! a table).

use crate::agg::{AggFunc, state_fields};
use crate::plan::{Expr, Field, Input, Plan, View, ViewKind, Window, naming};
use crate::types::{Micros, Type};

/// The plan does not describe a view the stream can run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProgramError {
    #[error("there is no view `{0}`")]
    UnknownView(String),
    #[error("view `{view}` reads `{input}`, which is not in the plan")]
    UnknownInput { view: String, input: String },
    #[error("view `{view}`: its input has no column `{column}`")]
    MissingColumn { view: String, column: String },
}

/// An input (source or table) as the operator decodes it.
#[derive(Debug, Clone, PartialEq)]
pub struct InputProgram {
    pub name: String,
    /// The Kafka topic (`None`: batch only; such an input can still be published).
    pub topic: Option<String>,
    /// The schema messages are validated against, in declaration order.
    pub fields: Vec<Field>,
    /// The column that places an event in time: the event time of a source, `valid_from` of
    /// a table.
    pub time: usize,
}

/// One aggregate feature: how an event updates its state and where the state is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct AggregateProgram {
    pub feature: String,
    pub func: AggFunc,
    /// `None` for `count(*)`.
    pub arg: Option<Expr>,
    pub arg_type: Option<Type>,
    pub filter: Option<Expr>,
    /// The online column of each state field, in `agg::state_fields` order.
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
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

#[derive(Debug, Clone, PartialEq)]
pub struct ViewProgram {
    pub name: String,
    /// Index into the operator's inputs.
    pub input: usize,
    /// The entity keys' names and their columns in the input.
    pub keys: Vec<(String, usize)>,
    pub kind: ProgramKind,
}

/// How far before `t` the value at `t` may read (SPEC 1.5): `floor(t, slide) − size` is at
/// least `t − slide − size`, and `floor(t, hop) − size` at least `t − hop − size`.
fn look_back(window: &Window) -> Option<Micros> {
    match *window {
        Window::Tumbling { size } => Some(size.saturating_mul(2)),
        Window::Sliding { size, slide } => Some(size.saturating_add(slide)),
        Window::Rolling { size, hop } => Some(size.saturating_add(hop)),
        Window::Lifetime => None,
    }
}

/// The inputs and views the operator runs for `views` (names of views of `plan`).
pub fn compile(
    plan: &Plan,
    views: &[&str],
) -> Result<(Vec<InputProgram>, Vec<ViewProgram>), ProgramError> {
    let mut inputs: Vec<InputProgram> = Vec::new();
    let mut programs = Vec::new();
    for name in views {
        let view = plan
            .view(name)
            .ok_or_else(|| ProgramError::UnknownView(name.to_string()))?;
        let (input, settle) = input_program(plan, view)?;
        let index = match inputs.iter().position(|i| i.name == input.name) {
            Some(i) => i,
            None => {
                inputs.push(input);
                inputs.len() - 1
            }
        };
        let fields = &inputs[index].fields;
        let column = |column: &str| {
            fields.iter().position(|f| f.name == column).ok_or_else(|| {
                ProgramError::MissingColumn {
                    view: view.name.clone(),
                    column: column.to_string(),
                }
            })
        };
        let keys = view
            .keys
            .iter()
            .map(|k| Ok((k.name.clone(), column(&k.name)?)))
            .collect::<Result<_, ProgramError>>()?;
        let kind = match &view.kind {
            ViewKind::Windowed { .. } => tiles(view, settle),
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
        programs.push(ViewProgram {
            name: view.name.clone(),
            input: index,
            keys,
            kind,
        });
    }
    Ok((inputs, programs))
}

fn tiles(view: &View, settle: Micros) -> ProgramKind {
    let aggregates: Vec<AggregateProgram> = view
        .aggregates()
        .map(|(feature, aggregate)| {
            let arg_type = aggregate.arg.as_ref().map(|a| a.ty.ty.clone());
            let columns = state_fields(&aggregate.func, arg_type.as_ref())
                .iter()
                .map(|field| naming::state_column(&feature.name, field.suffix))
                .collect();
            AggregateProgram {
                feature: feature.name.clone(),
                func: aggregate.func.clone(),
                arg: aggregate.arg.clone(),
                arg_type,
                filter: aggregate.filter.clone(),
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
    ProgramKind::Tiles {
        ladder: view.ladder(),
        aggregates,
        retention,
    }
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
                fields: table.fields.clone(),
                time: position(&table.fields, &table.valid_from)?,
            };
            Ok((program, 0))
        }
    }
}
