//! Services: the feature vector a model consumes.
//!
//! - `include view.*` (every feature, in the view's order; `as p` names them `p_feature`) or
//!   `include view.feature [as alias]` (E0212 unknown view, E0204 unknown feature);
//! - `include view.* on entity(column, ...)` reads the view for the entity whose keys the
//!   service's `column`s carry: a role (see `roles.rs`, E0218), so that one entity can be read
//!   twice, e.g. as sender and as receiver;
//! - `name = expr`: an expression over `view.feature` references. A view read only by a derived
//!   output joins the service like an included one. A bare name refers to an output of the
//!   service: an included feature by its output name (its alias, if renamed), or a derived output
//!   declared before it (inlined). Bare names do not search the views' features: with several
//!   views on several entities, a name that is unique today becomes ambiguous when a view gains a
//!   feature, and an output name always means one thing;
//! - output names are unique, and differ from the service's keys (E0209);
//! - the keys are the union of the views' entity keys in first-read order; two views with a
//!   key of the same name but different types cannot be joined (E0306);
//! - `request amount: float` declares a request input, read as `request.amount` (E0217 for an
//!   undeclared one); request inputs are scalars (E0315) and named unlike the keys and the
//!   outputs (E0209), since they travel beside both in the labels and the lookup's body;
//! - a service has at least one output (E0216).

mod names;
mod outputs;
mod request;
mod roles;

use super::context::{Cx, did_you_mean, quoted_list};
use super::scope::{DeclKind, Globals};
use super::typeck;
use super::view::ViewInfo;
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::{Expr, ExprKind, OutputDef, Role, Service, ServiceOutput};
use crate::source::Span;
use crate::syntax::ast::{
    self, FieldDecl, Ident, IncludeItem, IncludeTarget, ServiceDecl, ServiceItem,
};
use crate::types::{ColumnType, Type};
use names::ServiceScope;
use std::collections::BTreeMap;

pub(crate) struct Env<'g, 'a> {
    pub globals: &'g Globals<'a>,
    pub views: &'g BTreeMap<&'a str, ViewInfo>,
}

/// An output being built, with where it was declared.
struct Output {
    output: ServiceOutput,
    span: Span,
}

pub(crate) fn lower_service(cx: &mut Cx, env: &Env, decl: &ServiceDecl) -> Service {
    let request_fields: Vec<FieldDecl> = decl
        .items
        .iter()
        .flat_map(|item| match item {
            ServiceItem::Request { fields, .. } => fields.clone(),
            _ => Vec::new(),
        })
        .collect();
    let request = request::lower(cx, &decl.name.name, &request_fields);
    let mut outputs: Vec<Output> = Vec::new();
    // views in first-read order, with where each was first read
    let mut views: Vec<(String, Span)> = Vec::new();
    let mut roles: Vec<Role> = Vec::new();
    let mut included: BTreeMap<String, (String, String)> = BTreeMap::new();
    // first pass: included outputs, so that derived outputs may name any of them
    let mut include_outputs: Vec<Vec<Output>> = Vec::new();
    for item in &decl.items {
        let mut these = Vec::new();
        if let ServiceItem::Include { items, .. } = item {
            for include in items {
                these.extend(include_item(cx, env, include, &mut views, &mut roles));
            }
        }
        for o in &these {
            if let OutputDef::Feature { view, feature } = &o.output.def {
                included
                    .entry(o.output.name.clone())
                    .or_insert_with(|| (view.clone(), feature.clone()));
            }
        }
        include_outputs.push(these);
    }
    let mut derived: BTreeMap<String, Option<Expr>> = BTreeMap::new();
    for (item, these) in decl.items.iter().zip(include_outputs) {
        match item {
            ServiceItem::Include { .. } => outputs.extend(these),
            ServiceItem::Request { .. } => {}
            ServiceItem::Derived { name, value, .. } => {
                let mut scope = ServiceScope {
                    env,
                    included: &included,
                    derived: &derived,
                    request: &request,
                    roles: &roles,
                    views_read: Vec::new(),
                };
                let typed = typeck::check(cx, &mut scope, value);
                for (view, span) in scope.views_read {
                    if !views.iter().any(|(v, _)| *v == view) {
                        views.push((view, span));
                    }
                }
                let typed = typed.filter(|t| known_type(cx, name, value, t));
                derived
                    .entry(name.name.clone())
                    .or_insert_with(|| typed.clone());
                let (ty, expr) = match typed {
                    Some(t) => (t.ty.clone(), t),
                    None => (ColumnType::nullable(Type::Null), null_expr()),
                };
                outputs.push(Output {
                    output: ServiceOutput {
                        name: name.name.clone(),
                        ty,
                        def: OutputDef::Derived { expr },
                        fingerprint: String::new(),
                        location: cx.location(name.span),
                    },
                    span: name.span,
                });
            }
        }
    }
    let keys = outputs::union_keys(cx, env, &views, &roles);
    outputs::check_output_names(cx, &outputs, &keys);
    request::check_names(cx, &request, &outputs, &keys);
    // a service whose includes all failed has been reported already
    if decl.items.is_empty() {
        cx.report(
            Diagnostic::error(
                Code::EMPTY_DECLARATION,
                format!("service `{}` has no outputs", decl.name.name),
            )
            .at(decl.name.span, "includes no features")
            .with_help("include features of a view, e.g. `include user_activity.*`"),
        );
    }
    Service {
        name: decl.name.name.clone(),
        keys,
        views: views.into_iter().map(|(v, _)| v).collect(),
        outputs: outputs.into_iter().map(|o| o.output).collect(),
        request: request.fields(),
        roles,
        location: cx.location(decl.name.span),
    }
}

