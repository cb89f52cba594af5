//! The independent oracle for the offline engine: `featc training-set` and `featc materialize`,
//! run as users run them on seeded random data aimed at the edges of docs/language.md (aggregates, windows) and docs/batch.md (training sets) (window
//! boundaries, settle, ttl, known_at, ties, nulls, empty windows), must give exactly what a
//! naive evaluator written from the words of docs/language.md computes (`pit/naive.rs`, which shares no
//! code with featc). A failure names the seed, the label, the feature, and both values.
//!
//! The support modules: `generate` (seeded data) → `write` (Parquet, CSV) → `run` (the binary)
//! → `read` → `compare` against `naive` (over `model`, `fixtures`, `sql`, `values`), whose
//! window rule is `support/window.rs`. `naive`'s aggregates (over `model` and `values`) also
//! compute the online tests' expected values (`support/naive.rs`).

// support
mod compare;
mod data;
mod fixtures;
mod generate;
mod harness;
pub mod model;
pub mod naive;
mod read;
mod rng;
mod run;
mod scenario;
mod sql;
pub mod values;
mod write;

// tests
mod leakage;
mod lineage;
mod materialize;
mod oracle_checks;
mod training;
