//! The diagnostics corpus: every `tests/cases/err/*.feat` must report the error its first line
//! expects (`# expect: E0302`, optionally `# expect-line: 14` on the next line), with a primary
//! span and, for name and type errors, a help; its rendered diagnostics are snapshotted under
//! `snapshots/diagnostics/` for review. Every `tests/cases/ok/*.feat` must analyse without a
//! single diagnostic.

use featc::diagnostic::{Diagnostic, render_all};
use featc::source::SourceMap;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn cases(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(ROOT).join("tests/cases").join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "feat"))
        .collect();
    files.sort();
    files
}

/// Parses and analyses one file, named relative to the repository as users would see it.
fn analyze(path: &Path) -> (SourceMap, Vec<Diagnostic>) {
    let text = std::fs::read_to_string(path).expect("a readable case");
    let name = path
        .strip_prefix(ROOT)
        .expect("cases live in the repository")
        .to_string_lossy()
        .replace('\\', "/");
    let mut sources = SourceMap::new();
    sources.add(name, text);
    let (_, diagnostics) = featc::project::analyze(&sources);
    (sources, diagnostics)
}

/// `# expect: E0302` and `# expect-line: 14` from the top of a case.
fn expectations(text: &str) -> (Option<String>, Option<usize>) {
    let mut code = None;
    let mut line = None;
    for header in text.lines().take(2) {
        if let Some(rest) = header.strip_prefix("# expect:") {
            code = Some(rest.trim().to_string());
        } else if let Some(rest) = header.strip_prefix("# expect-line:") {
            line = rest.trim().parse().ok();
        }
    }
    (code, line)
}

fn case_name(path: &Path) -> String {
    path.file_stem()
        .expect("a file name")
        .to_string_lossy()
        .into_owned()
}

/// Problems with one error case (empty when it meets its expectations).
fn check_err_case(path: &Path, sources: &SourceMap, diagnostics: &[Diagnostic]) -> Vec<String> {
    let name = case_name(path);
    let text = &sources.files().next().expect("one file").1.text;
    let mut problems = Vec::new();
    let (Some(code), line) = expectations(text) else {
        return vec![format!("{name}: the first line must be `# expect: E0xxx`")];
    };
    let line_of = |d: &Diagnostic| d.primary.as_ref().map(|p| sources.location(p.span).line);
    let found = diagnostics
        .iter()
        .any(|d| d.code.0 == code && line.is_none_or(|l| line_of(d) == Some(l)));
    if !found {
        let got: Vec<String> = diagnostics
            .iter()
            .map(|d| format!("{} at line {:?}", d.code, line_of(d)))
            .collect();
        problems.push(format!(
            "{name}: expected {code}{} but found [{}]",
            line.map(|l| format!(" at line {l}")).unwrap_or_default(),
            got.join(", ")
        ));
    }
    for d in diagnostics {
        if d.primary.is_none() {
            problems.push(format!("{name}: {} has no primary span", d.code));
        }
        let name_or_type_error = d.code.0.starts_with("E02") || d.code.0.starts_with("E03");
        if name_or_type_error && d.help.is_none() {
            problems.push(format!("{name}: {} ({}) has no help", d.code, d.message));
        }
    }
    problems
}

#[test]
fn every_error_case_reports_its_error_readably() {
    let cases = cases("err");
    assert!(cases.len() >= 30, "only {} error cases", cases.len());
    let mut problems = Vec::new();
    let mut rendered_cases = Vec::new();
    for path in &cases {
        let (sources, diagnostics) = analyze(path);
        problems.extend(check_err_case(path, &sources, &diagnostics));
        rendered_cases.push((case_name(path), render_all(&sources, &diagnostics)));
    }
    // expectations first: a missing code fails even when its snapshot was accepted
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    for (name, rendered) in rendered_cases {
        insta::with_settings!({
            snapshot_path => "../../snapshots/diagnostics",
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name, rendered);
        });
    }
}

#[test]
fn every_ok_case_has_no_diagnostic() {
    let cases = cases("ok");
    assert!(cases.len() >= 6, "only {} ok cases", cases.len());
    let mut failures = Vec::new();
    for path in &cases {
        let (sources, diagnostics) = analyze(path);
        if !diagnostics.is_empty() {
            failures.push(render_all(&sources, &diagnostics));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_case_without_its_expected_code_fails() {
    // the checker itself: a case expecting E0302 that reports nothing is a problem
    let mut sources = SourceMap::new();
    sources.add(
        "tests/cases/err/x.feat",
        "# expect: E0302\nentity user { key id: string }\n",
    );
    let problems = check_err_case(Path::new("x.feat"), &sources, &[]);
    assert_eq!(problems, ["x: expected E0302 but found []"]);
}
