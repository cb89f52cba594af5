//! Running a sweep on a DataFusion session: collect the inputs with the statements of
//! [`super::inputs`], compute the aggregates per window, register them as a table, and hand
//! back the final statement (derived features, window bounds, the join to the labels) as a
//! DataFrame.

use super::aggregate::{Input, Windows, aggregate};
use super::batches::Batches;
use super::events::SortedEvents;
use super::inputs::{EventsStatement, events_statement};
use super::intern::{Interner, NONE, Nulls};
use crate::compile::batch::names::{AT, WINDOW_END};
use crate::compile::batch::training::{
    label_times, needed_features, training_sql_with, values_table,
};
use crate::compile::batch::view_sql::{window_rows_sql, windows_per_event};
use crate::plan::window::floor;
use crate::plan::{Aggregate, BoundView, Feature, Plan, Service, View, ViewKind, Window};
use crate::runtime::batch::udaf::canonical_value_type;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Array, RecordBatch, UInt32Array};
use datafusion::arrow::compute::{cast, concat, interleave, take};
use datafusion::arrow::datatypes::{Field, Int64Type, Schema};
use datafusion::common::{DataFusionError, Result, TableReference, internal_err, plan_err};
use datafusion::datasource::MemTable;
use datafusion::prelude::{DataFrame, SessionContext};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

fn batch_error(e: crate::compile::batch::BatchError) -> DataFusionError {
    DataFusionError::Plan(e.to_string())
}

/// The events a view's aggregates read, collected, with arguments cast to the types the
/// aggregates take (as the UDAFs' `coerce_types` would).
async fn collect_events(ctx: &SessionContext, statement: &EventsStatement) -> Result<Batches> {
    let batches = collect(ctx, &statement.sql).await?;
    let args: BTreeSet<usize> = statement.inputs.iter().filter_map(|(a, _)| *a).collect();
    let batches = batches
        .into_iter()
        .map(|batch| {
            let mut columns = batch.columns().to_vec();
            let mut fields: Vec<Field> = batch
                .schema()
                .fields()
                .iter()
                .map(|f| f.as_ref().clone())
                .collect();
            for &i in &args {
                let wanted = canonical_value_type(columns[i].data_type());
                if *columns[i].data_type() != wanted {
                    columns[i] = cast(&columns[i], &wanted)?;
                    fields[i] = fields[i].clone().with_data_type(wanted);
                }
            }
            Ok(RecordBatch::try_new(
                Arc::new(Schema::new(fields)),
                columns,
            )?)
        })
        .collect::<Result<Vec<_>>>()?;
    Batches::new(batches)
}

/// The result of a statement, as at least one batch (an empty one if there are no rows), so
/// that its columns and their types are known.
async fn collect(ctx: &SessionContext, sql: &str) -> Result<Vec<RecordBatch>> {
    let frame = ctx.sql(sql).await?;
    let schema = Arc::new(frame.schema().as_arrow().clone());
    let mut batches = frame.collect().await?;
    if batches.is_empty() {
        batches.push(RecordBatch::new_empty(schema));
    }
    Ok(batches)
}

/// An Int64 column of every batch, by global row.
fn int64_by_row(batches: &Batches, column: usize) -> Result<Vec<i64>> {
    let mut out = Vec::with_capacity(batches.len());
    for (_, array) in batches.chunks(column) {
        match array.as_primitive_opt::<Int64Type>() {
            Some(values) => out.extend_from_slice(values.values()),
            None => {
                return internal_err!("featc: expected times in µs, found {}", array.data_type());
            }
        }
    }
    Ok(out)
}

/// Interns the key columns `0..keys` of every row.
fn intern_keys(
    interner: &mut Interner,
    batches: &Batches,
    keys: usize,
    nulls: Nulls,
    insert: bool,
) -> Result<Vec<u32>> {
    let columns: Vec<usize> = (0..keys).collect();
    let mut ids = vec![NONE; batches.len()];
    for (start, arrays) in batches.chunks_of(&columns) {
        interner.intern_batch(&arrays, start, nulls, insert, &|_| true, &mut ids)?;
    }
    Ok(ids)
}

/// Every aggregate's value over every window, in the order of `aggregates`.
fn aggregate_all(
    batches: &Batches,
    events: &SortedEvents,
    aggregates: &[(&Feature, &Aggregate)],
    statement: &EventsStatement,
    windows_of: &dyn Fn(&Window) -> Arc<Windows>,
) -> Result<Vec<ArrayRef>> {
    aggregates
        .iter()
        .zip(&statement.inputs)
        .map(|((_, agg), (arg, filter))| {
            let input = Input {
                func: &agg.func,
                arg: *arg,
                filter: *filter,
            };
            aggregate(batches, events, &input, &windows_of(&agg.window))
        })
        .collect()
}

