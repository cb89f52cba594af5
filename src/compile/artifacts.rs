//! Every file `featc compile` writes, built in memory from the plan (README.md#what-featc-compile-writes).
//! Ordering is by path, contents are deterministic: the same input gives the same bytes.

use super::{batch, online, stream};
use crate::plan::Plan;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The shared online DDL's path.
pub const SYSTEM_DDL: &str = "online/featc_system.sql";

/// A file to write: its path relative to the output directory, and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    pub path: String,
    pub contents: String,
}

/// A compiler could not compile something the analyser accepted: a featc bug, reported as such.
#[derive(Debug, thiserror::Error)]
#[error("internal error while generating {path}: {message}")]
pub struct ArtifactError {
    pub path: String,
    pub message: String,
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// All artifacts, `manifest.json` last (it lists the others with their hashes).
pub fn build_artifacts(plan: &Plan) -> Result<Vec<Artifact>, ArtifactError> {
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    let plan_json = serde_json::to_string_pretty(plan).map_err(|e| ArtifactError {
        path: "plan.json".into(),
        message: e.to_string(),
    })?;
    files.insert("plan.json".into(), plan_json + "\n");

    let system = online::system_ddl().map_err(|e| ArtifactError {
        path: SYSTEM_DDL.into(),
        message: e.to_string(),
    })?;
    files.insert(SYSTEM_DDL.into(), system);

    for view in &plan.views {
        let path = format!("offline/{}.sql", view.name);
        let sql = batch::view_sql(plan, view).map_err(|e| ArtifactError {
            path: path.clone(),
            message: e.to_string(),
        })?;
        files.insert(path, sql);

        // an offline-only view has no online table, so no DDL, upsert or stream program
        if view.freshness.is_offline_only() {
            continue;
        }
        let online = online::view_artifacts(plan, view).map_err(|e| ArtifactError {
            path: format!("online/{}.*.sql", view.name),
            message: e.to_string(),
        })?;
        files.insert(format!("online/{}.ddl.sql", view.name), online.ddl);
        files.insert(format!("online/{}.upsert.sql", view.name), online.upsert);

        let path = format!("stream/{}.json", view.name);
        let program = stream::view_program_json(plan, view).map_err(|message| ArtifactError {
            path: path.clone(),
            message,
        })?;
        if let Some(program) = program {
            files.insert(path, program);
        }
    }
    for service in &plan.services {
        let path = format!("offline/{}.training.sql", service.name);
        let sql = batch::training_sql(plan, service).map_err(|e| ArtifactError {
            path: path.clone(),
            message: e.to_string(),
        })?;
        files.insert(path, sql);

        // a service that reads an offline-only view is for training sets: it has no lookup
        if !plan.offline_only_views(service).is_empty() {
            continue;
        }
        let path = format!("online/{}.lookup.sql", service.name);
        let sql = online::service_lookup(plan, service).map_err(|e| ArtifactError {
            path: path.clone(),
            message: e.to_string(),
        })?;
        files.insert(path, sql);
    }

    let manifest = manifest(plan, &files);
    let mut out: Vec<Artifact> = files
        .into_iter()
        .map(|(path, contents)| Artifact { path, contents })
        .collect();
    out.push(Artifact {
        path: "manifest.json".into(),
        contents: manifest,
    });
    Ok(out)
}

fn manifest(plan: &Plan, files: &BTreeMap<String, String>) -> String {
    let artifacts: Vec<_> = files
        .iter()
        .map(|(path, contents)| json!({ "path": path, "sha256": sha256_hex(contents.as_bytes()) }))
        .collect();
    let mut features = BTreeMap::new();
    for view in &plan.views {
        for f in &view.features {
            features.insert(format!("{}.{}", view.name, f.name), f.fingerprint.clone());
        }
    }
    let mut services = BTreeMap::new();
    for service in &plan.services {
        let outputs: BTreeMap<_, _> = service
            .outputs
            .iter()
            .map(|o| (o.name.clone(), o.fingerprint.clone()))
            .collect();
        services.insert(service.name.clone(), outputs);
    }
    let doc = json!({
        "featc_version": env!("CARGO_PKG_VERSION"),
        "plan_version": plan.version,
        "artifacts": artifacts,
        "features": features,
        "services": services,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}
