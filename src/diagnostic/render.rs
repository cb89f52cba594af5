//! Human rendering of diagnostics with codespan-reporting: the source line, a caret under the
//! primary span, secondary labels (possibly in other files), help and notes.

use super::{Diagnostic, Severity};
use crate::source::SourceMap;
use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::{self, termcolor::Buffer};

/// Adapts [`SourceMap`] to codespan's file database.
struct Db<'a>(&'a SourceMap);

impl<'a> Files<'a> for Db<'a> {
    type FileId = u32;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: u32) -> Result<&'a str, FilesError> {
        Ok(&self.0.get(crate::source::FileId(id)).path)
    }

    fn source(&'a self, id: u32) -> Result<&'a str, FilesError> {
        Ok(&self.0.get(crate::source::FileId(id)).text)
    }

    fn line_index(&'a self, id: u32, byte_index: usize) -> Result<usize, FilesError> {
        let starts = self.0.get(crate::source::FileId(id)).line_starts();
        Ok(match starts.binary_search(&byte_index) {
            Ok(line) => line,
            Err(next) => next - 1,
        })
    }

    fn line_range(
        &'a self,
        id: u32,
        line_index: usize,
    ) -> Result<std::ops::Range<usize>, FilesError> {
        let file = self.0.get(crate::source::FileId(id));
        let starts = file.line_starts();
        let start = *starts.get(line_index).ok_or(FilesError::LineTooLarge {
            given: line_index,
            max: starts.len() - 1,
        })?;
        let end = starts
            .get(line_index + 1)
            .copied()
            .unwrap_or(file.text.len());
        Ok(start..end)
    }
}

fn to_codespan(d: &Diagnostic) -> cs::Diagnostic<u32> {
    let severity = match d.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
    };
    let mut labels = Vec::new();
    if let Some(p) = &d.primary {
        labels.push(cs::Label::primary(p.span.file.0, p.span.range()).with_message(&p.message));
    }
    for s in &d.secondary {
        labels.push(cs::Label::secondary(s.span.file.0, s.span.range()).with_message(&s.message));
    }
    let mut notes: Vec<String> = Vec::new();
    if let Some(help) = &d.help {
        notes.push(format!("help: {help}"));
    }
    notes.extend(d.notes.iter().map(|n| format!("note: {n}")));
    cs::Diagnostic::new(severity)
        .with_code(d.code.0)
        .with_message(&d.message)
        .with_labels(labels)
        .with_notes(notes)
}

/// Renders one diagnostic as plain text (no colour), as printed to stderr and snapshotted.
pub fn render(sources: &SourceMap, d: &Diagnostic) -> String {
    render_into(Buffer::no_color(), sources, d)
}

fn render_into(mut buffer: Buffer, sources: &SourceMap, d: &Diagnostic) -> String {
    let config = term::Config::default();
    let db = Db(sources);
    match term::emit_to_write_style(&mut buffer, &config, &db, &to_codespan(d)) {
        Ok(()) => String::from_utf8_lossy(buffer.as_slice()).into_owned(),
        // A span outside its file would be a featc bug; still show the message rather than panic.
        Err(_) => format!("error[{}]: {}\n", d.code, d.message),
    }
}

/// Renders all diagnostics, then a summary line (`featc: 3 errors found`).
pub fn render_all(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    render_all_with(sources, diagnostics, Buffer::no_color)
}

/// Like [`render_all`], with ANSI colours for a terminal.
pub fn render_all_colored(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    render_all_with(sources, diagnostics, Buffer::ansi)
}

fn render_all_with(
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
    buffer: fn() -> Buffer,
) -> String {
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&render_into(buffer(), sources, d));
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    if errors > 0 {
        let s = if errors == 1 { "" } else { "s" };
        out.push_str(&format!("featc: {errors} error{s} found\n"));
    }
    out
}
