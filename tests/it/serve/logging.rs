//! `featc serve --log`: every served entity becomes one Parquet row holding what the response
//! said; files appear only complete, roll by rows and by time, and carry the plan's
//! fingerprints.

use super::{client, db, harness, load, now, offline};
use crate::support::example::{example, micros};
use datafusion::arrow::array::{Array, AsArray};
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use featc::runtime::serve::log::LogConfig;
use offline::rfc3339;
use serde_json::{Map, Value as Json, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres::Client;

/// A fresh directory for one test's log.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "featc-it-{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// One logged row, as JSON: the top-level columns, `keys`, `features` and `freshness` as
/// objects.
pub struct LoggedFile {
    pub name: String,
    pub metadata: BTreeMap<String, String>,
    pub rows: Vec<Map<String, Json>>,
}

/// Every file under `dir` (sorted by name), read with the Parquet reader directly.
pub fn read_log(dir: &Path) -> Vec<LoggedFile> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("the service's log directory")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let file = std::fs::File::open(dir.join(&name)).expect("a log file");
            let builder = ParquetRecordBatchReaderBuilder::try_new(file)
                .unwrap_or_else(|e| panic!("{name} is not a complete Parquet file: {e}"));
            let metadata = builder
                .metadata()
                .file_metadata()
                .key_value_metadata()
                .map(|kv| {
                    kv.iter()
                        .map(|e| (e.key.clone(), e.value.clone().unwrap_or_default()))
                        .collect()
                })
                .unwrap_or_default();
            let mut rows = Vec::new();
            for batch in builder.build().expect("a reader") {
                let batch = batch.expect("a batch");
                for i in 0..batch.num_rows() {
                    let mut row = Map::new();
                    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
                        let value = match column.data_type() {
                            datafusion::arrow::datatypes::DataType::Struct(children) => {
                                let s = column.as_struct();
                                Json::Object(
                                    children
                                        .iter()
                                        .zip(s.columns())
                                        .map(|(f, c)| (f.name().clone(), offline::cell(c, i)))
                                        .collect(),
                                )
                            }
                            _ => offline::cell(column, i),
                        };
                        assert!(!column.is_null(i) || field.is_nullable());
                        row.insert(field.name().clone(), value);
                    }
                    rows.push(row);
                }
            }
            LoggedFile {
                name,
                metadata,
                rows,
            }
        })
        .collect()
}

/// A reply and what was asked.
struct Served {
    request_id: String,
    body: Json,
}

#[tokio::test]
async fn the_log_holds_one_row_per_served_entity_as_answered() {
    db::with_schema(|client: Arc<Client>| async move {
        let (plan, dir) = example("fraud");
        load::load_example(&client, &plan, &dir, now()).await;
        let fresh_until = micros("2024-03-15T23:00:00Z");
        load::set_watermark(&client, "card_velocity", fresh_until).await;
        let log_dir = scratch("serve-log");
        let config = LogConfig {
            roll_rows: 7,
            roll_after: Duration::from_secs(3600),
            ..LogConfig::new(&log_dir)
        };
        let url = harness::schema_url(&client).await;
        let server = harness::start_with(&plan, &url, 10, now(), Some(&config)).await;
        let path = "/v1/services/fraud_scoring";

        let cards = ["c_0001", "c_0002", "c_0003", "c_nobody", "c_0005"];
        let merchants = ["m_001", "m_013", "m_nobody"];
        let times = [
            "2024-03-15T09:00:00Z",
            "2024-03-15T12:34:56.789Z",
            "2024-03-15T18:00:00Z",
            "2024-03-15T23:30:00Z",
        ];
        let mut served = Vec::new();
        for (n, at) in times.iter().enumerate() {
            // batches of 1 to 4 entities
            let entities: Vec<Json> = (0..=n)
                .map(|i| json!({"card_id": cards[(n + i) % cards.len()], "merchant_id": merchants[i % merchants.len()], "amount": 10.0 + i as f64}))
                .collect();
            let reply = client::post(server.addr, path, &json!({"entities": entities, "at": at})).await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            let request_id = reply.request_id.clone().expect("an X-Request-Id header");
            assert_eq!(request_id.len(), 32, "{request_id}");
            served.push(Served { request_id, body: reply.json() });
        }
        // `at` defaulted to now, and a request id of the client's own.
        let body = json!({"entities": [{"card_id": "c_0001", "merchant_id": "m_013", "amount": 1.5}, {"card_id": "c_0002", "merchant_id": "m_001", "amount": 99.0}]});
        let reply = client::send_with(
            server.addr,
            "POST",
            path,
            body.to_string().as_bytes(),
            &[("X-Request-Id", "payment-42")],
        )
        .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.request_id.as_deref(), Some("payment-42"));
        served.push(Served { request_id: "payment-42".into(), body: reply.json() });
        // Refused requests are not served vectors: not logged (but they have an id too).
        let refused = client::post(server.addr, path, &json!({"entities": [{"card_id": 1, "merchant_id": "m"}]})).await;
        assert_eq!(refused.status, 422);
        assert!(refused.request_id.is_some());
        let ids: Vec<&str> = served.iter().map(|s| s.request_id.as_str()).collect();
        let mut distinct = ids.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), ids.len(), "request ids repeat: {ids:?}");

        server.stop().await;

        let service_dir = log_dir.join("fraud_scoring");
        let files = read_log(&service_dir);
        assert!(
            files.iter().all(|f| f.name.ends_with(".parquet")),
            "a partial file is left: {:?}",
            files.iter().map(|f| &f.name).collect::<Vec<_>>()
        );
        // 1 + 2 + 3 + 4 + 2 = 12 rows, rolled at 7: the request that reaches 7 rows closes a file.
        let sizes: Vec<usize> = files.iter().map(|f| f.rows.len()).collect();
        assert_eq!(sizes, [10, 2], "{sizes:?}");
        let fingerprints: BTreeMap<String, String> = plan
            .service("fraud_scoring")
            .expect("the service")
            .outputs
            .iter()
            .map(|o| (o.name.clone(), o.fingerprint.clone()))
            .collect();
        for file in &files {
            assert_eq!(file.metadata["featc.service"], "fraud_scoring");
            assert_eq!(file.metadata["featc.log_format"], "1");
            let logged: BTreeMap<String, String> =
                serde_json::from_str(&file.metadata["featc.fingerprints"]).expect("JSON");
            assert_eq!(logged, fingerprints);
        }

        let rows: Vec<&Map<String, Json>> = files.iter().flat_map(|f| &f.rows).collect();
        let expected_rows: usize = served
            .iter()
            .map(|s| s.body["features"].as_array().expect("features").len())
            .sum();
        assert_eq!(rows.len(), expected_rows);
        let mut next = 0;
        for s in &served {
            let features = s.body["features"].as_array().expect("features");
            for (index, answered) in features.iter().enumerate() {
                let row = rows[next];
                next += 1;
                assert_eq!(row["request_id"], json!(s.request_id));
                assert_eq!(row["entity"], json!(index));
                assert_eq!(row["service"], json!("fraud_scoring"));
                assert_eq!(row["at"], s.body["at"]);
                assert_eq!(row["served_at"], json!(rfc3339(now())));
                assert_eq!(row["freshness"], s.body["freshness"]);
                let answered = answered.as_object().expect("an object");
                let keys = row["keys"].as_object().expect("keys");
                let request = row["request"].as_object().expect("the request inputs");
                let logged = row["features"].as_object().expect("features");
                assert_eq!(keys.len(), 2);
                assert_eq!(request.len(), 1);
                assert_eq!(keys.len() + request.len() + logged.len(), answered.len());
                for (name, value) in answered {
                    let logged_value = (keys.get(name))
                        .or_else(|| request.get(name))
                        .or_else(|| logged.get(name))
                        .expect(name);
                    assert!(
                        super::same(logged_value, value),
                        "{} entity {index}: {name} logged {logged_value}, answered {value}",
                        s.request_id
                    );
                }
            }
        }
        assert_eq!(rows[rows.len() - 1]["at"], json!(rfc3339(now())));
        let _ = std::fs::remove_dir_all(&log_dir);
    })
    .await;
}

