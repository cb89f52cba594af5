//! The state shared by the functions that turn pest pairs into AST nodes (`decl.rs`,
//! `expr.rs`): where the parsed slice sits in the file, and the diagnostics found so far.
//!
//! Builder functions return `Option`: `None` means the declaration cannot be represented (an
//! expression nested too deeply) and is left out; a diagnostic has then been reported.

use super::grammar::Rule;
use super::lexeme::{self, NameRole};
use super::scan;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};
use crate::syntax::ast::{DurationLit, Ident, StrLit};
use pest::iterators::Pair;
use std::cell::RefCell;

pub(super) struct Builder<'t> {
    file: FileId,
    /// The text pest parsed: a slice of the file starting at `base`.
    text: &'t str,
    base: usize,
    /// A `RefCell` because the Pratt parser's callbacks all need to report.
    diags: RefCell<Vec<Diagnostic>>,
}

impl<'t> Builder<'t> {
    pub fn new(file: FileId, text: &'t str, base: usize) -> Builder<'t> {
        Builder {
            file,
            text,
            base,
            diags: RefCell::new(Vec::new()),
        }
    }

    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diags.into_inner()
    }

    pub fn report(&self, diagnostic: Diagnostic) {
        self.diags.borrow_mut().push(diagnostic);
    }

    /// Runs a check that reports into a plain `Vec` (the `lexeme` functions).
    fn reporting<T>(&self, check: impl FnOnce(&mut Vec<Diagnostic>) -> T) -> T {
        check(&mut self.diags.borrow_mut())
    }

    /// The span of a pair in the file, without trailing whitespace or comments: pest includes
    /// them in a rule that ends with an optional or repeated part.
    pub fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let span = pair.as_span();
        let (start, end) = (span.start(), span.end());
        let covered = self.text.get(start..end).unwrap_or_default();
        let ends_clean = !covered.ends_with([' ', '\t', '\r', '\n']) && !covered.contains('#');
        let end = if ends_clean {
            end
        } else {
            scan::tokens(self.text, start..end)
                .last()
                .map_or(start, |token| token.end.min(end))
        };
        Span::new(self.file, self.base + start, self.base + end)
    }

    /// The text a span covers (the span must come from this builder).
    pub fn text_of(&self, span: Span) -> &'t str {
        let start = (span.start as usize).saturating_sub(self.base);
        let end = (span.end as usize).saturating_sub(self.base);
        self.text.get(start..end).unwrap_or_default()
    }

    /// A name being declared: checked for spelling, length and reserved words.
    pub fn name(&self, pair: &Pair<'_, Rule>) -> Ident {
        self.identifier(pair, NameRole::Declared)
    }

    /// A name referring to a declaration: checked for spelling.
    pub fn ident(&self, pair: &Pair<'_, Rule>) -> Ident {
        self.identifier(pair, NameRole::Referenced)
    }

    fn identifier(&self, pair: &Pair<'_, Rule>, role: NameRole) -> Ident {
        let span = self.span(pair);
        let name = self.reporting(|diags| lexeme::identifier(pair.as_str(), span, role, diags));
        Ident { name, span }
    }

    /// A duration literal, or its span when it is invalid (reported here).
    pub fn duration(&self, pair: &Pair<'_, Rule>) -> Result<DurationLit, Span> {
        let span = self.span(pair);
        match self.reporting(|diags| lexeme::duration(pair.as_str(), span, diags)) {
            Some(micros) => Ok(DurationLit { micros, span }),
            None => Err(span),
        }
    }

    pub fn int(&self, pair: &Pair<'_, Rule>) -> Option<i64> {
        let span = self.span(pair);
        self.reporting(|diags| lexeme::int(pair.as_str(), span, diags))
    }

    pub fn unsigned(&self, pair: &Pair<'_, Rule>) -> Option<u64> {
        let span = self.span(pair);
        self.reporting(|diags| lexeme::unsigned(pair.as_str(), span, diags))
    }

    /// A `"..."` literal.
    pub fn quoted(&self, pair: &Pair<'_, Rule>) -> StrLit {
        StrLit {
            value: lexeme::quoted(pair.as_str()),
            span: self.span(pair),
        }
    }
}

/// The first direct child of `pair` produced by `rule`.
pub(super) fn child<'i>(pair: &Pair<'i, Rule>, rule: Rule) -> Option<Pair<'i, Rule>> {
    pair.clone().into_inner().find(|p| p.as_rule() == rule)
}

/// Every direct child of `pair` produced by `rule`, in order.
pub(super) fn children<'i>(
    pair: &Pair<'i, Rule>,
    rule: Rule,
) -> impl Iterator<Item = Pair<'i, Rule>> + use<'i> {
    pair.clone()
        .into_inner()
        .filter(move |p| p.as_rule() == rule)
}

/// Whether `pair` has a direct child produced by `rule` (an optional keyword such as `not`).
pub(super) fn has(pair: &Pair<'_, Rule>, rule: Rule) -> bool {
    child(pair, rule).is_some()
}
