//! The stream runtime: the operator that runs a view's program
//! ([`crate::physical::stream_program`], the `stream/<view>.json` artifact), and its Kafka loop.
//!
//! - [`Operator`]: pure (no I/O, an injected [`Clock`]): Kafka messages (or history rows, for
//!   `featc publish`) in, [`MicroBatch`](crate::runtime::store::MicroBatch)es out — per view, the partial states of every touched
//!   tile merged over the batch (each primary key once, ready for the online upsert), dead
//!   letters, late events, the offsets consumed and the event-time watermark. Row-level
//!   expressions are evaluated by `plan::eval`; states are `agg::State`, as on the batch path.
//! - [`StateStore`](crate::runtime::store::StateStore): where batches are committed,
//!   atomically with their offsets (the Postgres store of [`crate::runtime::store`]).
//! - [`kafka`]: the consumer loop (the only module that knows rdkafka); [`metrics`]: counters
//!   and their Prometheus text endpoint.
//!
//! # Exactly once
//!
//! Offsets live in the store, written in the same transaction as the state they produced.
//! A consumer resumes each assigned partition at its stored offset; messages delivered again
//! below a partition's position are ignored; and a commit only succeeds if the store still
//! holds the offset the batch started from ([`OffsetAdvance::expected`](crate::runtime::store::OffsetAdvance::expected)), so a consumer that
//! lost its partitions to another one cannot double-count them.

mod clock;
mod decode;
mod into_postgres;
pub mod kafka;
pub mod metrics;
mod operator;
mod partitions;
mod pending;
mod step;
mod tile_fold;

pub use clock::{Clock, ManualClock, SystemClock};
pub use decode::{DecodeError, decode};
pub use into_postgres::{RunError, stream_into_postgres};
pub use operator::{Message, Operator, OperatorConfig, RowError};
pub use partitions::InFlight;
