//! Services: the feature vector a model consumes.
//!
//! - `include view.*` (every feature, in the view's order) or `include view.feature [as alias]`
//!   (E0212 unknown view, E0204 unknown feature; `view.*` cannot be renamed: E0214);
//! - `name = expr`: an expression over `view.feature` references. A view read only by a derived
//!   output joins the service like an included one. A bare name refers to an output of the
//!   service: an included feature by its output name (its alias, if renamed), or a derived output
//!   declared before it (inlined). Bare names do not search the views' features: with several
//!   views on several entities, a name that is unique today becomes ambiguous when a view gains a
//!   feature, and an output name always means one thing;
//! - output names are unique, and differ from the service's keys (E0209);
//! - the keys are the union of the views' entity keys in first-read order; two views with a
//!   key of the same name but different types cannot be joined (E0306);
//! - a service has at least one output (E0216).

use super::context::{Cx, did_you_mean, quoted_list};
use super::scope::{DeclKind, Globals};
use super::typeck::{self, Names, Typed};
use super::view::ViewInfo;
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::{Expr, ExprKind, Field, OutputDef, Service, ServiceOutput};
use crate::source::Span;
use crate::syntax::ast::{self, Ident, IncludeItem, IncludeTarget, ServiceDecl, ServiceItem};
use crate::types::{ColumnType, Type};
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
    let mut outputs: Vec<Output> = Vec::new();
    // views in first-read order, with where each was first read
    let mut views: Vec<(String, Span)> = Vec::new();
    let mut included: BTreeMap<String, (String, String)> = BTreeMap::new();
    // first pass: included outputs, so that derived outputs may name any of them
    let mut include_outputs: Vec<Vec<Output>> = Vec::new();
    for item in &decl.items {
        let mut these = Vec::new();
        if let ServiceItem::Include { items, .. } = item {
            for include in items {
                these.extend(include_item(cx, env, include, &mut views));
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
            ServiceItem::Derived { name, value, .. } => {
                let mut scope = ServiceScope {
                    env,
                    included: &included,
                    derived: &derived,
                    views_read: Vec::new(),
                };
                let typed = typeck::check(cx, &mut scope, value);
                for (view, span) in scope.views_read {
                    if !views.iter().any(|(v, _)| *v == view) {
                        views.push((view, span));
                    }
                }
                let typed = typed.filter(|t| known_type(cx, name, value, t));
                derived.entry(name.name.clone()).or_insert_with(|| typed.clone());
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
    let keys = union_keys(cx, env, &views);
    check_output_names(cx, &outputs, &keys);
    if outputs.is_empty() {
        cx.report(
            Diagnostic::error(
                Code::EMPTY_DECLARATION,
                format!("service `{}` has no outputs", decl.name.name),
            )
            .at(decl.name.span, "no features")
            .with_help("include features of a view, e.g. `include user_activity.*`"),
        );
    }
    Service {
        name: decl.name.name.clone(),
        keys,
        views: views.into_iter().map(|(v, _)| v).collect(),
        outputs: outputs.into_iter().map(|o| o.output).collect(),
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
fn unknown_view(cx: &mut Cx, env: &Env, view: &Ident) {
    let names: Vec<&str> = env.views.keys().copied().collect();
    let mut diagnostic = Diagnostic::error(
        Code::UNKNOWN_VIEW,
        format!("unknown feature view `{}`", view.name),
    )
    .at(view.span, "not a declared feature view")
    .with_help(did_you_mean(&view.name, names.iter().copied()).unwrap_or_else(|| {
        if names.is_empty() {
            "declare one with `features NAME on ENTITY from SOURCE { ... }`".to_string()
        } else {
            format!("the feature views are {}", quoted_list(&names))
        }
    }));
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
fn unknown_feature(cx: &mut Cx, info: &ViewInfo, feature: &Ident) {
    let names: Vec<&str> = info.view.features.iter().map(|f| f.name.as_str()).collect();
    cx.report(
        Diagnostic::error(
            Code::UNKNOWN_FEATURE,
            format!("view `{}` has no feature `{}`", info.view.name, feature.name),
        )
        .at(feature.span, "unknown feature")
        .with_help(did_you_mean(&feature.name, names.iter().copied()).unwrap_or_else(|| {
            format!("the features of `{}` are {}", info.view.name, quoted_list(&names))
        })),
    );
}

fn include_item(cx: &mut Cx, env: &Env, include: &IncludeItem, views: &mut Vec<(String, Span)>) -> Vec<Output> {
    let Some(info) = env.views.get(include.view.name.as_str()) else {
        unknown_view(cx, env, &include.view);
        return Vec::new();
    };
    if !views.iter().any(|(v, _)| *v == info.view.name) {
        views.push((info.view.name.clone(), include.view.span));
    }
    let output = |cx: &mut Cx, feature: &crate::plan::Feature, name: &str, span: Span| Output {
        output: ServiceOutput {
            name: name.to_string(),
            ty: feature.ty.clone(),
            def: OutputDef::Feature {
                view: info.view.name.clone(),
                feature: feature.name.clone(),
            },
            fingerprint: String::new(),
            location: cx.location(span),
        },
        span,
    };
    match &include.target {
        IncludeTarget::All(_) => {
            if let Some(alias) = &include.alias {
                cx.report(
                    Diagnostic::error(
                        Code::MISPLACED_CLAUSE,
                        format!("`{}.*` cannot be renamed", include.view.name),
                    )
                    .at(alias.span, "an alias for several features")
                    .with_help(format!(
                        "rename features one by one: `include {}.feature as {}`",
                        include.view.name, alias.name
                    )),
                );
            }
            info.view
                .features
                .iter()
                .map(|f| output(cx, f, &f.name, include.span))
                .collect()
        }
        IncludeTarget::Feature(name) => match info.view.feature(&name.name) {
            Some(feature) => {
                let (out_name, span) = match &include.alias {
                    Some(alias) => (alias.name.as_str(), alias.span),
                    None => (name.name.as_str(), include.span),
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

/// Names in a derived output: `view.feature`, or an output of the service.
struct ServiceScope<'s, 'g, 'a> {
    env: &'s Env<'g, 'a>,
    included: &'s BTreeMap<String, (String, String)>,
    derived: &'s BTreeMap<String, Option<Expr>>,
    views_read: Vec<(String, Span)>,
}

impl ServiceScope<'_, '_, '_> {
    fn feature(&mut self, cx: &mut Cx, view: &str, feature: &Ident, span: Span) -> Typed {
        let info = self.env.views.get(view)?;
        if info.view.feature(&feature.name).is_none() {
            unknown_feature(cx, info, feature);
            return None;
        }
        self.views_read.push((view.to_string(), span));
        if info.poisoned.contains(&feature.name) {
            return None;
        }
        let ty = info.view.feature(&feature.name)?.ty.clone();
        Some(Expr::new(
            ExprKind::Feature {
                view: view.to_string(),
                feature: feature.name.clone(),
            },
            ty,
        ))
    }
}

impl Names for ServiceScope<'_, '_, '_> {
    fn resolve(&mut self, cx: &mut Cx, parts: &[Ident], span: Span) -> Typed {
        match parts {
            [view, feature] => {
                if !self.env.views.contains_key(view.name.as_str()) {
                    unknown_view(cx, self.env, view);
                    return None;
                }
                self.feature(cx, &view.name, feature, span)
            }
            [name] => {
                if let Some((view, feature)) = self.included.get(&name.name) {
                    let feature = Ident {
                        name: feature.clone(),
                        span: name.span,
                    };
                    return self.feature(cx, &view.clone(), &feature, span);
                }
                if let Some(expr) = self.derived.get(&name.name) {
                    return expr.clone();
                }
                let owners: Vec<&str> = self
                    .env
                    .views
                    .values()
                    .filter(|v| v.view.feature(&name.name).is_some())
                    .map(|v| v.view.name.as_str())
                    .collect();
                let help = match owners.as_slice() {
                    [one] => format!("name the view: `{one}.{}`", name.name),
                    [] => {
                        let outputs = self.included.keys().chain(self.derived.keys()).map(String::as_str);
                        did_you_mean(&name.name, outputs).unwrap_or_else(|| {
                            "refer to features as `view.feature`, or to an output of this service by its name".to_string()
                        })
                    }
                    many => format!(
                        "name the view: {}",
                        quoted_list(&many.iter().map(|v| format!("{v}.{}", name.name)).collect::<Vec<_>>())
                    ),
                };
                cx.report(
                    Diagnostic::error(
                        Code::UNKNOWN_FEATURE,
                        format!("`{}` is not an output of this service", name.name),
                    )
                    .at(span, "unknown name")
                    .with_help(help),
                );
                None
            }
            _ => {
                let shown = parts.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(".");
                cx.report(
                    Diagnostic::error(Code::UNKNOWN_FEATURE, format!("unknown name `{shown}`"))
                        .at(span, "not a `view.feature` reference")
                        .with_help("refer to features as `view.feature`"),
                );
                None
            }
        }
    }

    fn misplaced_aggregate(&mut self, cx: &mut Cx, call: &ast::Expr, name: &Ident) {
        cx.report(
            Diagnostic::error(
                Code::MISPLACED_AGGREGATE,
                format!("a service cannot aggregate (`{}`)", name.name),
            )
            .at(call.span, "an aggregate in a service")
            .with_help("declare the aggregate as a feature of a view, and include that feature"),
        );
    }
}

fn union_keys(cx: &mut Cx, env: &Env, views: &[(String, Span)]) -> Vec<Field> {
    let mut keys: Vec<(Field, String)> = Vec::new();
    for (view, span) in views {
        let Some(info) = env.views.get(view.as_str()) else { continue };
        if !info.keys_known {
            continue;
        }
        for key in &info.view.keys {
            match keys.iter().find(|(k, _)| k.name == key.name) {
                Some((existing, _)) if existing.ty == key.ty => {}
                Some((existing, first_view)) => cx.report(
                    Diagnostic::error(
                        Code::KEY_TYPE_MISMATCH,
                        format!(
                            "views `{first_view}` and `{view}` both have the key `{}`, as `{}` and `{}`",
                            key.name, existing.ty.ty, key.ty.ty
                        ),
                    )
                    .at(*span, format!("`{}` is `{}` here", key.name, key.ty.ty))
                    .with_help(format!(
                        "a service joins its views on keys of the same name: give the entities of `{first_view}` and `{view}` one type for `{}`, or rename one key",
                        key.name
                    )),
                ),
                None => keys.push((key.clone(), view.clone())),
            }
        }
    }
    keys.into_iter().map(|(k, _)| k).collect()
}

fn check_output_names(cx: &mut Cx, outputs: &[Output], keys: &[Field]) {
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    for o in outputs {
        let name = o.output.name.as_str();
        if let Some(first) = seen.get(name) {
            let help = match &o.output.def {
                OutputDef::Feature { view, feature } => format!(
                    "rename one with `as`, e.g. `include {view}.{feature} as {view}_{feature}`"
                ),
                OutputDef::Derived { .. } => "rename one of them".to_string(),
            };
            cx.report(
                Diagnostic::error(
                    Code::DUPLICATE_OUTPUT,
                    format!("the service has two outputs named `{name}`"),
                )
                .at(o.span, format!("`{name}` again"))
                .with_label(*first, format!("first `{name}`"))
                .with_help(help),
            );
            continue;
        }
        if keys.iter().any(|k| k.name == name) {
            cx.report(
                Diagnostic::error(
                    Code::DUPLICATE_OUTPUT,
                    format!("output `{name}` has the name of a key of the service"),
                )
                .at(o.span, "same name as a key")
                .with_help("every row holds the keys already; rename the output with `as`"),
            );
        }
        seen.insert(name, o.span);
    }
}
