//! Tumbling and sliding views in a training set: the completed window each label asks for.

use super::{Lookup, keys_match, label_times, labels_match};
use crate::compile::batch::BatchError;
use crate::compile::batch::inputs::{EventRefs, events_query, read_columns, value_items};
use crate::compile::batch::names::{
    AS_OF, AT, OFFSET, OFFSET_RELATION, TILE_START, TIME, WINDOW_END, cte,
};
use crate::compile::batch::sql_ast::{
    JoinKind, aliased, and_all, col, derived, eq, item, join, offsets, select, table,
};
use crate::compile::batch::time_sql::{duration, floor, minus, times};
use crate::compile::batch::view_sql::windows_per_event;
use crate::plan::{Aggregate, BoundView, Feature, Source};
use crate::types::Micros;
use datafusion::sql::sqlparser::ast::{Expr, SelectItem};

pub(super) fn windows_lookup(
    bound: &BoundView,
    source: &Source,
    aggregates: &[(&Feature, &Aggregate)],
    size: Micros,
    slide: Micros,
    settle: Micros,
) -> Result<Lookup, BatchError> {
    let view = bound.view;
    let per_event = windows_per_event(view, size, slide)?;
    let columns = read_columns(view, source, aggregates);
    let (events, times_cte, tiles, windows) = (
        cte(bound.name, "events"),
        cte(bound.name, "times"),
        cte(bound.name, "tiles"),
        cte(bound.name, "windows"),
    );

    // per label time: the end of the completed window, floor(T − settle, slide)
    let mut time_items: Vec<SelectItem> =
        view.keys.iter().map(|k| item(col("t", &k.name))).collect();
    time_items.push(item(col("t", AT)));
    time_items.push(aliased(floor(col("t", AS_OF), duration(slide)), WINDOW_END));
    let window_ends = select(time_items).from(derived(label_times(bound, Some(settle)), "t"));

    // per window asked for: the `size / slide` tiles (of the slide) that make it
    let mut tile_items: Vec<SelectItem> =
        view.keys.iter().map(|k| item(col("t", &k.name))).collect();
    tile_items.push(item(col("t", WINDOW_END)));
    let tile_query = if per_event == 1 {
        tile_items.push(aliased(
            minus(col("t", WINDOW_END), duration(size)),
            TILE_START,
        ));
        select(tile_items).distinct().from(table(&times_cte, "t"))
    } else {
        tile_items.push(aliased(
            minus(
                col("t", WINDOW_END),
                times(duration(slide), col(OFFSET_RELATION, OFFSET)),
            ),
            TILE_START,
        ));
        select(tile_items)
            .distinct()
            .from(table(&times_cte, "t"))
            .join(join(JoinKind::Cross, offsets(per_event), None))
    };

    // the windows' aggregates, from the events of their tiles (an equi-join on keys and tile)
    let refs = EventRefs {
        alias: Some("e"),
        event_time: &source.event_time,
    };
    let mut items: Vec<SelectItem> = view.keys.iter().map(|k| item(col("w", &k.name))).collect();
    items.push(item(col("w", WINDOW_END)));
    items.extend(value_items(aggregates, &refs, &|_| None));
    let mut on = keys_match(view, "e", "w");
    on.push(eq(
        floor(col("e", TIME), duration(slide)),
        col("w", TILE_START),
    ));
    let mut group_by: Vec<Expr> = view.keys.iter().map(|k| col("w", &k.name)).collect();
    group_by.push(col("w", WINDOW_END));
    let window_query = select(items)
        .from(table(&tiles, "w"))
        .join(join(
            JoinKind::Inner,
            table(&events, "e"),
            Some(and_all(on)),
        ))
        .group_by(group_by);

    // per label time: its window's aggregates
    let mut items: Vec<SelectItem> = view.keys.iter().map(|k| item(col("t", &k.name))).collect();
    items.push(item(col("t", AT)));
    items.extend(aggregates.iter().map(|(f, _)| item(col("w", &f.name))));
    let mut on = keys_match(view, "w", "t");
    on.push(eq(col("w", WINDOW_END), col("t", WINDOW_END)));
    let per_label = select(items).from(table(&times_cte, "t")).join(join(
        JoinKind::Inner,
        table(&windows, "w"),
        Some(and_all(on)),
    ));

    Ok(Lookup {
        ctes: vec![
            (events, events_query(view, source, &columns, Vec::new())),
            (times_cte, window_ends.query()),
            (tiles, tile_query.query()),
            (windows, window_query.query()),
            (bound.name.to_string(), per_label.query()),
        ],
        on: labels_match(bound),
    })
}
