//! A small lexer over the raw text, for what the parser needs beside pest: naming the token an
//! error is at, finding where declarations start (to resume after an error), which `{` is left
//! open, and how deeply the text nests (to refuse input that would exhaust the stack).
//!
//! It is deliberately approximate — it never decides what a file means, only where to look.

use std::ops::Range;

/// Declarations nest at most this deep: parentheses, `case`, `list<`, and chains of prefix
/// operators (`- - x`, `not not x`) each count one level. The parser recurses once per level,
/// so this bound is what keeps hostile input from overflowing the stack.
pub(super) const MAX_NESTING: usize = 200;

/// The keywords that start a declaration.
pub(super) const DECL_KEYWORDS: [&str; 5] = ["entity", "source", "table", "features", "service"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TokenKind {
    /// A name or keyword.
    Word,
    /// Digits, possibly with a unit or fraction (`15m`, `1.5`).
    Number,
    /// A quoted string; `closed` is false when the line ends first.
    Str { closed: bool },
    /// An operator or punctuation.
    Punct,
    /// The end of the text.
    End,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Token<'a> {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
    pub text: &'a str,
}

impl Token<'_> {
    pub fn is_word(&self, word: &str) -> bool {
        self.kind == TokenKind::Word && self.text == word
    }

    pub fn is_punct(&self, punct: &str) -> bool {
        self.kind == TokenKind::Punct && self.text == punct
    }
}

/// Multi-character operators, longest first, so that a token is read by maximal munch.
const MULTI_CHAR_PUNCT: [&str; 7] = ["==", "<=", ">=", "<>", "!=", "||", "&&"];

fn is_word_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_word_continue(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The position of the first character at or after `pos` that is not whitespace or comment.
pub(super) fn skip_trivia(text: &str, mut pos: usize) -> usize {
    let bytes = text.as_bytes();
    while pos < bytes.len() {
        match bytes[pos] {
            b' ' | b'\t' | b'\r' | b'\n' => pos += 1,
            b'#' => pos = text[pos..].find('\n').map_or(text.len(), |i| pos + i),
            _ => break,
        }
    }
    pos.min(text.len())
}

/// The token that starts at `pos` (which must be a character boundary, after trivia).
pub(super) fn token_at(text: &str, pos: usize) -> Token<'_> {
    let rest = text.get(pos..).unwrap_or_default();
    let mut chars = rest.char_indices();
    let Some((_, first)) = chars.next() else {
        return Token {
            kind: TokenKind::End,
            start: text.len(),
            end: text.len(),
            text: "",
        };
    };
    let (kind, len) = if is_word_start(first) {
        let len = rest
            .char_indices()
            .find(|&(_, c)| !is_word_continue(c))
            .map_or(rest.len(), |(i, _)| i);
        (TokenKind::Word, len)
    } else if first.is_ascii_digit() {
        let len = rest
            .char_indices()
            .find(|&(_, c)| !(is_word_continue(c) || c == '.'))
            .map_or(rest.len(), |(i, _)| i);
        (TokenKind::Number, len)
    } else if first == '\'' || first == '"' {
        string_len(rest, first)
    } else if let Some(op) = MULTI_CHAR_PUNCT.iter().find(|op| rest.starts_with(**op)) {
        (TokenKind::Punct, op.len())
    } else {
        (TokenKind::Punct, first.len_utf8())
    };
    Token {
        kind,
        start: pos,
        end: pos + len,
        text: &rest[..len],
    }
}

/// The length of the string literal that starts `rest`, or of the rest of its line if it is
/// not closed. In `'...'` strings a doubled quote is an escaped quote.
fn string_len(rest: &str, quote: char) -> (TokenKind, usize) {
    let mut iter = rest.char_indices().skip(1).peekable();
    while let Some((i, c)) = iter.next() {
        if c == '\n' {
            return (TokenKind::Str { closed: false }, i);
        }
        if c == quote {
            if quote == '\'' && iter.peek().is_some_and(|&(_, next)| next == '\'') {
                iter.next();
                continue;
            }
            return (TokenKind::Str { closed: true }, i + 1);
        }
    }
    (TokenKind::Str { closed: false }, rest.len())
}

/// The tokens of `text[range]`, skipping whitespace and comments.
pub(super) fn tokens(text: &str, range: Range<usize>) -> impl Iterator<Item = Token<'_>> {
    let mut pos = range.start;
    std::iter::from_fn(move || {
        pos = skip_trivia(text, pos);
        if pos >= range.end {
            return None;
        }
        let token = token_at(text, pos);
        pos = token.end.max(pos + 1);
        Some(token)
    })
}

