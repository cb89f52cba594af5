//! Analysis never panics, whatever it is given: valid projects damaged at random (text cut out,
//! words swapped for other words of the language) go through parse and analysis.

use crate::source::SourceMap;
use proptest::prelude::*;

const PROJECTS: [&str; 3] = [
    include_str!("../../../tests/cases/ok/service_two_entities.feat"),
    include_str!("../../../tests/cases/ok/rolling_over.feat"),
    include_str!("../../../tests/cases/ok/table_view.feat"),
];

/// Words that move a damaged project into interesting corners of the analyser.
const WORDS: [&str; 24] = [
    "count",
    "sum",
    "last_n",
    "*",
    "null",
    "user_id",
    "item_id",
    "lifetime",
    "rolling(1d)",
    "sliding(1h, 7m)",
    "over",
    "where",
    "=",
    "+",
    "||",
    "/",
    "0",
    "'x'",
    "cast(1 as bool)",
    "case when true then 1 else 'a' end",
    "price_vs_usual",
    "string?",
    "decimal(40, 2)",
    "views_7d",
];

#[derive(Debug, Clone)]
enum Damage {
    Cut { at: usize, len: usize },
    Swap { at: usize, word: usize },
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (0usize..4000, 1usize..30).prop_map(|(at, len)| Damage::Cut { at, len }),
        (0usize..4000, 0usize..WORDS.len()).prop_map(|(at, word)| Damage::Swap { at, word }),
    ]
}

/// The char boundary at or before `at`, within the text.
fn boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn apply(text: &mut String, damage: &Damage) {
    match *damage {
        Damage::Cut { at, len } => {
            let start = boundary(text, at % (text.len() + 1));
            let end = boundary(text, start + len);
            text.replace_range(start..end, "");
        }
        Damage::Swap { at, word } => {
            // replace the word that starts at or after `at`
            let start = boundary(text, at % (text.len() + 1));
            let rest = &text[start..];
            let Some(offset) = rest.find(|c: char| c.is_ascii_alphanumeric()) else {
                return;
            };
            let from = start + offset;
            let len = text[from..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(text.len() - from);
            text.replace_range(from..from + len, WORDS[word]);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn damaged_projects_never_panic(project in 0usize..PROJECTS.len(), damages in prop::collection::vec(damage(), 1..5)) {
        let mut text = PROJECTS[project].to_string();
        for d in &damages {
            apply(&mut text, d);
        }
        let mut sources = SourceMap::new();
        let id = sources.add("p.feat", text.as_str());
        let (ast, _) = crate::syntax::parse(id, &text);
        let (plan, diagnostics) = crate::semantic::analyze(&sources, &[(id, ast)]);
        // a plan only without errors, and errors always point somewhere
        prop_assert_eq!(plan.is_some(), !diagnostics.has_errors());
        prop_assert!(diagnostics.iter().all(|d| d.primary.is_some()));
    }
}
