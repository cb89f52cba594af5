//! Runs the `featc` binary as users do: `featc training-set` and `featc materialize`, with every
//! source and table of the fixture pointed at the test's files by `--source NAME=LOCATION`.

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh, empty directory for one run.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("featc-pit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    dir
}

fn text(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 temp path")
}

fn source_args(sources: &[(&str, PathBuf)]) -> Vec<String> {
    sources
        .iter()
        .flat_map(|(name, path)| ["--source".to_string(), format!("{name}={}", text(path))])
        .collect()
}

/// Runs featc; `Err` holds the command line and what it printed.
fn featc(args: &[String]) -> Result<(), String> {
    let output = Command::new(env!("CARGO_BIN_EXE_featc"))
        .args(args)
        .current_dir(repo())
        .output()
        .map_err(|e| format!("featc does not start: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`featc {}` exited with {}:\n{}{}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

pub struct TrainingSet<'a> {
    pub project: &'a str,
    pub service: &'a str,
    pub labels: &'a Path,
    pub at: &'a str,
    pub out: &'a Path,
    pub sources: &'a [(&'a str, PathBuf)],
}

/// `featc training-set PROJECT --service S --labels FILE --at COL --out FILE --source ...`
pub fn training_set(run: &TrainingSet) -> Result<(), String> {
    let mut args: Vec<String> = [
        "training-set",
        run.project,
        "--service",
        run.service,
        "--labels",
        text(run.labels),
        "--at",
        run.at,
        "--out",
        text(run.out),
    ]
    .map(String::from)
    .to_vec();
    args.extend(source_args(run.sources));
    featc(&args)
}

/// `featc materialize PROJECT --view V --out DIR --source ...`
pub fn materialize(
    project: &str,
    view: &str,
    out: &Path,
    sources: &[(&str, PathBuf)],
) -> Result<(), String> {
    let mut args: Vec<String> = ["materialize", project, "--view", view, "--out", text(out)]
        .map(String::from)
        .to_vec();
    args.extend(source_args(sources));
    featc(&args)
}

/// `featc compile PROJECT --out DIR`, for the manifest's fingerprints.
pub fn compile(project: &str, out: &Path) -> Result<(), String> {
    featc(&["compile", project, "--out", text(out)].map(String::from))
}
