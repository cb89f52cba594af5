//! Stream back end: plan → the streaming operator's spec (`DIR/stream/<view>.json`), and the
//! operator that runs it.
//!
//! - [`view_spec`]: the spec artifact.
//! - [`Operator`]: pure (no I/O, an injected [`Clock`]): Kafka messages (or history rows, for
//!   `featc publish`) in, [`MicroBatch`]es out — per view, the partial states of every touched
//!   tile merged over the batch (each primary key once, ready for the online upsert), dead
//!   letters, late events, the offsets consumed and the event-time watermark. Row-level
//!   expressions are evaluated by `plan::eval`; states are `agg::State`, as on the batch path.
//! - [`StateSink`]: where batches are committed, atomically with their offsets (the online
//!   back end's Postgres writer, wired by the command line).
//! - [`kafka`]: the consumer loop (the only module that knows rdkafka); [`metrics`]: counters
//!   and their Prometheus text endpoint.
//!
//! # Exactly once
//!
//! Offsets live in the store, written in the same transaction as the state they produced.
//! A consumer resumes each assigned partition at its stored offset; messages delivered again
//! below a partition's position are ignored; and a commit only succeeds if the store still
//! holds the offset the batch started from ([`OffsetAdvance::expected`]), so a consumer that
//! lost its partitions to another one cannot double-count them.

mod batch;
mod clock;
mod decode;
mod fold;
pub mod kafka;
pub mod metrics;
mod operator;
mod partitions;
mod pending;
mod program;
mod sink;
mod spec;
mod step;

pub use batch::{
    Cells, Column, Counts, DeadLetter, LateEvent, MicroBatch, OffsetAdvance, ViewRows, Watermark,
};
pub use clock::{Clock, ManualClock, SystemClock};
pub use decode::{DecodeError, decode};
pub use operator::{Message, Operator, OperatorConfig, RowError};
pub use partitions::InFlight;
pub use program::ProgramError;
pub use sink::{CommitError, StateSink, StoredOffset};
pub use spec::{SPEC_VERSION, view_spec};
