//! Lineage: a training set says what produced it.

use super::harness::{MICROS, run_training_set};
use super::rng::Rng;
use super::run;
use super::scenario::{self, Files};
use super::write::Times;

/// The output's key-value metadata names the service, featc's version and every output's
/// fingerprint (the ones `featc compile` writes to manifest.json).
#[test]
fn training_sets_record_their_lineage() {
    let fixture = scenario::WINDOWS;
    let service = (fixture.service)();
    let (data, labels) = (fixture.generate)(&mut Rng::new(7), MICROS);
    let dir = run::temp_dir("lineage");
    let got = run_training_set(
        fixture,
        &service,
        &dir.join("run"),
        &data,
        &labels,
        Files::Parquet(Times::MicrosUtc),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    run::compile(&fixture.project(), &dir.join("compiled")).unwrap_or_else(|e| panic!("{e}"));
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("compiled/manifest.json")).expect("a manifest"),
    )
    .expect("JSON");
    let metadata: String = got
        .metadata
        .iter()
        .map(|(k, v)| format!("{k}={v}\n"))
        .collect();
    let mut missing = Vec::new();
    for wanted in [service.name, env!("CARGO_PKG_VERSION")] {
        if !metadata.contains(wanted) {
            missing.push(format!("`{wanted}`"));
        }
    }
    for output in &service.outputs {
        let fingerprint = manifest["services"][service.name][output.name]
            .as_str()
            .unwrap_or_else(|| panic!("manifest.json has no fingerprint for {}", output.name));
        if !metadata.contains(fingerprint) {
            missing.push(format!("{}'s fingerprint {fingerprint}", output.name));
        }
    }
    assert!(
        missing.is_empty(),
        "the training set's metadata lacks {}; it holds:\n{metadata}",
        missing.join(", ")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
