//! A project: the `.feat` files under the paths given on the command line, and the pipeline
//! that turns them into a plan (parse every file, then analyse them together).

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::plan::Plan;
use crate::source::SourceMap;
use std::path::{Path, PathBuf};

/// The loaded text of a project.
pub struct Project {
    /// The directory that batch locations and file names are relative to: the single
    /// directory given, or the directory of the single file given, or the current directory.
    pub root: PathBuf,
    pub sources: SourceMap,
}

/// Finds every `.feat` file under `paths` (directories are searched recursively, in sorted
/// order, so file ids and diagnostics are stable across runs and machines).
pub fn load(paths: &[PathBuf]) -> Result<Project, Box<Diagnostic>> {
    let root = project_root(paths);
    let mut files = Vec::new();
    for path in paths {
        collect(path, &mut files).map_err(|e| {
            Diagnostic::error(
                Code::UNREADABLE_PATH,
                format!("cannot read `{}`: {e}", path.display()),
            )
            .with_help("check the path; featc reads `.feat` files and directories containing them")
        })?;
    }
    files.sort();
    files.dedup();
    if files.is_empty() {
        let shown: Vec<String> = paths.iter().map(|p| format!("`{}`", p.display())).collect();
        return Err(Box::new(
            Diagnostic::error(
                Code::NO_FEAT_FILES,
                format!("no `.feat` file found under {}", shown.join(", ")),
            )
            .with_help("pass a directory that contains `.feat` files, or a `.feat` file"),
        ));
    }
    let mut sources = SourceMap::new();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|e| {
            Diagnostic::error(
                Code::UNREADABLE_PATH,
                format!("cannot read `{}`: {e}", file.display()),
            )
        })?;
        sources.add_at(display_name(&root, &file), slashed(&file), text);
    }
    Ok(Project { root, sources })
}

fn project_root(paths: &[PathBuf]) -> PathBuf {
    match paths {
        [single] if single.is_dir() => single.clone(),
        [single] => single
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from(".")),
        _ => PathBuf::from("."),
    }
}

/// A path as the user would type it, `/`-separated.
fn slashed(file: &Path) -> String {
    file.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
        .replace("//", "/")
}

/// The name provenance and the plan use: relative to the root when possible, `/`-separated.
fn display_name(root: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(root).unwrap_or(file);
    let name = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    if name.is_empty() {
        file.to_string_lossy().into_owned()
    } else {
        name
    }
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let meta = std::fs::metadata(path)?;
    if meta.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            // Hidden directories (.git) and build output never hold a project's sources.
            let hidden = entry
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.') || n == "target");
            if !hidden {
                collect(&entry, out)?;
            }
        } else if entry.extension().is_some_and(|e| e == "feat") {
            out.push(entry);
        }
    }
    Ok(())
}

/// Parses and analyses every file. Returns the plan when there is no error, and every
/// diagnostic in any case: the syntax errors first (the real cause of what follows), then the
/// others, each group sorted by position. While a file does not parse, errors about names that
/// are not declared are left out: the declaration may be in the text that did not parse.
pub fn analyze(sources: &SourceMap) -> (Option<Plan>, Vec<Diagnostic>) {
    let mut syntax = Diagnostics::new();
    let mut parsed = Vec::new();
    for (id, file) in sources.files() {
        let (ast, errors) = crate::syntax::parse(id, &file.text);
        syntax.extend(errors);
        parsed.push((id, ast));
    }
    let (plan, semantic) = crate::semantic::analyze(sources, &parsed);
    let syntax_failed = syntax.has_errors();
    let (followers, rest): (Vec<Diagnostic>, Vec<Diagnostic>) = semantic
        .into_iter()
        .partition(|d| syntax_failed && d.code.may_follow_a_syntax_error());
    let mut others = Diagnostics::new();
    others.extend(rest);
    let plan = if syntax_failed || others.has_errors() {
        None
    } else {
        plan
    };
    let mut diagnostics = syntax.sorted();
    if let (Some(first), false) = (diagnostics.first_mut(), followers.is_empty()) {
        first.notes.push(format!(
            "{} error(s) about names that are not declared are not shown: they may be declared in the text that does not parse; fix the syntax first",
            followers.len()
        ));
    }
    diagnostics.extend(others.sorted());
    (plan, dedupe(diagnostics))
}

/// The parser and the analyser may both notice the same bad name; report it once.
fn dedupe(mut items: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut seen = std::collections::BTreeSet::new();
    items.retain(|d| seen.insert((d.code, d.primary.as_ref().map(|l| l.span))));
    items
}
