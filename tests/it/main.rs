//! Integration tests: one test binary (each file directly under `tests/` would be its own
//! large binary), one module per concern; `support` holds what several of them share.

mod architecture;
mod batch_plans;
mod cli;
mod corpus;
mod docs;
mod engines;
mod online_postgres;
mod pit;
mod serve;
mod snapshots;
mod stream_broker;
mod stream_cli;
mod stream_kafka;
mod stream_operator;
mod stream_publish;
mod stream_sink;
mod support;
mod training_sets;
