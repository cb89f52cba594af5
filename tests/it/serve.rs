//! `featc serve` end to end: the online tables of the examples filled from their CSV history,
//! a server started in-process, plain HTTP requests. Served values must equal what
//! `featc training-set` computes offline for the same keys and times; bad requests get JSON
//! errors and leave the server serving. Postgres: see `support/db.rs`.

mod auth;
pub mod client;
mod consistency;
mod deployment;
pub mod harness;
mod load;
mod logging;
mod offline;

use crate::support::db;
use crate::support::example::{example, micros};

use featc::runtime::serve::Catalog;
use featc::runtime::serve::retention::Retention;
use featc::types::{MICROS_PER_DAY, MICROS_PER_MINUTE, MICROS_PER_SECOND, Micros};
use offline::rfc3339;
use serde_json::{Map, Value as Json, json};
use std::collections::BTreeSet;
use std::sync::Arc;
use tokio_postgres::Client;

/// "Now" for every server here: the day after the examples' data.
fn now() -> Micros {
    micros("2024-03-16T00:00:00Z")
}

/// Floats agree to 1e-9 relative (the online and offline paths may merge partial sums in
/// other orders); everything else exactly.
fn same(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
            _ => x == y,
        },
        (Json::Array(xs), Json::Array(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same(x, y))
        }
        _ => a == b,
    }
}

/// The label times of an example's labels.csv.
fn label_times(dir: &std::path::Path) -> Vec<Micros> {
    let text = std::fs::read_to_string(dir.join("labels.csv")).expect("labels");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let at = header
        .iter()
        .position(|h| *h == "observation_ts")
        .expect("observation_ts");
    lines
        .filter(|l| !l.is_empty())
        .map(|l| micros(l.split(',').nth(at).expect("a time")))
        .collect()
}

/// The distinct values of some columns of a labels.csv, in first-seen order.
fn label_keys(dir: &std::path::Path, columns: &[&str]) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(dir.join("labels.csv")).expect("labels");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let positions: Vec<usize> = columns
        .iter()
        .map(|c| header.iter().position(|h| h == c).expect("a key column"))
        .collect();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let cells: Vec<&str> = line.split(',').collect();
        let key: Vec<String> = positions.iter().map(|&p| cells[p].to_string()).collect();
        if seen.insert(key.clone()) {
            out.push(key);
        }
    }
    out
}

/// Times spread over `[from, to)` every `step`, not aligned to any window.
fn grid(from: Micros, to: Micros, step: Micros) -> Vec<Micros> {
    (0..)
        .map(|i| from + i * step)
        .take_while(|t| *t < to)
        .collect()
}

/// The request inputs the tests send (`request amount: float` of `fraud_scoring`): in a
/// "key" vector they are label columns like the keys, and JSON numbers in a request body.
const NUMERIC_INPUTS: [&str; 1] = ["amount"];

/// A key vector (keys, then request inputs, as label cells) as one entity of a request body.
fn entity_json(names: &[&str], cells: &[String]) -> Json {
    Json::Object(
        names
            .iter()
            .zip(cells)
            .map(|(n, v)| {
                let value = match v.parse::<f64>() {
                    Ok(number) if NUMERIC_INPUTS.contains(n) => json!(number),
                    _ => Json::from(v.as_str()),
                };
                (n.to_string(), value)
            })
            .collect(),
    )
}