#[tokio::test]
async fn log_files_complete_on_time_and_metrics_count_them() {
    db::with_schema(|client: Arc<Client>| async move {
        let (plan, dir) = example("user_activity");
        load::load_example(&client, &plan, &dir, now()).await;
        let log_dir = scratch("serve-log-time");
        let config = LogConfig {
            roll_rows: 1000,
            roll_after: Duration::from_millis(300),
            ..LogConfig::new(&log_dir)
        };
        let url = harness::schema_url(&client).await;
        let server = harness::start_with(&plan, &url, 10, now(), Some(&config)).await;
        let path = "/v1/services/churn_model";
        let ask = |user: &'static str| json!({"entities": [{"user_id": user}], "at": "2024-03-15T12:00:00Z"});
        let first = client::post(server.addr, path, &ask("u_019")).await;
        assert_eq!(first.status, 200);

        // The file completes 300 ms after its first row, while the server keeps running.
        let service_dir = log_dir.join("churn_model");
        let complete = |dir: &Path| -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(dir)
                .expect("the log directory")
                .map(|e| e.expect("an entry").file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".parquet"))
                .collect();
            names.sort();
            names
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while complete(&service_dir).is_empty() {
            assert!(std::time::Instant::now() < deadline, "no log file completed in 20 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let files = read_log(&service_dir);
        let done: Vec<&LoggedFile> = files.iter().filter(|f| f.name.ends_with(".parquet")).collect();
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].rows.len(), 1);
        assert_eq!(done[0].rows[0]["request_id"], json!(first.request_id.clone().expect("an id")));
        let metrics = client::get(server.addr, "/metrics").await.body;
        for line in [
            "featc_serve_log_rows_total{service=\"churn_model\"} 1",
            "featc_serve_log_files_total{service=\"churn_model\"} 1",
            "featc_serve_log_dropped_total{service=\"churn_model\",reason=\"queue_full\"} 0",
            "featc_serve_log_dropped_total{service=\"churn_model\",reason=\"write_error\"} 0",
        ] {
            assert!(metrics.lines().any(|l| l == line), "missing `{line}` in\n{metrics}");
        }

        let second = client::post(server.addr, path, &ask("u_015")).await;
        assert_eq!(second.status, 200);
        // Shutdown completes the open file at once.
        server.stop().await;
        let files = read_log(&service_dir);
        assert_eq!(files.len(), 2, "{:?}", files.iter().map(|f| &f.name).collect::<Vec<_>>());
        assert_eq!(files[1].rows[0]["keys"], json!({"user_id": "u_015"}));
        let _ = std::fs::remove_dir_all(&log_dir);
    })
    .await;
}
