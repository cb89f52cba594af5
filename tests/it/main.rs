//! Integration tests: one test binary (each file directly under `tests/` would be its own
//! large binary), one module per concern.

mod architecture;
mod batch_plans;
mod cli;
mod corpus;
mod docs;
mod online_postgres;
mod pit;
mod snapshots;
mod training_sets;
