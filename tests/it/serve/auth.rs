//! `featc serve --tokens`: lookups need a bearer token of the file, a token may be restricted
//! to some services, `/healthz` stays open, `/metrics` is protected on request, and a rewritten
//! token file takes effect without a restart (refused requests are answered before any lookup).

use super::{client, harness, now};
use crate::support::db;
use crate::support::example::example;
use featc::runtime::serve::auth::TokenFile;
use featc::runtime::serve::{Clock, ServeConfig};
use serde_json::json;
use std::sync::Arc;
use tokio_postgres::Client;

const OPS: &str = "ops-token-0123456789";
const MODEL: &str = "model-token-0123456789";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_guard_lookups_and_metrics_and_reload_without_a_restart() {
    db::with_schema(|client: Arc<Client>| async move {
        let (plan, dir) = example("user_activity");
        super::load::load_example(&client, &plan, &dir, now()).await;
        let file = std::env::temp_dir().join(format!("featc-tokens-{}", std::process::id()));
        std::fs::write(&file, format!("{OPS}\n{MODEL} some_other_service\n")).expect("tokens");
        let config = ServeConfig {
            max_batch: 5,
            clock: Clock::Fixed(now()),
            tokens: Some(Arc::new(TokenFile::load(&file).expect("a token file"))),
            protect_metrics: true,
        };
        let url = harness::schema_url(&client).await;
        let server = harness::start_configured(&plan, &url, config, None).await;
        let path = "/v1/services/churn_model";
        let body = json!({"entities": [{"user_id": "u_019"}], "at": "2024-03-15T12:00:00Z"})
            .to_string()
            .into_bytes();
        let post = |token: Option<String>| {
            let body = body.clone();
            async move {
                let header = token.map(|t| format!("Bearer {t}"));
                let headers: Vec<(&str, &str)> = header
                    .as_deref()
                    .map(|h| vec![("Authorization", h)])
                    .unwrap_or_default();
                client::send_with(server.addr, "POST", path, &body, &headers).await
            }
        };

        let missing = post(None).await;
        assert_eq!(missing.status, 401, "{}", missing.body);
        assert_eq!(missing.error_code(), "unauthorized");
        let wrong = post(Some("not-a-token-at-all-0000".into())).await;
        assert_eq!(wrong.status, 401, "{}", wrong.body);
        let other_service = post(Some(MODEL.into())).await;
        assert_eq!(other_service.status, 403, "{}", other_service.body);
        assert_eq!(other_service.error_code(), "forbidden");
        let good = post(Some(OPS.into())).await;
        assert_eq!(good.status, 200, "{}", good.body);
        assert!(good.json()["features"][0]["event_count_1h"].as_i64() > Some(0));

        let health = client::get(server.addr, "/healthz").await;
        assert_eq!(health.status, 200, "{}", health.body);
        let metrics = client::get(server.addr, "/metrics").await;
        assert_eq!(metrics.status, 401, "{}", metrics.body);
        let metrics = client::send_with(
            server.addr,
            "GET",
            "/metrics",
            b"",
            &[("Authorization", &format!("Bearer {MODEL}"))],
        )
        .await;
        assert_eq!(metrics.status, 200, "{}", metrics.body);

        // rotate: the model token may now read churn_model, the ops token is revoked
        std::fs::write(&file, format!("{MODEL} churn_model\n")).expect("tokens");
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let _ = post(Some(MODEL.into())).await; // the first request after a second reloads
        assert_eq!(post(Some(MODEL.into())).await.status, 200);
        assert_eq!(post(Some(OPS.into())).await.status, 401);

        server.stop().await;
        let _ = std::fs::remove_file(&file);
    })
    .await;
}
