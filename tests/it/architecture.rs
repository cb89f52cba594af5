//! Keeps the dependency rule of `src/lib.rs` and `docs/architecture.md` true, on the real
//! module paths: every `use` (with its `{...}` groups) and every inline path that starts with
//! `crate::`, `super::` or `self::` is resolved to the module it names, from the module of the
//! file it is written in. Then:
//!
//! - each layer imports only the layers the rule allows ([`allowed`]);
//! - no two modules import each other, directly or through others (a child using its
//!   ancestors' items, or a parent its children's, is not a cycle: that is how a module is
//!   built).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layer a module belongs to: the first component of its path, except in `compile` and
/// `runtime`, whose children are layers of their own.
fn layer(module: &str) -> String {
    let mut parts = module.split("::");
    let first = parts.next().unwrap_or_default();
    match (first, parts.next()) {
        ("compile" | "runtime", Some(second)) => format!("{first}::{second}"),
        _ => first.to_string(),
    }
}

/// The layers a layer may import (besides itself).
fn allowed(layer: &str) -> Option<&'static [&'static str]> {
    const COMPILERS: &[&str] = &[
        "types",
        "agg",
        "source",
        "plan",
        "physical",
        "compile::sql_expr",
        "compile::provenance",
    ];
    Some(match layer {
        "types" => &[],
        "agg" => &["types"],
        "source" => &["types"],
        "diagnostic" => &["source", "types"],
        "syntax" => &["source", "diagnostic", "types"],
        "plan" => &["source", "types", "agg"],
        "semantic" => &["source", "diagnostic", "syntax", "plan", "types", "agg"],
        "project" => &["source", "diagnostic", "syntax", "semantic", "plan"],
        "physical" => &["plan", "types", "agg", "source"],
        "compile::sql_expr" => &["plan", "types", "physical"],
        "compile::provenance" => &["source"],
        // The three compilers never import each other.
        "compile::batch" | "compile::online" | "compile::stream" => COMPILERS,
        "compile::artifacts" => &[
            "plan",
            "compile::batch",
            "compile::online",
            "compile::stream",
        ],
        // Runtimes may use every compiler (they run what compilers write); `arrow` and
        // `store` are the contracts they share.
        "runtime::arrow" => &["types", "agg", "plan"],
        "runtime::store" => &["types", "agg", "plan", "physical", "compile::online"],
        "runtime::batch" => &[
            "types",
            "agg",
            "plan",
            "physical",
            "compile::batch",
            "runtime::arrow",
        ],
        "runtime::stream" => &["types", "agg", "plan", "physical", "runtime::store"],
        "runtime::serve" => &[
            "types",
            "agg",
            "plan",
            "physical",
            "compile::online",
            "runtime::arrow",
            "runtime::store",
        ],
        // The runtimes that combine others.
        "runtime::consistency" => &[
            "types",
            "plan",
            "physical",
            "runtime::arrow",
            "runtime::batch",
            "runtime::serve",
        ],
        "runtime::publish" => &[
            "types",
            "plan",
            "runtime::arrow",
            "runtime::batch",
            "runtime::store",
            "runtime::stream",
        ],
        // The composition roots.
        "lib" | "main" | "cli" => return None,
        _ => &[],
    })
}

/// Every `.rs` file under `dir` with its module path (`runtime/store/mod.rs` →
/// `runtime::store`, `lib.rs` → `lib`).
fn modules(src: &Path) -> Vec<(String, PathBuf)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src is readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(src, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let relative = file.strip_prefix(src).expect("under src");
            let mut parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let last = parts.pop().unwrap_or_default();
            let stem = last.trim_end_matches(".rs");
            if stem != "mod" {
                parts.push(stem.to_string());
            }
            (parts.join("::"), file)
        })
        .collect()
}

/// The source without comments (doc links are not imports) and string literals.
fn code(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let line = match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        };
        let mut in_string = false;
        let mut escaped = false;
        for c in line.chars() {
            if in_string {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_string = false;
                }
                continue;
            }
            if c == '"' {
                in_string = true;
                continue;
            }
            out.push(c);
        }
        out.push('\n');
    }
    out
}

