//! A view the physical layer cannot lay out. Every case is a featc bug or a plan that semantic
//! analysis should have rejected, never a user's data: the layouts read only the plan.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    #[error("the plan has no {kind} named `{name}`")]
    Missing { kind: &'static str, name: String },
    #[error("{what} has no Postgres column type")]
    UnsupportedType { what: String },
}
