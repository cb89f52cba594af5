//! The operator spec: everything the stream operator needs to merge a view's events into
//! partial states, and nothing it could get wrong by re-deriving it — the topic and format, the
//! schema to validate messages against, the keys, the event-time column and settle, the tile
//! ladder, every aggregate with its argument and filter (as plan expressions) and the online
//! columns its state lives in.

use crate::plan::{FeatureDef, Input, Plan, View, ViewKind, naming};
use crate::types::Micros;
use serde_json::{Value as Json, json};

/// Bumped whenever a field's meaning changes.
pub const SPEC_VERSION: u32 = 1;

/// The spec of a view whose input has a `stream` clause; `None` for batch-only inputs.
pub fn view_spec(plan: &Plan, view: &View) -> Option<Json> {
    let (fields, stream, event_time, settle, table) = match &view.input {
        Input::Source(name) => {
            let s = plan.source(name)?;
            (
                &s.fields,
                s.stream.as_ref()?,
                Some(&s.event_time),
                s.settle,
                None,
            )
        }
        Input::Table(name) => {
            let t = plan.table(name)?;
            (&t.fields, t.stream.as_ref()?, None, 0 as Micros, Some(t))
        }
    };
    let aggregates: Vec<Json> = view
        .aggregates()
        .map(|(f, a)| {
            let arg_type = a.arg.as_ref().map(|e| &e.ty.ty);
            let state: Vec<Json> = crate::agg::state_fields(&a.func, arg_type)
                .iter()
                .map(|field| {
                    json!({
                        "column": naming::state_column(&f.name, field.suffix),
                        "suffix": field.suffix,
                        "type": field.ty,
                    })
                })
                .collect();
            json!({
                "feature": f.name,
                "func": a.func,
                "arg": a.arg,
                "filter": a.filter,
                "window": a.window,
                "state": state,
            })
        })
        .collect();
    let derived: Vec<Json> = view
        .features
        .iter()
        .filter_map(|f| match &f.def {
            FeatureDef::Derived { expr } | FeatureDef::Column { expr } => {
                Some(json!({ "feature": f.name, "type": f.ty, "expr": expr }))
            }
            FeatureDef::Aggregate(_) => None,
        })
        .collect();
    let window = match &view.kind {
        ViewKind::Windowed { window } => json!(window),
        ViewKind::Table { ttl } => json!({ "kind": "table", "ttl_us": ttl }),
    };
    Some(json!({
        "spec_version": SPEC_VERSION,
        "view": view.name,
        "entity": view.entity,
        "keys": view.keys,
        "input": view.input,
        "topic": stream.topic,
        "format": stream.format,
        "schema": fields,
        "event_time": event_time,
        "settle_us": settle,
        "table": table.map(|t| json!({ "key": t.key, "valid_from": t.valid_from, "known_at": t.known_at })),
        "window": window,
        "ladder_us": view.ladder(),
        "online": {
            "table": view.online.table,
            "retain_us": view.online.retain,
        },
        "aggregates": aggregates,
        "derived": derived,
        "location": view.location,
    }))
}
