//! featc — a declarative feature compiler.
//!
//! ```text
//! .feat text ──parse──▶ ast ──analyze──▶ plan ──compile──▶ artifacts (SQL, DDL, JSON)
//!  grammar/feat.pest    spans,    names, types,   serde      ├─ batch:  DataFusion SQL, run on DataFusion
//!                       no types  windows         contract   ├─ stream: operator spec
//!                                                            └─ online: Postgres DDL / upsert / lookup
//! ```
//!
//! Dependency rule (a test in `tests/it/architecture.rs` keeps it true):
//! `source ← diagnostic ← syntax ← semantic → plan ← backend::{batch | stream | online} ← cli`;
//! `types` and `agg` are leaves that every stage may use. Backends never import each other (they
//! share only `backend::sql_expr`), and never look back at syntax: the plan is the whole contract
//! between front end and back ends. `serve` (the HTTP server) reads the plan and the online back
//! end; the CLI is the only place that wires several back ends together.

pub mod agg;
pub mod backend;
pub mod cli;
pub mod diagnostic;
pub mod plan;
pub mod project;
pub mod semantic;
pub mod serve;
pub mod source;
pub mod syntax;
pub mod types;
