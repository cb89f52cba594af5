//! What can go wrong while generating the online SQL. Every case is a featc bug or a plan that
//! semantic analysis should have rejected, never a user's data: the generator reads only the plan.

use crate::physical::LayoutError;

/// An online artifact could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum OnlineError {
    #[error("the plan has no {kind} named `{name}`")]
    Missing { kind: &'static str, name: String },
    #[error(transparent)]
    Layout(#[from] LayoutError),
    #[error("feature `{feature}`: {reason}")]
    StateLayout { feature: String, reason: String },
    #[error("rendering {template}: {source}")]
    Template {
        template: &'static str,
        #[source]
        source: minijinja::Error,
    },
}