/// Registers `columns` as the one-batch table `table`, with the given names and nullability.
fn register(
    ctx: &SessionContext,
    table: &str,
    names: Vec<(String, bool)>,
    columns: Vec<ArrayRef>,
) -> Result<()> {
    let fields: Vec<Field> = names
        .into_iter()
        .zip(&columns)
        .map(|((name, nullable), column)| {
            // a column declared required that holds nulls anyway is declared nullable
            let nullable = nullable || column.null_count() > 0;
            Field::new(name, column.data_type().clone(), nullable)
        })
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(Arc::clone(&schema), columns)?;
    let table_provider = MemTable::try_new(schema, vec![vec![batch]])?;
    ctx.register_table(TableReference::bare(table), Arc::new(table_provider))?;
    Ok(())
}

/// A tumbling or sliding view's rows, as `featc materialize` writes them: the same rows as the
/// view's statement ([`crate::compile::batch::view_sql`]) gives.
pub async fn materialize(ctx: &SessionContext, plan: &Plan, view: &View) -> Result<DataFrame> {
    let (size, slide) = match view.kind {
        ViewKind::Windowed {
            window: Window::Tumbling { size },
        } => (size, size),
        ViewKind::Windowed {
            window: Window::Sliding { size, slide },
        } => (size, slide),
        _ => return plan_err!("featc: `{}` has no windows to sweep", view.name),
    };
    let per_event = windows_per_event(view, size, slide).map_err(batch_error)?;
    let aggregates: Vec<(&Feature, &Aggregate)> = view.aggregates().collect();
    let statement = events_statement(plan, view, &aggregates).map_err(batch_error)?;
    let batches = collect_events(ctx, &statement).await?;
    let mut interner = Interner::new();
    let key_ids = intern_keys(&mut interner, &batches, statement.keys, Nulls::Group, true)?;
    let times = int64_by_row(&batches, statement.time)?;
    let events = SortedEvents::sort(&key_ids, &times, interner.len());
    drop((key_ids, times));

    // per key, every window holding an event: those ending 1..=per_event slides after the
    // start of an event's slide, in increasing order
    let (mut keys, mut ends) = (Vec::new(), Vec::new());
    for key in 0..interner.len() as u32 {
        let mut last_end = i64::MIN;
        let mut last_slot = None;
        for &time in events.key_times(key) {
            let slot = floor(time, slide);
            if last_slot == Some(slot) {
                continue;
            }
            last_slot = Some(slot);
            for n in 1..=per_event {
                let end = slot + n * slide;
                if end > last_end {
                    keys.push(key);
                    ends.push(end);
                    last_end = end;
                }
            }
        }
    }
    let ranges = keys
        .iter()
        .zip(&ends)
        .map(|(&key, &end)| events.range(key, Some(end - size), end))
        .collect();
    let windows = Arc::new(Windows::new(keys, ranges));
    let values = aggregate_all(&batches, &events, &aggregates, &statement, &|_| {
        Arc::clone(&windows)
    })?;

    // the key columns of each window, from the row where its key first appeared
    let chunks: Vec<usize> = batches.chunks(0).map(|(start, _)| start).collect();
    let firsts: Vec<(usize, usize)> = interner
        .first_rows()
        .iter()
        .map(|&row| {
            let batch = chunks.partition_point(|start| *start <= row) - 1;
            (batch, row - chunks[batch])
        })
        .collect();
    let window_keys = UInt32Array::from(windows.keys.clone());
    let key_nullable: Vec<bool> = (0..view.keys.len()).map(|i| batches.nullable(i)).collect();
    let mut names = Vec::new();
    let mut columns = Vec::new();
    for (index, key) in view.keys.iter().enumerate() {
        let arrays: Vec<&dyn Array> = batches
            .column(index)
            .into_iter()
            .map(|a| a.as_ref())
            .collect();
        let distinct = interleave(&arrays, &firsts)?;
        names.push((key.name.clone(), key_nullable[index]));
        columns.push(take(distinct.as_ref(), &window_keys, None)?);
    }
    names.push((WINDOW_END.to_string(), false));
    columns.push(Arc::new(Int64Array::from(ends)) as ArrayRef);
    for ((feature, agg), value) in aggregates.iter().zip(values) {
        names.push((feature.name.clone(), agg.func.value_is_nullable()));
        columns.push(value);
    }
    drop(batches);
    register(
        ctx,
        &crate::compile::batch::names::cte(&view.name, "aggregates"),
        names,
        columns,
    )?;
    ctx.sql(&window_rows_sql(view, size).map_err(batch_error)?)
        .await
}

