//! Stream back end: plan → the streaming operator's spec (`DIR/stream/<view>.json`).

mod spec;

pub use spec::{SPEC_VERSION, view_spec};
