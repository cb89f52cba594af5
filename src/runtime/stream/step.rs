//! What one event does to one view, decided before anything is merged (so that an event is
//! merged into all of its views or into none): late, or the keys and every aggregate's
//! argument (`None` where the `where` filter rejects the event), or a table row's keys.

use crate::physical::stream_program::{ProgramKind, ViewProgram};
use crate::plan::Field;
use crate::plan::eval::{self, EvalError, Scope};
use crate::types::{Micros, Value};
use std::borrow::Cow;

/// The columns of one event, for evaluating expressions.
pub struct Event<'a> {
    pub fields: &'a [Field],
    pub values: &'a [Value],
}

impl Scope for Event<'_> {
    fn column(&self, name: &str) -> Option<&Value> {
        self.fields
            .iter()
            .position(|f| f.name == name)
            .and_then(|i| self.values.get(i))
    }
}

pub enum Step<'a> {
    /// Older than the view's online store retains.
    Late,
    Tiles {
        keys: Vec<Value>,
        updates: Vec<Option<Cow<'a, Value>>>,
    },
    Row {
        keys: Vec<Value>,
        known_at: Option<Micros>,
    },
}

/// Decides what `event` (at `time`) does to `view` when it is `now`; an error says why the
/// event cannot be evaluated (it becomes a dead letter).
pub fn plan_step<'a>(
    view: &'a ViewProgram,
    event: &'a Event<'a>,
    time: Micros,
    now: Micros,
) -> Result<Step<'a>, String> {
    let keys: Vec<Value> = view
        .keys
        .iter()
        .map(|key| match event.values.get(key.column) {
            Some(Value::Null) | None => Err(format!("the key `{}` is null", key.name)),
            Some(value) => Ok(value.clone()),
        })
        .collect::<Result<_, _>>()?;
    match &view.kind {
        ProgramKind::Tiles {
            aggregates,
            retention,
            ..
        } => {
            if retention.is_some_and(|r| time < now.saturating_sub(r)) {
                return Ok(Step::Late);
            }
            let describe = |feature: &str, e: EvalError| {
                format!("view `{}`, feature `{feature}`: {e}", view.name)
            };
            let mut updates = Vec::with_capacity(aggregates.len());
            for aggregate in aggregates {
                let passes = match &aggregate.filter {
                    Some(filter) => {
                        eval::is_true(filter, event).map_err(|e| describe(&aggregate.feature, e))?
                    }
                    None => true,
                };
                updates.push(match (&aggregate.arg, passes) {
                    (_, false) => None,
                    // count(*): any value counts
                    (None, true) => Some(Cow::Owned(Value::Null)),
                    (Some(arg), true) => Some(
                        eval::eval_ref(arg, event).map_err(|e| describe(&aggregate.feature, e))?,
                    ),
                });
            }
            Ok(Step::Tiles { keys, updates })
        }
        ProgramKind::Rows { known_at } => {
            let known_at = match known_at.and_then(|i| event.values.get(i)) {
                Some(Value::Timestamp(t)) => Some(*t),
                _ => None,
            };
            Ok(Step::Row { keys, known_at })
        }
    }
}
