//! The online tables of a view, column by column, derived from the plan: what the DDL creates,
//! what the upsert's parameters are (parameter `$i` is an array of column `i`'s values, in this
//! order), and what a writer must bind.

use super::error::LayoutError;
use super::postgres_type::PgType;
use crate::agg::{AggFunc, StateField, state_fields};
use crate::plan::naming;
use crate::plan::{Aggregate, FeatureDef, Input, Plan, View, ViewKind};
use crate::types::{Micros, Type};

/// One column of an online table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableColumn {
    pub name: String,
    pub ty: PgType,
    pub nullable: bool,
    pub role: ColumnRole,
}

/// What a column holds.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnRole {
    /// An entity key.
    Key,
    /// The first event time a tile covers (`timestamptz`).
    TileStart,
    /// The tile's granularity in µs (1 = one tile per event time).
    TileGranularity,
    /// One field of an aggregate feature's partial state.
    State {
        feature: String,
        func: AggFunc,
        /// The aggregate's argument type (`None` for `count(*)`).
        arg: Option<Type>,
        /// The field's position in the state's encoding: this column holds
        /// `state.to_fields()[index]`.
        index: usize,
        field: StateField,
    },
    /// When a table row comes into force.
    ValidFrom,
    /// When a table row was written (null when the table has no `known_at`).
    KnownAt,
    /// A raw column of the table a view reads.
    Input { column: String },
}

/// How a view is stored online.
#[derive(Debug, Clone, PartialEq)]
pub enum StorageKind {
    /// A view over a source: one row per key, granularity and tile.
    Tiles {
        /// The granularities every event is merged into (largest first).
        ladder: Vec<Micros>,
    },
    /// A view over a table: one row per key and `valid_from`.
    Rows,
}

/// A view's online table.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewLayout {
    pub table: String,
    pub kind: StorageKind,
    /// In DDL, parameter and insert order.
    pub columns: Vec<TableColumn>,
    /// The primary key's columns, in index order.
    pub primary_key: Vec<String>,
}

impl ViewLayout {
    pub fn column(&self, name: &str) -> Option<&TableColumn> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The columns an upsert overwrites or merges (all but the primary key).
    pub fn value_columns(&self) -> impl Iterator<Item = &TableColumn> {
        self.columns
            .iter()
            .filter(|c| !self.primary_key.contains(&c.name))
    }
}

/// The online table of `view`.
pub fn view_layout(plan: &Plan, view: &View) -> Result<ViewLayout, LayoutError> {
    let mut columns = Vec::new();
    for key in &view.keys {
        columns.push(TableColumn {
            name: key.name.clone(),
            ty: PgType::of_type(&key.ty.ty)?,
            nullable: false,
            role: ColumnRole::Key,
        });
    }
    let keys = view.keys.iter().map(|k| k.name.clone());
    match &view.kind {
        ViewKind::Windowed { .. } => {
            columns.push(TableColumn {
                name: naming::TILE_START.into(),
                ty: PgType::of_type(&Type::Timestamp)?,
                nullable: false,
                role: ColumnRole::TileStart,
            });
            columns.push(TableColumn {
                name: naming::TILE_GRANULARITY.into(),
                ty: PgType::of_type(&Type::Int)?,
                nullable: false,
                role: ColumnRole::TileGranularity,
            });
            for (feature, aggregate) in view.aggregates() {
                for (index, field) in aggregate_fields(aggregate).into_iter().enumerate() {
                    columns.push(TableColumn {
                        name: naming::state_column(&feature.name, field.suffix),
                        ty: PgType::of_field(&field.ty)?,
                        nullable: field.nullable,
                        role: ColumnRole::State {
                            feature: feature.name.clone(),
                            func: aggregate.func.clone(),
                            arg: aggregate_arg_type(aggregate).cloned(),
                            index,
                            field,
                        },
                    });
                }
            }
            let primary_key = keys
                .chain([naming::TILE_GRANULARITY.into(), naming::TILE_START.into()])
                .collect();
            Ok(ViewLayout {
                table: view.online.table.clone(),
                kind: StorageKind::Tiles {
                    ladder: view.ladder(),
                },
                columns,
                primary_key,
            })
        }
        ViewKind::Table { .. } => {
            columns.push(TableColumn {
                name: naming::VALID_FROM.into(),
                ty: PgType::of_type(&Type::Timestamp)?,
                nullable: false,
                role: ColumnRole::ValidFrom,
            });
            columns.push(TableColumn {
                name: naming::KNOWN_AT.into(),
                ty: PgType::of_type(&Type::Timestamp)?,
                nullable: true,
                role: ColumnRole::KnownAt,
            });
            let table = input_table(plan, view)?;
            let read = columns_read(view);
            for field in &table.fields {
                let special = table.key.contains(&field.name)
                    || field.name == table.valid_from
                    || table.known_at.as_deref() == Some(field.name.as_str());
                if special || !read.contains(&field.name.as_str()) {
                    continue;
                }
                columns.push(TableColumn {
                    name: field.name.clone(),
                    ty: PgType::of_type(&field.ty.ty)?,
                    nullable: field.ty.nullable,
                    role: ColumnRole::Input {
                        column: field.name.clone(),
                    },
                });
            }
            let primary_key = keys.chain([naming::VALID_FROM.into()]).collect();
            Ok(ViewLayout {
                table: view.online.table.clone(),
                kind: StorageKind::Rows,
                columns,
                primary_key,
            })
        }
    }
}

/// The state fields of an aggregate feature, in the order `agg` encodes them.
pub fn aggregate_fields(aggregate: &Aggregate) -> Vec<StateField> {
    state_fields(&aggregate.func, aggregate_arg_type(aggregate))
}

pub fn aggregate_arg_type(aggregate: &Aggregate) -> Option<&Type> {
    aggregate.arg.as_ref().map(|arg| &arg.ty.ty)
}

/// The table a view over a table reads.
pub fn input_table<'p>(plan: &'p Plan, view: &View) -> Result<&'p crate::plan::Table, LayoutError> {
    let name = match &view.input {
        Input::Table(name) | Input::Source(name) => name,
    };
    plan.table(name).ok_or_else(|| LayoutError::Missing {
        kind: "table",
        name: name.clone(),
    })
}

/// The input columns a view's features read.
fn columns_read(view: &View) -> Vec<&str> {
    let mut out: Vec<&str> = view
        .features
        .iter()
        .flat_map(|f| match &f.def {
            FeatureDef::Column { expr } | FeatureDef::Derived { expr } => expr.columns(),
            FeatureDef::Aggregate(_) => Vec::new(),
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}
