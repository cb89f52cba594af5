//! Feature views: the entity and the input they name, the keys they share, their clauses and
//! their features. Views over a source are in [`windowed`], views over a table in [`table`].
//!
//! Rules common to both:
//! - the entity (E0201) and the input (E0202) are declared;
//! - the input has a non-null column of the same name and type as every entity key (E0211,
//!   E0306); a table is keyed by exactly the entity's keys (E0211);
//! - feature names are unique in the view (E0208) and differ from the entity's keys and from
//!   the columns featc adds to the view's tables (`window_start`, `window_end`, `feature_ts`,
//!   `tile_start`, `tile_us`, `valid_from`, `known_at`) (E0208);
//! - the `online` clause as in [`online`];
//! - a view has at least one feature (E0216).

mod freshness;
mod graph;
mod keys;
mod online;
mod scopes;
mod table;
mod windowed;

use super::context::{Cx, did_you_mean};
use super::entity::EntityInfo;
use super::input::{InputInfo, InputKind};
use super::scope::{DeclKind, Globals};
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::{self, Feature, FeatureDef, Input, View, ViewKind, naming};
use crate::source::Span;
use crate::syntax::ast::{FeatureDecl, FeaturesDecl, Ident, ViewItem};
use crate::types::{ColumnType, Type, Value};
use std::collections::{BTreeMap, BTreeSet};

/// What views need from the declarations lowered before them.
pub(crate) struct Env<'g, 'a> {
    pub globals: &'g Globals<'a>,
    pub entities: &'g BTreeMap<&'a str, EntityInfo>,
    pub inputs: &'g BTreeMap<&'a str, InputInfo<'a>>,
}

/// A lowered view, with what services need to stay quiet about errors reported here.
pub(crate) struct ViewInfo {
    pub view: View,
    /// Features whose definition failed (reported): services that read them say nothing more.
    pub poisoned: BTreeSet<String>,
    /// False when the entity is unknown, so the view's keys are unknown.
    pub keys_known: bool,
    /// Where the online table's name comes from (the `online` clause or the view's name).
    pub online_span: Span,
}

/// The features of a view in declaration order, with the first declaration of each name.
pub(super) struct FeatureList<'a> {
    pub decls: Vec<&'a FeatureDecl>,
    pub index: BTreeMap<&'a str, usize>,
}

impl FeatureList<'_> {
    pub fn names(&self) -> Vec<&str> {
        self.decls.iter().map(|d| d.name.name.as_str()).collect()
    }
}

/// A feature's lowered definition and type; `None` where an error was reported.
pub(super) type Lowered = Vec<Option<(FeatureDef, ColumnType)>>;

/// Columns featc adds to a view's tables (plan::naming): a feature may not take their names.
const RESERVED_FEATURE_NAMES: [&str; 7] = [
    naming::WINDOW_START,
    naming::WINDOW_END,
    naming::FEATURE_TS,
    naming::TILE_START,
    naming::TILE_GRANULARITY,
    naming::VALID_FROM,
    naming::KNOWN_AT,
];

pub(crate) fn lower_view(cx: &mut Cx, env: &Env, decl: &FeaturesDecl) -> ViewInfo {
    let entity = resolve_entity(cx, env, &decl.entity);
    let input = resolve_input(cx, env, &decl.from);
    if let (Some(entity), Some(input)) = (entity, input) {
        keys::check(cx, decl, entity, input);
    }
    let key_names: Vec<&str> = entity
        .map(|e| e.keys.iter().map(|k| k.field.name.as_str()).collect())
        .unwrap_or_default();
    let features = feature_list(cx, decl, &key_names);
    if features.decls.is_empty() {
        cx.report(
            Diagnostic::error(
                Code::EMPTY_DECLARATION,
                format!("feature view `{}` has no features", decl.name.name),
            )
            .at(decl.name.span, "no features")
            .with_help("declare at least one, e.g. `event_count = count(*)`"),
        );
    }
    let (online, online_span) = online::lower(cx, decl);
    let (kind, lowered) = match input {
        Some(input) if input.kind == InputKind::Source => {
            windowed::lower(cx, decl, input, &features)
        }
        Some(input) => table::lower(cx, decl, input, &features),
        None => (
            ViewKind::Table { ttl: None },
            vec![None; features.decls.len()],
        ),
    };
    let mut poisoned = BTreeSet::new();
    let mut plan_features = Vec::new();
    for (decl, lowered) in features.decls.iter().zip(lowered) {
        let (def, ty) = lowered.unwrap_or_else(|| {
            poisoned.insert(decl.name.name.clone());
            placeholder()
        });
        plan_features.push(Feature {
            name: decl.name.name.clone(),
            ty,
            def,
            fingerprint: String::new(),
            location: cx.location(decl.name.span),
        });
    }
    let view = View {
        name: decl.name.name.clone(),
        entity: decl.entity.name.clone(),
        keys: entity
            .map(|e| e.keys.iter().map(|k| k.field.clone()).collect())
            .unwrap_or_default(),
        key_columns: decl
            .key_columns
            .iter()
            .flatten()
            .map(|c| c.name.clone())
            .collect(),
        input: match input.map(|i| i.kind) {
            Some(InputKind::Table) => Input::Table(decl.from.name.clone()),
            _ => Input::Source(decl.from.name.clone()),
        },
        freshness: freshness::lower(cx, decl, input, window_of(&kind)),
        kind,
        features: plan_features,
        online,
        location: cx.location(decl.name.span),
    };
    ViewInfo {
        view,
        poisoned,
        keys_known: entity.is_some(),
        online_span,
    }
}

