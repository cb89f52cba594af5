//! The `featc` binary as users run it: exit codes, determinism, `--check`, and the artifact
//! snapshots of every example (the snapshot of a back end is exactly what compile writes).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn featc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_featc"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("featc runs")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("featc-it-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

pub const EXAMPLES: [&str; 3] = [
    "examples/user_activity",
    "examples/recommender",
    "examples/fraud",
];

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn every_example_checks_clean() {
    for example in EXAMPLES {
        let out = featc(&["check", example]);
        assert!(out.status.success(), "{example}:\n{}", stderr(&out));
        assert!(
            !stderr(&out).contains("error"),
            "{example}: {}",
            stderr(&out)
        );
    }
}

fn read_tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("readable").flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .expect("inside")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, std::fs::read(&p).expect("readable")));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn compile_is_byte_identical_across_runs_and_check_detects_staleness() {
    for example in EXAMPLES {
        let name = example.rsplit('/').next().unwrap_or(example);
        let a = temp_dir(&format!("{name}-a"));
        let b = temp_dir(&format!("{name}-b"));
        for dir in [&a, &b] {
            let out = featc(&["compile", example, "--out", dir.to_str().expect("utf-8")]);
            assert!(out.status.success(), "{example}: {}", stderr(&out));
        }
        let (ta, tb) = (read_tree(&a), read_tree(&b));
        assert!(ta.len() >= 5, "{example}: only {} artifacts", ta.len());
        assert_eq!(ta, tb, "{example}: two compiles differ");

        let out = featc(&[
            "compile",
            example,
            "--out",
            a.to_str().expect("utf-8"),
            "--check",
        ]);
        assert!(
            out.status.success(),
            "{example}: fresh output reported stale: {}",
            stderr(&out)
        );

        // change one artifact, add a foreign one: both are reported, exit 1
        std::fs::write(a.join("plan.json"), "{}").expect("write");
        std::fs::write(a.join("offline/old_view.sql"), "select 1").expect("write");
        let out = featc(&[
            "compile",
            example,
            "--out",
            a.to_str().expect("utf-8"),
            "--check",
        ]);
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(err.contains("changed: plan.json"), "{err}");
        assert!(
            err.contains("no longer generated: offline/old_view.sql"),
            "{err}"
        );

        // compiling again repairs it and removes what is no longer generated
        let out = featc(&["compile", example, "--out", a.to_str().expect("utf-8")]);
        assert!(out.status.success());
        assert_eq!(read_tree(&a), tb);
        let _ = std::fs::remove_dir_all(&a);
        let _ = std::fs::remove_dir_all(&b);
    }
}

