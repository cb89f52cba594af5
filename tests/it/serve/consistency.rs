//! `featc consistency` end to end: a server with `--log` answers requests, then the command
//! (the binary) recomputes them offline. Expectations come from elsewhere: the responses
//! themselves, `featc training-set` on the full history and on histories cut where the test
//! cut the online state, and a classification written here from the documented rules.

use super::logging::scratch;
use super::{client, db, grid, harness, load, now, offline, same};
use crate::support::example::{example, micros};
use featc::plan::Plan;
use featc::runtime::serve::log::LogConfig;
use featc::types::{MICROS_PER_HOUR, MICROS_PER_MINUTE, MICROS_PER_SECOND, Micros};
use offline::rfc3339;
use serde_json::{Map, Value as Json, json};
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use tokio_postgres::Client;

/// What one served entity looked like: its key, its time, the object answered.
type ServedRow = (Vec<String>, Micros, Map<String, Json>);

/// Asks every key at every time, one request per time; returns what was served, in order.
async fn serve_all(
    addr: SocketAddr,
    service: &str,
    key_names: &[&str],
    keys: &[Vec<String>],
    times: &[Micros],
) -> Vec<ServedRow> {
    let mut out = Vec::new();
    for &t in times {
        let entities: Vec<Json> = keys
            .iter()
            .map(|k| super::entity_json(key_names, k))
            .collect();
        let reply = client::post(
            addr,
            &format!("/v1/services/{service}"),
            &json!({"entities": entities, "at": rfc3339(t)}),
        )
        .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let body = reply.json();
        for (key, object) in keys
            .iter()
            .zip(body["features"].as_array().expect("features"))
        {
            out.push((
                key.clone(),
                t,
                object.as_object().expect("an object").clone(),
            ));
        }
    }
    out
}

/// Runs `featc consistency --format json`; the exit code and the report.
fn consistency(project: &Path, log: &Path, service: &str, extra: &[&str]) -> (i32, Json) {
    let out = log.join(format!(
        "report-{}.json",
        extra.join("_").replace(['-', '/'], "")
    ));
    let run = Command::new(env!("CARGO_BIN_EXE_featc"))
        .arg("consistency")
        .arg(project)
        .arg("--log")
        .arg(log)
        .args(["--service", service, "--format", "json", "--out"])
        .arg(&out)
        .args(extra)
        .output()
        .expect("featc runs");
    let stderr = String::from_utf8_lossy(&run.stderr);
    let report = std::fs::read_to_string(&out)
        .unwrap_or_else(|e| panic!("no report ({e}); stderr:\n{stderr}"));
    (
        run.status.code().expect("an exit code"),
        serde_json::from_str(&report).expect("a JSON report"),
    )
}

/// The documented rules, written again: equal (floats within 1e-9) is a match; served
/// empty (null, []) where offline is not is missing; the reverse extra; else differ.
fn classify(served: &Json, offline: &Json) -> &'static str {
    let empty = |j: &Json| j.is_null() || j.as_array().is_some_and(Vec::is_empty);
    if same(served, offline) {
        "match"
    } else if empty(served) && !empty(offline) {
        "missing"
    } else if !empty(served) && empty(offline) {
        "extra"
    } else {
        "differ"
    }
}

fn outputs(plan: &Plan, service: &str) -> Vec<String> {
    plan.service(service)
        .expect("the service")
        .outputs
        .iter()
        .map(|o| o.name.clone())
        .collect()
}

/// The report's entry for `feature`.
fn feature<'r>(report: &'r Json, feature: &str) -> &'r Json {
    report["features"]
        .as_array()
        .expect("features")
        .iter()
        .find(|f| f["feature"] == json!(feature))
        .unwrap_or_else(|| panic!("no `{feature}` in {report}"))
}

