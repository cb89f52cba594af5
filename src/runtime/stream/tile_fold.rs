//! Folding a micro-batch's events into one partial state per (keys, granularity, tile) — or,
//! for a view over a table, into the winning row per (keys, valid_from) — and turning the
//! result into columns for the upsert. Each primary key occurs once in the output: the
//! upsert's precondition.

use crate::agg::{FieldValue, State};
use crate::physical::stream_program::AggregateProgram;
use crate::plan::window::floor;
use crate::plan::{Field, naming};
use crate::runtime::store::{CellColumn, Cells, ViewRows};
use crate::types::{Micros, Value};
use std::collections::HashMap;

/// An entity's tiles: (granularity, start) → one state per aggregate.
type EntityTiles = HashMap<(Micros, Micros), Vec<State>>;

/// The tiles of one view touched by a micro-batch, by entity.
#[derive(Debug, Default)]
pub struct TileFold {
    entities: HashMap<Vec<Value>, EntityTiles>,
}

impl TileFold {
    /// Merges one event at `time` into its tile of every granularity of `ladder`. `updates`
    /// holds, per aggregate, the argument to fold (`None`: the `where` filter rejected it).
    pub fn add(
        &mut self,
        aggregates: &[AggregateProgram],
        ladder: &[Micros],
        keys: &[Value],
        time: Micros,
        updates: &[Option<&Value>],
    ) {
        let tiles = match self.entities.get_mut(keys) {
            Some(tiles) => tiles,
            None => self.entities.entry(keys.to_vec()).or_default(),
        };
        for &granularity in ladder {
            let states = tiles
                .entry((granularity, floor(time, granularity)))
                .or_insert_with(|| {
                    aggregates
                        .iter()
                        .map(|a| State::new(&a.func, a.arg_type.as_ref()))
                        .collect()
                });
            for (state, update) in states.iter_mut().zip(updates) {
                if let Some(value) = update {
                    state.update(value, time);
                }
            }
        }
    }

    /// The folded tiles as upsert columns (sorted by key, granularity and start, so that
    /// batches are deterministic), leaving the fold empty.
    pub fn drain(
        &mut self,
        view: &str,
        key_names: &[String],
        aggregates: &[AggregateProgram],
    ) -> ViewRows {
        let mut tiles: Vec<(Vec<Value>, Micros, Micros, Vec<State>)> = self
            .entities
            .drain()
            .flat_map(|(keys, tiles)| {
                tiles
                    .into_iter()
                    .map(move |((g, start), states)| (keys.clone(), g, start, states))
            })
            .collect();
        tiles.sort_by(|a, b| (&a.0, a.1, a.2).cmp(&(&b.0, b.1, b.2)));
        let rows = tiles.len();
        let mut keys: Vec<Vec<Value>> = vec![Vec::with_capacity(rows); key_names.len()];
        let mut starts = Vec::with_capacity(rows);
        let mut granularities = Vec::with_capacity(rows);
        let mut fields: Vec<Vec<Vec<FieldValue>>> = aggregates
            .iter()
            .map(|a| vec![Vec::with_capacity(rows); a.columns.len()])
            .collect();
        for (key, granularity, start, states) in tiles {
            for (column, value) in keys.iter_mut().zip(key) {
                column.push(value);
            }
            starts.push(Value::Timestamp(start));
            granularities.push(Value::Int(granularity));
            for (columns, state) in fields.iter_mut().zip(&states) {
                for (column, field) in columns.iter_mut().zip(state.to_fields()) {
                    column.push(field);
                }
            }
        }
        let mut columns: Vec<CellColumn> = key_names
            .iter()
            .zip(keys)
            .map(|(name, cells)| CellColumn {
                name: name.clone(),
                cells: Cells::Values(cells),
            })
            .collect();
        columns.push(CellColumn {
            name: naming::TILE_START.into(),
            cells: Cells::Values(starts),
        });
        columns.push(CellColumn {
            name: naming::TILE_GRANULARITY.into(),
            cells: Cells::Values(granularities),
        });
        for (aggregate, cells) in aggregates.iter().zip(fields) {
            for (name, cells) in aggregate.columns.iter().zip(cells) {
                columns.push(CellColumn {
                    name: name.clone(),
                    cells: Cells::Fields(cells),
                });
            }
        }
        ViewRows {
            view: view.to_string(),
            rows,
            columns,
        }
    }
}

/// The rows of one table view in a micro-batch: per (keys, valid_from), the row that the
/// upsert would keep of all of them (a later row wins unless its `known_at` is older).
#[derive(Debug, Default)]
pub struct RowFold {
    /// (keys, valid_from) → (known_at, the row's values).
    rows: HashMap<RowKey, (Option<Micros>, Vec<Value>)>,
}

type RowKey = (Vec<Value>, Micros);

impl RowFold {
    pub fn add(
        &mut self,
        keys: Vec<Value>,
        valid_from: Micros,
        known_at: Option<Micros>,
        row: &[Value],
    ) {
        let slot = self.rows.entry((keys, valid_from));
        match slot {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert((known_at, row.to_vec()));
            }
            std::collections::hash_map::Entry::Occupied(mut o) => {
                let stored = o.get().0;
                let newer = match (stored, known_at) {
                    (Some(a), Some(b)) => b >= a,
                    _ => true,
                };
                if newer {
                    o.insert((known_at, row.to_vec()));
                }
            }
        }
    }

    /// Columns: the keys, `valid_from`, `known_at`, then every column of the table by name.
    pub fn drain(&mut self, view: &str, key_names: &[String], fields: &[Field]) -> ViewRows {
        let mut rows: Vec<_> = self.rows.drain().collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let count = rows.len();
        let mut keys: Vec<Vec<Value>> = vec![Vec::with_capacity(count); key_names.len()];
        let mut valid_from = Vec::with_capacity(count);
        let mut known_at = Vec::with_capacity(count);
        let mut values: Vec<Vec<Value>> = vec![Vec::with_capacity(count); fields.len()];
        for ((key, from), (known, row)) in rows {
            for (column, value) in keys.iter_mut().zip(key) {
                column.push(value);
            }
            valid_from.push(Value::Timestamp(from));
            known_at.push(known.map_or(Value::Null, Value::Timestamp));
            for (column, value) in values.iter_mut().zip(row) {
                column.push(value);
            }
        }
        let mut columns: Vec<CellColumn> = key_names
            .iter()
            .zip(keys)
            .map(|(name, cells)| CellColumn {
                name: name.clone(),
                cells: Cells::Values(cells),
            })
            .collect();
        for (name, cells) in [
            (naming::VALID_FROM, valid_from),
            (naming::KNOWN_AT, known_at),
        ] {
            columns.push(CellColumn {
                name: name.into(),
                cells: Cells::Values(cells),
            });
        }
        for (field, cells) in fields.iter().zip(values) {
            if columns.iter().all(|c| c.name != field.name) {
                columns.push(CellColumn {
                    name: field.name.clone(),
                    cells: Cells::Values(cells),
                });
            }
        }
        ViewRows {
            view: view.to_string(),
            rows: count,
            columns,
        }
    }
}
