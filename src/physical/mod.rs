//! The physical layer: how the plan's views are laid out in storage and for the operator,
//! derived once from the plan and used by every compiler and runtime.
//!
//! - [`online_table`]: a view's online table, column by column (keys, tile start and
//!   granularity, one column per state field — or the rows of a table view);
//! - [`postgres_type`]: the one map from the language's types and state fields to Postgres
//!   column types, and how each travels as a bind parameter;
//! - [`stream_program`]: what the stream operator runs for a view, serialized as the
//!   `stream/<view>.json` artifact.
//!
//! Physical *names* (tables, state columns, bookkeeping tables) are made in one place,
//! [`crate::plan::naming`], because semantic analysis checks them too.

mod error;
pub mod online_table;
pub mod postgres_type;
pub mod stream_program;

pub use error::LayoutError;
pub use online_table::{ColumnRole, StorageKind, TableColumn, ViewLayout, view_layout};
pub use postgres_type::{PgType, Scalar, Wire};
