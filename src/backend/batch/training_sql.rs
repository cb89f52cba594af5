//! `DIR/offline/<service>.training.sql`: a service's point-in-time training set (SPEC 1.5,
//! 1.6). Every label row, in input order, label columns first, then the service's outputs as
//! of the row's time `T` (`T − settle` for sources with a `settle`).
//!
//! The runner registers the labels as `labels` with two more columns: `__featc_at` (the
//! `--at` column as a microsecond UTC timestamp) and `__featc_row` (the row's position).
//! Each included view becomes a CTE named after it, joined to the labels on its keys (always
//! an equi-join on the keys first, never labels × all events):
//! - tumbling/sliding: the windows that labels ask for, keyed by their end
//!   `floor(T − settle, slide)`; each label expands to the `size / slide` tiles of its window
//!   and events are joined on (keys, tile);
//! - rolling/lifetime: per distinct (keys, `T`), the events in `[floor(T − settle, hop) −
//!   size, T − settle)` (lifetime: `< T − settle`), joined on the keys;
//! - tables: per distinct (keys, `T`), the row with the greatest `valid_from ≤ T` among rows
//!   with `known_at ≤ T`, unless `T − valid_from > ttl`.
//!
//! Aggregates of a window without events get their empty values (`coalesce`), and derived
//! features and outputs are computed from those, in the final `SELECT`.

use super::BatchError;
use super::aggregate_sql::with_empty_value;
use super::feature_sql::{closure, feature_sql};
use super::inputs::{
    EventRefs, events_query, provenance, read_columns, source_of, table_of, value_items,
};
use super::names::{AS_OF, AT, LABELS, OFFSET, RANK, ROW, TILE_START, TIME, WINDOW_END, cte};
use super::sql_ast::{
    JoinKind, aliased, all_columns_except, and_all, col, derived, eq, item, join, name,
    row_number_desc, select, statement, table, table_function,
};
use super::time_sql::{duration, floor, micros, minus, settled, times};
use super::view_sql::windows_per_event;
use crate::backend::sql_expr::{DataFusion, binary, function, number_literal, to_sql};
use crate::plan::{
    Aggregate, ExprKind, Feature, FeatureDef, OutputDef, Plan, Service, View, ViewKind, Window,
};
use crate::types::Micros;
use datafusion::sql::sqlparser::ast::{BinaryOperator, Expr, Query, SelectItem};
use std::cell::RefCell;

pub fn training_sql(plan: &Plan, service: &Service) -> Result<String, BatchError> {
    let mut joins = Vec::new();
    let mut ctes: Vec<(String, Query)> = Vec::new();
    for view_name in &service.views {
        let view = plan
            .view(view_name)
            .ok_or_else(|| BatchError::UnknownView {
                service: service.name.clone(),
                view: view_name.clone(),
            })?;
        let needed = needed_features(service, view);
        if needed.is_empty() {
            continue;
        }
        let lookup = view_lookup(plan, view, &needed)?;
        ctes.extend(lookup.ctes);
        joins.push(join(
            JoinKind::Left,
            table(&view.name, &view.name),
            Some(lookup.on),
        ));
    }

    let mut items = vec![all_columns_except(LABELS, &[AT, ROW])];
    for output in &service.outputs {
        items.push(aliased(
            output_sql(plan, service, &output.def)?,
            &output.name,
        ));
    }
    let mut statement_builder = select(items).from(table(LABELS, LABELS));
    for j in joins {
        statement_builder = statement_builder.join(j);
    }
    for (name, query) in ctes {
        statement_builder = statement_builder.with(&name, query);
    }
    let query = statement_builder.order_by(vec![col(LABELS, ROW)]).query();
    Ok(statement(
        &provenance("service", &service.name, &service.location),
        &query,
    ))
}

/// The features of `view` that the service's outputs read, with what they derive from.
fn needed_features(service: &Service, view: &View) -> Vec<String> {
    let mut roots: Vec<&str> = Vec::new();
    for output in &service.outputs {
        match &output.def {
            OutputDef::Feature { view: v, feature } if *v == view.name => roots.push(feature),
            OutputDef::Derived { expr } => roots.extend(
                expr.features()
                    .into_iter()
                    .filter(|(v, _)| *v == view.name)
                    .map(|(_, f)| f),
            ),
            OutputDef::Feature { .. } => {}
        }
    }
    if roots.is_empty() {
        return Vec::new();
    }
    let needed = closure(view, &roots);
    // declaration order, for a stable statement
    view.features
        .iter()
        .filter(|f| needed.contains(&f.name))
        .map(|f| f.name.clone())
        .collect()
}

