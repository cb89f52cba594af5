//! The independent oracle for the offline engine: `featc training-set` and `featc materialize`,
//! run as users run them on seeded random data aimed at the edges of docs/language.md (aggregates, windows) and docs/batch.md (training sets) (window
//! boundaries, settle, ttl, known_at, ties, nulls, empty windows), must give exactly what a
//! naive evaluator written from the words of docs/language.md computes (`pit/naive.rs`, which shares no
//! code with featc). A failure names the seed, the label, the feature, and both values.
//!
//! The support modules: `generate` (seeded data) → `write` (Parquet, CSV) → `run` (the binary)
//! → `read` → `compare` against `naive` (over `model`, `fixtures`, `sql`, `values`).

// support
#[path = "pit/compare.rs"]
mod compare;
#[path = "pit/data.rs"]
mod data;
#[path = "pit/fixtures.rs"]
mod fixtures;
#[path = "pit/generate.rs"]
mod generate;
#[path = "pit/harness.rs"]
mod harness;
#[path = "pit/model.rs"]
mod model;
#[path = "pit/naive.rs"]
mod naive;
#[path = "pit/read.rs"]
mod read;
#[path = "pit/rng.rs"]
mod rng;
#[path = "pit/run.rs"]
mod run;
#[path = "pit/scenario.rs"]
mod scenario;
#[path = "pit/sql.rs"]
mod sql;
#[path = "pit/values.rs"]
mod values;
#[path = "pit/write.rs"]
mod write;

// tests
#[path = "pit/leakage.rs"]
mod leakage;
#[path = "pit/lineage.rs"]
mod lineage;
#[path = "pit/materialize.rs"]
mod materialize;
#[path = "pit/oracle_checks.rs"]
mod oracle_checks;
#[path = "pit/training.rs"]
mod training;
