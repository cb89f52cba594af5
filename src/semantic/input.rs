//! Sources and tables: their clauses (which are allowed, required, repeated), schema, time
//! columns, storage and stream.
//!
//! Rules:
//! - a source has exactly one `schema` and one `event_time`; optional `batch`, `stream`,
//!   `settle`; `key`, `valid_from` and `known_at` belong to tables (E0214);
//! - a table has exactly one `schema`, `key` and `valid_from`; optional `known_at`, `batch`,
//!   `stream`; `event_time` and `settle` belong to sources (E0214);
//! - a missing required clause is E0213, a repeated one E0214;
//! - time columns (`event_time`, `valid_from`, `known_at`) exist (E0203) and are non-null
//!   `timestamp`s (E0305): a row without a time cannot be placed in a window or in history;
//! - `batch parquet|csv "location"` (E0215 otherwise), the location resolved as in
//!   [`super::path`]; `stream kafka "topic" format json` (E0215 otherwise).

use super::context::{Cx, did_you_mean};
use super::path::resolve_batch_path;
use super::schema::Schema;
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::{Batch, BatchFormat, Stream, StreamFormat};
use crate::source::Span;
use crate::syntax::ast::{Clause, Ident, SourceDecl, TableDecl};
use crate::types::{Micros, Type};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InputKind {
    Source,
    Table,
}

impl InputKind {
    pub fn noun(self) -> &'static str {
        match self {
            InputKind::Source => "source",
            InputKind::Table => "table",
        }
    }
}

/// What feature views need to know about a source or table.
pub(crate) struct InputInfo<'a> {
    pub kind: InputKind,
    pub name: &'a Ident,
    pub schema: Schema<'a>,
    /// A table's `key` columns as written (those that exist in the schema).
    pub key: Vec<&'a Ident>,
    /// The `key` clause, for labels.
    pub key_span: Option<Span>,
    /// Whether it has a `stream` clause (what `refresh continuous` needs).
    pub streamed: bool,
}

pub(crate) fn lower_source<'a>(
    cx: &mut Cx,
    decl: &'a SourceDecl,
) -> (InputInfo<'a>, crate::plan::Source) {
    let clauses = collect_clauses(cx, InputKind::Source, &decl.name, &decl.clauses);
    let schema = lower_schema(cx, &decl.name, &clauses);
    let event_time = match clauses.get("event_time") {
        Some(Clause::EventTime { column, .. }) => {
            time_column(cx, &schema, &decl.name, "event_time", column);
            column.name.clone()
        }
        _ => {
            missing_time_clause(cx, &schema, &decl.name, InputKind::Source, "event_time");
            String::new()
        }
    };
    let settle: Micros = match clauses.get("settle") {
        Some(Clause::Settle { duration, .. }) => duration.micros.max(0),
        _ => 0,
    };
    let source = crate::plan::Source {
        name: decl.name.name.clone(),
        fields: schema.fields(),
        event_time,
        batch: batch(cx, &clauses),
        stream: stream(cx, &clauses),
        settle,
        location: cx.location(decl.name.span),
    };
    let info = InputInfo {
        kind: InputKind::Source,
        name: &decl.name,
        schema,
        key: Vec::new(),
        key_span: None,
        streamed: source.stream.is_some(),
    };
    (info, source)
}

pub(crate) fn lower_table<'a>(
    cx: &mut Cx,
    decl: &'a TableDecl,
) -> (InputInfo<'a>, crate::plan::Table) {
    let clauses = collect_clauses(cx, InputKind::Table, &decl.name, &decl.clauses);
    let schema = lower_schema(cx, &decl.name, &clauses);
    let mut key = Vec::new();
    let mut key_span = None;
    match clauses.get("key") {
        Some(Clause::Key { columns, span }) => {
            key_span = Some(*span);
            key = key_columns(cx, &schema, &decl.name, columns);
        }
        _ => cx.report(
            Diagnostic::error(
                Code::MISSING_CLAUSE,
                format!("table `{}` has no `key`", decl.name.name),
            )
            .at(decl.name.span, "no `key` clause")
            .with_help("name the columns that identify a row's entity, e.g. `key user_id`"),
        ),
    }
    let valid_from = match clauses.get("valid_from") {
        Some(Clause::ValidFrom { column, .. }) => {
            time_column(cx, &schema, &decl.name, "valid_from", column);
            column.name.clone()
        }
        _ => {
            missing_time_clause(cx, &schema, &decl.name, InputKind::Table, "valid_from");
            String::new()
        }
    };
    let known_at = match clauses.get("known_at") {
        Some(Clause::KnownAt { column, .. }) => {
            time_column(cx, &schema, &decl.name, "known_at", column);
            Some(column.name.clone())
        }
        _ => None,
    };
    let table = crate::plan::Table {
        name: decl.name.name.clone(),
        fields: schema.fields(),
        key: key.iter().map(|k| k.name.clone()).collect(),
        valid_from,
        known_at,
        batch: batch(cx, &clauses),
        stream: stream(cx, &clauses),
        location: cx.location(decl.name.span),
    };
    let info = InputInfo {
        kind: InputKind::Table,
        name: &decl.name,
        schema,
        key,
        key_span,
        streamed: table.stream.is_some(),
    };
    (info, table)
}

