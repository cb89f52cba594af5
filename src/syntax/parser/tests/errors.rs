//! One test per error code, and the wording of syntax errors.

use super::{codes, diagnostics, features_of, parse, primary_line, primary_text};
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast::{Decl, ExprKind, Literal, ViewItem, WindowExprKind};
use crate::types::MICROS_PER_MINUTE;

/// Words that would mean an internal grammar rule name leaked into a message.
const RULE_NAME_FRAGMENTS: [&str; 12] = [
    "kw_",
    "op_",
    "_item",
    "_decl",
    "_clause",
    "_def",
    "bare_feature",
    "name_ref",
    "_lit",
    "_type",
    "_branch",
    "case_operand",
];

fn assert_plain_words(diagnostic: &Diagnostic) {
    let mut texts = vec![diagnostic.message.clone()];
    texts.extend(diagnostic.help.clone());
    texts.extend(diagnostic.primary.iter().map(|l| l.message.clone()));
    for text in texts {
        for fragment in RULE_NAME_FRAGMENTS {
            assert!(!text.contains(fragment), "{text:?} contains {fragment:?}");
        }
    }
}

#[test]
fn e0101_says_what_was_expected_and_found_at_the_offending_token() {
    let text = "features f on e from s {\n  x = count(*) )\n}";
    let diags = diagnostics(text);
    assert_eq!(codes(&diags), vec![Code::SYNTAX]);
    assert_eq!(primary_text(text, &diags[0]), ")");
    assert_eq!(primary_line(text, &diags[0]), 2);
    let message = &diags[0].message;
    assert!(message.starts_with("expected "), "{message}");
    assert!(message.contains("a feature line"), "{message}");
    assert!(message.ends_with("found `)`"), "{message}");
    assert_plain_words(&diags[0]);
}

#[test]
fn syntax_errors_never_show_grammar_rule_names() {
    let broken = [
        "entity",
        "entity e { key }",
        "entity e { key a string }",
        "source s { schema { a: } }",
        "source s { batch parquet }",
        "source s { stream kafka \"t\" json }",
        "features f on e { }",
        "features f on e from s { window sliding(1h) }",
        "features f on e from s { window rolling(1h, 5m) }",
        "features f on e from s { x = }",
        "features f on e from s { x = a between 1 }",
        "features f on e from s { x = case when a end }",
        "features f on e from s { x = cast(a) }",
        "features f on e from s { x = f(a b) }",
        "features f on e from s { x = a is }",
        "features f on e from s { x = a in 1 }",
        "service v { include a }",
        "service v { include a.b as }",
        "table t { schema { a: list<int } }",
        "table t { schema { a: decimal(1 2) } }",
        "}",
        "'unclosed",
    ];
    for text in broken {
        let diags = diagnostics(text);
        assert!(
            diags.iter().any(|d| d.code == Code::SYNTAX),
            "{text}: {diags:?}"
        );
        for diagnostic in &diags {
            assert_plain_words(diagnostic);
        }
    }
}

#[test]
fn a_misspelt_keyword_gets_a_did_you_mean() {
    let text = "source s {\n  evnt_time ts\n}";
    let diags = diagnostics(text);
    assert_eq!(primary_text(text, &diags[0]), "evnt_time");
    assert_eq!(diags[0].help.as_deref(), Some("did you mean `event_time`?"));

    let text = "features f on e from s {\n  window slidng(1h, 15m)\n}";
    let diags = diagnostics(text);
    assert_eq!(primary_text(text, &diags[0]), "slidng");
    assert_eq!(diags[0].help.as_deref(), Some("did you mean `sliding`?"));

    let text = "Entity e { key a: int }";
    let diags = diagnostics(text);
    assert_eq!(
        diags[0].help.as_deref(),
        Some("keywords are lowercase: write `entity`")
    );
}

#[test]
fn common_slips_get_a_concrete_help() {
    let cases = [
        (
            "features f on e from s { x = a == 1 }",
            "==",
            "compare with a single `=`",
        ),
        (
            "features f on e from s { x = count(*) where t = \"buy\" }",
            "\"buy\"",
            "text in expressions uses single quotes: 'buy'",
        ),
        (
            "source s { batch parquet 'data' }",
            "'data'",
            "locations and names use double quotes here: \"data\"",
        ),
        (
            "features f on e from s { window rolling(7d, 1h) }",
            "1h",
            "write `hop 1h`",
        ),
    ];
    for (text, at, help) in cases {
        let diags = diagnostics(text);
        assert_eq!(primary_text(text, &diags[0]), at, "{text}");
        assert_eq!(diags[0].help.as_deref(), Some(help), "{text}");
    }
}

#[test]
fn an_unclosed_string_is_named_as_such() {
    let text = "features f on e from s {\n  x = count(*) where t = 'buy\n}";
    let diags = diagnostics(text);
    assert_eq!(
        diags[0].message,
        "this string is not closed before the end of its line"
    );
    assert_eq!(primary_text(text, &diags[0]), "'buy");
}

