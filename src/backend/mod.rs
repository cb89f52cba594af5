//! Back ends: plan → artifacts and runtimes. They never import each other.

pub mod batch;
pub mod online;
pub mod sql_expr;
pub mod stream;
