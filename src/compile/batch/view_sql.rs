//! `DIR/offline/<view>.sql`: the statement that materializes a view (layouts in
//! `docs/batch.md`).
//!
//! - tumbling/sliding: one row per (entity, window) with at least one event (docs/language.md#windows-and-point-in-time-semantics). Each
//!   event is assigned to the `size / slide` windows that contain it (a cross join with the
//!   offsets `1..=size/slide`), then grouped by (keys, window end).
//! - rolling/lifetime: the view's tiles, one row per (entity, granularity of the view's ladder,
//!   tile with at least one event), holding every aggregate's partial state; the value at any
//!   time is a merge of tiles ([`crate::plan::Window::tile_ranges`]).
//! - table views: one row per table row, with its `valid_from`, `known_at` and features.

use super::BatchError;
use super::feature_sql::feature_sql;
use super::inputs::{
    EventRefs, events_query, provenance, read_columns, source_of, state_items, table_of,
    value_items,
};
use super::names::{OFFSET, OFFSET_RELATION, TILE_START, TIME, WINDOW_END, cte};
use super::sql_ast::{
    JoinKind, aliased, col, item, join, name, offsets, select, statement, table, values,
};
use super::time_sql::{duration, floor, minus, plus, times, timestamp};
use crate::compile::sql_expr::{DataFusion, function, string_literal, to_sql};
use crate::physical::{ColumnRole, view_layout};
use crate::plan::naming::{self, FEATURE_TS, KNOWN_AT, TILE_GRANULARITY, VALID_FROM, WINDOW_START};
use crate::plan::{Aggregate, ExprKind, Feature, FeatureDef, Plan, Source, View, ViewKind, Window};
use crate::types::Micros;
use datafusion::sql::sqlparser::ast::{Expr, Query, SelectItem};
use std::collections::BTreeMap;

pub fn view_sql(plan: &Plan, view: &View) -> Result<String, BatchError> {
    let query = match &view.kind {
        ViewKind::Windowed { window } => {
            let source = source_of(plan, view)?;
            match *window {
                Window::Tumbling { size } => windows_query(view, source, size, size)?,
                Window::Sliding { size, slide } => windows_query(view, source, size, slide)?,
                Window::Rolling { .. } | Window::Lifetime => tiles_query(plan, view, source)?,
            }
        }
        ViewKind::Table { .. } => table_rows_query(plan, view)?,
    };
    Ok(statement(
        &provenance("view", &view.name, &view.location),
        &query,
    ))
}

/// How many windows of `size` sliding by `slide` contain an event.
pub fn windows_per_event(view: &View, size: Micros, slide: Micros) -> Result<i64, BatchError> {
    if slide <= 0 || size <= 0 || size % slide != 0 {
        return Err(BatchError::Unsupported {
            view: view.name.clone(),
            reason: format!(
                "a window of {size}µs sliding by {slide}µs: the size must be a positive multiple of the slide"
            ),
        });
    }
    Ok(size / slide)
}

fn windows_query(
    view: &View,
    source: &Source,
    size: Micros,
    slide: Micros,
) -> Result<Query, BatchError> {
    let per_event = windows_per_event(view, size, slide)?;
    let aggregates: Vec<_> = view.aggregates().collect();
    let columns = read_columns(view, source, &aggregates);
    let (events, assigned, grouped) = (
        cte(&view.name, "events"),
        cte(&view.name, "windows"),
        cte(&view.name, "aggregates"),
    );

    // each event, once per window that contains it: the windows ending `n` slides after the
    // start of the event's slide, for n = 1 ..= size / slide
    let slide_start = floor(col("e", TIME), duration(slide));
    let mut assign_items: Vec<SelectItem> = columns.iter().map(|c| item(col("e", c))).collect();
    let assign = if per_event == 1 {
        assign_items.push(aliased(plus(slide_start, duration(slide)), WINDOW_END));
        select(assign_items).from(table(&events, "e"))
    } else {
        let end = plus(
            slide_start,
            times(duration(slide), col(OFFSET_RELATION, OFFSET)),
        );
        assign_items.push(aliased(end, WINDOW_END));
        select(assign_items).from(table(&events, "e")).join(join(
            JoinKind::Cross,
            offsets(per_event),
            None,
        ))
    };

    let keys: Vec<Expr> = view.keys.iter().map(|k| name(&k.name)).collect();
    let refs = EventRefs {
        alias: None,
        event_time: &source.event_time,
    };
    let mut group_items: Vec<SelectItem> = keys.iter().cloned().map(item).collect();
    group_items.push(item(name(WINDOW_END)));
    group_items.extend(value_items(&aggregates, &refs, &|_| None));
    let mut group_by = keys.clone();
    group_by.push(name(WINDOW_END));
    let group = select(group_items)
        .from(table(&assigned, &assigned))
        .group_by(group_by);

    Ok(window_rows(view, size, &grouped)?
        .with(&events, events_query(view, source, &columns, Vec::new()))
        .with(&assigned, assign.query())
        .with(&grouped, group.query())
        .query())
}

