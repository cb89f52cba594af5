//! The analysis context: the source map (for snippets and locations) and the diagnostics found
//! so far. Every pass takes a `&mut Cx`, reports into it and goes on.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::source::{Location, SourceMap, Span};

pub(crate) struct Cx<'a> {
    pub sources: &'a SourceMap,
    pub diags: Diagnostics,
}

impl<'a> Cx<'a> {
    pub fn new(sources: &'a SourceMap) -> Cx<'a> {
        Cx {
            sources,
            diags: Diagnostics::new(),
        }
    }

    pub fn report(&mut self, diagnostic: Diagnostic) {
        self.diags.push(diagnostic);
    }

    /// The text a span covers, for quoting the user's own code in messages.
    pub fn snippet(&self, span: Span) -> &'a str {
        self.sources.snippet(span)
    }

    pub fn location(&self, span: Span) -> Location {
        self.sources.location(span)
    }

    /// The display name of the file a span is in (relative to the project root).
    pub fn file_name(&self, span: Span) -> &'a str {
        &self.sources.get(span.file).name
    }
}

/// `did you mean `x`?`, or nothing when no candidate is close.
pub(crate) fn did_you_mean<'c>(
    name: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<String> {
    crate::diagnostic::did_you_mean(name, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// `a`, `a` and `b`, `a`, `b` and `c`: names quoted and joined for a message.
pub(crate) fn quoted_list<S: AsRef<str>>(names: &[S]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{}`", n.as_ref())).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