#[test]
fn manifest_hashes_match_the_files_it_lists() {
    use sha2::{Digest, Sha256};
    let dir = temp_dir("manifest");
    let out = featc(&[
        "compile",
        EXAMPLES[0],
        "--out",
        dir.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).expect("manifest"))
            .expect("json");
    let artifacts = manifest["artifacts"].as_array().expect("artifact list");
    assert!(!artifacts.is_empty());
    for a in artifacts {
        let path = a["path"].as_str().expect("path");
        let bytes = std::fs::read(dir.join(path)).expect("listed file exists");
        let hex: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(a["sha256"].as_str(), Some(hex.as_str()), "{path}");
    }
    assert!(
        manifest["features"]
            .as_object()
            .is_some_and(|f| !f.is_empty())
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn exit_codes_distinguish_success_user_errors_and_usage_errors() {
    assert_eq!(featc(&["check", EXAMPLES[0]]).status.code(), Some(0));
    assert_eq!(featc(&["check", "tests/cases/err"]).status.code(), Some(1));
    assert_eq!(featc(&["check", "does/not/exist"]).status.code(), Some(1));
    assert_eq!(featc(&["check"]).status.code(), Some(2));
    assert_eq!(featc(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(
        featc(&["explain", EXAMPLES[0], "--view", "nope"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn json_diagnostics_are_machine_readable() {
    let out = featc(&["check", "tests/cases/err", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
    let items = doc["diagnostics"].as_array().expect("diagnostics array");
    assert!(items.len() >= 25, "only {} diagnostics", items.len());
    for d in items {
        assert!(d["code"].as_str().is_some_and(|c| c.starts_with('E')));
        let primary = &d["primary"];
        assert!(primary["line"].as_u64().is_some_and(|l| l >= 1), "{d}");
        assert!(
            primary["file"]
                .as_str()
                .is_some_and(|f| f.ends_with(".feat")),
            "{d}"
        );
    }
    assert_eq!(doc["errors"].as_u64(), Some(items.len() as u64));
}

/// One snapshot per (example, artifact), in the folder of the artifact's stage.
#[test]
fn artifacts_of_every_example_are_snapshotted() {
    for example in EXAMPLES {
        let name = example.rsplit('/').next().unwrap_or(example);
        let dir = temp_dir(&format!("snap-{name}"));
        let out = featc(&["compile", example, "--out", dir.to_str().expect("utf-8")]);
        assert!(out.status.success(), "{}", stderr(&out));
        for (path, bytes) in read_tree(&dir) {
            let stage = match path.split('/').next() {
                Some("offline") => "batch",
                Some("online") => "online",
                Some("stream") => "stream",
                _ => continue, // plan.json is snapshotted readably below; manifest repeats hashes
            };
            let snapshot_name = format!("{name}__{}", path.split('/').nth(1).unwrap_or(&path));
            insta::with_settings!({
                snapshot_path => format!("../../snapshots/{stage}"),
                prepend_module_to_snapshot => false,
                omit_expression => true,
            }, {
                insta::assert_snapshot!(snapshot_name, String::from_utf8_lossy(&bytes));
            });
        }
        let explain = featc(&["explain", example]);
        assert!(explain.status.success());
        insta::with_settings!({
            snapshot_path => "../../snapshots/plan",
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name, String::from_utf8_lossy(&explain.stdout));
        });
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Labels that cannot be used are an error naming the file, the row, the column and the value
/// (never a training set with empty features and exit code 0), in featc's words (no
/// DataFusion prefix).
#[test]
fn unusable_labels_are_errors_that_say_where() {
    let dir = temp_dir("labels");
    let cases = [
        (
            "bad_time.csv",
            "user_id,observation_ts\nu_001,2024-03-15T12:00:00Z\nu_002,not-a-time\n",
            vec![
                "bad_time.csv",
                "row 2",
                "`observation_ts`",
                "`not-a-time`",
                "RFC 3339",
            ],
        ),
        (
            "null_key.csv",
            "user_id,observation_ts\nu_001,2024-03-15T12:00:00Z\n,2024-03-15T12:00:00Z\n",
            vec!["null_key.csv", "row 2", "`user_id`"],
        ),
        (
            "null_time.csv",
            "user_id,observation_ts\nu_001,\n",
            vec!["null_time.csv", "row 1", "`observation_ts`"],
        ),
        (
            "no_key.csv",
            "user,observation_ts\nu_001,2024-03-15T12:00:00Z\n",
            vec!["no_key.csv", "no column `user_id`", "user, observation_ts"],
        ),
    ];
    for (name, text, expected) in cases {
        let labels = dir.join(name);
        std::fs::write(&labels, text).expect("labels");
        let out_file = dir.join(format!("{name}.parquet"));
        let out = featc(&[
            "training-set",
            "examples/user_activity",
            "--service",
            "churn_model",
            "--labels",
            labels.to_str().expect("a path"),
            "--at",
            "observation_ts",
            "--out",
            out_file.to_str().expect("a path"),
        ]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(!out_file.exists(), "{name}: no training set is written");
        for part in expected {
            assert!(err.contains(part), "{name}: `{part}` in:\n{err}");
        }
        assert!(!err.contains("Error during"), "{name}: {err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Diagnostics name files as the user named them (relative to the current directory), so
/// that editors and CI annotations find them; artifacts do not depend on it.
#[test]
fn diagnostics_name_files_as_given() {
    let out = featc(&["check", "tests/cases/err/word_after_clause.feat"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("tests/cases/err/word_after_clause.feat:21:30"),
        "{}",
        stderr(&out)
    );
}

/// docs/language.md#freshness: an `offline only` view has no online artifacts, a service that
/// reads it no lookup, and `publish` and `stream` refuse it before connecting anywhere.
#[test]
fn an_offline_only_view_gets_no_online_copy() {
    let dir = temp_dir("offline-only");
    let out = featc(&[
        "compile",
        "examples/recommender",
        "--out",
        dir.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let names: Vec<String> = read_tree(&dir).into_iter().map(|(n, _)| n).collect();
    let has = |name: &str| names.iter().any(|n| n == name);
    assert!(
        has("offline/user_spend_history.sql") && has("offline/spend_forecast.training.sql"),
        "{names:?}"
    );
    for absent in [
        "online/user_spend_history.ddl.sql",
        "online/user_spend_history.upsert.sql",
        "stream/user_spend_history.json",
        "online/spend_forecast.lookup.sql",
    ] {
        assert!(!has(absent), "{absent} was written");
    }
    assert!(has("online/recommend.lookup.sql"), "{names:?}");
    let _ = std::fs::remove_dir_all(&dir);

    for command in [
        vec![
            "publish",
            "examples/recommender",
            "--view",
            "user_spend_history",
        ],
        vec![
            "stream",
            "examples/recommender",
            "--view",
            "user_spend_history",
            "--brokers",
            "127.0.0.1:1",
        ],
    ] {
        let mut args = command.clone();
        args.extend(["--postgres", "postgres://nobody@127.0.0.1:1/none"]);
        let out = featc(&args);
        assert_eq!(out.status.code(), Some(1), "{command:?}: {}", stderr(&out));
        let message = stderr(&out);
        assert!(
            message.contains("view `user_spend_history` is `offline only`")
                && message.contains("user_features.feat"),
            "{command:?}: {message}"
        );
    }
}

/// `featc explain --format mermaid` draws the project, and the recommender's README shows
/// exactly what it draws (so the picture cannot go stale).
#[test]
fn the_mermaid_picture_is_the_one_in_the_readme() {
    let out = featc(&["explain", "examples/recommender", "--format", "mermaid"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let drawn = String::from_utf8(out.stdout).expect("utf-8");
    for part in [
        "flowchart LR\n",
        "source_interactions[(\"source interactions<br/>csv data/interactions.csv<br/>kafka store-interactions\")]",
        "view_session_state[\"session_state on user<br/>tumbling(1m)<br/>refresh continuous\"]",
        "view_item_catalog_features[\"item_catalog_features on item<br/>row in force<br/>refresh every #quot;0 * * * *#quot;\"]",
        "class view_user_spend_history offline",
        "view_user_spend_history --> service_spend_forecast",
    ] {
        assert!(drawn.contains(part), "missing {part:?} in\n{drawn}");
    }
    let readme =
        std::fs::read_to_string(repo().join("examples/recommender/README.md")).expect("the README");
    let shown = readme
        .split("```mermaid\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a mermaid block in the README");
    assert_eq!(
        shown, drawn,
        "examples/recommender/README.md shows an old picture"
    );

    let out = featc(&["explain", "examples/fraud", "--format", "mermaid"]);
    let drawn = String::from_utf8(out.stdout).expect("utf-8");
    for part in [
        "source_transfers -->|\"sender_id\"| view_account_outflow",
        "view_account_outflow -->|\"receiver_id\"| service_transfer_scoring",
        "service_fraud_scoring{{\"service fraud_scoring<br/>request amount\"}}",
    ] {
        assert!(drawn.contains(part), "missing {part:?} in\n{drawn}");
    }
}

/// `featc materialize --from A --to B`, then `--from B --to C`, ... into one directory hold
/// exactly the rows of one unbounded run (no window lost where a range ends, none twice), one
/// part file per range; running a range again replaces only its own part.
#[test]
fn consecutive_materialize_ranges_equal_one_full_run() {
    use crate::support::values::{read_parquet, value_rows};
    let rows_in = |dir: &Path| {
        let mut rows = Vec::new();
        let mut files = 0;
        for entry in std::fs::read_dir(dir)
            .expect("the view's directory")
            .flatten()
        {
            files += 1;
            for batch in read_parquet(&entry.path()) {
                rows.extend(value_rows(&batch));
            }
        }
        rows.sort();
        (files, rows)
    };
    let cases = [
        // sliding windows: keyed by window_end
        (
            "examples/user_activity",
            "user_activity",
            "2024-03-15T11:00:00Z",
            "2024-03-15T13:40:00Z",
        ),
        // tiles of a rolling view: keyed by tile_start
        (
            "examples/recommender",
            "user_engagement",
            "2024-03-10T00:00:00Z",
            "2024-03-15T18:40:00Z",
        ),
        // table rows: keyed by valid_from
        (
            "examples/user_activity",
            "user_profile_features",
            "2023-06-01T00:00:00Z",
            "2024-01-01T00:00:00Z",
        ),
    ];
    for (example, view, a, b) in cases {
        let full = temp_dir(&format!("materialize-full-{view}"));
        let parts = temp_dir(&format!("materialize-parts-{view}"));
        let run = |out: &Path, range: &[&str]| {
            let mut args = vec!["materialize", example, "--view", view, "--out"];
            args.push(out.to_str().expect("utf-8"));
            args.extend(range);
            let out = featc(&args);
            assert!(out.status.success(), "{view} {range:?}: {}", stderr(&out));
        };
        run(&full, &[]);
        run(&parts, &["--to", a]);
        run(&parts, &["--from", a, "--to", b]);
        run(&parts, &["--from", b]);
        // again: replaces its own part only
        run(&parts, &["--from", a, "--to", b]);
        let (_, whole) = rows_in(&full.join(view));
        let (files, pieces) = rows_in(&parts.join(view));
        assert_eq!(files, 3, "{view}: one part per range");
        assert!(!whole.is_empty(), "{view}: nothing materialized");
        assert_eq!(
            pieces, whole,
            "{view}: the ranges together differ from one run"
        );
        let middle = parts
            .join(view)
            .join(format!("part-{}_{}.parquet", micros(a), micros(b)));
        let in_middle: usize = read_parquet(&middle).iter().map(|b| b.num_rows()).sum();
        assert!(
            in_middle > 0,
            "{view}: the middle range holds nothing: a vacuous split"
        );
        assert!(
            in_middle < whole.len(),
            "{view}: the middle range holds everything"
        );
        let _ = std::fs::remove_dir_all(&full);
        let _ = std::fs::remove_dir_all(&parts);
    }
}

fn micros(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .expect("a time")
        .timestamp_micros()
}