/// The clauses by keyword; reports clauses this kind may not hold and repeated ones.
fn collect_clauses<'a>(
    cx: &mut Cx,
    kind: InputKind,
    name: &Ident,
    clauses: &'a [Clause],
) -> BTreeMap<&'static str, &'a Clause> {
    let mut found: BTreeMap<&'static str, &'a Clause> = BTreeMap::new();
    for clause in clauses {
        let keyword = clause.keyword();
        if let Some(help) = not_allowed(kind, keyword) {
            cx.report(
                Diagnostic::error(
                    Code::MISPLACED_CLAUSE,
                    format!("`{keyword}` is not allowed in a {}", kind.noun()),
                )
                .at(
                    clause.span(),
                    format!("not allowed in {} `{}`", kind.noun(), name.name),
                )
                .with_help(help),
            );
            continue;
        }
        if let Some(first) = found.get(keyword) {
            cx.report(
                Diagnostic::error(
                    Code::MISPLACED_CLAUSE,
                    format!(
                        "{} `{}` has more than one `{keyword}`",
                        kind.noun(),
                        name.name
                    ),
                )
                .at(clause.span(), "repeated here")
                .with_label(first.span(), "first here")
                .with_help(format!(
                    "a {} has one `{keyword}`: remove one of them",
                    kind.noun()
                )),
            );
            continue;
        }
        found.insert(keyword, clause);
    }
    found
}

/// Why a clause is not allowed in this kind of declaration (the help), or `None` if it is.
fn not_allowed(kind: InputKind, keyword: &str) -> Option<String> {
    match (kind, keyword) {
        (InputKind::Source, "key" | "valid_from" | "known_at") => Some(format!(
            "`{keyword}` belongs to a `table` (slowly changing facts); a source is a stream of events, timed by `event_time` and keyed by the entity of each feature view"
        )),
        (InputKind::Table, "event_time") => Some(
            "a table's rows are timed by `valid_from` (and optionally `known_at`); `event_time` belongs to a `source`"
                .to_string(),
        ),
        (InputKind::Table, "settle") => {
            Some("`settle` delays the features of a `source`; a table has no settle".to_string())
        }
        _ => None,
    }
}

fn lower_schema<'a>(
    cx: &mut Cx,
    name: &Ident,
    clauses: &BTreeMap<&'static str, &'a Clause>,
) -> Schema<'a> {
    match clauses.get("schema") {
        Some(Clause::Schema { fields, .. }) => Schema::lower(cx, &name.name, fields),
        _ => {
            cx.report(
                Diagnostic::error(
                    Code::MISSING_CLAUSE,
                    format!("`{}` has no `schema`", name.name),
                )
                .at(name.span, "no `schema` clause")
                .with_help(
                    "declare its columns: `schema { user_id: string  event_ts: timestamp }`",
                ),
            );
            Schema::default()
        }
    }
}

fn missing_time_clause(cx: &mut Cx, schema: &Schema, name: &Ident, kind: InputKind, keyword: &str) {
    let timestamps: Vec<&str> = schema
        .columns
        .iter()
        .filter(|c| c.ty.as_ref().is_some_and(|t| t.ty == Type::Timestamp))
        .map(|c| c.name.name.as_str())
        .collect();
    let help = match timestamps.as_slice() {
        [one] => format!("add `{keyword} {one}`"),
        _ => format!("add `{keyword} COLUMN`, naming a `timestamp` column of the schema"),
    };
    let what = match keyword {
        "event_time" => "the column that says when each event happened",
        _ => "the column that says from when each row is in force",
    };
    cx.report(
        Diagnostic::error(
            Code::MISSING_CLAUSE,
            format!("{} `{}` has no `{keyword}`", kind.noun(), name.name),
        )
        .at(name.span, format!("needs `{keyword}`: {what}"))
        .with_help(help),
    );
}

