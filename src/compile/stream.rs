//! `stream/<view>.json`: the stream operator's program for a view whose input has a `stream`
//! clause — [`crate::physical::stream_program::StreamProgram`] as JSON, exactly what the
//! operator runs (the topic and format, the schema messages are validated against, the keys,
//! the tile ladder and retention, every aggregate with its argument and filter as plan
//! expressions and the online columns its state lives in).

use crate::physical::stream_program::view_program;
use crate::plan::{Plan, View};

/// The program of `view` as pretty JSON; `None` when its input has no `stream` clause (the
/// view can still be published from its batch input). The error is a featc bug: a plan the
/// analyser accepted that the operator cannot run.
pub fn view_program_json(plan: &Plan, view: &View) -> Result<Option<String>, String> {
    let program = view_program(plan, view).map_err(|e| e.to_string())?;
    if program.input.topic.is_none() {
        return Ok(None);
    }
    let json = serde_json::to_string_pretty(&program).map_err(|e| e.to_string())?;
    Ok(Some(json + "\n"))
}