fn null_expr() -> Expr {
    Expr::new(
        ExprKind::Literal(crate::types::Value::Null),
        ColumnType::nullable(Type::Null),
    )
}

fn known_type(cx: &mut Cx, name: &Ident, value: &ast::Expr, typed: &Expr) -> bool {
    if typed.ty.ty != Type::Null {
        return true;
    }
    cx.report(
        Diagnostic::error(
            Code::OPERATOR_TYPE,
            format!("the type of output `{}` cannot be inferred", name.name),
        )
        .at(value.span, "always `null`, of no particular type")
        .with_help("give the null a type, e.g. `cast(null as float)`"),
    );
    false
}

/// E0212 for a name that is not a feature view.
pub(super) fn unknown_view(cx: &mut Cx, env: &Env, view: &Ident) {
    let names: Vec<&str> = env.views.keys().copied().collect();
    let mut diagnostic = Diagnostic::error(
        Code::UNKNOWN_VIEW,
        format!("unknown feature view `{}`", view.name),
    )
    .at(view.span, "not a declared feature view")
    .with_help(
        did_you_mean(&view.name, names.iter().copied()).unwrap_or_else(|| {
            if names.is_empty() {
                "declare one with `features NAME on ENTITY from SOURCE { ... }`".to_string()
            } else {
                format!("the feature views are {}", quoted_list(&names))
            }
        }),
    );
    if let Some(other) = env.globals.get(&view.name) {
        diagnostic = diagnostic.with_note(format!(
            "`{}` is {}; a service includes the features of feature views",
            view.name,
            DeclKind::of(other).with_article()
        ));
    }
    cx.report(diagnostic);
}

/// E0204 for a feature a view does not have.
pub(super) fn unknown_feature(cx: &mut Cx, info: &ViewInfo, feature: &Ident) {
    let names: Vec<&str> = info.view.features.iter().map(|f| f.name.as_str()).collect();
    cx.report(
        Diagnostic::error(
            Code::UNKNOWN_FEATURE,
            format!(
                "view `{}` has no feature `{}`",
                info.view.name, feature.name
            ),
        )
        .at(feature.span, "unknown feature")
        .with_help(
            did_you_mean(&feature.name, names.iter().copied()).unwrap_or_else(|| {
                format!(
                    "the features of `{}` are {}",
                    info.view.name,
                    quoted_list(&names)
                )
            }),
        ),
    );
}

fn include_item(
    cx: &mut Cx,
    env: &Env,
    include: &IncludeItem,
    views: &mut Vec<(String, Span)>,
    roles: &mut Vec<Role>,
) -> Vec<Output> {
    let Some(info) = env.views.get(include.view.name.as_str()) else {
        unknown_view(cx, env, &include.view);
        return Vec::new();
    };
    let read = match &include.role {
        None => info.view.name.clone(),
        Some(role) => match roles::bind(cx, info, role) {
            None => return Vec::new(),
            Some(None) => info.view.name.clone(),
            Some(Some(bound)) => {
                let name = bound.name.clone();
                if !roles.iter().any(|r| r.name == name) {
                    roles.push(bound);
                }
                name
            }
        },
    };
    if !views.iter().any(|(v, _)| *v == read) {
        views.push((read.clone(), include.view.span));
    }
    let output = |cx: &mut Cx, feature: &crate::plan::Feature, name: String, span: Span| Output {
        output: ServiceOutput {
            name,
            ty: feature.ty.clone(),
            def: OutputDef::Feature {
                view: read.clone(),
                feature: feature.name.clone(),
            },
            fingerprint: String::new(),
            location: cx.location(span),
        },
        span,
    };
    match &include.target {
        // `as prefix`: every output is `prefix_feature`
        IncludeTarget::All(_) => info
            .view
            .features
            .iter()
            .map(|f| {
                let (name, span) = match &include.alias {
                    Some(prefix) => (format!("{}_{}", prefix.name, f.name), prefix.span),
                    None => (f.name.clone(), include.span),
                };
                output(cx, f, name, span)
            })
            .collect(),
        IncludeTarget::Feature(name) => match info.view.feature(&name.name) {
            Some(feature) => {
                let (out_name, span) = match &include.alias {
                    Some(alias) => (alias.name.clone(), alias.span),
                    None => (name.name.clone(), include.span),
                };
                vec![output(cx, feature, out_name, span)]
            }
            None => {
                unknown_feature(cx, info, name);
                Vec::new()
            }
        },
    }
}