/// Checks that a time column exists and is a non-null timestamp.
fn time_column(cx: &mut Cx, schema: &Schema, owner: &Ident, keyword: &str, column: &Ident) {
    let Some(found) = schema.get(&column.name) else {
        cx.report(unknown_column(&column.name, owner, column.span, schema));
        return;
    };
    let Some(ty) = &found.ty else { return };
    if ty.ty != Type::Timestamp {
        cx.report(
            Diagnostic::error(
                Code::TIME_COLUMN_TYPE,
                format!("the `{keyword}` column `{}` is `{}`, not a timestamp", column.name, ty.ty),
            )
            .at(column.span, format!("this is `{}`", ty.ty))
            .with_label(found.ty_span, "declared here")
            .with_help(format!(
                "declare `{}: timestamp` (values are parsed as RFC 3339 or epoch microseconds), or name another column",
                column.name
            )),
        );
    } else if ty.nullable {
        cx.report(
            Diagnostic::error(
                Code::TIME_COLUMN_TYPE,
                format!("the `{keyword}` column `{}` may be null", column.name),
            )
            .at(column.span, "this is `timestamp?`")
            .with_label(found.ty_span, "declared nullable here")
            .with_help(format!(
                "a row without a time cannot be placed in time: declare `{}: timestamp` (without `?`)",
                column.name
            )),
        );
    }
}

/// E0203 for a column name that is not in the schema, with a did-you-mean.
pub(crate) fn unknown_column(name: &str, owner: &Ident, span: Span, schema: &Schema) -> Diagnostic {
    Diagnostic::error(
        Code::UNKNOWN_COLUMN,
        format!("`{}` has no column `{name}`", owner.name),
    )
    .at(span, "unknown column")
    .with_help(did_you_mean(name, schema.names()).unwrap_or_else(|| {
        // a wide schema is summarised: the list is a reminder, not a reference
        const SHOWN: usize = 8;
        let names: Vec<&str> = schema.names().collect();
        match names.len() {
            0 => format!("`{}` declares no columns", owner.name),
            n if n > SHOWN => format!(
                "the columns include {} and {} more",
                names[..SHOWN]
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                n - SHOWN
            ),
            _ => format!("the columns are {}", super::context::quoted_list(&names)),
        }
    }))
}

fn key_columns<'a>(
    cx: &mut Cx,
    schema: &Schema,
    owner: &Ident,
    columns: &'a [Ident],
) -> Vec<&'a Ident> {
    let mut key: Vec<&'a Ident> = Vec::new();
    for column in columns {
        if let Some(first) = key.iter().find(|k| k.name == column.name) {
            cx.report(
                Diagnostic::error(
                    Code::DUPLICATE_MEMBER,
                    format!(
                        "`{}` is listed twice in the key of `{}`",
                        column.name, owner.name
                    ),
                )
                .at(column.span, "listed again here")
                .with_label(first.span, "first listed here")
                .with_help("remove one of them"),
            );
            continue;
        }
        if schema.get(&column.name).is_none() {
            cx.report(unknown_column(&column.name, owner, column.span, schema));
            continue;
        }
        key.push(column);
    }
    key
}

fn batch(cx: &mut Cx, clauses: &BTreeMap<&'static str, &Clause>) -> Option<Batch> {
    let Some(Clause::Batch {
        format, location, ..
    }) = clauses.get("batch")
    else {
        return None;
    };
    let format = match format.name.as_str() {
        "parquet" => BatchFormat::Parquet,
        "csv" => BatchFormat::Csv,
        other => {
            cx.report(unknown_format(
                format,
                "batch format",
                &["parquet", "csv"],
                other,
            ));
            return None;
        }
    };
    let path = resolve_batch_path(cx.file_name(location.span), &location.value);
    Some(Batch { format, path })
}

fn stream(cx: &mut Cx, clauses: &BTreeMap<&'static str, &Clause>) -> Option<Stream> {
    let Some(Clause::Stream {
        kind,
        topic,
        format,
        ..
    }) = clauses.get("stream")
    else {
        return None;
    };
    let mut ok = true;
    if kind.name != "kafka" {
        cx.report(unknown_format(kind, "stream kind", &["kafka"], &kind.name));
        ok = false;
    }
    if format.name != "json" {
        cx.report(unknown_format(
            format,
            "stream format",
            &["json"],
            &format.name,
        ));
        ok = false;
    }
    ok.then(|| Stream {
        topic: topic.value.clone(),
        format: StreamFormat::Json,
    })
}

/// E0215 for an unsupported format, stream kind or store.
pub(crate) fn unknown_format(
    at: &Ident,
    what: &str,
    supported: &[&str],
    found: &str,
) -> Diagnostic {
    let list = super::context::quoted_list(supported);
    let help = match did_you_mean(found, supported.iter().copied()) {
        Some(suggestion) => format!("{suggestion} (supported: {list})"),
        None if supported.len() == 1 => format!("the only supported {what} is {list}"),
        None => format!("supported: {list}"),
    };
    Diagnostic::error(
        Code::UNKNOWN_FORMAT,
        format!("unsupported {what} `{found}`"),
    )
    .at(at.span, format!("not a supported {what}"))
    .with_help(help)
}
