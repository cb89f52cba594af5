//! `featc compile PATHS --out DIR [--check]`.
//!
//! DIR holds exactly the artifacts of the current plan: files that compile would no longer
//! write (a deleted view's SQL) are removed from the directories featc owns (`offline/`,
//! `online/`, `stream/`), so a deployment never picks up a stale statement.

use super::{Failure, Format, report};
use crate::compile::{Artifact, build_artifacts};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const OWNED_DIRS: [&str; 3] = ["offline", "online", "stream"];
const OWNED_ROOT_FILES: [&str; 2] = ["plan.json", "manifest.json"];

pub fn run(paths: &[PathBuf], out: &Path, check: bool, format: Format) -> Result<(), Failure> {
    let (_, plan) = report::load_plan(paths, format)?;
    let artifacts = build_artifacts(&plan).map_err(|e| {
        eprintln!("error[E9001]: {e}\n  = help: this is a bug in featc; please report it with the .feat files");
        Failure::User
    })?;
    if check {
        let problems = stale(out, &artifacts);
        if problems.is_empty() {
            eprintln!(
                "featc: {} is up to date ({} artifacts)",
                out.display(),
                artifacts.len()
            );
            return Ok(());
        }
        eprintln!("featc: {} is stale:", out.display());
        for p in &problems {
            eprintln!("  {p}");
        }
        eprintln!(
            "  = help: run `featc compile {} --out {}`",
            paths_arg(paths),
            out.display()
        );
        return Err(Failure::User);
    }
    write(out, &artifacts).map_err(|e| {
        eprintln!("error: cannot write to {}: {e}", out.display());
        Failure::User
    })?;
    eprintln!(
        "featc: wrote {} artifacts to {}",
        artifacts.len(),
        out.display()
    );
    Ok(())
}

fn paths_arg(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Files under DIR that featc owns, relative to DIR, `/`-separated.
fn owned_files(out: &Path) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for name in OWNED_ROOT_FILES {
        if out.join(name).is_file() {
            found.insert(name.to_string());
        }
    }
    for dir in OWNED_DIRS {
        if let Ok(entries) = std::fs::read_dir(out.join(dir)) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if entry.path().is_file() && (name.ends_with(".sql") || name.ends_with(".json")) {
                    found.insert(format!("{dir}/{name}"));
                }
            }
        }
    }
    found
}

/// What differs between DIR and the artifacts: missing, changed, or no longer generated.
pub fn stale(out: &Path, artifacts: &[Artifact]) -> Vec<String> {
    let mut problems = Vec::new();
    let expected: BTreeSet<&str> = artifacts.iter().map(|a| a.path.as_str()).collect();
    for a in artifacts {
        match std::fs::read(out.join(&a.path)) {
            Ok(bytes) if bytes == a.contents.as_bytes() => {}
            Ok(_) => problems.push(format!("changed: {}", a.path)),
            Err(_) => problems.push(format!("missing: {}", a.path)),
        }
    }
    for existing in owned_files(out) {
        if !expected.contains(existing.as_str()) {
            problems.push(format!("no longer generated: {existing}"));
        }
    }
    problems
}

fn write(out: &Path, artifacts: &[Artifact]) -> std::io::Result<()> {
    let expected: BTreeSet<&str> = artifacts.iter().map(|a| a.path.as_str()).collect();
    for existing in owned_files(out) {
        if !expected.contains(existing.as_str()) {
            std::fs::remove_file(out.join(&existing))?;
        }
    }
    for a in artifacts {
        let path = out.join(&a.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        // Leave unchanged files untouched, so their timestamps tell what really changed.
        if std::fs::read(&path).is_ok_and(|b| b == a.contents.as_bytes()) {
            continue;
        }
        std::fs::write(&path, &a.contents)?;
    }
    Ok(())
}
