//! The example projects under `examples/`: their plans, the user_activity example's events as
//! the JSON messages its app would send, and `featc training-set` run on a project.

use featc::plan::Plan;
use featc::types::Micros;
use std::path::{Path, PathBuf};

/// `examples/<name>`.
pub fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
}

/// The analyzed plan of `examples/<name>` and the example's directory.
pub fn example(name: &str) -> (Plan, PathBuf) {
    let dir = dir(name);
    let project = featc::project::load(std::slice::from_ref(&dir))
        .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    let (plan, diagnostics) = featc::project::analyze(&project.sources);
    let plan = plan.unwrap_or_else(|| panic!("{name} does not compile: {diagnostics:?}"));
    (plan, dir)
}

/// An RFC 3339 time in µs.
pub fn micros(text: &str) -> Micros {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("`{text}`: {e}"))
        .timestamp_micros()
}

/// One event as a message: its key (the user), its time, its JSON payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub user: String,
    pub time: Micros,
    pub payload: String,
}

/// The user_activity example's events (its `data/events.csv`) as the app would send them, in
/// file order (empty CSV cells left out: null).
pub fn user_activity_events() -> Vec<Event> {
    let path = dir("user_activity").join("data/events.csv");
    let csv = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    lines
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            assert_eq!(cells.len(), header.len(), "{line}");
            let mut object = serde_json::Map::new();
            for (name, cell) in header.iter().zip(&cells) {
                if cell.is_empty() {
                    continue;
                }
                let value = match *name {
                    "revenue" => serde_json::json!(cell.parse::<f64>().expect("a number")),
                    _ => serde_json::json!(cell),
                };
                object.insert(name.to_string(), value);
            }
            Event {
                user: cells[0].to_string(),
                time: micros(cells[header.len() - 1]),
                payload: serde_json::Value::Object(object).to_string(),
            }
        })
        .collect()
}

/// Runs `featc training-set` on the project in `dir` for `service` at the `observation_ts` of
/// `labels`, with `--source NAME=LOCATION` overrides, writing the Parquet file `out`; panics
/// with its error output if it fails.
pub fn run_training_set(
    dir: &Path,
    service: &str,
    labels: &Path,
    out: &Path,
    sources: &[(&str, &Path)],
) {
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_featc"))
        .arg("training-set")
        .arg(dir)
        .args(["--service", service, "--at", "observation_ts", "--labels"])
        .arg(labels)
        .arg("--out")
        .arg(out)
        .args(sources.iter().flat_map(|(name, path)| {
            ["--source".to_string(), format!("{name}={}", path.display())]
        }))
        .output()
        .expect("featc runs");
    assert!(
        run.status.success(),
        "featc training-set {} --service {service} failed: {}",
        dir.display(),
        String::from_utf8_lossy(&run.stderr)
    );
}
