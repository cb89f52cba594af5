//! The batch compiler: plan → DataFusion SQL.
//!
//! - [`view_sql`]: `DIR/offline/<view>.sql`, the statement that materializes a view;
//! - [`training_sql`]: `DIR/offline/<service>.training.sql`, a point-in-time training set;
//! - [`aggregate_sql`]: the aggregate calls, and the names and arguments of featc's UDAFs —
//!   the contract with the batch runtime, which registers them over [`crate::agg::State`]
//!   wherever DataFusion's own aggregates would compute something else;
//! - [`names`]: the runner's contract (`labels`, `__featc_at`, `__featc_row`) and the
//!   statements' internal names.
//!
//! Statements are sqlparser syntax trees ([`sql_ast`]), printed pretty with quoted
//! identifiers, explicit column lists, `ORDER BY` where order is visible and a provenance
//! comment. Expressions go through the shared printer [`crate::compile::sql_expr`]. Times are
//! integer microseconds inside the statements ([`time_sql`]), so that window arithmetic is
//! exactly [`crate::plan::window`]'s. The layouts and the runner's contract are in
//! `docs/batch.md`.

pub mod aggregate_sql;
pub mod feature_sql;
pub mod inputs;
pub mod names;
pub mod sql_ast;
pub mod time_sql;
pub mod training;
pub mod view_sql;

pub use training::training_sql;
pub use view_sql::view_sql;

/// A view or service the batch compiler cannot compile: the plan is inconsistent (a featc
/// bug in an earlier stage) or asks for something the batch engine does not do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    #[error("view `{view}` reads `{input}`, which is not in the plan")]
    UnknownInput { view: String, input: String },
    #[error("service `{service}` includes the view `{view}`, which is not in the plan")]
    UnknownView { service: String, view: String },
    #[error("`{owner}` reads `{view}.{feature}`, which is not an earlier feature of that view")]
    UnknownFeature {
        owner: String,
        view: String,
        feature: String,
    },
    #[error("view `{view}`: {reason}")]
    Unsupported { view: String, reason: String },
}
