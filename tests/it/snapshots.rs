//! No stale snapshot: every file under `snapshots/` belongs to a case that still exists (CI
//! cannot run `cargo insta test --unreferenced=reject` without installing cargo-insta, and a
//! snapshot nobody checks any more is a review that no longer happens).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn snapshot_names(stage: &str) -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("snapshots")
        .join(stage);
    std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| {
                    e.file_name()
                        .to_str()
                        .and_then(|n| n.strip_suffix(".snap"))
                        .map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_diagnostic_snapshot_has_its_error_case() {
    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/err");
    for name in snapshot_names("diagnostics") {
        assert!(
            cases.join(format!("{name}.feat")).is_file() || cases.join(&name).is_dir(),
            "snapshots/diagnostics/{name}.snap has no tests/cases/err/{name}.feat (or directory): delete the snapshot"
        );
    }
}

#[test]
fn every_artifact_snapshot_is_still_generated() {
    let mut expected: BTreeSet<(String, String)> = BTreeSet::new();
    for example in super::cli::EXAMPLES {
        let name = example.rsplit('/').next().unwrap_or(example);
        expected.insert(("plan".into(), name.to_string()));
        let out =
            std::env::temp_dir().join(format!("featc-it-snapref-{name}-{}", std::process::id()));
        let status = Command::new(env!("CARGO_BIN_EXE_featc"))
            .args(["compile", example, "--out"])
            .arg(&out)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("featc runs");
        assert!(status.status.success());
        for (dir, stage) in [
            ("offline", "batch"),
            ("online", "online"),
            ("stream", "stream"),
        ] {
            for entry in std::fs::read_dir(out.join(dir))
                .into_iter()
                .flatten()
                .flatten()
            {
                let file = entry.file_name().to_string_lossy().into_owned();
                expected.insert((stage.into(), format!("{name}__{file}")));
            }
        }
        let _ = std::fs::remove_dir_all(&out);
    }
    for example in super::cli::EXAMPLES {
        let name = example.rsplit('/').next().unwrap_or(example);
        expected.insert(("training".into(), name.to_string()));
    }
    // the examples' second training sets (tests/it/training_sets.rs)
    expected.insert(("training".into(), "fraud_transfers".into()));
    expected.insert(("training".into(), "recommender_spend_forecast".into()));
    for stage in ["batch", "online", "stream", "plan", "training"] {
        for snapshot in snapshot_names(stage) {
            assert!(
                expected.contains(&(stage.to_string(), snapshot.clone())),
                "snapshots/{stage}/{snapshot}.snap is not produced by any example any more: delete it"
            );
        }
    }
}
