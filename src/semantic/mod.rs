//! Semantic analysis: the parsed files of a project → the [`Plan`].
//!
//! One pass per kind of declaration, in dependency order, each reporting every error it finds
//! and going on:
//!
//! 1. [`scope`]: names are global across files and shared by every kind of declaration (E0207);
//! 2. [`entity`], [`input`] (sources and tables, with [`schema`], [`types`] and [`path`]);
//! 3. [`view`]: feature views, typing expressions with [`typeck`] and windows with [`window`];
//! 4. [`service`]s;
//! 5. the plan: every vector sorted by name (features and outputs in declaration order), then
//!    [`crate::plan::fingerprint::assign`].
//!
//! Errors do not cascade: a declaration, feature or expression whose check failed is left out
//! or stands in as untyped, and whatever reads it says nothing more about it.

mod ast_walk;
mod context;
mod entity;
mod identifiers;
mod input;
mod path;
mod schema;
mod scope;
mod service;
mod typeck;
mod types;
mod view;
mod window;

#[cfg(test)]
mod tests;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::plan::{PLAN_VERSION, Plan, fingerprint};
use crate::source::{FileId, SourceMap};
use crate::syntax::ast::{self, Decl};
use context::Cx;
use scope::Globals;
use std::collections::BTreeMap;
use view::ViewInfo;

/// Resolves, type-checks and lowers a parsed project. Returns the plan only when there is no error.
pub fn analyze(sources: &SourceMap, files: &[(FileId, ast::File)]) -> (Option<Plan>, Diagnostics) {
    let mut cx = Cx::new(sources);
    identifiers::check_lengths(&mut cx, files);
    identifiers::check_reserved(&mut cx, files);
    let globals = Globals::collect(&mut cx, files);

    let mut entities = BTreeMap::new();
    let mut inputs = BTreeMap::new();
    let mut plan = Plan {
        version: PLAN_VERSION,
        entities: Vec::new(),
        sources: Vec::new(),
        tables: Vec::new(),
        views: Vec::new(),
        services: Vec::new(),
    };
    // Every declaration is checked; only the first of each name is resolved to and planned.
    for &(decl, first) in &globals.all {
        match decl {
            Decl::Entity(d) => {
                let (info, entity) = entity::lower_entity(&mut cx, d);
                if first {
                    entities.insert(d.name.name.as_str(), info);
                    plan.entities.push(entity);
                }
            }
            Decl::Source(d) => {
                let (info, source) = input::lower_source(&mut cx, d);
                if first {
                    inputs.insert(d.name.name.as_str(), info);
                    plan.sources.push(source);
                }
            }
            Decl::Table(d) => {
                let (info, table) = input::lower_table(&mut cx, d);
                if first {
                    inputs.insert(d.name.name.as_str(), info);
                    plan.tables.push(table);
                }
            }
            Decl::Features(_) | Decl::Service(_) => {}
        }
    }

    let view_env = view::Env {
        globals: &globals,
        entities: &entities,
        inputs: &inputs,
    };
    let mut views: BTreeMap<&str, ViewInfo> = BTreeMap::new();
    for &(decl, first) in &globals.all {
        if let Decl::Features(d) = decl {
            let info = view::lower_view(&mut cx, &view_env, d);
            if first {
                views.insert(d.name.name.as_str(), info);
            }
        }
    }
    check_online_tables(&mut cx, &views);

    let service_env = service::Env {
        globals: &globals,
        views: &views,
    };
    for &(decl, first) in &globals.all {
        if let Decl::Service(d) = decl {
            let service = service::lower_service(&mut cx, &service_env, d);
            if first {
                plan.services.push(service);
            }
        }
    }

    if cx.diags.has_errors() {
        return (None, cx.diags);
    }
    plan.views = views.into_values().map(|info| info.view).collect();
    plan.entities.sort_by(|a, b| a.name.cmp(&b.name));
    plan.sources.sort_by(|a, b| a.name.cmp(&b.name));
    plan.tables.sort_by(|a, b| a.name.cmp(&b.name));
    plan.views.sort_by(|a, b| a.name.cmp(&b.name));
    plan.services.sort_by(|a, b| a.name.cmp(&b.name));
    fingerprint::assign(&mut plan);
    (Some(plan), cx.diags)
}

/// Two views cannot share an online table.
fn check_online_tables(cx: &mut Cx, views: &BTreeMap<&str, ViewInfo>) {
    let mut owners: BTreeMap<&str, &ViewInfo> = BTreeMap::new();
    // report at the view declared later, so the message reads in file order
    let mut ordered: Vec<&ViewInfo> = views.values().collect();
    ordered.sort_by_key(|v| (v.online_span.file, v.online_span.start));
    for info in ordered {
        let table = info.view.online.table.as_str();
        match owners.get(table) {
            Some(owner) => cx.report(
                Diagnostic::error(
                    Code::DUPLICATE_DECLARATION,
                    format!(
                        "views `{}` and `{}` both use the online table `{table}`",
                        owner.view.name, info.view.name
                    ),
                )
                .at(info.online_span, format!("`{table}` again"))
                .with_label(
                    owner.online_span,
                    format!("`{table}` is the online table of `{}`", owner.view.name),
                )
                .with_help(format!(
                    "name another table for `{}`: `online postgres \"{}_features\"`",
                    info.view.name, info.view.name
                )),
            ),
            None => {
                owners.insert(table, info);
            }
        }
    }
}
