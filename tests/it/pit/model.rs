//! The oracle's own description of a fixture project, written by hand next to each `.feat`
//! file (see `fixtures.rs`): windows, aggregates with their filters and arguments as Rust
//! closures, derived features, table views and services (windows as `support/window.rs`
//! describes them). Nothing here comes from featc.

use super::data::Event;
use super::values::{Ty, V};
use crate::support::window::Window;
use std::collections::BTreeMap;

/// The aggregates of docs/language.md#aggregates.
#[derive(Clone, Copy, Debug)]
pub enum Agg {
    CountStar,
    Count,
    Sum,
    Avg,
    Min,
    Max,
    First,
    Last,
    LastN(usize),
    CountDistinct,
    ApproxCountDistinct,
    StddevPop,
    VarPop,
    /// `approx_percentile(x, q)`, `q` in millionths.
    ApproxPercentile(u32),
    TopK(usize),
}

/// The values of earlier features, by name (`view.feature` inside services).
pub type Values = BTreeMap<String, V>;

/// Reads a value that must have been computed already.
pub fn get<'v>(values: &'v Values, name: &str) -> &'v V {
    values
        .get(name)
        .unwrap_or_else(|| panic!("the oracle reads `{name}` before computing it"))
}

/// How a feature of an event view gets its value.
pub enum FeatureDef {
    Aggregate {
        agg: Agg,
        /// The argument (ignored by `count(*)`).
        arg: fn(&Event) -> V,
        /// The `where` predicate: the event counts only when it is `V::Bool(true)`.
        filter: fn(&Event) -> V,
        window: Window,
    },
    /// An expression over earlier features of the same view.
    Derived(fn(&Values) -> V),
}

pub struct Feature {
    pub name: &'static str,
    pub ty: Ty,
    pub def: FeatureDef,
}

/// A feature view over a source.
pub struct EventView {
    pub name: &'static str,
    pub source: &'static str,
    /// The entity's key columns, and how to read them from an event.
    pub keys: &'static [&'static str],
    pub key_of: fn(&Event) -> Vec<String>,
    pub settle: i64,
    /// The view's own window (for `featc materialize`).
    pub window: Window,
    pub features: Vec<Feature>,
}

/// A feature of a table view: an expression over the chosen row's columns.
/// A table feature's value from the chosen row's columns (looked up by name).
pub type RowExpr = fn(&dyn Fn(&str) -> V) -> V;

pub struct TableFeature {
    pub name: &'static str,
    pub ty: Ty,
    pub value: RowExpr,
}

/// A feature view over a table.
pub struct TableView {
    pub name: &'static str,
    pub table: &'static str,
    pub ttl: Option<i64>,
    pub features: Vec<TableFeature>,
}

pub enum View {
    Events(EventView),
    Table(TableView),
}

impl View {
    pub fn name(&self) -> &'static str {
        match self {
            View::Events(v) => v.name,
            View::Table(v) => v.name,
        }
    }
}

pub enum OutputDef {
    /// `include view.feature [as alias]`.
    Include {
        view: &'static str,
        feature: &'static str,
    },
    /// A service-level expression over `view.feature` values.
    Derived(fn(&Values) -> V),
}

pub struct Output {
    pub name: &'static str,
    pub ty: Ty,
    pub def: OutputDef,
}

/// A service: its key columns (the union of its entities' keys, and the columns its roles
/// read), its request inputs, and outputs in order. A view read under a role is one more view
/// here, named like the role (`user_recent(friend_id)`) and keyed by the role's columns.
pub struct Service {
    pub name: &'static str,
    pub keys: &'static [&'static str],
    /// Values the labels carry beside the keys; derived outputs read them as `request.name`.
    pub request: &'static [(&'static str, Ty)],
    pub views: Vec<View>,
    pub outputs: Vec<Output>,
}

impl Service {
    pub fn view(&self, name: &str) -> &View {
        self.views
            .iter()
            .find(|v| v.name() == name)
            .unwrap_or_else(|| panic!("the oracle's service has no view {name}"))
    }
}
