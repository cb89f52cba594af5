//! Names in a derived output of a service: `view.feature`, an output of the service, or a
//! request input (`request.amount`).

use super::{Env, unknown_feature, unknown_view};
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::{Expr, ExprKind, Role};
use crate::semantic::context::{Cx, did_you_mean, quoted_list};
use crate::semantic::schema::Schema;
use crate::semantic::typeck::{Names, Typed};
use crate::source::Span;
use crate::syntax::ast::{self, Ident};
use std::collections::BTreeMap;

/// Names in a derived output: `view.feature`, or an output of the service.
pub(super) struct ServiceScope<'s, 'g, 'a> {
    pub env: &'s Env<'g, 'a>,
    /// Output name → (read name, feature).
    pub included: &'s BTreeMap<String, (String, String)>,
    pub derived: &'s BTreeMap<String, Option<Expr>>,
    pub request: &'s Schema<'s>,
    pub roles: &'s [Role],
    /// By read name (a view's, or a role's).
    pub views_read: Vec<(String, Span)>,
}

/// The word that introduces a request input: `request.amount`.
const REQUEST: &str = "request";

impl ServiceScope<'_, '_, '_> {
    /// `request.name`: the request input, as a column of the service's input.
    fn request_input(&self, cx: &mut Cx, name: &Ident) -> Typed {
        let Some(column) = self.request.get(&name.name) else {
            let declared: Vec<&str> = self.request.names().collect();
            let help = did_you_mean(&name.name, declared.iter().copied()).unwrap_or_else(|| {
                if declared.is_empty() {
                    format!(
                        "declare what the caller sends, e.g. `request {}: float`",
                        name.name
                    )
                } else {
                    format!(
                        "declare it with its type (`request {}: float`), or use one of {}",
                        name.name,
                        quoted_list(&declared)
                    )
                }
            });
            cx.report(
                Diagnostic::error(
                    Code::UNKNOWN_REQUEST_INPUT,
                    format!("the service declares no request input `{}`", name.name),
                )
                .at(name.span, "not a request input")
                .with_help(help),
            );
            return None;
        };
        let ty = column.ty.clone()?;
        Some(Expr::new(ExprKind::Column(name.name.clone()), ty))
    }

    /// A feature of the view read as `read` (a view's name, or a role's).
    fn feature(&mut self, cx: &mut Cx, read: &str, feature: &Ident, span: Span) -> Typed {
        let view = self
            .roles
            .iter()
            .find(|r| r.name == read)
            .map_or(read, |r| r.view.as_str());
        let info = self.env.views.get(view)?;
        if info.view.feature(&feature.name).is_none() {
            unknown_feature(cx, info, feature);
            return None;
        }
        self.views_read.push((read.to_string(), span));
        if info.poisoned.contains(&feature.name) {
            return None;
        }
        let ty = info.view.feature(&feature.name)?.ty.clone();
        Some(Expr::new(
            ExprKind::Feature {
                view: read.to_string(),
                feature: feature.name.clone(),
            },
            ty,
        ))
    }

    /// E0218 for `view.feature` of a view the service reads only under roles: which of its
    /// entities it would mean is ambiguous, so the author names the output instead.
    fn only_under_roles(&self, cx: &mut Cx, view: &Ident, feature: &Ident, span: Span) -> bool {
        let roles: Vec<&str> = self
            .roles
            .iter()
            .filter(|r| r.view == view.name)
            .map(|r| r.name.as_str())
            .collect();
        let read_plainly = self.included.values().any(|(read, _)| *read == view.name);
        if roles.is_empty() || read_plainly {
            return false;
        }
        let outputs: Vec<&str> = self
            .included
            .iter()
            .filter(|(_, (read, f))| roles.contains(&read.as_str()) && *f == feature.name)
            .map(|(name, _)| name.as_str())
            .collect();
        let help = if outputs.is_empty() {
            format!(
                "include `{}.{}` under the role you mean, and use its output name",
                view.name, feature.name
            )
        } else {
            format!(
                "use the output of the role you mean: {}",
                quoted_list(&outputs)
            )
        };
        cx.report(
            Diagnostic::error(
                Code::BAD_ROLE,
                format!(
                    "`{}.{}` is ambiguous: the service reads `{}` only under roles ({})",
                    view.name,
                    feature.name,
                    view.name,
                    roles.join(", ")
                ),
            )
            .at(span, "which entity's value?")
            .with_help(help),
        );
        true
    }
}

impl Names for ServiceScope<'_, '_, '_> {
    fn resolve(&mut self, cx: &mut Cx, parts: &[Ident], span: Span) -> Typed {
        match parts {
            [first, input]
                if first.name == REQUEST
                    && (!self.request.columns.is_empty()
                        || !self.env.views.contains_key(REQUEST)) =>
            {
                self.request_input(cx, input)
            }
            [view, feature] => {
                if !self.env.views.contains_key(view.name.as_str()) {
                    unknown_view(cx, self.env, view);
                    return None;
                }
                if self.only_under_roles(cx, view, feature, span) {
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
                    _ if self.request.get(&name.name).is_some() => {
                        format!("a request input is read as `request.{}`", name.name)
                    }
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
