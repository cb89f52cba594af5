//! The service's keys (the union of its views' keys) and the uniqueness of its output names.

use super::{Env, Output};
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::{Field, OutputDef, Role};
use crate::semantic::context::Cx;
use crate::source::Span;
use std::collections::BTreeMap;

/// The service's keys: per read (a view, or a view under a role) in first-read order, the
/// columns that carry its view's keys, with the keys' types.
pub(super) fn union_keys(
    cx: &mut Cx,
    env: &Env,
    views: &[(String, Span)],
    roles: &[Role],
) -> Vec<Field> {
    let mut keys: Vec<(Field, String)> = Vec::new();
    for (view, span) in views {
        let role = roles.iter().find(|r| r.name == *view);
        let Some(info) = env
            .views
            .get(role.map_or(view.as_str(), |r| r.view.as_str()))
        else {
            continue;
        };
        if !info.keys_known {
            continue;
        }
        for (i, key) in info.view.keys.iter().enumerate() {
            let key = &Field {
                name: role
                    .and_then(|r| r.keys.get(i))
                    .map_or_else(|| key.name.clone(), Clone::clone),
                ty: key.ty.clone(),
            };
            match keys.iter().find(|(k, _)| k.name == key.name) {
                Some((existing, _)) if existing.ty == key.ty => {}
                Some((existing, first_view)) => {
                    let first_span = views.iter().find(|(v, _)| v == first_view).map(|(_, s)| *s);
                    let mut diagnostic = Diagnostic::error(
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
                    ));
                    if let Some(first_span) = first_span {
                        diagnostic = diagnostic.with_label(
                            first_span,
                            format!("`{}` is `{}` here", key.name, existing.ty.ty),
                        );
                    }
                    cx.report(diagnostic);
                }
                None => keys.push((key.clone(), view.clone())),
            }
        }
    }
    keys.into_iter().map(|(k, _)| k).collect()
}

pub(super) fn check_output_names(cx: &mut Cx, outputs: &[Output], keys: &[Field]) {
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