/// The SQL of one service output over the joined views.
fn output_sql(plan: &Plan, service: &Service, def: &OutputDef) -> Result<Expr, BatchError> {
    match def {
        OutputDef::Feature { view, feature } => view_feature_at_label(plan, service, view, feature),
        OutputDef::Derived { expr } => {
            let error = RefCell::new(None);
            let refs = |kind: &ExprKind| match kind {
                ExprKind::Feature { view, feature } => {
                    match view_feature_at_label(plan, service, view, feature) {
                        Ok(sql) => Some(sql),
                        Err(e) => {
                            error.borrow_mut().get_or_insert(e);
                            None
                        }
                    }
                }
                _ => None,
            };
            let sql = to_sql(expr, &DataFusion, &refs);
            match error.into_inner() {
                Some(e) => Err(e),
                None => Ok(sql),
            }
        }
    }
}

/// A view's feature as of the label's time: a column of the view's CTE, with the aggregate's
/// empty value when no window matched, or a derived feature computed from those.
fn view_feature_at_label(
    plan: &Plan,
    service: &Service,
    view: &str,
    feature: &str,
) -> Result<Expr, BatchError> {
    let view = plan.view(view).ok_or_else(|| BatchError::UnknownView {
        service: service.name.clone(),
        view: view.to_string(),
    })?;
    feature_sql(view, feature, &|f: &Feature| {
        let column = col(&view.name, &f.name);
        match &f.def {
            FeatureDef::Aggregate(agg) => with_empty_value(agg, column),
            _ => column,
        }
    })
}

/// The CTEs that compute a view's features for the labels, and how they join the labels.
struct Lookup {
    ctes: Vec<(String, Query)>,
    on: Expr,
}

fn view_lookup(plan: &Plan, view: &View, needed: &[String]) -> Result<Lookup, BatchError> {
    match &view.kind {
        ViewKind::Windowed { window } => {
            let source = source_of(plan, view)?;
            let aggregates: Vec<(&Feature, &Aggregate)> = view
                .aggregates()
                .filter(|(f, _)| needed.contains(&f.name))
                .collect();
            let settle = source.settle;
            match *window {
                Window::Tumbling { size } => {
                    windows_lookup(view, source, &aggregates, size, size, settle)
                }
                Window::Sliding { size, slide } => {
                    windows_lookup(view, source, &aggregates, size, slide, settle)
                }
                Window::Rolling { .. } | Window::Lifetime => {
                    Ok(ranges_lookup(view, source, &aggregates, settle))
                }
            }
        }
        ViewKind::Table { ttl } => table_lookup(plan, view, needed, *ttl),
    }
}

/// `"labels"."k" = "<view>"."k"` for each key of the view.
fn keys_match(view: &View, left: &str, right: &str) -> Vec<Expr> {
    view.keys
        .iter()
        .map(|k| eq(col(left, &k.name), col(right, &k.name)))
        .collect()
}

/// `T − settle` of a label, in microseconds.
fn as_of(labels: &str, settle: Micros) -> Expr {
    settled(micros(col(labels, AT)), settle)
}

/// The distinct (keys, `T`) of the labels, with `T − settle` in microseconds for a view over
/// a source (`settle` is `None` for a table).
fn label_times(view: &View, settle: Option<Micros>) -> Query {
    let mut items: Vec<SelectItem> = view.keys.iter().map(|k| item(col("l", &k.name))).collect();
    items.push(item(col("l", AT)));
    if let Some(settle) = settle {
        items.push(aliased(as_of("l", settle), AS_OF));
    }
    select(items).distinct().from(table(LABELS, "l")).query()
}