#[test]
fn a_missing_closing_brace_points_at_the_opening_one() {
    let text = "features user_activity on user from events {\n  window sliding(1h, 15m)\n  n = count(*)\n\nservice s {\n  include user_activity.*\n}\n";
    let (file, diags) = parse(text);
    assert_eq!(codes(&diags), vec![Code::SYNTAX]);
    let diagnostic = &diags[0];
    assert_eq!(diagnostic.message, "`features user_activity` is not closed");
    assert_eq!(primary_text(text, diagnostic), "service");
    assert_eq!(
        diagnostic.help.as_deref(),
        Some("add `}` to close `features user_activity` before the next declaration")
    );
    let opened = &diagnostic.secondary[0];
    assert_eq!(&text[opened.span.range()], "{");
    assert_eq!(opened.span.start as usize, text.find('{').expect("a brace"));
    assert_eq!(opened.message, "`features user_activity` opened here");
    // the next declaration is still read
    assert_eq!(file.decls.len(), 1);
    assert_eq!(file.decls[0].name().name, "s");
}

#[test]
fn a_brace_missing_at_the_end_of_the_file_points_after_the_last_token() {
    let text = "source s {\n  schema {\n    a: int\n";
    let diags = diagnostics(text);
    assert_eq!(
        diags[0].message,
        "the `schema` block of `source s` is not closed"
    );
    let span = diags[0].primary.as_ref().expect("primary").span;
    assert_eq!(span.start as usize, text.len() - 1, "just after `int`");
    assert_eq!(span.end, span.start);
    assert_eq!(
        diags[0].help.as_deref(),
        Some("add `}` to close the `schema` block of `source s` at the end of the file")
    );
}

#[test]
fn e0102_integer_out_of_range() {
    let text = "features f on e from s {\n  x = 9223372036854775808\n}";
    let (file, diags) = parse(text);
    assert_eq!(codes(&diags), vec![Code::INT_OUT_OF_RANGE]);
    assert_eq!(primary_text(text, &diags[0]), "9223372036854775808");
    // the declaration is kept
    let value = features_of(&file)[0].value.clone().expect("value");
    assert!(matches!(value.kind, ExprKind::Literal(Literal::Int(_))));
}

#[test]
fn e0103_bad_durations_are_reported_and_replaced_by_a_valid_stand_in() {
    let text = "features f on e from s {\n  window sliding(1h, 0m)\n  ttl 10\n}\nsource s { settle 99999999d }";
    let (file, diags) = parse(text);
    assert_eq!(
        codes(&diags),
        vec![Code::BAD_DURATION, Code::BAD_DURATION, Code::BAD_DURATION]
    );
    let spans: Vec<&str> = diags.iter().map(|d| primary_text(text, d)).collect();
    assert_eq!(spans, vec!["0m", "10", "99999999d"]);
    assert!(diags.iter().all(|d| d.help.is_some()));
    let Decl::Features(view) = &file.decls[0] else {
        panic!();
    };
    // the bad slide takes the size's value, so no second error follows; the bad ttl is dropped
    assert_eq!(view.items.len(), 1);
    match &view.items[0] {
        ViewItem::Window(w) => match &w.kind {
            WindowExprKind::Sliding { size, slide } => {
                assert_eq!(size.micros, 60 * MICROS_PER_MINUTE);
                assert_eq!(slide.micros, 60 * MICROS_PER_MINUTE);
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    let Decl::Source(source) = &file.decls[1] else {
        panic!();
    };
    assert!(source.clauses.is_empty());
}

#[test]
fn e0105_uppercase_identifier() {
    let text = "entity user { key UserId: string }";
    let (file, diags) = parse(text);
    assert_eq!(codes(&diags), vec![Code::BAD_IDENTIFIER]);
    assert_eq!(primary_text(text, &diags[0]), "UserId");
    assert_eq!(
        diags[0].help.as_deref(),
        Some("names are lowercase: write `user_id`")
    );
    let Decl::Entity(entity) = &file.decls[0] else {
        panic!();
    };
    assert_eq!(entity.keys[0].name.name, "user_id");
}

#[test]
fn e0106_identifier_too_long() {
    let long = "a".repeat(64);
    let text = format!("entity {long} {{ key id: string }}");
    let diags = diagnostics(&text);
    assert_eq!(codes(&diags), vec![Code::IDENTIFIER_TOO_LONG]);
    assert_eq!(primary_text(&text, &diags[0]), long);
    let ok = format!("entity {} {{ key id: string }}", "a".repeat(63));
    assert!(parse(&ok).1.is_empty());
}

#[test]
fn e0107_reserved_word_as_a_name() {
    let text = "source s {\n  schema {\n    end: timestamp\n  }\n}";
    let (file, diags) = parse(text);
    assert_eq!(codes(&diags), vec![Code::RESERVED_WORD]);
    assert_eq!(primary_text(text, &diags[0]), "end");
    assert_eq!(diags[0].help.as_deref(), Some("rename it, e.g. `end_`"));
    assert_eq!(file.decls.len(), 1);
}

#[test]
fn a_clause_inside_an_unclosed_schema_points_at_the_schema() {
    let text = "source events {\n  schema {\n    a: int\n  event_time a\n}\n";
    let diags = diagnostics(text);
    assert_eq!(codes(&diags), vec![Code::SYNTAX]);
    assert_eq!(primary_line(text, &diags[0]), 4);
    assert_eq!(
        diags[0].help.as_deref(),
        Some("add `}` to close the `schema` block before `event_time`")
    );
    let opened = &diags[0].secondary[0];
    assert_eq!(
        opened.span.start as usize,
        text.find("{\n    a").expect("schema brace")
    );
}