/// Requests every key at every time, batched per time, and compares every served object with
/// the training set's row for the same key and time; also asks some keys one at a time. A
/// "key" may end with request inputs (named in `key_names` too): the labels and the requests
/// carry them alike.
async fn serve_and_compare(
    server: &harness::Running,
    dir: &std::path::Path,
    service: &str,
    key_names: &[&str],
    keys: &[Vec<String>],
    times: &[Micros],
) {
    let requests: Vec<(Vec<String>, Micros)> = times
        .iter()
        .flat_map(|t| keys.iter().map(move |k| (k.clone(), *t)))
        .collect();
    let offline = offline::training_set(dir, service, key_names, &requests);
    let by_request = |key: &[String], t: Micros| -> &Map<String, Json> {
        let i = requests
            .iter()
            .position(|(k, at)| k == key && *at == t)
            .expect("a requested pair");
        &offline[i]
    };
    let entity = |key: &[String]| -> Json { entity_json(key_names, key) };
    let path = format!("/v1/services/{service}");
    let mut mismatches = Vec::new();
    let mut compared = 0;
    // Values other than the empty ones (null, 0, false, []): the comparison must bite.
    let (mut informative, mut outputs) = (0, 0);
    let mut check = |served: &Json, key: &[String], t: Micros| {
        let expected = by_request(key, t);
        let served = served.as_object().expect("a feature object");
        assert_eq!(
            served.len(),
            expected.len() - 1,
            "the keys and outputs, nothing else: {served:?}"
        );
        for (name, value) in served {
            let want = &expected[name];
            compared += 1;
            let is_key = key_names.contains(&name.as_str());
            outputs += usize::from(!is_key);
            if !is_key
                && !matches!(value, Json::Null | Json::Bool(false))
                && *value != json!(0)
                && *value != json!([])
            {
                informative += 1;
            }
            if !same(value, want) {
                mismatches.push(format!(
                    "{key:?} at {}: {name} served {value}, offline {want}",
                    rfc3339(t)
                ));
            }
        }
    };
    for &t in times {
        let entities: Vec<Json> = keys.iter().map(|k| entity(k)).collect();
        let reply = client::post(
            server.addr,
            &path,
            &json!({"entities": entities, "at": rfc3339(t)}),
        )
        .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let body = reply.json();
        assert_eq!(body["at"], json!(rfc3339(t)));
        let features = body["features"].as_array().expect("features");
        assert_eq!(features.len(), keys.len());
        for (served, key) in features.iter().zip(keys) {
            check(served, key, t);
        }
    }
    // One entity per request, at a few times.
    for &t in times.iter().step_by(times.len().div_ceil(4)) {
        for key in keys.iter().step_by(3) {
            let reply = client::post(
                server.addr,
                &path,
                &json!({"entities": [entity(key)], "at": rfc3339(t)}),
            )
            .await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            check(&reply.json()["features"][0], key, t);
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {compared} served values differ from the training set:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    eprintln!("{service}: {informative} of {outputs} outputs informative");
    // A guard against a vacuous comparison (times before the data, keys without events): a
    // 1h window is empty at most of the times asked, so a tenth of the outputs is plenty.
    assert!(
        informative * 10 > outputs,
        "only {informative} of {outputs} served outputs are not empty: the data does not reach the times asked"
    );
}

#[tokio::test]
async fn churn_model_serves_the_training_set_values() {
    db::with_schema(|client: Arc<Client>| async move {
        let (plan, dir) = example("user_activity");
        load::load_example(&client, &plan, &dir, now()).await;
        let fresh_until = micros("2024-03-15T23:59:00Z");
        load::set_watermark(&client, "user_activity", fresh_until).await;
        let server = harness::start(&plan, &harness::schema_url(&client).await, 100, now()).await;

        let mut keys = label_keys(&dir, &["user_id"]);
        keys.push(vec!["nobody".into()]);
        let (h, m, s) = (60 * MICROS_PER_MINUTE, MICROS_PER_MINUTE, MICROS_PER_SECOND);
        let day = micros("2024-03-15T00:00:00Z");
        let mut times = label_times(&dir);
        times.extend(grid(day, now(), 47 * m + 13 * s + 123_456));
        times.extend([
            day + 9 * h,
            day + 9 * h + 15 * m,
            day + 9 * h + 15 * m - 1,
            day + 12 * h,
            day + 12 * h + 1,
            now(),
            now() + 5 * h,
        ]);
        // At an event's own time the event is not seen; a microsecond later it is.
        let events = load::read_csv(
            &dir.join("data/events.csv"),
            &plan.source("events").expect("events").fields,
        );
        for event in events.iter().step_by(37) {
            let featc::types::Value::Timestamp(t) = event["event_ts"] else {
                panic!("an event time");
            };
            times.extend([t, t + 1, t + 15 * m]);
        }
        times.sort_unstable();
        times.dedup();
        serve_and_compare(&server, &dir, "churn_model", &["user_id"], &keys, &times).await;

        // `at` defaults to now; freshness per view, null where no writer has recorded one.
        let reply = client::post(
            server.addr,
            "/v1/services/churn_model",
            &json!({"entities": [{"user_id": keys[0][0]}]}),
        )
        .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let body = reply.json();
        assert_eq!(body["at"], json!(rfc3339(now())));
        assert_eq!(
            body["freshness"],
            json!({"user_activity": rfc3339(fresh_until), "user_profile_features": null})
        );
        // Keys first, then the outputs in the service's order.
        let order: Vec<usize> = [
            "user_id",
            "event_count_1h",
            "last_platform",
            "country",
            "revenue_per_session",
        ]
        .iter()
        .map(|name| reply.body.find(&format!("\"{name}\":")).expect("a field"))
        .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{}", reply.body);
        server.stop().await;
    })
    .await;
}

#[tokio::test]
async fn fraud_scoring_serves_two_entities_like_the_training_set() {
    db::with_schema(|client: Arc<Client>| async move {
        let (plan, dir) = example("fraud");
        load::load_example(&client, &plan, &dir, now()).await;
        let fresh_until = micros("2024-03-15T23:00:00Z");
        load::set_watermark(&client, "card_velocity", fresh_until).await;
        let server = harness::start(&plan, &harness::schema_url(&client).await, 100, now()).await;

        // the keys and the request's amount, as the labels carry them
        let mut keys = label_keys(&dir, &["card_id", "merchant_id", "amount"]);
        keys.extend([
            vec!["c_nobody".into(), "m_001".into(), "12.50".into()],
            vec!["c_0001".into(), "m_nobody".into(), "0.00".into()],
            vec!["c_nobody".into(), "m_nobody".into(), "-3.25".into()],
        ]);
        let m = MICROS_PER_MINUTE;
        // The earliest time the retention allows: now − 1d (retain) + 30s (settle).
        let earliest = now() - MICROS_PER_DAY + 30 * MICROS_PER_SECOND;
        let mut times = label_times(&dir);
        times.extend(grid(earliest, now(), 53 * m + 7_500_000));
        times.extend([earliest, now()]);
        times.sort_unstable();
        times.dedup();
        serve_and_compare(
            &server,
            &dir,
            "fraud_scoring",
            &["card_id", "merchant_id", "amount"],
            &keys,
            &times,
        )
        .await;

        let reply = client::post(
            server.addr,
            "/v1/services/fraud_scoring",
            &json!({"entities": [{"merchant_id": "m_013", "card_id": "c_0001", "amount": 5.0}], "at": rfc3339(earliest - 1)}),
        )
        .await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert_eq!(reply.error_code(), "at_outside_retention");
        let message = reply.error_message();
        assert!(
            message.contains("`merchant_velocity`")
                && message.contains("1d (retain)")
                && message.contains("30s (settle)")
                && message.contains(&rfc3339(earliest)),
            "{message}"
        );
        let reply = client::post(
            server.addr,
            "/v1/services/fraud_scoring",
            &json!({"entities": [{"merchant_id": "m_013", "card_id": "c_0001", "amount": 5.0}], "at": rfc3339(earliest)}),
        )
        .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(
            reply.json()["freshness"],
            json!({"card_velocity": rfc3339(fresh_until), "merchant_velocity": null, "merchant_profile": null})
        );
        server.stop().await;
    })
    .await;
}

#[tokio::test]
async fn bad_requests_get_json_errors_and_the_server_keeps_serving() {
    db::with_schema(|client: Arc<Client>| async move {
        let (plan, dir) = example("user_activity");
        load::load_example(&client, &plan, &dir, now()).await;
        let server = harness::start(&plan, &harness::schema_url(&client).await, 5, now()).await;
        let path = "/v1/services/churn_model";
        let at = "2024-03-15T12:00:00Z";
        let good = json!({"entities": [{"user_id": "u_019"}], "at": at});
        let good_reply = client::post(server.addr, path, &good).await;
        assert_eq!(good_reply.status, 200, "{}", good_reply.body);
        let good_body = good_reply.json();
        assert!(good_body["features"][0]["event_count_1h"].as_i64() > Some(0), "{good_body}");

        let entity = |v: Json| json!({"entities": [v], "at": at});
        // (what is wrong, the body, the status, the error code, words the message must hold)
        type BadRequest<'a> = (&'a str, Vec<u8>, u16, &'a str, &'a [&'a str]);
        let bad: Vec<BadRequest> = vec![
            ("not JSON", b"{\"entities\": [".to_vec(), 400, "malformed_json", &[]),
            ("an array", b"[]".to_vec(), 422, "invalid_request", &[]),
            ("no entities", br#"{"at": "2024-03-15T12:00:00Z"}"#.to_vec(), 422, "invalid_request", &["entities"]),
            ("a typo at the top", br#"{"entitys": []}"#.to_vec(), 422, "invalid_request", &["did you mean `entities`?"]),
            ("no entity", br#"{"entities": []}"#.to_vec(), 422, "empty_batch", &[]),
            (
                "an int key",
                entity(json!({"user_id": 42})).to_string().into_bytes(),
                422,
                "invalid_entity",
                &["entities[0]", "`user_id` must be a string"],
            ),
            (
                "a null key",
                entity(json!({"user_id": null})).to_string().into_bytes(),
                422,
                "invalid_entity",
                &["entities[0]", "`user_id`"],
            ),
            (
                "a misspelt key in the second entity",
                json!({"entities": [{"user_id": "u_019"}, {"userid": "u_019"}]}).to_string().into_bytes(),
                422,
                "invalid_entity",
                &["entities[1]", "`userid`", "did you mean `user_id`?"],
            ),
            (
                "an extra field",
                entity(json!({"user_id": "u_019", "country": "DE"})).to_string().into_bytes(),
                422,
                "invalid_entity",
                &["entities[0]", "`country` is not a key"],
            ),
            (
                "a missing key",
                entity(json!({})).to_string().into_bytes(),
                422,
                "invalid_entity",
                &["entities[0]", "lacks the key `user_id`"],
            ),
            (
                "a NUL in a key",
                entity(json!({"user_id": "u\u{0}1"})).to_string().into_bytes(),
                422,
                "invalid_entity",
                &["NUL"],
            ),
            (
                "an entity that is not an object",
                entity(json!("u_019")).to_string().into_bytes(),
                422,
                "invalid_entity",
                &["entities[0]"],
            ),
            (
                "too many entities",
                json!({"entities": vec![json!({"user_id": "u_019"}); 6]}).to_string().into_bytes(),
                413,
                "batch_too_large",
                &["6 entities", "at most 5"],
            ),
            (
                "a time that is not RFC 3339",
                br#"{"entities": [{"user_id": "u_019"}], "at": "2024-03-15 12:00"}"#.to_vec(),
                422,
                "invalid_at",
                &["RFC 3339"],
            ),
            (
                "a time that is a number",
                br#"{"entities": [{"user_id": "u_019"}], "at": 1710504000}"#.to_vec(),
                422,
                "invalid_at",
                &[],
            ),
            (
                "a time before the retention",
                br#"{"entities": [{"user_id": "u_019"}], "at": "2024-03-14T23:59:59Z"}"#.to_vec(),
                422,
                "at_outside_retention",
                &["`user_activity`", "1d (retain)", "2024-03-15T00:00:00.000000Z"],
            ),
        ];
        for (what, body, status, code, phrases) in bad {
            let reply = client::send(server.addr, "POST", path, &body).await;
            assert_eq!(reply.status, status, "{what}: {}", reply.body);
            assert!(reply.content_type.starts_with("application/json"), "{what}");
            assert_eq!(reply.error_code(), code, "{what}");
            let message = reply.error_message();
            for phrase in phrases {
                assert!(message.contains(phrase), "{what}: `{phrase}` not in: {message}");
            }
            // Still serving, with the same answer.
            let again = client::post(server.addr, path, &good).await;
            assert_eq!(again.status, 200, "after {what}: {}", again.body);
            assert_eq!(again.json(), good_body, "after {what}");
        }

        let reply = client::post(server.addr, "/v1/services/churn_modle", &good).await;
        assert_eq!(reply.status, 404);
        assert_eq!(reply.error_code(), "unknown_service");
        assert!(reply.error_message().contains("did you mean `churn_model`?"), "{}", reply.body);
        let reply = client::get(server.addr, path).await;
        assert_eq!((reply.status, reply.error_code().as_str()), (405, "method_not_allowed"));
        let reply = client::get(server.addr, "/v2/anything").await;
        assert_eq!((reply.status, reply.error_code().as_str()), (404, "not_found"));

        // SQL in a key is a key like any other: unknown, so the empty values.
        let injection = "u_019'; DROP TABLE user_activity_features; --";
        let reply = client::post(
            server.addr,
            path,
            &json!({"entities": [{"user_id": injection}, {"user_id": "u_019\" OR 1=1 --"}], "at": at}),
        )
        .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let features = &reply.json()["features"];
        assert_eq!(features[0]["user_id"], json!(injection));
        for i in 0..2 {
            let f = &features[i];
            assert_eq!(
                (&f["event_count_1h"], &f["revenue_1h"], &f["session_count_1h"], &f["last_platform"], &f["country"]),
                (&json!(0), &Json::Null, &json!(0), &Json::Null, &Json::Null),
                "{f}"
            );
        }
        let tiles: i64 = client
            .query_one("SELECT count(*) FROM user_activity_features", &[])
            .await
            .expect("the table is still there")
            .get(0);
        assert!(tiles > 0);
        let again = client::post(server.addr, path, &good).await;
        assert_eq!(again.json(), good_body);
        server.stop().await;
    })
    .await;
}

#[tokio::test]
async fn healthz_and_metrics_report_the_server_state() {
    db::with_schema(|client: Arc<Client>| async move {
        let (plan, dir) = example("user_activity");
        load::load_example(&client, &plan, &dir, now()).await;
        let server = harness::start(&plan, &harness::schema_url(&client).await, 10, now()).await;

        let health = client::get(server.addr, "/healthz").await;
        assert_eq!(
            (health.status, health.json()),
            (200, json!({"status": "ok"}))
        );

        let path = "/v1/services/churn_model";
        let one = json!({"entities": [{"user_id": "u_019"}]});
        let three =
            json!({"entities": [{"user_id": "u_019"}, {"user_id": "u_015"}, {"user_id": "x"}]});
        assert_eq!(client::post(server.addr, path, &one).await.status, 200);
        assert_eq!(client::post(server.addr, path, &three).await.status, 200);
        assert_eq!(
            client::post(server.addr, path, &json!({"entities": []}))
                .await
                .status,
            422
        );
        assert_eq!(
            client::post(server.addr, "/v1/services/nope", &one)
                .await
                .status,
            404
        );

        let metrics = client::get(server.addr, "/metrics").await;
        assert_eq!(metrics.status, 200);
        assert!(
            metrics
                .content_type
                .starts_with("text/plain; version=0.0.4"),
            "{}",
            metrics.content_type
        );
        for line in [
            "# TYPE featc_serve_requests_total counter",
            "featc_serve_requests_total{service=\"churn_model\",status=\"200\"} 2",
            "featc_serve_requests_total{service=\"churn_model\",status=\"422\"} 1",
            "featc_serve_requests_total{service=\"(unknown)\",status=\"404\"} 1",
            "featc_serve_entities_total{service=\"churn_model\"} 4",
            "# TYPE featc_serve_request_duration_seconds histogram",
            "featc_serve_request_duration_seconds_bucket{service=\"churn_model\",le=\"+Inf\"} 3",
            "featc_serve_request_duration_seconds_count{service=\"churn_model\"} 3",
        ] {
            assert!(
                metrics.body.lines().any(|l| l == line),
                "missing `{line}` in\n{}",
                metrics.body
            );
        }
        server.stop().await;
    })
    .await;
}

/// Without Postgres the server still answers: 503 with a JSON error, never a hang or a panic.
#[tokio::test]
async fn an_unreachable_store_gives_503_not_a_crash() {
    let (plan, _) = example("user_activity");
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    let server = harness::start(&plan, "postgres://featc@127.0.0.1:1/none", 10, now()).await;
    let health = client::get(server.addr, "/healthz").await;
    assert_eq!(
        (health.status, health.error_code().as_str()),
        (503, "store_unavailable")
    );
    let reply = client::post(
        server.addr,
        "/v1/services/churn_model",
        &json!({"entities": [{"user_id": "u_019"}]}),
    )
    .await;
    assert_eq!(
        (reply.status, reply.error_code().as_str()),
        (503, "store_unavailable")
    );
    // Validation does not need the store.
    let reply = client::post(
        server.addr,
        "/v1/services/churn_model",
        &json!({"entities": []}),
    )
    .await;
    assert_eq!(reply.status, 422);
    server.stop().await;
}

#[test]
fn retention_bounds_follow_retain_settle_and_lifetime_windows() {
    let (plan, _) = example("fraud");
    let catalog = Catalog::new(&plan).expect("the lookups generate");
    let service = catalog.get("fraud_scoring").expect("the service");
    let bounds: Vec<(&str, Option<Micros>)> = service
        .views
        .iter()
        .map(|v| (v.name.as_str(), v.retention.earliest(now())))
        .collect();
    assert_eq!(
        bounds,
        [
            // a lifetime aggregate: the whole history is kept
            ("card_velocity", None),
            // retain 1d, settle 30s
            (
                "merchant_velocity",
                Some(now() - MICROS_PER_DAY + 30 * MICROS_PER_SECOND)
            ),
            // a table: retain 1d
            ("merchant_profile", Some(now() - MICROS_PER_DAY)),
        ]
    );
    assert_eq!(service.views[0].retention, Retention::Unbounded);
}

#[tokio::test]
async fn a_service_over_an_offline_only_view_is_not_served_and_says_why() {
    db::with_schema(|client: Arc<Client>| async move {
        let (plan, _) = example("recommender");
        let server = harness::start(&plan, &harness::schema_url(&client).await, 5, now()).await;
        let reply = client::post(
            server.addr,
            "/v1/services/spend_forecast",
            &json!({"entities": [{"user_id": "u_001"}]}),
        )
        .await;
        assert_eq!(reply.status, 404, "{}", reply.body);
        assert_eq!(reply.error_code(), "not_served");
        let message = reply.error_message();
        assert!(
            message.contains("`user_spend_history`") && message.contains("offline only"),
            "{message}"
        );
        // the catalog serves the project's other service as usual
        let catalog = featc::runtime::serve::Catalog::new(&plan).expect("a catalog");
        assert_eq!(catalog.names().collect::<Vec<_>>(), ["recommend"]);
        assert!(catalog.why_not_served("spend_forecast").is_some());
        server.stop().await;
    })
    .await;
}