fn window_of(kind: &ViewKind) -> Option<&plan::Window> {
    match kind {
        ViewKind::Windowed { window } => Some(window),
        ViewKind::Table { .. } => None,
    }
}

/// Stands in for a feature whose definition failed; the plan is not returned then.
fn placeholder() -> (FeatureDef, ColumnType) {
    let null = plan::Expr::new(
        plan::ExprKind::Literal(Value::Null),
        ColumnType::nullable(Type::Null),
    );
    (
        FeatureDef::Derived { expr: null },
        ColumnType::nullable(Type::Null),
    )
}

/// "`events` is a source, not an entity" when the name exists as another kind.
fn other_kind_note(env: &Env, name: &str) -> Option<String> {
    env.globals
        .get(name)
        .map(|d| format!("`{name}` is {}", DeclKind::of(d).with_article()))
}

fn resolve_entity<'e>(cx: &mut Cx, env: &'e Env, name: &Ident) -> Option<&'e EntityInfo> {
    if let Some(entity) = env.entities.get(name.name.as_str()) {
        return Some(entity);
    }
    // an entity whose declaration is a duplicate of another kind's name is not in `entities`
    let candidates = env.globals.names_of(&[DeclKind::Entity]);
    let mut diagnostic = Diagnostic::error(
        Code::UNKNOWN_ENTITY,
        format!("unknown entity `{}`", name.name),
    )
    .at(name.span, "not a declared entity")
    .with_help(
        did_you_mean(&name.name, candidates.iter().copied()).unwrap_or_else(|| {
            if candidates.is_empty() {
                format!(
                    "declare it: `entity {} {{ key {}_id: string }}`",
                    name.name, name.name
                )
            } else {
                format!(
                    "the entities are {}",
                    super::context::quoted_list(&candidates)
                )
            }
        }),
    );
    if let Some(note) = other_kind_note(env, &name.name) {
        diagnostic = diagnostic.with_note(note);
    }
    cx.report(diagnostic);
    None
}

fn resolve_input<'e, 'a>(
    cx: &mut Cx,
    env: &'e Env<'_, 'a>,
    name: &Ident,
) -> Option<&'e InputInfo<'a>> {
    if let Some(input) = env.inputs.get(name.name.as_str()) {
        return Some(input);
    }
    let candidates = env.globals.names_of(&[DeclKind::Source, DeclKind::Table]);
    let mut diagnostic = Diagnostic::error(
        Code::UNKNOWN_INPUT,
        format!("unknown source or table `{}`", name.name),
    )
    .at(name.span, "not a declared source or table")
    .with_help(did_you_mean(&name.name, candidates.iter().copied()).unwrap_or_else(|| {
        if candidates.is_empty() {
            "declare the events with `source NAME { ... }` or the facts with `table NAME { ... }`".to_string()
        } else {
            format!(
                "the sources and tables are {}",
                super::context::quoted_list(&candidates)
            )
        }
    }));
    if let Some(note) = other_kind_note(env, &name.name) {
        diagnostic = diagnostic.with_note(note);
    }
    cx.report(diagnostic);
    None
}

/// The view's features; reports repeated names and names that collide with keys or with the
/// columns featc adds.
fn feature_list<'a>(cx: &mut Cx, view: &'a FeaturesDecl, key_names: &[&str]) -> FeatureList<'a> {
    let mut decls = Vec::new();
    let mut index: BTreeMap<&'a str, usize> = BTreeMap::new();
    for item in &view.items {
        let ViewItem::Feature(feature) = item else {
            continue;
        };
        let name = feature.name.name.as_str();
        if let Some(&first) = index.get(name) {
            let first: &FeatureDecl = decls[first];
            cx.report(
                Diagnostic::error(
                    Code::DUPLICATE_MEMBER,
                    format!(
                        "feature `{name}` is declared twice in view `{}`",
                        view.name.name
                    ),
                )
                .at(feature.name.span, "declared again here")
                .with_label(first.name.span, "first declared here")
                .with_help("rename one of them; feature names are the view's column names"),
            );
        } else if key_names.contains(&name) {
            cx.report(
                Diagnostic::error(
                    Code::DUPLICATE_MEMBER,
                    format!(
                        "feature `{name}` has the name of a key of entity `{}`",
                        view.entity.name
                    ),
                )
                .at(feature.name.span, "same name as the key")
                .with_help(format!(
                    "every row of the view already holds the key `{name}`; rename the feature"
                )),
            );
        } else if RESERVED_FEATURE_NAMES.contains(&name) {
            cx.report(
                Diagnostic::error(
                    Code::DUPLICATE_MEMBER,
                    format!("`{name}` is a column featc adds to the view's tables"),
                )
                .at(feature.name.span, "reserved column name")
                .with_help(format!(
                    "rename the feature, e.g. `{}_{name}`",
                    view.name.name
                )),
            );
        } else {
            index.insert(name, decls.len());
        }
        decls.push(feature);
    }
    FeatureList { decls, index }
}

/// A feature needs a type: an expression that is nothing but `null` has none (E0301).
pub(super) fn known_type(
    cx: &mut Cx,
    feature: &FeatureDecl,
    value: &crate::syntax::ast::Expr,
    typed: &plan::Expr,
) -> bool {
    if typed.ty.ty != Type::Null {
        return true;
    }
    cx.report(
        Diagnostic::error(
            Code::OPERATOR_TYPE,
            format!(
                "the type of feature `{}` cannot be inferred",
                feature.name.name
            ),
        )
        .at(value.span, "always `null`, of no particular type")
        .with_help("give the null a type, e.g. `cast(null as float)`"),
    );
    false
}
