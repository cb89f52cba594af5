//! Names in a derived output of a service: `view.feature`, or an output of the service.

use super::{Env, unknown_feature, unknown_view};
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::{Expr, ExprKind};
use crate::semantic::context::{Cx, did_you_mean, quoted_list};
use crate::semantic::typeck::{Names, Typed};
use crate::source::Span;
use crate::syntax::ast::{self, Ident};
use std::collections::BTreeMap;

/// Names in a derived output: `view.feature`, or an output of the service.
pub(super) struct ServiceScope<'s, 'g, 'a> {
    pub env: &'s Env<'g, 'a>,
    pub included: &'s BTreeMap<String, (String, String)>,
    pub derived: &'s BTreeMap<String, Option<Expr>>,
    pub views_read: Vec<(String, Span)>,
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
                        let outputs = self
                            .included
                            .keys()
                            .chain(self.derived.keys())
                            .map(String::as_str);
                        did_you_mean(&name.name, outputs).unwrap_or_else(|| {
                            "refer to features as `view.feature`, or to an output of this service by its name".to_string()
                        })
                    }
                    many => format!(
                        "name the view: {}",
                        quoted_list(
                            &many
                                .iter()
                                .map(|v| format!("{v}.{}", name.name))
                                .collect::<Vec<_>>()
                        )
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
                let shown = parts
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(".");
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
