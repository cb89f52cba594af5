//! The online path against a real Kafka-protocol broker and the real Postgres: `featc stream`
//! and `featc publish` run as processes, fed by a producer over the network.
//!
//! The broker is `FEATC_TEST_KAFKA` (default `127.0.0.1:9092`, which `scripts/setup-kafka.sh`
//! starts: tansu with in-memory storage); `FEATC_TEST_KAFKA=skip` skips these tests. Every test
//! has its own topic, consumer group and Postgres schema, so they run in parallel.
//!
//! The tests are shaped around tansu 0.6.0's known faults, never special-casing it in featc:
//! producers write one record per batch (a fetch from inside a batch skips the rest of it),
//! progress is measured by counting acknowledged messages against the offsets featc stores
//! (high watermarks under-report), and topics are created whole (no CreatePartitions).
//! `broker_check` proves on its own that the broker delivers everything it acknowledged
//! exactly once, so that a broker fault is never blamed on featc.

mod bad_messages;
mod broker_check;
mod crash;
mod events;
mod handoff;
mod kafka;
mod lookup;
mod parity;
mod process;
mod scale_out;
mod store;