/// Expands a use tree (`super::{a, b::{c, d}}`) into its paths.
fn expand(tree: &str, prefix: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    match tree.find('{') {
        None => {
            let path = tree.split(" as ").next().unwrap_or_default().trim();
            if !path.is_empty() {
                out.push(format!("{prefix}{path}"));
            }
        }
        Some(open) => {
            let head = &tree[..open];
            let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
            let mut depth = 0;
            let mut start = 0;
            for (i, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        expand(&inner[start..i], &format!("{prefix}{head}"), out);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            expand(&inner[start..], &format!("{prefix}{head}"), out);
        }
    }
}

/// The paths a file names: its `use` trees, and inline `crate::`/`super::` paths.
fn paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("use ") {
        let before = rest[..i].chars().last();
        rest = &rest[i + 4..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let end = rest.find(';').unwrap_or(rest.len());
        let tree: String = rest[..end].split_whitespace().collect::<Vec<_>>().join(" ");
        if tree.starts_with("crate::") || tree.starts_with("super::") || tree.starts_with("self::")
        {
            expand(&tree, "", &mut out);
        }
    }
    for root in ["crate::", "super::"] {
        for (i, _) in code.match_indices(root) {
            let before = code[..i].chars().last();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue; // part of a longer path, or `use` handled above
            }
            let path: String = code[i..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            out.push(path.trim_end_matches(':').to_string());
        }
    }
    out
}

/// The module `path`, written in module `from`, names: its longest prefix that is a module.
fn resolve(path: &str, from: &str, known: &BTreeSet<String>) -> Option<String> {
    let mut parts: Vec<&str> = path.split("::").collect();
    let mut base: Vec<&str> = if from == "lib" || from == "main" {
        Vec::new()
    } else {
        from.split("::").collect()
    };
    match parts.first().copied() {
        Some("crate") => {
            base.clear();
            parts.remove(0);
        }
        Some("self") => {
            parts.remove(0);
        }
        Some("super") => {
            while parts.first() == Some(&"super") {
                parts.remove(0);
                base.pop();
            }
        }
        _ => return None,
    }
    base.extend(parts);
    while !base.is_empty() {
        let candidate = base.join("::");
        if known.contains(&candidate) {
            return Some(candidate);
        }
        base.pop();
    }
    None
}

fn related(a: &str, b: &str) -> bool {
    a == b || a.starts_with(&format!("{b}::")) || b.starts_with(&format!("{a}::"))
}

/// Module → the modules it imports (ancestors and descendants left out).
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules = modules(&src);
    let known: BTreeSet<String> = modules.iter().map(|(m, _)| m.clone()).collect();
    let mut graph = BTreeMap::new();
    for (module, file) in &modules {
        let text = std::fs::read_to_string(file).expect("readable");
        let targets: BTreeSet<String> = paths(&code(&text))
            .iter()
            .filter_map(|p| resolve(p, module, &known))
            .filter(|t| !related(t, module))
            .collect();
        graph.insert(module.clone(), targets);
    }
    graph
}

#[test]
fn the_path_resolver_reads_use_trees_and_super() {
    let mut out = Vec::new();
    expand("super::{a, b::{c, d as e}}", "", &mut out);
    assert_eq!(out, ["super::a", "super::b::c", "super::b::d"]);
    let known: BTreeSet<String> = ["runtime", "runtime::store", "runtime::store::codec", "plan"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(
        resolve("super::codec::Param", "runtime::store::writer", &known).as_deref(),
        Some("runtime::store::codec")
    );
    assert_eq!(
        resolve("crate::plan::Plan", "runtime::store", &known).as_deref(),
        Some("plan")
    );
    assert_eq!(layer("runtime::store::codec"), "runtime::store");
    assert_eq!(layer("plan::window"), "plan");
}

#[test]
fn modules_only_import_what_the_dependency_rule_allows() {
    let mut violations = Vec::new();
    for (module, targets) in imports() {
        let from = layer(&module);
        let Some(allowed) = allowed(&from) else {
            continue;
        };
        for target in targets {
            let to = layer(&target);
            if to != from && !allowed.contains(&to.as_str()) {
                violations.push(format!("`{module}` imports `{target}` ({from} → {to})"));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "dependency rule violations:\n{}",
        violations.join("\n")
    );
}

#[test]
fn no_modules_import_each_other() {
    let graph = imports();
    // depth-first search for a back edge
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, bool>,
        stack: &mut Vec<String>,
        cycles: &mut Vec<String>,
    ) {
        state.insert(node.to_string(), false); // on the stack
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next.as_str()) {
                Some(false) => {
                    let from = stack.iter().position(|m| m == next).unwrap_or(0);
                    cycles.push(format!("{} → {next}", stack[from..].join(" → ")));
                }
                Some(true) => {}
                None => visit(next, graph, state, stack, cycles),
            }
        }
        stack.pop();
        state.insert(node.to_string(), true); // done
    }
    let mut state = BTreeMap::new();
    let mut cycles = Vec::new();
    for node in graph.keys() {
        if !state.contains_key(node.as_str()) {
            visit(node, &graph, &mut state, &mut Vec::new(), &mut cycles);
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}
