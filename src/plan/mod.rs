//! The logical plan: the whole contract between the front end and the back ends.
//!
//! Resolved names, types, windows, keys, event-time columns, physical names and provenance.
//! Serde-serialisable and versioned ([`PLAN_VERSION`]); deterministic (declarations sorted by
//! name, features in declaration order, no hash maps). A back end never looks back at syntax.

pub mod display;
pub mod eval;
pub mod expr;
pub mod fingerprint;
pub mod mermaid;
pub mod naming;
pub mod window;

pub use expr::{BinaryOp, Expr, ExprKind, ScalarFunc, UnaryOp};
pub use window::Window;

use crate::agg::AggFunc;
use crate::source::Location;
use crate::types::{ColumnType, Micros};
use serde::{Deserialize, Serialize};

/// Bumped on every change to the plan's serialized form that a reader must know about.
pub const PLAN_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub version: u32,
    pub entities: Vec<Entity>,
    pub sources: Vec<Source>,
    pub tables: Vec<Table>,
    pub views: Vec<View>,
    pub services: Vec<Service>,
}

/// A named, typed column.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    pub ty: ColumnType,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    pub name: String,
    pub keys: Vec<Field>,
    pub location: Location,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchFormat {
    Parquet,
    Csv,
}

impl BatchFormat {
    /// As written in `.feat`.
    pub fn name(self) -> &'static str {
        match self {
            BatchFormat::Parquet => "parquet",
            BatchFormat::Csv => "csv",
        }
    }
}

/// Where a source's or table's history is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Batch {
    pub format: BatchFormat,
    /// File, directory or glob, relative to the project root, `/`-separated.
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Stream {
    pub topic: String,
    /// The only format today is JSON (one object per message).
    pub format: StreamFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamFormat {
    Json,
}

/// An append-only event source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    pub name: String,
    pub fields: Vec<Field>,
    pub event_time: String,
    pub batch: Option<Batch>,
    pub stream: Option<Stream>,
    /// Features at time T are computed as of T − settle (0 by default).
    pub settle: Micros,
    pub location: Location,
}

/// Slowly changing facts, one row in force per key at any time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub name: String,
    pub fields: Vec<Field>,
    pub key: Vec<String>,
    pub valid_from: String,
    pub known_at: Option<String>,
    pub batch: Option<Batch>,
    pub stream: Option<Stream>,
    pub location: Location,
}

/// What a view reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "name")]
pub enum Input {
    Source(String),
    Table(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ViewKind {
    /// A view over a source: aggregates over `window` (per-feature windows in rolling and
    /// lifetime views live on each aggregate).
    Windowed { window: Window },
    /// A view over a table: row-level features of the row in force, null after `ttl`.
    Table { ttl: Option<Micros> },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct View {
    pub name: String,
    pub entity: String,
    /// The entity's keys (their names are the view's key columns everywhere featc writes).
    pub keys: Vec<Field>,
    /// The input columns that play the keys (`on user(sender_id)`), in key order; empty when
    /// the input's columns are named like the keys.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_columns: Vec<String>,
    pub input: Input,
    pub kind: ViewKind,
    /// In declaration order.
    pub features: Vec<Feature>,
    pub online: Online,
    /// How the online copy is kept fresh (`refresh ...`, `offline only`).
    #[serde(default, skip_serializing_if = "Freshness::is_unscheduled")]
    pub freshness: Freshness,
    pub location: Location,
}

/// The freshness ladder (docs/language.md#freshness): how a view's online copy is kept fresh.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Freshness {
    /// None declared: the copy is as fresh as the last `featc publish` or `featc stream` run.
    #[default]
    Unscheduled,
    /// `refresh every CADENCE`: an incremental publish on a cadence.
    Every { cadence: Cadence },
    /// `refresh snapshot every CADENCE`: the whole copy rebuilt on a cadence.
    Snapshot { cadence: Cadence },
    /// `refresh continuous`: the Kafka stream keeps it fresh.
    Continuous,
    /// `offline only`: no online copy (no table, no upsert, no lookup); training sets only.
    OfflineOnly,
}

impl Freshness {
    pub fn is_unscheduled(&self) -> bool {
        *self == Freshness::Unscheduled
    }

    pub fn is_offline_only(&self) -> bool {
        *self == Freshness::OfflineOnly
    }
}

impl std::fmt::Display for Freshness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Freshness::Unscheduled => f.write_str("unscheduled"),
            Freshness::Every { cadence } => write!(f, "every {cadence}"),
            Freshness::Snapshot { cadence } => write!(f, "snapshot every {cadence}"),
            Freshness::Continuous => f.write_str("continuous"),
            Freshness::OfflineOnly => f.write_str("offline only"),
        }
    }
}

