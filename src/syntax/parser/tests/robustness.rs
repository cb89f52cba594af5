//! No input makes the parser panic or overflow the stack, and every span it reports lies in
//! the text.

use super::{LANGUAGE_EXAMPLE, codes, parse, parse_expr};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::File;
use proptest::prelude::*;

fn assert_span_in(text: &str, span: Span, what: &str) {
    let (start, end) = (span.start as usize, span.end as usize);
    assert!(
        start <= end && end <= text.len(),
        "{what} {span:?} outside {} bytes",
        text.len()
    );
    assert!(
        text.is_char_boundary(start) && text.is_char_boundary(end),
        "{what} {span:?} splits a character"
    );
}

/// Parses and checks the spans of every diagnostic and declaration.
fn parse_checked(text: &str) -> (File, Vec<Diagnostic>) {
    let (file, diags) = parse(text);
    for diagnostic in &diags {
        let labels = diagnostic.primary.iter().chain(&diagnostic.secondary);
        for label in labels {
            assert_span_in(text, label.span, &diagnostic.message);
        }
    }
    for decl in &file.decls {
        assert_span_in(text, decl.name().span, "declaration name");
    }
    (file, diags)
}

/// One edit of the docs' example: delete, insert or replace the character at a position.
#[derive(Debug, Clone)]
enum Edit {
    Delete(usize),
    Insert(usize, char),
    Replace(usize, char),
}

fn apply(text: &str, edit: &Edit) -> String {
    let boundary = |at: usize| {
        let at = at % (text.len() + 1);
        (0..=at)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0)
    };
    let mut out = text.to_string();
    match *edit {
        Edit::Delete(at) => {
            let at = boundary(at);
            if at < out.len() {
                out.remove(at);
            }
        }
        Edit::Insert(at, c) => out.insert(boundary(at), c),
        Edit::Replace(at, c) => {
            let at = boundary(at);
            if at < out.len() {
                out.remove(at);
            }
            out.insert(at, c);
        }
    }
    out
}

/// Characters that matter to the grammar, plus a few that do not.
fn grammar_char() -> impl Strategy<Value = char> {
    prop::sample::select(
        "{}()<>=,.:;*+-/%|!?'\"#_ \n\tazAZ09é\u{0}"
            .chars()
            .collect::<Vec<_>>(),
    )
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<usize>().prop_map(Edit::Delete),
        (any::<usize>(), grammar_char()).prop_map(|(at, c)| Edit::Insert(at, c)),
        (any::<usize>(), grammar_char()).prop_map(|(at, c)| Edit::Replace(at, c)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_text_never_panics(text in "\\PC{0,300}") {
        parse_checked(&text);
    }

    #[test]
    fn random_grammar_characters_never_panic(chars in prop::collection::vec(grammar_char(), 0..300)) {
        let text: String = chars.into_iter().collect();
        parse_checked(&text);
    }

    #[test]
    fn edits_of_the_language_example_never_panic(edits in prop::collection::vec(edit(), 1..4)) {
        let text = edits.iter().fold(LANGUAGE_EXAMPLE.to_string(), |text, e| apply(&text, e));
        parse_checked(&text);
    }

    #[test]
    fn one_edit_costs_at_most_one_declaration_per_syntax_error(edit in edit()) {
        let text = apply(LANGUAGE_EXAMPLE, &edit);
        let (file, diags) = parse_checked(&text);
        let errors = diags.iter().filter(|d| d.code == Code::SYNTAX).count();
        prop_assert!(file.decls.len() <= 7);
        prop_assert!(7 - file.decls.len() <= errors, "{} declarations, {:?}", file.decls.len(), diags);
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let n = 100_000;
    let hostile = [
        format!("features f on e from s {{ x = {} }}", "(".repeat(n)),
        format!("features f on e from s {{ x = {}a }}", "- ".repeat(n)),
        format!("features f on e from s {{ x = {}a }}", "not ".repeat(n)),
        format!("features f on e from s {{ x = {}a }}", "f(".repeat(n)),
        format!(
            "features f on e from s {{ x = {} }}",
            "case when ".repeat(n)
        ),
        format!("source s {{ schema {{ a: {} }} }}", "list<".repeat(n)),
        // flat text, deep trees: pest reads them, the tree builder refuses them
        format!(
            "features f on e from s {{ x = {}a }}",
            "a + ".repeat(n / 20)
        ),
        format!(
            "features f on e from s {{ x = {}a }}",
            "a or ".repeat(n / 20)
        ),
        "{".repeat(n),
        "entity ".repeat(n),
    ];
    for text in &hostile {
        let (file, diags) = parse_checked(text);
        assert!(file.decls.is_empty(), "{}", &text[..40]);
        assert!(
            diags.iter().any(|d| d.code == Code::SYNTAX),
            "{}: {diags:?}",
            &text[..40]
        );
    }
}

#[test]
fn nesting_up_to_the_limit_parses() {
    let depth = super::super::scan::MAX_NESTING;
    let parens = format!("{}a{}", "(".repeat(depth), ")".repeat(depth));
    assert_eq!(super::sexpr(&parse_expr(&parens)), "a");
    let sum = vec!["a"; depth].join(" + ");
    parse_expr(&sum);
    let cases = format!(
        "{}1{}",
        "case when a then ".repeat(depth / 2),
        " end".repeat(depth / 2)
    );
    parse_expr(&cases);
}

#[test]
fn a_long_flat_file_is_fine() {
    let text = LANGUAGE_EXAMPLE.repeat(20);
    let (file, diags) = parse_checked(&text);
    assert!(diags.is_empty());
    assert_eq!(file.decls.len(), 7 * 20);
    let (_, diags) = parse_checked(&"x".repeat(1_000_000));
    assert_eq!(codes(&diags), vec![Code::SYNTAX]);
}
