//! `online postgres "table" [retain DURATION]`: at most one per view (E0214), the store is
//! `postgres` (E0215), the table name a plain Postgres identifier (E0105, E0106) outside featc's
//! own `featc_*` tables (E0107). Default: the view's name, retained 1 day.

use crate::diagnostic::{Code, Diagnostic};
use crate::plan::{Online, naming};
use crate::semantic::context::Cx;
use crate::semantic::input::unknown_format;
use crate::source::Span;
use crate::syntax::ast::{FeaturesDecl, OnlineDecl, ViewItem};
use crate::types::MICROS_PER_DAY;

pub(super) fn lower(cx: &mut Cx, view: &FeaturesDecl) -> (Online, Span) {
    let mut online = Online {
        table: view.name.name.clone(),
        retain: MICROS_PER_DAY,
    };
    let mut span = view.name.span;
    let mut first: Option<&OnlineDecl> = None;
    for item in &view.items {
        let ViewItem::Online(decl) = item else {
            continue;
        };
        if let Some(first) = first {
            cx.report(
                Diagnostic::error(
                    Code::MISPLACED_CLAUSE,
                    format!("view `{}` has more than one `online`", view.name.name),
                )
                .at(decl.span, "repeated here")
                .with_label(first.span, "first here")
                .with_help("a view has one online table: remove one of them"),
            );
            continue;
        }
        first = Some(decl);
        if decl.store.name != "postgres" {
            cx.report(unknown_format(
                &decl.store,
                "online store",
                &["postgres"],
                &decl.store.name,
            ));
        }
        if let Some(table) = &decl.table
            && check_table_name(cx, &table.value, table.span)
        {
            online.table = table.value.clone();
            span = table.span;
        }
        if let Some(retain) = &decl.retain {
            online.retain = retain.micros;
        }
    }
    (online, span)
}

/// An online table's name must be a Postgres identifier featc never has to quote differently:
/// `[a-z_][a-z0-9_]*`, at most 63 bytes.
fn check_table_name(cx: &mut Cx, name: &str, span: Span) -> bool {
    let mut bytes = name.bytes();
    let valid = bytes
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !valid {
        let suggestion: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        let help = if suggestion.is_empty() || suggestion.starts_with(|c: char| c.is_ascii_digit())
        {
            "use lowercase letters, digits and `_`, starting with a letter".to_string()
        } else {
            format!("use lowercase letters, digits and `_`, e.g. \"{suggestion}\"")
        };
        cx.report(
            Diagnostic::error(
                Code::BAD_IDENTIFIER,
                format!("\"{name}\" is not a valid online table name"),
            )
            .at(span, "names are written `[a-z_][a-z0-9_]*`")
            .with_help(help),
        );
        return false;
    }
    if name.starts_with("featc_") {
        cx.report(
            Diagnostic::error(
                Code::RESERVED_WORD,
                format!("online table names starting with `featc_` are reserved (\"{name}\")"),
            )
            .at(span, "reserved for featc's own tables")
            .with_help("featc keeps offsets, watermarks and dead letters in `featc_*` tables: pick another name"),
        );
        return false;
    }
    if name.len() > naming::MAX_IDENTIFIER_BYTES {
        cx.report(
            Diagnostic::error(
                Code::IDENTIFIER_TOO_LONG,
                format!(
                    "the online table name is {} bytes long; names are at most {} bytes",
                    name.len(),
                    naming::MAX_IDENTIFIER_BYTES
                ),
            )
            .at(span, "too long")
            .with_help(format!(
                "shorten it: Postgres truncates names after {} bytes",
                naming::MAX_IDENTIFIER_BYTES
            )),
        );
        return false;
    }
    true
}
