//! The batch runtime (`featc materialize`, `featc training-set`, and the offline side of
//! `featc consistency`): a DataFusion session set up the way the generated statements expect
//! ([`context`]), the inputs a command reads registered ([`inputs`]), featc's aggregates as
//! UDAFs ([`udaf`]), the sweep that computes windowed aggregates fast with the statements'
//! values ([`sweep`], `docs/batch.md`), what a command computes ([`engine`]) and the Parquet
//! it writes with its lineage ([`output`]).

pub mod context;
pub mod engine;
pub mod inputs;
pub mod labels;
pub mod output;
pub mod sweep;
pub mod udaf;

pub use context::register_udafs;
pub use engine::{
    Engine, EngineError, TimeRange, check_label_columns, materialize, reach, session, training_set,
};