/// When a scheduled refresh runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    /// Every so many microseconds, aligned to the Unix epoch (UTC).
    Interval(Micros),
    /// A five-field cron expression (minute hour day-of-month month day-of-week), in UTC.
    Cron(String),
}

impl std::fmt::Display for Cadence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cadence::Interval(micros) => f.write_str(&crate::types::format_duration(*micros)),
            Cadence::Cron(cron) => write!(f, "\"{cron}\""),
        }
    }
}

/// Where the online store keeps the view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Online {
    /// The Postgres table (`online postgres "..."`, default: the view's name).
    pub table: String,
    /// History kept beyond what the longest window needs now (default 1d).
    pub retain: Micros,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feature {
    pub name: String,
    pub ty: ColumnType,
    pub def: FeatureDef,
    /// Changes exactly when the feature's values could change (see [`fingerprint`]).
    pub fingerprint: String,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum FeatureDef {
    /// An aggregate over the input's events.
    Aggregate(Aggregate),
    /// An expression over other features of the same view (`ExprKind::Feature` nodes).
    Derived { expr: Expr },
    /// In a view over a table: an expression over the table's columns (a bare column is
    /// `ExprKind::Column`).
    Column { expr: Expr },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Aggregate {
    pub func: AggFunc,
    /// `None` for `count(*)`.
    pub arg: Option<Expr>,
    /// The `where` predicate over input columns.
    pub filter: Option<Expr>,
    /// The view's window, or the feature's own `over` window.
    pub window: Window,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub name: String,
    /// The union of the keys of the views it reads (under a role, the role's columns), in
    /// first-read order.
    pub keys: Vec<Field>,
    /// What the service reads, in first-read order: a view by its name, or a view under a
    /// role by the role's name (see [`Role`]). [`Plan::bound_view`] resolves either.
    pub views: Vec<String>,
    /// Output columns after the keys, in declaration order (`include v.*` expanded in the
    /// view's feature order).
    pub outputs: Vec<ServiceOutput>,
    /// The request inputs (`request amount: float`): columns the caller sends with each
    /// request, in the labels of a training set and in the body of a lookup. Derived outputs
    /// read them as [`ExprKind::Column`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub request: Vec<Field>,
    /// The views read for an entity whose keys other columns carry (`include v.* on
    /// user(sender_id)`), by role name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Role>,
    pub location: Location,
}

/// A view read under a role: `include sent.* on user(sender_id)` reads `sent` for the user
/// whose key the service's column `sender_id` carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    /// `view(column, ...)`, e.g. `sent(sender_id)`: what outputs and derived expressions
    /// name this read by (in `OutputDef::Feature::view` and `ExprKind::Feature::view`).
    pub name: String,
    pub view: String,
    /// Per key of the view's entity, in key order: the service's key column that carries it.
    pub keys: Vec<String>,
}

impl Role {
    /// The role's name: the view, then the columns that carry its keys.
    pub fn name_of(view: &str, columns: &[&str]) -> String {
        format!("{view}({})", columns.join(", "))
    }
}

/// One read of a view by a service: the view on its own keys, or under a role.
#[derive(Debug, Clone, Copy)]
pub struct BoundView<'p> {
    /// How the service names the read: the view's name, or the role's.
    pub name: &'p str,
    pub view: &'p View,
    /// Per key of the view, the service's column that carries it (for a view read on its own
    /// keys, the keys' names).
    pub columns: &'p [String],
}

