//! The diagnostics corpus: every case of `tests/cases/err/` — a `.feat` file, or a directory
//! of `.feat` files analysed together as one project — must report the errors its header
//! expects, with a primary span and, for name and type errors, a help; its rendered
//! diagnostics are snapshotted under `snapshots/diagnostics/` for review. Every
//! `tests/cases/ok/*.feat` must analyse without a single diagnostic.
//!
//! The header (the leading `#` lines of the case's first file, in name order):
//! - `# expect: E0302`: an error with that code; `# expect-line: 14` and `# expect-file:
//!   b.feat` right after it say where its primary span must be;
//! - `# expect-exactly`: the errors are exactly the expected ones, in that order (for cases
//!   that check that follow-on errors are suppressed and the real cause comes first).

use featc::diagnostic::{Diagnostic, render_all};
use featc::source::SourceMap;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn cases(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(ROOT).join("tests/cases").join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_dir() || path.extension().is_some_and(|e| e == "feat"))
        .collect();
    files.sort();
    files
}

/// Parses and analyses one case (a file, or every `.feat` file of a directory), each file
/// named relative to the repository as users would see it.
fn analyze(path: &Path) -> (SourceMap, Vec<Diagnostic>) {
    let files: Vec<PathBuf> = if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .expect("a readable case directory")
            .map(|entry| entry.expect("a directory entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "feat"))
            .collect();
        files.sort();
        files
    } else {
        vec![path.to_path_buf()]
    };
    let mut sources = SourceMap::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a readable case");
        let name = file
            .strip_prefix(ROOT)
            .expect("cases live in the repository")
            .to_string_lossy()
            .replace('\\', "/");
        sources.add(name, text);
    }
    let (_, diagnostics) = featc::project::analyze(&sources);
    (sources, diagnostics)
}

/// One expected error: its code, and where its primary span must be (when given).
#[derive(Debug, Default)]
struct Expected {
    code: String,
    line: Option<usize>,
    file: Option<String>,
}

/// The expectations of a case's header, and whether they are exact.
fn expectations(text: &str) -> (Vec<Expected>, bool) {
    let mut expected: Vec<Expected> = Vec::new();
    let mut exactly = false;
    for header in text.lines().take_while(|l| l.starts_with('#')) {
        if let Some(rest) = header.strip_prefix("# expect:") {
            expected.push(Expected {
                code: rest.trim().to_string(),
                ..Expected::default()
            });
        } else if let Some(rest) = header.strip_prefix("# expect-line:") {
            if let Some(last) = expected.last_mut() {
                last.line = rest.trim().parse().ok();
            }
        } else if let Some(rest) = header.strip_prefix("# expect-file:") {
            if let Some(last) = expected.last_mut() {
                last.file = Some(rest.trim().to_string());
            }
        } else if header.trim() == "# expect-exactly" {
            exactly = true;
        }
    }
    (expected, exactly)
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
    let (expected, exactly) = expectations(text);
    if expected.is_empty() {
        return vec![format!("{name}: the first line must be `# expect: E0xxx`")];
    }
    let line_of = |d: &Diagnostic| d.primary.as_ref().map(|p| sources.location(p.span).line);
    let file_of = |d: &Diagnostic| {
        d.primary.as_ref().map(|p| {
            let file = &sources.get(p.span.file).name;
            file.rsplit('/').next().unwrap_or(file).to_string()
        })
    };
    let matches = |e: &Expected, d: &Diagnostic| {
        d.code.0 == e.code
            && e.line.is_none_or(|l| line_of(d) == Some(l))
            && e.file
                .as_ref()
                .is_none_or(|f| file_of(d).as_ref() == Some(f))
    };
    let got = || -> Vec<String> {
        diagnostics
            .iter()
            .map(|d| format!("{} at {:?}:{:?}", d.code, file_of(d), line_of(d)))
            .collect()
    };
    for e in &expected {
        if !diagnostics.iter().any(|d| matches(e, d)) {
            problems.push(format!(
                "{name}: expected {}{}{} but found [{}]",
                e.code,
                e.file
                    .as_ref()
                    .map(|f| format!(" in {f}"))
                    .unwrap_or_default(),
                e.line.map(|l| format!(" at line {l}")).unwrap_or_default(),
                got().join(", ")
            ));
        }
    }
    let in_order = diagnostics.len() == expected.len()
        && expected.iter().zip(diagnostics).all(|(e, d)| matches(e, d));
    if exactly && !in_order {
        problems.push(format!(
            "{name}: expected exactly [{}] in that order, found [{}]",
            expected
                .iter()
                .map(|e| e.code.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            got().join(", ")
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
    // and `# expect-exactly` fails on an error beyond the expected ones
    let mut sources = SourceMap::new();
    sources.add(
        "tests/cases/err/y.feat",
        "# expect: E0201\n# expect-exactly\nfeatures v on nobody from nothing {\n  window lifetime\n  n = count(*)\n}\n",
    );
    let (_, diagnostics) = featc::project::analyze(&sources);
    assert!(diagnostics.len() > 1, "{diagnostics:?}");
    let problems = check_err_case(Path::new("y.feat"), &sources, &diagnostics);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("expected exactly [E0201]")),
        "{problems:?}"
    );
}
