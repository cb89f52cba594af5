//! Documentation that must stay true to the code.

use featc::diagnostic::ALL_CODES;

#[test]
fn docs_errors_lists_every_error_code_with_its_summary() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/errors.md");
    let text = std::fs::read_to_string(path).expect("docs/errors.md exists");
    for (code, summary) in ALL_CODES {
        let row = format!("| `{code}` | {summary} |");
        assert!(text.contains(&row), "docs/errors.md lacks the row: {row}");
    }
}