/// The view's rows from `grouped`, a relation with the keys, `__featc_window_end` and one
/// column per aggregate feature: window bounds, `feature_ts` and every feature, derived ones
/// computed from the aggregates, ordered by keys and window end.
fn window_rows(
    view: &View,
    size: Micros,
    grouped: &str,
) -> Result<super::sql_ast::SelectBuilder, BatchError> {
    let keys: Vec<Expr> = view.keys.iter().map(|k| name(&k.name)).collect();
    let mut items: Vec<SelectItem> = keys.iter().cloned().map(item).collect();
    items.push(aliased(
        timestamp(minus(name(WINDOW_END), duration(size))),
        WINDOW_START,
    ));
    items.push(aliased(timestamp(name(WINDOW_END)), naming::WINDOW_END));
    items.push(aliased(timestamp(name(WINDOW_END)), FEATURE_TS));
    for feature in &view.features {
        let sql = feature_sql(view, &feature.name, &|f| name(&f.name))?;
        items.push(aliased(sql, &feature.name));
    }
    let mut order = keys;
    order.push(name(naming::WINDOW_END));
    Ok(select(items).from(table(grouped, grouped)).order_by(order))
}

/// The rows of a tumbling or sliding view from its aggregates computed elsewhere (the sweep of
/// `super::sweep`), registered as the table `"<view>:aggregates"`: the same final `SELECT` as
/// [`view_sql`]'s, without the CTEs that compute the aggregates.
pub fn window_rows_sql(view: &View, size: Micros) -> Result<String, BatchError> {
    let query = window_rows(view, size, &cte(&view.name, "aggregates"))?.query();
    Ok(statement(
        &provenance("view", &view.name, &view.location),
        &query,
    ))
}

