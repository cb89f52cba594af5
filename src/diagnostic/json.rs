//! `--format json`: diagnostics as machine-readable JSON, with resolved line and column.

use super::Diagnostic;
use crate::source::{SourceMap, Span};
use serde_json::{Value, json};

fn span_json(sources: &SourceMap, span: Span, message: &str) -> Value {
    let file = sources.get(span.file);
    let (line, column) = file.line_col(span.start as usize);
    let (end_line, end_column) = file.line_col(span.end as usize);
    json!({
        "file": file.path,
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "byte_start": span.start,
        "byte_end": span.end,
        "message": message,
    })
}

/// One JSON document: `{"diagnostics": [...], "errors": N}`.
pub fn to_json(sources: &SourceMap, diagnostics: &[Diagnostic]) -> Value {
    let items: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            json!({
                "code": d.code.0,
                "severity": d.severity,
                "message": d.message,
                "primary": d.primary.as_ref().map(|l| span_json(sources, l.span, &l.message)),
                "labels": d.secondary.iter().map(|l| span_json(sources, l.span, &l.message)).collect::<Vec<_>>(),
                "help": d.help,
                "notes": d.notes,
            })
        })
        .collect();
    json!({
        "diagnostics": items,
        "errors": diagnostics.iter().filter(|d| d.is_error()).count(),
    })
}
