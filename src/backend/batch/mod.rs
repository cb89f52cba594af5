//! Batch back end: plan → DataFusion SQL. (Being written.)

use crate::plan::{Plan, Service, View};

/// A view or service the batch back end cannot compile (a featc bug or an unsupported shape).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    #[error("{0}")]
    Unsupported(String),
}

pub fn view_sql(_plan: &Plan, view: &View) -> Result<String, BatchError> {
    Err(BatchError::Unsupported(format!("view `{}`: not written yet", view.name)))
}

pub fn training_sql(_plan: &Plan, service: &Service) -> Result<String, BatchError> {
    Err(BatchError::Unsupported(format!("service `{}`: not written yet", service.name)))
}

pub fn register_udafs(_ctx: &datafusion::prelude::SessionContext) {}