/// A service's training set (the rows of [`crate::compile::batch::training_sql`]), with every
/// view over a source computed by a sweep; the labels must be registered.
pub async fn training_set(
    ctx: &SessionContext,
    plan: &Plan,
    service: &Service,
) -> Result<DataFrame> {
    let mut computed = BTreeSet::new();
    for name in &service.views {
        let Some(bound) = plan.bound_view(service, name) else {
            continue;
        };
        let needed = needed_features(service, &bound);
        if needed.is_empty() || !matches!(bound.view.kind, ViewKind::Windowed { .. }) {
            continue;
        }
        view_values(ctx, plan, &bound, &needed).await?;
        computed.insert(bound.name.to_string());
    }
    let sql =
        training_sql_with(plan, service, &|b| computed.contains(b.name)).map_err(batch_error)?;
    ctx.sql(&sql).await
}

/// Registers [`values_table`] for a read of a view over a source: the needed aggregates at
/// each distinct (keys, `T`) of the labels.
async fn view_values(
    ctx: &SessionContext,
    plan: &Plan,
    bound: &BoundView<'_>,
    needed: &[String],
) -> Result<()> {
    let view = bound.view;
    let source = crate::compile::batch::inputs::source_of(plan, view).map_err(batch_error)?;
    let aggregates: Vec<(&Feature, &Aggregate)> = view
        .aggregates()
        .filter(|(f, _)| needed.contains(&f.name))
        .collect();

    // the labels' distinct (keys, T, T − settle), their keys interned first: events of other
    // keys are not read further
    let keys = view.keys.len();
    let times_sql = label_times(bound, Some(source.settle)).to_string();
    let labels = Batches::new(collect(ctx, &times_sql).await?)?;
    let mut interner = Interner::new();
    let label_keys = intern_keys(&mut interner, &labels, keys, Nulls::Skip, true)?;
    let as_of = int64_by_row(&labels, keys + 1)?;

    let statement = events_statement(plan, view, &aggregates).map_err(batch_error)?;
    let batches = collect_events(ctx, &statement).await?;
    let key_ids = intern_keys(&mut interner, &batches, statement.keys, Nulls::Skip, false)?;
    let times = int64_by_row(&batches, statement.time)?;
    let events = SortedEvents::sort(&key_ids, &times, interner.len());
    drop((key_ids, times));

    // the label rows with a key, by (key, T − settle): every window moves forward
    let mut rows: Vec<u32> = (0..labels.len() as u32)
        .filter(|&r| label_keys[r as usize] != NONE)
        .collect();
    rows.sort_unstable_by_key(|&r| (label_keys[r as usize], as_of[r as usize]));
    let mut by_window: BTreeMap<Window, Arc<Windows>> = BTreeMap::new();
    for (_, agg) in &aggregates {
        by_window.entry(agg.window).or_insert_with(|| {
            let keys: Vec<u32> = rows.iter().map(|&r| label_keys[r as usize]).collect();
            let ranges = rows
                .iter()
                .map(|&r| {
                    let range = agg.window.range_at(as_of[r as usize]);
                    events.range(label_keys[r as usize], range.start, range.end)
                })
                .collect();
            Arc::new(Windows::new(keys, ranges))
        });
    }
    let values = aggregate_all(&batches, &events, &aggregates, &statement, &|w| {
        by_window
            .get(w)
            .map(Arc::clone)
            .unwrap_or_else(|| Arc::new(Windows::new(Vec::new(), Vec::new())))
    })?;
    drop(batches);

    let order = UInt32Array::from(rows);
    let label_nullable: Vec<bool> = (0..=keys).map(|i| labels.nullable(i)).collect();
    let mut names = Vec::new();
    let mut columns = Vec::new();
    for (index, name) in view
        .keys
        .iter()
        .map(|k| k.name.as_str())
        .chain([AT])
        .enumerate()
    {
        let arrays: Vec<&dyn Array> = labels
            .column(index)
            .into_iter()
            .map(|a| a.as_ref())
            .collect();
        let all = concat(&arrays)?;
        names.push((name.to_string(), label_nullable[index]));
        columns.push(take(all.as_ref(), &order, None)?);
    }
    for ((feature, agg), value) in aggregates.iter().zip(values) {
        names.push((feature.name.clone(), agg.func.value_is_nullable()));
        columns.push(value);
    }
    register(ctx, &values_table(bound), names, columns)
}