fn windows_lookup(
    view: &View,
    source: &crate::plan::Source,
    aggregates: &[(&Feature, &Aggregate)],
    size: Micros,
    slide: Micros,
    settle: Micros,
) -> Result<Lookup, BatchError> {
    let per_event = windows_per_event(view, size, slide)?;
    let columns = read_columns(view, source, aggregates);
    let (events, times_cte, tiles, windows) = (
        cte(&view.name, "events"),
        cte(&view.name, "times"),
        cte(&view.name, "tiles"),
        cte(&view.name, "windows"),
    );

    // per label time: the end of the completed window, floor(T − settle, slide)
    let mut time_items: Vec<SelectItem> =
        view.keys.iter().map(|k| item(col("t", &k.name))).collect();
    time_items.push(item(col("t", AT)));
    time_items.push(aliased(floor(col("t", AS_OF), duration(slide)), WINDOW_END));
    let window_ends = select(time_items).from(derived(label_times(view, Some(settle)), "t"));

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
                times(duration(slide), col("o", OFFSET)),
            ),
            TILE_START,
        ));
        select(tile_items)
            .distinct()
            .from(table(&times_cte, "t"))
            .join(join(
                JoinKind::Cross,
                table_function(
                    "generate_series",
                    vec![duration(1), duration(per_event)],
                    "o",
                    &[OFFSET],
                ),
                None,
            ))
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
            (events, events_query(source, &columns, Vec::new())),
            (times_cte, window_ends.query()),
            (tiles, tile_query.query()),
            (windows, window_query.query()),
            (view.name.clone(), per_label.query()),
        ],
        on: labels_match(view),
    })
}

/// How the labels join a view's CTE: on the view's keys and the label's time.
fn labels_match(view: &View) -> Expr {
    let mut on = keys_match(view, LABELS, &view.name);
    on.push(eq(col(&view.name, AT), col(LABELS, AT)));
    and_all(on)
}

/// The first event time a rolling window reads for a label whose `T − settle` is `as_of`:
/// `floor(as_of, hop) − size` (`None` for lifetime; tumbling and sliding windows are looked up
/// by window end instead).
fn lower_bound(window: &Window, as_of: Expr) -> Option<Expr> {
    match *window {
        Window::Rolling { size, hop } => Some(minus(floor(as_of, duration(hop)), duration(size))),
        Window::Tumbling { size } => Some(minus(floor(as_of, duration(size)), duration(size))),
        Window::Sliding { size, slide } => {
            Some(minus(floor(as_of, duration(slide)), duration(size)))
        }
        Window::Lifetime => None,
    }
}

/// The column holding a window's [`lower_bound`] per label: `__featc_since_7d_hop_1h`.
fn since_column(window: &Window) -> String {
    let slug = window
        .to_string()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect::<String>();
    let slug: Vec<&str> = slug.split('_').filter(|part| !part.is_empty()).collect();
    format!("__featc_since_{}", slug.join("_"))
}

fn ranges_lookup(
    view: &View,
    source: &crate::plan::Source,
    aggregates: &[(&Feature, &Aggregate)],
    settle: Micros,
) -> Lookup {
    let columns = read_columns(view, source, aggregates);
    let (events, times_cte) = (cte(&view.name, "events"), cte(&view.name, "times"));

    // per label time, where each window starts
    let mut windows: Vec<Window> = aggregates.iter().map(|(_, a)| a.window).collect();
    windows.sort_unstable();
    windows.dedup();
    let mut time_items: Vec<SelectItem> =
        view.keys.iter().map(|k| item(col("t", &k.name))).collect();
    time_items.push(item(col("t", AT)));
    time_items.push(item(col("t", AS_OF)));
    for window in &windows {
        if let Some(lower) = lower_bound(window, col("t", AS_OF)) {
            time_items.push(aliased(lower, &since_column(window)));
        }
    }
    let label_windows = select(time_items).from(derived(label_times(view, Some(settle)), "t"));

    // the events of the key before T − settle, from the earliest start (none for lifetime);
    // with several windows, each aggregate keeps the events of its own
    let since = |window: &Window| -> Option<Expr> {
        lower_bound(window, col("t", AS_OF)).map(|_| col("t", &since_column(window)))
    };
    let time = col("e", TIME);
    let mut on = keys_match(view, "e", "t");
    on.push(binary(time.clone(), BinaryOperator::Lt, col("t", AS_OF)));
    let starts: Option<Vec<Expr>> = windows.iter().map(since).collect();
    match starts.as_deref() {
        Some([only]) => on.push(binary(time.clone(), BinaryOperator::GtEq, only.clone())),
        Some(several) if !several.is_empty() => on.push(binary(
            time.clone(),
            BinaryOperator::GtEq,
            function("least", several.to_vec()),
        )),
        _ => {}
    }
    let shared_window = windows.len() == 1;
    let own_bound = |agg: &Aggregate| -> Option<Expr> {
        if shared_window {
            return None;
        }
        since(&agg.window).map(|start| binary(time.clone(), BinaryOperator::GtEq, start))
    };

    let refs = EventRefs {
        alias: Some("e"),
        event_time: &source.event_time,
    };
    let mut items: Vec<SelectItem> = view.keys.iter().map(|k| item(col("t", &k.name))).collect();
    items.push(item(col("t", AT)));
    items.extend(value_items(aggregates, &refs, &own_bound));
    let mut group_by: Vec<Expr> = view.keys.iter().map(|k| col("t", &k.name)).collect();
    group_by.push(col("t", AT));
    let values = select(items)
        .from(table(&times_cte, "t"))
        .join(join(
            JoinKind::Inner,
            table(&events, "e"),
            Some(and_all(on)),
        ))
        .group_by(group_by);

    Lookup {
        ctes: vec![
            (events, events_query(source, &columns, Vec::new())),
            (times_cte, label_windows.query()),
            (view.name.clone(), values.query()),
        ],
        on: labels_match(view),
    }
}

