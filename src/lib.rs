//! featc — a declarative feature compiler.
//!
//! ```text
//! .feat text ──parse──▶ ast ──analyze──▶ plan ──compile──▶ artifacts ──run──▶ values
//!  syntax/              semantic/        plan/   compile/                runtime/
//!                                          │       ├─ batch:  DataFusion SQL        batch:  sweep + DataFusion
//!                                   physical/      ├─ online: Postgres DDL/upsert/  store:  Postgres writer
//!                              (layouts, types,    │          lookup                stream: operator + Kafka
//!                               stream programs)   └─ stream: operator program      serve, consistency, publish
//! ```
//!
//! Dependency rule (`tests/it/architecture.rs` checks it on every `use` and inline path, and
//! fails on import cycles; `docs/architecture.md` explains it):
//! `source ← diagnostic ← syntax ← semantic → plan ← physical ← compile ← runtime ← cli`;
//! `types` and `agg` are leaves that every layer may use. The compilers (`compile::batch`,
//! `compile::online`, `compile::stream`) are pure and never import each other or a runtime.
//! Runtimes share two contracts, `runtime::arrow` and `runtime::store`; `runtime::batch`,
//! `runtime::stream` and `runtime::serve` never import each other. The CLI parses arguments,
//! calls a runtime and prints.

pub mod agg;
pub mod cli;
pub mod compile;
pub mod diagnostic;
pub mod physical;
pub mod plan;
pub mod project;
pub mod runtime;
pub mod semantic;
pub mod source;
pub mod syntax;
pub mod types;