/// The tiles of a rolling or lifetime view: every aggregate's partial state per (keys,
/// granularity, tile), the state's fields flattened into the columns of the view's online
/// table ([`crate::physical::online_table`]), so that offline and online tiles are one layout.
fn tiles_query(plan: &Plan, view: &View, source: &Source) -> Result<Query, BatchError> {
    let layout = view_layout(plan, view).map_err(|e| BatchError::Unsupported {
        view: view.name.clone(),
        reason: e.to_string(),
    })?;
    let aggregates: Vec<_> = view.aggregates().collect();
    let columns = read_columns(view, source, &aggregates);
    let (events, tiled, states) = (
        cte(&view.name, "events"),
        cte(&view.name, "tiles"),
        cte(&view.name, "states"),
    );

    // each event once per granularity of the ladder
    let mut tile_items: Vec<SelectItem> = columns.iter().map(|c| item(col("e", c))).collect();
    tile_items.push(aliased(
        floor(col("e", TIME), col("g", TILE_GRANULARITY)),
        TILE_START,
    ));
    tile_items.push(item(col("g", TILE_GRANULARITY)));
    let ladder: Vec<Expr> = view.ladder().into_iter().map(duration).collect();
    let tile = select(tile_items).from(table(&events, "e")).join(join(
        JoinKind::Cross,
        values(ladder, "g", TILE_GRANULARITY),
        None,
    ));

    let keys: Vec<Expr> = view.keys.iter().map(|k| name(&k.name)).collect();
    let refs = EventRefs {
        alias: None,
        event_time: &source.event_time,
    };
    let mut group_by = keys.clone();
    group_by.push(name(TILE_START));
    group_by.push(name(TILE_GRANULARITY));
    // a state depends on the function, argument and filter only (windows are merges of the
    // same tiles): features that differ only by their window share one state column
    let mut distinct: Vec<(&Feature, &Aggregate)> = Vec::new();
    let mut state_of: Vec<&str> = Vec::new();
    for (feature, agg) in &aggregates {
        let same = distinct.iter().find(|(_, other)| {
            other.func == agg.func && other.arg == agg.arg && other.filter == agg.filter
        });
        match same {
            Some((first, _)) => state_of.push(&first.name),
            None => {
                distinct.push((feature, agg));
                state_of.push(&feature.name);
            }
        }
    }
    let mut state_select: Vec<SelectItem> = group_by.iter().cloned().map(item).collect();
    state_select.extend(state_items(&distinct, &refs));
    let group = select(state_select)
        .from(table(&tiled, &tiled))
        .group_by(group_by);

    let mut items: Vec<SelectItem> = keys.iter().cloned().map(item).collect();
    items.push(aliased(timestamp(name(TILE_START)), naming::TILE_START));
    items.push(item(name(TILE_GRANULARITY)));
    let state_of: BTreeMap<&str, &str> = aggregates
        .iter()
        .map(|(feature, _)| feature.name.as_str())
        .zip(state_of)
        .collect();
    for column in &layout.columns {
        if let ColumnRole::State { feature, field, .. } = &column.role {
            let state =
                state_of
                    .get(feature.as_str())
                    .copied()
                    .ok_or_else(|| BatchError::Unsupported {
                        view: view.name.clone(),
                        reason: format!("no aggregate `{feature}` for its state column"),
                    })?;
            let value = function("get_field", vec![name(state), string_literal(field.suffix)]);
            items.push(aliased(value, &column.name));
        }
    }
    // coarsest level first, as in the ladder
    Ok(select(items)
        .from(table(&states, &states))
        .with(&events, events_query(view, source, &columns, Vec::new()))
        .with(&tiled, tile.query())
        .with(&states, group.query())
        .order_by(keys)
        .then_descending(name(TILE_GRANULARITY))
        .then_ascending(name(naming::TILE_START))
        .query())
}

/// Every row of a table view's table with its validity and the view's features.
fn table_rows_query(plan: &Plan, view: &View) -> Result<Query, BatchError> {
    let source = table_of(plan, view)?;
    let row = "t";
    let column_refs = |kind: &ExprKind| match kind {
        ExprKind::Column(c) => Some(col(row, c)),
        _ => None,
    };
    let mut items: Vec<SelectItem> = view.keys.iter().map(|k| item(col(row, &k.name))).collect();
    items.push(aliased(col(row, &source.valid_from), VALID_FROM));
    if let Some(known_at) = &source.known_at {
        items.push(aliased(col(row, known_at), KNOWN_AT));
    }
    for feature in &view.features {
        let sql = feature_sql(view, &feature.name, &|f| match &f.def {
            FeatureDef::Column { expr } => to_sql(expr, &DataFusion, &column_refs),
            // aggregates cannot occur in a table view; name them so planning says so
            _ => name(&f.name),
        })?;
        items.push(aliased(sql, &feature.name));
    }
    let mut order: Vec<Expr> = view.keys.iter().map(|k| name(&k.name)).collect();
    order.push(name(VALID_FROM));
    if source.known_at.is_some() {
        order.push(name(KNOWN_AT));
    }
    Ok(select(items)
        .from(table(&source.name, row))
        .filter(Expr::IsNotNull(Box::new(col(row, &source.valid_from))))
        .order_by(order)
        .query())
}