fn table_lookup(
    plan: &Plan,
    view: &View,
    needed: &[String],
    ttl: Option<Micros>,
) -> Result<Lookup, BatchError> {
    let source = table_of(plan, view)?;
    let (times_cte, candidates) = (cte(&view.name, "times"), cte(&view.name, "candidates"));
    let leaves: Vec<&Feature> = view
        .features
        .iter()
        .filter(|f| needed.contains(&f.name) && matches!(f.def, FeatureDef::Column { .. }))
        .collect();

    // the rows visible at T: in force (valid_from ≤ T), known (known_at ≤ T), not expired
    let row = "r";
    let at = col("t", AT);
    let mut on = keys_match(view, row, "t");
    on.push(binary(
        col(row, &source.valid_from),
        BinaryOperator::LtEq,
        at.clone(),
    ));
    if let Some(known_at) = &source.known_at {
        on.push(binary(col(row, known_at), BinaryOperator::LtEq, at.clone()));
    }
    if let Some(ttl) = ttl {
        on.push(binary(
            micros(col(row, &source.valid_from)),
            BinaryOperator::GtEq,
            minus(micros(at.clone()), duration(ttl)),
        ));
    }
    // the greatest valid_from wins; then the latest correction; then, so that the choice is
    // deterministic, the largest values of the columns the features read
    let mut rank_order = vec![col(row, &source.valid_from)];
    if let Some(known_at) = &source.known_at {
        rank_order.push(col(row, known_at));
    }
    let mut read: Vec<&str> = leaves
        .iter()
        .filter_map(|f| match &f.def {
            FeatureDef::Column { expr } => Some(expr.columns()),
            _ => None,
        })
        .flatten()
        .collect();
    read.sort_unstable();
    read.dedup();
    for field in &source.fields {
        let orderable = field.ty.ty.is_orderable();
        if orderable && read.contains(&field.name.as_str()) {
            rank_order.push(col(row, &field.name));
        }
    }
    let mut partition: Vec<Expr> = view.keys.iter().map(|k| col("t", &k.name)).collect();
    partition.push(at.clone());

    let column_refs = |kind: &ExprKind| match kind {
        ExprKind::Column(c) => Some(col(row, c)),
        _ => None,
    };
    let mut items: Vec<SelectItem> = view.keys.iter().map(|k| item(col("t", &k.name))).collect();
    items.push(item(col("t", AT)));
    for feature in &leaves {
        if let FeatureDef::Column { expr } = &feature.def {
            items.push(aliased(
                to_sql(expr, &DataFusion, &column_refs),
                &feature.name,
            ));
        }
    }
    items.push(aliased(row_number_desc(partition, rank_order), RANK));
    let ranked = select(items).from(table(&times_cte, "t")).join(join(
        JoinKind::Inner,
        table(&source.name, row),
        Some(and_all(on)),
    ));

    let mut in_force: Vec<SelectItem> = view.keys.iter().map(|k| item(name(&k.name))).collect();
    in_force.push(item(name(AT)));
    in_force.extend(leaves.iter().map(|f| item(name(&f.name))));
    let in_force = select(in_force)
        .from(derived(ranked.query(), &candidates))
        .filter(eq(name(RANK), number_literal("1")));

    Ok(Lookup {
        ctes: vec![
            (times_cte, label_times(view, None)),
            (view.name.clone(), in_force.query()),
        ],
        on: labels_match(view),
    })
}