/// The example's events with an event time before `cut`, as a CSV file in `dir`.
fn events_before(project: &Path, cut: Micros, dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(project.join("data/events.csv")).expect("events");
    let mut lines = text.lines();
    let header = lines.next().expect("a header");
    let at = header
        .split(',')
        .position(|h| h == "event_ts")
        .expect("event_ts");
    let mut out = format!("{header}\n");
    for line in lines.filter(|l| !l.is_empty()) {
        if micros(line.split(',').nth(at).expect("a time")) < cut {
            out.push_str(line);
            out.push('\n');
        }
    }
    let path = dir.join(format!("events-before-{cut}.csv"));
    std::fs::write(&path, out).expect("written");
    path
}

/// The latest event time before `cut`: what a writer that merged those events records.
fn last_event_before(project: &Path, cut: Micros) -> Micros {
    let text = std::fs::read_to_string(project.join("data/events.csv")).expect("events");
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .filter_map(|l| l.split(',').next_back().map(micros))
        .filter(|t| *t < cut)
        .max()
        .expect("events before the cut")
}

/// Every user of the example's events, and one without any.
fn users(project: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(project.join("data/events.csv")).expect("events");
    let mut users: BTreeSet<String> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next().map(str::to_string))
        .collect();
    users.insert("nobody".into());
    users.into_iter().map(|u| vec![u]).collect()
}

fn requests_of(rows: &[ServedRow]) -> Vec<(Vec<String>, Micros)> {
    rows.iter().map(|(k, t, _)| (k.clone(), *t)).collect()
}

#[tokio::test]
async fn a_clean_run_has_no_mismatches() {
    db::with_schema(|client: Arc<Client>| async move {
        let (plan, dir) = example("fraud");
        load::load_example(&client, &plan, &dir, now()).await;
        load::set_watermark(&client, "card_velocity", now()).await;
        load::set_watermark(&client, "merchant_velocity", now()).await;
        let log_dir = scratch("consistency-clean");
        let url = harness::schema_url(&client).await;
        let server =
            harness::start_with(&plan, &url, 100, now(), Some(&LogConfig::new(&log_dir))).await;
        // with the request's amount: the log records it, and the recompute reads it back
        let mut keys = super::label_keys(&dir, &["card_id", "merchant_id", "amount"]);
        keys.push(vec!["c_nobody".into(), "m_001".into(), "7.00".into()]);
        let earliest = now() - 24 * MICROS_PER_HOUR + 30 * MICROS_PER_SECOND;
        // Few requests: a batched fraud lookup takes a sizeable fraction of a second here.
        let mut times: Vec<Micros> = super::label_times(&dir).into_iter().step_by(4).collect();
        times.extend(grid(earliest, now(), 233 * MICROS_PER_MINUTE + 1_234_567));
        times.sort_unstable();
        times.dedup();
        let served = serve_all(
            server.addr,
            "fraud_scoring",
            &["card_id", "merchant_id", "amount"],
            &keys,
            &times,
        )
        .await;
        server.stop().await;

        let (code, report) = consistency(&dir, &log_dir, "fraud_scoring", &["--fail-on-mismatch"]);
        assert_eq!(code, 0, "{report:#}");
        assert_eq!(report["rows"], json!(served.len()));
        assert_eq!(report["requests"], json!(times.len()));
        assert_eq!(report["recomputes"], json!(0));
        // Served values that are not the empty ones: the comparison must bite.
        let informative = served
            .iter()
            .flat_map(|(_, _, o)| o.values())
            .filter(|v| !(v.is_null() || **v == json!(0) || **v == json!(false)))
            .count();
        assert!(
            informative > served.len(),
            "only {informative} informative values"
        );
        for name in outputs(&plan, "fraud_scoring") {
            let f = feature(&report, &name);
            assert_eq!(
                (
                    &f["compared"],
                    &f["match"],
                    &f["differ"],
                    &f["missing"],
                    &f["extra"]
                ),
                (
                    &json!(served.len()),
                    &json!(served.len()),
                    &json!(0),
                    &json!(0),
                    &json!(0)
                ),
                "{f:#}"
            );
            assert_eq!(f["shares"]["match"], json!(1.0));
        }
        let _ = std::fs::remove_dir_all(&log_dir);
    })
    .await;
}

