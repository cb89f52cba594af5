//! The online store, as the runtimes share it: what a batch commits ([`micro_batch`]), the contract
//! the stream's Kafka loop commits through ([`StateStore`]), and its Postgres implementation —
//! the writer that applies the generated DDL and upserts ([`writer`]), the commit of a whole
//! micro-batch with its offsets ([`commit`]), the bind-parameter codec ([`codec`]) and the
//! check that a deployed table has the plan's columns ([`deployed_columns`]).
//!
//! `featc stream` and `featc publish` write through it; `featc serve` reads with the codec.
//! Table layouts come from [`crate::physical`], statements from [`crate::compile::online`].

pub mod codec;
pub mod commit;
mod contract;
pub mod deployed_columns;
pub mod micro_batch;
pub mod writer;

pub use commit::{PostgresStateStore, StageError, stage, write_views};
pub use contract::{CommitError, StateStore, StoredOffset};
pub use micro_batch::{
    CellColumn, Cells, Counts, DeadLetter, LateEvent, MicroBatch, OffsetAdvance, ViewRows,
    Watermark,
};
pub use writer::{OnlineWriter, WriteError, WriteTransaction, connect};
