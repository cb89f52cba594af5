//! Runtimes: the commands that run the artifacts, each over the same `agg` states.
//!
//! - [`batch`]: `featc materialize` and `featc training-set` on DataFusion (the sweep, the
//!   UDAFs, the session that runs the generated statements);
//! - [`stream`]: the stream operator and its Kafka loop (`featc stream`, `featc publish`);
//! - [`store`]: the online store's contract and its Postgres writer, shared by the stream,
//!   `publish` and the tests;
//! - [`serve`]: `featc serve`, HTTP lookups with the generated lookup statement, `--log`;
//! - [`consistency`]: `featc consistency`, logged vectors against the offline engine;
//! - [`arrow`]: the one Arrow codec (plan types ↔ Arrow types, values ↔ arrays).
//!
//! Runtimes may use the compilers (they run what the compilers write); compilers never use
//! runtimes. `arrow` and `store` are the shared contracts; `batch`, `stream` and `serve` do
//! not import each other; `consistency` compares `serve`'s log with `batch`'s values.

pub mod arrow;
pub mod batch;
pub mod consistency;
pub mod publish;
pub mod serve;
pub mod store;
pub mod stream;
