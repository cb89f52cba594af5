//! Every name that becomes a plan object (entity, key, source, table, column, view, feature,
//! service, alias, derived output) fits the Postgres identifier limit (E0106): Postgres would
//! silently truncate a longer one, and two truncated names could collide.
//!
//! The parser reports this too when it reads the name; the project pipeline reports one
//! diagnostic per (code, span), so this check only matters for ASTs built another way.
//!
//! Names featc itself uses in the relations it builds are reserved too (E0107): anything
//! starting with `__featc` (internal columns of the batch statements) and `labels` as a
//! source, table or view (the table of training labels a runner registers).

use super::context::Cx;
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::naming::MAX_IDENTIFIER_BYTES;
use crate::syntax::ast::{Clause, Decl, File, Ident, IncludeItem, ServiceItem, ViewItem};

pub(crate) fn check_lengths(cx: &mut Cx, files: &[(crate::source::FileId, File)]) {
    for (_, file) in files {
        for decl in &file.decls {
            for name in declared_names(decl) {
                if name.name.len() > MAX_IDENTIFIER_BYTES {
                    cx.report(
                        Diagnostic::error(
                            Code::IDENTIFIER_TOO_LONG,
                            format!(
                                "`{}` is {} bytes long; names are at most {MAX_IDENTIFIER_BYTES} bytes",
                                name.name,
                                name.name.len()
                            ),
                        )
                        .at(name.span, "too long")
                        .with_help(format!(
                            "shorten it: Postgres truncates names after {MAX_IDENTIFIER_BYTES} bytes"
                        )),
                    );
                }
            }
        }
    }
}

/// The prefix of featc's internal column names (`__featc_at`, `__featc_row`, ...).
const INTERNAL_PREFIX: &str = "__featc";
/// The relation holding a training set's labels.
const LABELS_RELATION: &str = "labels";

pub(crate) fn check_reserved(cx: &mut Cx, files: &[(crate::source::FileId, File)]) {
    for (_, file) in files {
        for decl in &file.decls {
            for name in declared_names(decl) {
                if name.name.starts_with(INTERNAL_PREFIX) {
                    cx.report(
                        Diagnostic::error(
                            Code::RESERVED_WORD,
                            format!(
                                "`{}` starts with `{INTERNAL_PREFIX}`, the prefix of featc's internal columns",
                                name.name
                            ),
                        )
                        .at(name.span, "reserved prefix")
                        .with_help(format!(
                            "rename it, e.g. `{}`",
                            name.name.trim_start_matches('_')
                        )),
                    );
                }
            }
            let relation = matches!(decl, Decl::Source(_) | Decl::Table(_) | Decl::Features(_));
            let name = decl.name();
            if relation && name.name == LABELS_RELATION {
                cx.report(
                    Diagnostic::error(
                        Code::RESERVED_WORD,
                        "`labels` is the name of the training labels' table in the batch statements",
                    )
                    .at(name.span, "reserved name")
                    .with_help("rename it, e.g. `label_events`"),
                );
            }
        }
    }
}

fn declared_names(decl: &Decl) -> Vec<&Ident> {
    let mut names = vec![decl.name()];
    match decl {
        Decl::Entity(d) => names.extend(d.keys.iter().map(|k| &k.name)),
        Decl::Source(d) => names.extend(schema_names(&d.clauses)),
        Decl::Table(d) => names.extend(schema_names(&d.clauses)),
        Decl::Features(d) => names.extend(d.items.iter().filter_map(|item| match item {
            ViewItem::Feature(f) => Some(&f.name),
            _ => None,
        })),
        Decl::Service(d) => {
            for item in &d.items {
                match item {
                    ServiceItem::Include { items, .. } => {
                        names.extend(items.iter().filter_map(|i: &IncludeItem| i.alias.as_ref()))
                    }
                    ServiceItem::Request { fields, .. } => {
                        names.extend(fields.iter().map(|f| &f.name))
                    }
                    ServiceItem::Derived { name, .. } => names.push(name),
                }
            }
        }
    }
    names
}

fn schema_names(clauses: &[Clause]) -> impl Iterator<Item = &Ident> {
    clauses.iter().flat_map(|c| match c {
        Clause::Schema { fields, .. } => fields.iter().map(|f| &f.name).collect::<Vec<_>>(),
        _ => Vec::new(),
    })
}
