//! The language reference stays true to the parser: every `feat` example in it parses.

use super::parse_clean;

const LANGUAGE_MD: &str = include_str!("../../../../docs/language.md");

/// The bodies of the code blocks fenced with `` ```feat ``.
fn feat_examples(markdown: &str) -> Vec<String> {
    let mut examples = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```feat") => current = Some(String::new()),
            (Some(_), "```") => examples.extend(current.take()),
            (Some(body), _) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, _) => {}
        }
    }
    examples
}

#[test]
fn every_feat_example_in_the_language_reference_parses() {
    let examples = feat_examples(LANGUAGE_MD);
    assert!(examples.len() >= 3, "found {} examples", examples.len());
    for example in examples {
        let file = parse_clean(&example);
        assert!(!file.decls.is_empty(), "{example}");
    }
}

#[test]
fn the_reserved_words_listed_in_the_reference_are_the_parser_s() {
    // The list: the lines of backquoted words after "The reserved words are".
    let listed: Vec<&str> = LANGUAGE_MD
        .lines()
        .skip_while(|line| !line.contains("The reserved words are"))
        .skip_while(|line| !line.trim_start().starts_with('`'))
        .take_while(|line| line.trim_start().starts_with('`'))
        .collect();
    let mut words: Vec<&str> = listed
        .iter()
        .flat_map(|line| line.split('`'))
        .filter(|w| !w.trim().is_empty())
        .collect();
    words.sort_unstable();
    let mut expected = super::super::lexeme::RESERVED_WORDS.to_vec();
    expected.sort_unstable();
    assert_eq!(words, expected);
}