/// The online state holds the events before noon only; the writer says so.
#[tokio::test]
async fn a_stream_behind_shows_as_freshness_lag() {
    db::with_schema(|client: Arc<Client>| async move {
        let (plan, dir) = example("user_activity");
        let cut = micros("2024-03-15T12:00:00Z");
        load::load_example(&client, &plan, &dir, cut).await;
        let merged_until = last_event_before(&dir, cut);
        load::set_watermark(&client, "user_activity", merged_until).await;
        let log_dir = scratch("consistency-lag");
        let url = harness::schema_url(&client).await;
        let server =
            harness::start_with(&plan, &url, 100, now(), Some(&LogConfig::new(&log_dir))).await;
        let keys = users(&dir);
        let mut times = grid(
            cut - 2 * MICROS_PER_HOUR,
            now(),
            47 * MICROS_PER_MINUTE + 13_123_456,
        );
        times.extend([cut, cut + 1, cut + 15 * MICROS_PER_MINUTE]);
        times.sort_unstable();
        times.dedup();
        let served = serve_all(server.addr, "churn_model", &["user_id"], &keys, &times).await;
        server.stop().await;

        let requests = requests_of(&served);
        let full = offline::training_set(&dir, "churn_model", &["user_id"], &requests);
        let behind_events = events_before(&dir, cut, &log_dir);
        let behind = offline::training_set_with(
            &dir,
            "churn_model",
            &["user_id"],
            &requests,
            &[("events", &behind_events)],
        );
        let names = outputs(&plan, "churn_model");
        let mut expected: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
        for (i, (key, t, object)) in served.iter().enumerate() {
            for name in &names {
                // What was served is what the offline engine computes from the events before
                // the cut: every difference from the full history is the state's lag.
                assert!(
                    same(&object[name], &behind[i][name]),
                    "{key:?} at {}: {name} served {}, offline before the cut {}",
                    rfc3339(*t),
                    object[name],
                    behind[i][name]
                );
                *expected
                    .entry(name)
                    .or_default()
                    .entry(classify(&object[name], &full[i][name]))
                    .or_default() += 1;
            }
        }
        let mismatched: usize = expected
            .values()
            .flat_map(|by| by.iter().filter(|(k, _)| **k != "match").map(|(_, n)| n))
            .sum();
        assert!(mismatched > 20, "the cut must matter: {expected:?}");

        let (code, report) = consistency(&dir, &log_dir, "churn_model", &["--fail-on-mismatch"]);
        assert_eq!(code, 0, "freshness lag alone does not fail: {report:#}");
        assert_eq!(report["rows"], json!(served.len()));
        // One cut, at the watermark, explains them all.
        assert_eq!(report["recomputes"], json!(1));
        for name in &names {
            let f = feature(&report, name);
            let want =
                |outcome: &str| json!(expected[name.as_str()].get(outcome).copied().unwrap_or(0));
            for outcome in ["match", "differ", "missing", "extra"] {
                assert_eq!(f[outcome], want(outcome), "{name} {outcome}: {f:#}");
            }
            let wrong = f["differ"].as_u64().unwrap_or(0)
                + f["missing"].as_u64().unwrap_or(0)
                + f["extra"].as_u64().unwrap_or(0);
            assert_eq!(
                f["causes"],
                json!({"freshness_lag": wrong, "late_data": 0, "logic": 0, "unexamined": 0}),
                "{name}"
            );
            for example in f["examples"].as_array().expect("examples") {
                assert_eq!(example["cause"], json!("freshness_lag"));
                assert!(micros(example["at"].as_str().expect("a time")) > merged_until);
            }
        }

        // The report for people says the same.
        let text = Command::new(env!("CARGO_BIN_EXE_featc"))
            .arg("consistency")
            .arg(&dir)
            .arg("--log")
            .arg(&log_dir)
            .args(["--service", "churn_model"])
            .output()
            .expect("featc runs");
        assert!(text.status.success());
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(
            text.contains(&format!(
                "{mismatched} of {} served values differ",
                served.len() * names.len()
            )) && text.contains(&format!("{mismatched} freshness_lag, 0 late_data, 0 logic")),
            "{text}"
        );
        let _ = std::fs::remove_dir_all(&log_dir);
    })
    .await;
}

