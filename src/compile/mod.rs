//! Compilers: plan → artifacts. Pure functions of the plan (no I/O, no runtime): what
//! `featc compile` writes, and what the runtimes run.
//!
//! - [`batch`]: DataFusion SQL (`offline/<view>.sql`, `offline/<service>.training.sql`);
//! - [`online`]: Postgres DDL, merge-upserts and lookups (`online/…`);
//! - [`stream`]: the stream operator's program (`stream/<view>.json`), serialized from
//!   [`crate::physical::stream_program`];
//! - [`sql_expr`]: the one printer of plan expressions for both SQL engines;
//! - [`artifacts`]: every file of `featc compile`, by path.
//!
//! The three compilers never import each other; they share [`sql_expr`] and the layouts of
//! [`crate::physical`].

pub mod artifacts;
pub mod batch;
pub mod online;
pub mod provenance;
pub mod sql_expr;
pub mod stream;

pub use artifacts::{Artifact, build_artifacts};
