//! Keeps the dependency rule of `src/lib.rs` true: `source ← diagnostic ← syntax ← semantic →
//! plan ← backend::{batch | stream | online} ← cli`; `types` and `agg` are leaves.

use std::path::Path;

/// Modules a module may import (`crate::<name>`), by top-level module of the importer.
fn allowed(module: &str) -> &'static [&'static str] {
    match module {
        "types" => &[],
        "agg" => &["types"],
        "source" => &["types"],
        "diagnostic" => &["source", "types"],
        "syntax" => &["source", "diagnostic", "types"],
        "plan" => &["source", "types", "agg"],
        "semantic" => &["source", "diagnostic", "syntax", "plan", "types", "agg"],
        "backend" => &["plan", "types", "agg", "source", "backend"],
        "project" => &["source", "diagnostic", "syntax", "semantic", "plan"],
        "serve" => &["plan", "backend", "types", "source", "agg"],
        _ => &[],
    }
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn modules_only_import_what_the_dependency_rule_allows() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut violations = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).expect("under src");
        let module = relative
            .components()
            .next()
            .map(|c| {
                c.as_os_str()
                    .to_string_lossy()
                    .trim_end_matches(".rs")
                    .to_string()
            })
            .unwrap_or_default();
        if ["lib", "main", "cli"].contains(&module.as_str()) {
            continue; // the composition root may use everything
        }
        let text = std::fs::read_to_string(file).expect("readable");
        for (n, line) in text.lines().enumerate() {
            for (pos, _) in line.match_indices("crate::") {
                let rest = &line[pos + "crate::".len()..];
                let target: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if target.is_empty() || target == module {
                    continue;
                }
                if !allowed(&module).contains(&target.as_str()) {
                    violations.push(format!(
                        "{}:{}: `{module}` imports `{target}`",
                        relative.display(),
                        n + 1
                    ));
                }
            }
        }
        // Back ends never import each other.
        if let Some(backend) = relative
            .to_string_lossy()
            .strip_prefix("backend/")
            .and_then(|r| r.split('/').next().map(str::to_string))
        {
            let backend = backend.trim_end_matches(".rs").to_string();
            for other in ["batch", "online", "stream"] {
                if other != backend && text.contains(&format!("backend::{other}")) {
                    violations.push(format!(
                        "{}: back end `{backend}` imports back end `{other}`",
                        relative.display()
                    ));
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "dependency rule violations:\n{}",
        violations.join("\n")
    );
}
