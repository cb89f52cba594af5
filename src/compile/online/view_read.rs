//! How the lookup reads one view for a request: the relations and expressions the lookup
//! template assembles into the view's `LEFT JOIN LATERAL`.

use super::bounds::{bound_columns, granularity_ranges, member_column, membership_terms};
use super::error::OnlineError;
use super::features::features_sql;
use super::lookup_fold::read_aggregate;
use super::text::{micros_to_timestamptz, quote};
use crate::compile::sql_expr;
use crate::physical::online_table::input_table;
use crate::plan::naming;
use crate::plan::{BoundView, Feature, FeatureDef, Input, Plan, View, ViewKind, Window};
use crate::types::format_duration;
use datafusion::sql::sqlparser::ast::{self as sql, Ident};
use serde::Serialize;

/// The lookup's request relation (one row per requested (keys, time)), and its time in
/// microseconds, which every view's read is relative to. A name with a space cannot collide
/// with a key.
pub const REQUEST: &str = "featc_request";
pub const REQUEST_MICROS: &str = "request micros";

/// A named SQL expression (a column of one of the lookup's relations).
#[derive(Serialize)]
pub struct Named {
    pub name: String,
    pub sql: String,
}

impl Named {
    fn from_pairs(pairs: Vec<(String, String)>) -> Vec<Named> {
        pairs
            .into_iter()
            .map(|(name, sql)| Named { name, sql })
            .collect()
    }
}

/// A key of the view's online table, and the request's column that carries it.
#[derive(Serialize)]
struct KeyMatch {
    stored: String,
    request: String,
}

/// A tile's membership in a window: `terms` joined with `OR`.
#[derive(Serialize)]
struct Member {
    name: String,
    terms: Vec<String>,
}

#[derive(Serialize)]
pub struct ViewRead {
    kind: &'static str,
    name: String,
    comment: Vec<String>,
    table: String,
    keys: Vec<KeyMatch>,
    features: Vec<Named>,
    // tiles only
    finished: Vec<Named>,
    merged: Vec<Named>,
    members: Vec<Member>,
    bounds: Vec<Named>,
    clock: String,
    /// One condition per granularity read (see [`granularity_ranges`]).
    levels: Vec<String>,
    // table rows only
    ttl_from: Option<String>,
}

/// How to read `bound.view` for a request, under the name `bound.name`, for the keys the
/// request's columns `bound.columns` carry.
pub fn view_read(plan: &Plan, bound: BoundView) -> Result<ViewRead, OnlineError> {
    let view = bound.view;
    let mut read = match &view.kind {
        ViewKind::Windowed { window } => tiles_read(plan, view, window),
        ViewKind::Table { ttl } => rows_read(plan, view, *ttl),
    }?;
    read.name = bound.name.to_string();
    read.keys = (view.keys.iter().enumerate())
        .map(|(i, key)| KeyMatch {
            stored: key.name.clone(),
            request: bound.column(i).to_string(),
        })
        .collect();
    if bound.is_role() {
        read.comment.push(format!("as `{}`", bound.name));
    }
    Ok(read)
}

fn empty_read(view: &View, kind: &'static str, comment: Vec<String>) -> ViewRead {
    ViewRead {
        kind,
        name: view.name.clone(),
        comment,
        table: view.online.table.clone(),
        keys: Vec::new(),
        features: Vec::new(),
        finished: Vec::new(),
        merged: Vec::new(),
        members: Vec::new(),
        bounds: Vec::new(),
        clock: String::new(),
        levels: Vec::new(),
        ttl_from: None,
    }
}

fn tiles_read(plan: &Plan, view: &View, window: &Window) -> Result<ViewRead, OnlineError> {
    let source_name = match &view.input {
        Input::Source(name) | Input::Table(name) => name,
    };
    let source = plan
        .source(source_name)
        .ok_or_else(|| OnlineError::Missing {
            kind: "source",
            name: source_name.clone(),
        })?;
    let settle = source.settle;
    let mut comment = vec![format!(
        "view {}: {window}, read at t{} ({})",
        view.name,
        if settle > 0 {
            format!(" - settle {}", format_duration(settle))
        } else {
            String::new()
        },
        view.location.file,
    )];
    let mut windows: Vec<Window> = Vec::new();
    for (_, aggregate) in view.aggregates() {
        if !windows.contains(&aggregate.window) {
            windows.push(aggregate.window);
        }
    }
    if windows.len() > 1 {
        comment.push(format!(
            "windows: {}",
            windows
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let mut read = empty_read(view, "tiles", comment);
    read.clock = if settle > 0 {
        format!("{REQUEST}.{} - {settle}", quote(REQUEST_MICROS))
    } else {
        format!("{REQUEST}.{}", quote(REQUEST_MICROS))
    };

    read.bounds = Named::from_pairs(bound_columns(&windows, "clock.t"));
    for window in &windows {
        read.members.push(Member {
            name: member_column(window),
            terms: membership_terms(window, "stored", "bound"),
        });
    }
    // Read per granularity only the range of tiles some window needs (an index range each).
    read.levels = granularity_ranges(&windows, "stored", "bound");

    for (feature, aggregate) in view.aggregates() {
        let aggregate_read =
            read_aggregate(&feature.name, aggregate, &member_column(&aggregate.window));
        for (name, sql) in aggregate_read.merged {
            read.merged.push(Named { name, sql });
        }
        read.finished.push(Named {
            name: feature.name.clone(),
            sql: aggregate_read.finish,
        });
    }
    let finished = |f: &Feature| match f.def {
        FeatureDef::Aggregate(_) => Some(sql::Expr::CompoundIdentifier(vec![
            Ident::new("finished"),
            sql_expr::ident(&f.name),
        ])),
        _ => None,
    };
    read.features = Named::from_pairs(features_sql(view, &finished, &|_| None)?);
    Ok(read)
}

fn rows_read(plan: &Plan, view: &View, ttl: Option<i64>) -> Result<ViewRead, OnlineError> {
    let table = input_table(plan, view)?;
    let mut comment = vec![format!(
        "view {}: table {}{} ({})",
        view.name,
        table.name,
        ttl.map(|t| format!(", ttl {}", format_duration(t)))
            .unwrap_or_default(),
        view.location.file,
    )];
    comment.push("the row in force at t: greatest valid_from <= t among rows known at t".into());
    let mut read = empty_read(view, "rows", comment);
    read.ttl_from = ttl
        .map(|ttl| micros_to_timestamptz(&format!("{REQUEST}.{} - {ttl}", quote(REQUEST_MICROS))));
    let column = |name: &str| {
        let stored = if name == table.valid_from {
            naming::VALID_FROM
        } else if table.known_at.as_deref() == Some(name) {
            naming::KNOWN_AT
        } else {
            name
        };
        Some(sql::Expr::CompoundIdentifier(vec![
            Ident::new("latest"),
            sql_expr::ident(stored),
        ]))
    };
    read.features = Named::from_pairs(features_sql(view, &|_| None, &column)?);
    Ok(read)
}
