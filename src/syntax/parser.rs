//! `.feat` text → AST: pest (grammar/feat.pest) parses one declaration at a time, and the
//! builders (`decl.rs`, `expr.rs`) turn its pairs into [`ast`] nodes.
//!
//! Parsing one declaration at a time is what makes error recovery simple: after a syntax error
//! the parser resumes at the next line that starts a declaration (`scan::decl_starts`), so one
//! run reports an error in every broken declaration and returns every declaration that parsed.
//!
//! Hostile input cannot exhaust the stack: before pest sees any text, `scan::too_deep` measures
//! how deeply each declaration nests, and declarations nested deeper than
//! [`scan::MAX_NESTING`] are reported and skipped.

mod build;
mod decl;
mod expr;
mod grammar;
mod lexeme;
mod scan;
mod syntax_error;

#[cfg(test)]
mod tests;

use super::ast;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{FileId, Span};
use build::Builder;
use grammar::{FeatParser, Rule};
use pest::Parser;
use std::ops::Range;
use syntax_error::FailedDecl;

/// Parses one file. Returns every declaration that parsed and a diagnostic for every syntax
/// error; after an error the parser resumes at the next top-level declaration.
///
/// A declaration with a syntax error is left out. A declaration with a misspelt token (an
/// uppercase name, an integer or duration out of range) is reported and kept, with a stand-in
/// value, so that later passes see the names it declares. Diagnostics are sorted by position.
pub fn parse(file: FileId, text: &str) -> (ast::File, Vec<Diagnostic>) {
    let mut run = Run::new(file, text);
    // Editors on Windows may start a file with a byte order mark; it is not content.
    let bom = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let mut pos = scan::skip_trivia(text, bom);
    while pos < text.len() {
        pos = run.declaration_at(pos);
    }
    run.diags
        .sort_by_key(|d| d.primary.as_ref().map(|label| label.span.start));
    (ast::File { decls: run.decls }, run.diags)
}

/// The state of parsing one file.
struct Run<'t> {
    file: FileId,
    text: &'t str,
    /// Where the lines that start a declaration start: the places to resume after an error.
    decl_starts: Vec<usize>,
    /// The regions that nest too deeply to be given to pest, with their diagnostics.
    too_deep: Vec<(Range<usize>, Diagnostic)>,
    decls: Vec<ast::Decl>,
    diags: Vec<Diagnostic>,
}

impl<'t> Run<'t> {
    fn new(file: FileId, text: &'t str) -> Run<'t> {
        let decl_starts = scan::decl_starts(text);
        let too_deep = deep_regions(file, text, &decl_starts);
        Run {
            file,
            text,
            decl_starts,
            too_deep,
            decls: Vec::new(),
            diags: Vec::new(),
        }
    }

    /// Parses the declaration at `pos` (after trivia); returns where the next one may start.
    fn declaration_at(&mut self, pos: usize) -> usize {
        let text = self.text;
        let next_start = self
            .decl_starts
            .get(self.decl_starts.partition_point(|&start| start <= pos))
            .copied();
        if let Some((region, diagnostic)) = self.too_deep.iter().find(|(r, _)| r.contains(&pos)) {
            self.diags.push(diagnostic.clone());
            return scan::skip_trivia(text, region.end);
        }
        // pest never sees a region that nests too deeply.
        let limit = self
            .too_deep
            .iter()
            .map(|(region, _)| region.start)
            .find(|&start| start > pos)
            .unwrap_or(text.len());
        let Some(slice) = text.get(pos..limit) else {
            self.diags.push(internal_error(self.file, pos));
            return text.len();
        };
        match FeatParser::parse(Rule::decl, slice) {
            Ok(mut pairs) => {
                let Some(pair) = pairs.next() else {
                    self.diags.push(internal_error(self.file, pos));
                    return text.len();
                };
                let end = pos + pair.as_span().end();
                let builder = Builder::new(self.file, slice, pos);
                let decl = builder.decl(pair);
                let found = builder.into_diagnostics();
                match decl {
                    Some(decl) => self.decls.push(decl),
                    None if found.is_empty() => self.diags.push(internal_error(self.file, pos)),
                    None => {}
                }
                self.diags.extend(found);
                scan::skip_trivia(text, end.max(pos + 1))
            }
            Err(error) => {
                let failed = FailedDecl {
                    file: self.file,
                    text,
                    start: pos,
                    region_end: next_start.unwrap_or(text.len()).min(limit),
                };
                self.diags.push(syntax_error::diagnose(&failed, &error));
                next_start.unwrap_or(text.len())
            }
        }
    }
}

/// The regions between declaration starts that nest more than [`scan::MAX_NESTING`] deep,
/// each with its diagnostic.
fn deep_regions(
    file: FileId,
    text: &str,
    decl_starts: &[usize],
) -> Vec<(Range<usize>, Diagnostic)> {
    let bounds: Vec<usize> = std::iter::once(0)
        .chain(decl_starts.iter().copied().filter(|&start| start > 0))
        .chain(std::iter::once(text.len()))
        .collect();
    bounds
        .windows(2)
        .filter_map(|pair| {
            let region = pair[0]..pair[1];
            let token = scan::too_deep(text, region.clone())?;
            let diagnostic = Diagnostic::error(
                Code::SYNTAX,
                format!(
                    "this declaration nests more than {} levels deep",
                    scan::MAX_NESTING
                ),
            )
            .at(Span::new(file, token.start, token.end), "too deep")
            .with_help("split the expression into several features, each built on the one before")
            .with_note("the declaration is skipped");
            Some((region, diagnostic))
        })
        .collect()
}

/// A declaration that pest accepted but the builder could not read: a featc bug.
fn internal_error(file: FileId, pos: usize) -> Diagnostic {
    Diagnostic::error(
        Code::INTERNAL,
        "featc could not read this declaration (a bug in featc; please report it)",
    )
    .at(Span::new(file, pos, pos), "here")
}