/// The start of every line that looks like the head of a declaration: a declaration keyword
/// first on its line, then a name (`features user_activity on ...`). Inside a declaration such a
/// line is never valid, so it is a safe place to resume after a syntax error.
pub(super) fn decl_starts(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        let keyword = token_at(text, line_start + indent);
        if keyword.kind == TokenKind::Word && DECL_KEYWORDS.contains(&keyword.text) {
            let after = &text[keyword.end..];
            let gap = after.len() - after.trim_start_matches([' ', '\t']).len();
            if gap > 0 && after[gap..].chars().next().is_some_and(is_word_start) {
                starts.push(keyword.start);
            }
        }
        line_start += line.len();
    }
    starts
}

/// The innermost `{` of `text[range]` that is not closed within the range.
pub(super) fn unclosed_brace(text: &str, range: Range<usize>) -> Option<usize> {
    let mut open = Vec::new();
    for token in tokens(text, range) {
        if token.is_punct("{") {
            open.push(token.start);
        } else if token.is_punct("}") {
            open.pop();
        }
    }
    open.pop()
}

/// The first token of `text[range]` at which the nesting exceeds [`MAX_NESTING`], if any.
pub(super) fn too_deep(text: &str, range: Range<usize>) -> Option<Token<'_>> {
    let mut parens = 0usize;
    let mut cases = 0usize;
    let mut lists = 0usize;
    let mut prefix_run = 0usize;
    let mut previous_was_list = false;
    for token in tokens(text, range) {
        if token.is_punct("-") || token.is_word("not") {
            prefix_run += 1;
        } else {
            prefix_run = 0;
        }
        if token.is_punct("(") {
            parens += 1;
        } else if token.is_punct(")") {
            parens = parens.saturating_sub(1);
        } else if token.is_word("case") {
            cases += 1;
        } else if token.is_word("end") {
            cases = cases.saturating_sub(1);
        } else if token.is_punct("<") && previous_was_list {
            lists += 1;
        } else if token.is_punct(">") {
            lists = lists.saturating_sub(1);
        }
        previous_was_list = token.is_word("list");
        if parens + cases + lists + prefix_run > MAX_NESTING {
            return Some(token);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds_and_texts(text: &str) -> Vec<(TokenKind, &str)> {
        tokens(text, 0..text.len())
            .map(|t| (t.kind, t.text))
            .collect()
    }

    #[test]
    fn tokens_skip_comments_and_read_operators_by_maximal_munch() {
        let text = "a<=b # c\n 'it''s' \"x\" 15m <> ";
        assert_eq!(
            kinds_and_texts(text),
            vec![
                (TokenKind::Word, "a"),
                (TokenKind::Punct, "<="),
                (TokenKind::Word, "b"),
                (TokenKind::Str { closed: true }, "'it''s'"),
                (TokenKind::Str { closed: true }, "\"x\""),
                (TokenKind::Number, "15m"),
                (TokenKind::Punct, "<>"),
            ]
        );
    }

    #[test]
    fn an_unclosed_string_ends_at_the_end_of_its_line() {
        let token = token_at("'abc\nd'", 0);
        assert_eq!(token.kind, TokenKind::Str { closed: false });
        assert_eq!(token.text, "'abc");
        assert_eq!(token_at("x", 1).kind, TokenKind::End);
    }

    #[test]
    fn declaration_heads_are_found_only_at_line_starts_before_a_name() {
        let text =
            "entity a {\n  source: string\n}\n  source b {\n# table c {\ntable\nfeatures x on";
        let starts = decl_starts(text);
        let words: Vec<&str> = starts.iter().map(|&s| &text[s..s + 6]).collect();
        assert_eq!(words, vec!["entity", "source", "featur"]);
    }

    #[test]
    fn the_innermost_unclosed_brace_is_found() {
        let text = "source s { schema { a: int } batch x \"{\" schema {";
        assert_eq!(unclosed_brace(text, 0..text.len()), Some(text.len() - 1));
        assert_eq!(unclosed_brace("a { } ", 0..6), None);
    }

    #[test]
    fn nesting_counts_parentheses_cases_lists_and_prefix_runs() {
        let ok = "(".repeat(MAX_NESTING);
        assert_eq!(too_deep(&ok, 0..ok.len()), None);
        for deep in [
            "(".repeat(MAX_NESTING + 1),
            "case when ".repeat(MAX_NESTING + 1),
            "list<".repeat(MAX_NESTING + 1),
            "- ".repeat(MAX_NESTING + 1),
            "not ".repeat(MAX_NESTING + 1),
        ] {
            let token = too_deep(&deep, 0..deep.len());
            assert!(token.is_some(), "{}", &deep[..20]);
        }
        let balanced = "(a) ".repeat(10 * MAX_NESTING);
        assert_eq!(too_deep(&balanced, 0..balanced.len()), None);
    }
}