impl BoundView<'_> {
    /// The service's column that carries key `i` of the view.
    pub fn column(&self, i: usize) -> &str {
        match self.columns.get(i) {
            Some(column) => column,
            None => self.view.keys.get(i).map_or("", |k| k.name.as_str()),
        }
    }

    /// Whether the view is read on keys other than its own.
    pub fn is_role(&self) -> bool {
        !self.columns.is_empty()
    }
}

impl Service {
    /// The role named `name`, if it is one.
    pub fn role(&self, name: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.name == name)
    }

    /// The views behind [`Service::read_views`], each once, in first-read order: what the
    /// service's inputs, freshness and retention are about.
    pub fn view_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for read in self.read_views() {
            let view = self.role(read).map_or(read, |r| r.view.as_str());
            if !names.contains(&view) {
                names.push(view);
            }
        }
        names
    }

    /// What the service's values depend on, by read name (a view's, or a role's): its
    /// included views, then any view only a derived output names, in that order (the order
    /// a lookup reads them in).
    pub fn read_views(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.views.iter().map(String::as_str).collect();
        for output in &self.outputs {
            let referenced = match &output.def {
                OutputDef::Feature { view, .. } => vec![view.as_str()],
                OutputDef::Derived { expr } => {
                    expr.features().into_iter().map(|(v, _)| v).collect()
                }
            };
            for view in referenced {
                if !names.contains(&view) {
                    names.push(view);
                }
            }
        }
        names
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceOutput {
    /// The output column's name (the alias, if any).
    pub name: String,
    pub ty: ColumnType,
    pub def: OutputDef,
    pub fingerprint: String,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum OutputDef {
    /// `include view.feature [as alias]`
    Feature { view: String, feature: String },
    /// `name = expr` over `view.feature` references.
    Derived { expr: Expr },
}

impl Plan {
    pub fn entity(&self, name: &str) -> Option<&Entity> {
        self.entities.iter().find(|e| e.name == name)
    }
    pub fn source(&self, name: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.name == name)
    }
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }
    pub fn view(&self, name: &str) -> Option<&View> {
        self.views.iter().find(|v| v.name == name)
    }
    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.name == name)
    }

    /// The views `service` reads that are `offline only`: while there is one, the service
    /// builds training sets but cannot be served.
    pub fn offline_only_views<'p>(&'p self, service: &'p Service) -> Vec<&'p str> {
        service
            .view_names()
            .into_iter()
            .filter(|name| {
                self.view(name)
                    .is_some_and(|v| v.freshness.is_offline_only())
            })
            .collect()
    }

    /// What `service` reads under the name `read` (a view's, or a role's).
    pub fn bound_view<'p>(&'p self, service: &'p Service, read: &'p str) -> Option<BoundView<'p>> {
        match service.role(read) {
            Some(role) => Some(BoundView {
                name: &role.name,
                view: self.view(&role.view)?,
                columns: &role.keys,
            }),
            None => Some(BoundView {
                name: read,
                view: self.view(read)?,
                columns: &[],
            }),
        }
    }
}

impl View {
    pub fn feature(&self, name: &str) -> Option<&Feature> {
        self.features.iter().find(|f| f.name == name)
    }

    /// The aggregate features, in declaration order.
    pub fn aggregates(&self) -> impl Iterator<Item = (&Feature, &Aggregate)> {
        self.features.iter().filter_map(|f| match &f.def {
            FeatureDef::Aggregate(a) => Some((f, a)),
            _ => None,
        })
    }

    /// The view's window (`None` for a view over a table).
    pub fn window(&self) -> Option<&Window> {
        match &self.kind {
            ViewKind::Windowed { window } => Some(window),
            ViewKind::Table { .. } => None,
        }
    }

    /// The input column that plays key `i`.
    pub fn key_column(&self, i: usize) -> &str {
        self.key_columns
            .get(i)
            .or_else(|| self.keys.get(i).map(|k| &k.name))
            .map_or("", String::as_str)
    }

    /// The tile granularities the online store keeps for this view (largest first).
    pub fn ladder(&self) -> Vec<Micros> {
        window::view_ladder(self.aggregates().map(|(_, a)| &a.window))
    }
}
