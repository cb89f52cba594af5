//! Per-feature fingerprints: a hash of everything that determines a feature's values, and
//! nothing else.
//!
//! In: the aggregate function, its argument and filter (with their types), the window, the
//! source's `settle`, event-time column and its type, the entity keys, the data's identity
//! (batch format and path, stream topic), for table features the table's key, `valid_from`,
//! `known_at` and the view's `ttl`, and for derived features the fingerprints of the features
//! they read; plus [`SEMANTICS_VERSION`].
//! Out: names of the feature, view, source and service (renaming changes no value), columns
//! the feature does not read, `online` settings, provenance.

use super::{Expr, FeatureDef, Input, OutputDef, Plan, ViewKind};
use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Bumped when featc changes what a definition computes (an aggregate's semantics, a window
/// rule), so that every fingerprint changes with it.
pub const SEMANTICS_VERSION: u32 = 1;

fn hash(value: &Json) -> String {
    // serde_json writes object keys in insertion order of the json! macro and BTreeMap order
    // for maps: the same value always gives the same bytes.
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    let digest = Sha256::digest(&bytes);
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// An expression with feature references replaced by those features' fingerprints.
fn expr_identity(expr: &Expr, fingerprints: &BTreeMap<(String, String), String>) -> Json {
    let mut value = serde_json::to_value(expr).unwrap_or(Json::Null);
    replace_feature_refs(&mut value, fingerprints);
    value
}

fn replace_feature_refs(value: &mut Json, fingerprints: &BTreeMap<(String, String), String>) {
    match value {
        Json::Object(map) => {
            let reference = match map.get("feature") {
                Some(Json::Object(r)) => match (r.get("view"), r.get("feature")) {
                    (Some(Json::String(v)), Some(Json::String(f))) => Some((v.clone(), f.clone())),
                    _ => None,
                },
                _ => None,
            };
            if let Some(key) = reference {
                let fp = fingerprints.get(&key).cloned().unwrap_or_default();
                map.remove("feature");
                map.insert("feature_fingerprint".into(), Json::String(fp));
                return;
            }
            map.values_mut()
                .for_each(|v| replace_feature_refs(v, fingerprints));
        }
        Json::Array(items) => items
            .iter_mut()
            .for_each(|v| replace_feature_refs(v, fingerprints)),
        _ => {}
    }
}

/// Fills in the fingerprint of every feature and service output. Derived features are
/// fingerprinted after the features they read (the plan is acyclic by construction).
pub fn assign(plan: &mut Plan) {
    let mut done: BTreeMap<(String, String), String> = BTreeMap::new();
    // Row-level identity of each view's input and keys.
    let mut input_identity: BTreeMap<String, Json> = BTreeMap::new();
    for view in &plan.views {
        let keys = serde_json::to_value(&view.keys).unwrap_or(Json::Null);
        // a role (`on user(sender_id)`) changes which rows a key selects
        let keys = if view.key_columns.is_empty() {
            keys
        } else {
            json!({ "keys": keys, "columns": view.key_columns })
        };
        let identity = match (&view.input, &view.kind) {
            (Input::Source(name), _) => match plan.source(name) {
                Some(s) => json!({
                    "source": {
                        "event_time": s.event_time,
                        "event_time_type": s.fields.iter().find(|f| f.name == s.event_time).map(|f| &f.ty),
                        "settle": s.settle,
                        "batch": s.batch,
                        "stream": s.stream.as_ref().map(|st| &st.topic),
                    },
                    "keys": keys,
                }),
                None => Json::Null,
            },
            (Input::Table(name), kind) => match plan.table(name) {
                Some(t) => json!({
                    "table": {
                        "key": t.key,
                        "valid_from": t.valid_from,
                        "known_at": t.known_at,
                        "batch": t.batch,
                        "stream": t.stream.as_ref().map(|st| &st.topic),
                    },
                    "ttl": match kind { ViewKind::Table { ttl } => *ttl, _ => None },
                    "keys": keys,
                }),
                None => Json::Null,
            },
        };
        input_identity.insert(view.name.clone(), identity);
    }

    // Derived features may read features declared later in the view: iterate to a fixed point
    // (bounded by the number of features, since the dependency graph is acyclic).
    let total: usize = plan.views.iter().map(|v| v.features.len()).sum();
    for _ in 0..=total {
        let mut progressed = false;
        for view in &mut plan.views {
            let input = &input_identity[&view.name];
            for feature in &mut view.features {
                let key = (view.name.clone(), feature.name.clone());
                if done.contains_key(&key) {
                    continue;
                }
                let identity = match &feature.def {
                    FeatureDef::Aggregate(a) => json!({
                        "aggregate": a,
                        "input": input,
                    }),
                    FeatureDef::Column { expr } => json!({
                        "column": expr,
                        "input": input,
                    }),
                    FeatureDef::Derived { expr } => {
                        let deps = expr.features();
                        if !deps
                            .iter()
                            .all(|(v, f)| done.contains_key(&(v.to_string(), f.to_string())))
                        {
                            continue;
                        }
                        json!({ "derived": expr_identity(expr, &done) })
                    }
                };
                let fp = hash(&json!({
                    "semantics": SEMANTICS_VERSION,
                    "type": feature.ty,
                    "definition": identity,
                }));
                feature.fingerprint = fp.clone();
                done.insert(key, fp);
                progressed = true;
            }
        }
        if !progressed {
            break;
        }
    }

    for service in &mut plan.services {
        // a view read under a role is its own input to the outputs: the role's columns decide
        // which entity's values they are
        let mut done = done.clone();
        for role in &service.roles {
            let of_view: Vec<(String, String)> = done
                .iter()
                .filter(|((view, _), _)| *view == role.view)
                .map(|((_, feature), fp)| (feature.clone(), fp.clone()))
                .collect();
            for (feature, fp) in of_view {
                let under_role = hash(&json!({ "feature": fp, "role": role.keys }));
                done.insert((role.name.clone(), feature), under_role);
            }
        }
        for output in &mut service.outputs {
            output.fingerprint = match &output.def {
                OutputDef::Feature { view, feature } => done
                    .get(&(view.clone(), feature.clone()))
                    .cloned()
                    .unwrap_or_default(),
                OutputDef::Derived { expr } => hash(&json!({
                    "semantics": SEMANTICS_VERSION,
                    "type": output.ty,
                    "derived": expr_identity(expr, &done),
                })),
            };
        }
    }
}
