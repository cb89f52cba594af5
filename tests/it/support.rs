//! What several test modules share, written once: the window rule of the independent
//! evaluators, the online tests' project and seeded events with their naive values, a fresh
//! Postgres schema, tiles (folded, upserted, read back, merged), the fixture's events as Kafka
//! messages, the example projects, value comparisons, and the seeded generator.

pub mod db;
pub mod example;
pub mod fixture;
pub mod naive;
pub mod rng;
pub mod stream;
pub mod tiles;
pub mod values;
pub mod window;