/// The online state holds the events before noon only, but the writer claims 14:00: the
/// rows missing are late. With a 30m horizon, a request at 12:30 is explained by rows at or
/// after noon arriving late; at 14:00 only where the missing rows are all after 13:30.
#[tokio::test]
async fn rows_missing_behind_a_watermark_are_late_data_or_logic() {
    db::with_schema(|client: Arc<Client>| async move {
        let (plan, dir) = example("user_activity");
        let cut = micros("2024-03-15T12:00:00Z");
        let horizon = 30 * MICROS_PER_MINUTE;
        let (t0, t1) = (cut + horizon, micros("2024-03-15T14:00:00Z"));
        load::load_example(&client, &plan, &dir, cut).await;
        load::set_watermark(&client, "user_activity", t1).await;
        let log_dir = scratch("consistency-late");
        let url = harness::schema_url(&client).await;
        let server =
            harness::start_with(&plan, &url, 100, now(), Some(&LogConfig::new(&log_dir))).await;
        let keys = users(&dir);
        let served = serve_all(server.addr, "churn_model", &["user_id"], &keys, &[t0, t1]).await;
        server.stop().await;

        let requests = requests_of(&served);
        let full = offline::training_set(&dir, "churn_model", &["user_id"], &requests);
        // What the offline engine computes from the events a horizon before each request's
        // last counted microsecond: before noon for t0, before 13:30 for t1.
        let horizon_cut = |t: Micros| {
            offline::training_set_with(
                &dir,
                "churn_model",
                &["user_id"],
                &requests,
                &[("events", &events_before(&dir, t - horizon, &log_dir))],
            )
        };
        let (at_t0, at_t1) = (horizon_cut(t0), horizon_cut(t1));
        let names = outputs(&plan, "churn_model");
        let mut expected: BTreeMap<&str, [usize; 2]> = BTreeMap::new();
        for (i, (_, t, object)) in served.iter().enumerate() {
            let recomputed = if *t == t0 { &at_t0[i] } else { &at_t1[i] };
            for name in &names {
                if classify(&object[name], &full[i][name]) == "match" {
                    continue;
                }
                let slot = usize::from(!same(&object[name], &recomputed[name]));
                expected.entry(name).or_default()[slot] += 1;
            }
        }
        let late: usize = expected.values().map(|c| c[0]).sum();
        let logic: usize = expected.values().map(|c| c[1]).sum();
        assert!(
            late > 0 && logic > 0,
            "both causes must occur: {expected:?}"
        );

        let (code, report) = consistency(
            &dir,
            &log_dir,
            "churn_model",
            &["--late-horizon", "30m", "--fail-on-mismatch"],
        );
        assert_eq!(code, 1, "late data and logic fail the check: {report:#}");
        assert_eq!(report["recomputes"], json!(2));
        assert_eq!(report["late_horizon"], json!("30m"));
        for name in &names {
            let [late, logic] = expected.get(name.as_str()).copied().unwrap_or_default();
            assert_eq!(
                feature(&report, name)["causes"],
                json!({"freshness_lag": 0, "late_data": late, "logic": logic, "unexamined": 0}),
                "{name}"
            );
        }
        // With no recompute allowed, nothing is examined.
        let (code, report) = consistency(&dir, &log_dir, "churn_model", &["--max-recomputes", "0"]);
        assert_eq!(code, 0);
        assert_eq!(report["recomputes"], json!(0));
        let unexamined: u64 = names
            .iter()
            .map(|n| {
                feature(&report, n)["causes"]["unexamined"]
                    .as_u64()
                    .unwrap_or(0)
            })
            .sum();
        assert_eq!(unexamined as usize, late + logic);
        let _ = std::fs::remove_dir_all(&log_dir);
    })
    .await;
}
