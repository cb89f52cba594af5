//! The HTTP routes: `POST /v1/services/{service}`, `GET /healthz`, `GET /metrics`; anything
//! else is a JSON 404 or 405.

use super::Shared;
use super::auth::Refusal;
use super::catalog::ServedService;
use super::error::{ApiError, ErrorCode};
use super::json::{format_time, value_to_json};
use super::log::{REQUEST_ID_HEADER, Record};
use super::lookup_pool::{Answer, LookupError};
use super::metrics::UNKNOWN_SERVICE;
use super::request::{self, did_you_mean};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde::ser::SerializeMap;
use std::sync::Arc;
use std::time::Instant;

/// Bytes a request body may have per entity it is allowed (keys are short; a generous bound
/// that still stops a client from making the server buffer without limit).
const BODY_BYTES_PER_ENTITY: usize = 4096;
const MIN_BODY_BYTES: usize = 1 << 20;

pub fn router(shared: Arc<Shared>) -> Router {
    let body_limit = shared
        .config
        .max_batch
        .saturating_mul(BODY_BYTES_PER_ENTITY)
        .max(MIN_BODY_BYTES);
    Router::new()
        .route(
            "/v1/services/{service}",
            post(lookup).fallback(method_not_allowed),
        )
        .route("/healthz", get(healthz).fallback(method_not_allowed))
        .route("/metrics", get(metrics).fallback(method_not_allowed))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(shared)
}

async fn lookup(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    service: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let started = Instant::now();
    let request_id = shared.ids.for_request(headers.get(REQUEST_ID_HEADER));
    let name = service.as_ref().map_or("", |Path(name)| name.as_str());
    let mut response = match authorize(&shared, &headers, Some(name)) {
        Ok(()) => answer_service(&shared, &request_id, service, body, started).await,
        Err(refusal) => refusal.into_response(),
    };
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

async fn answer_service(
    shared: &Shared,
    request_id: &str,
    service: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
    started: Instant,
) -> Response {
    let name = match &service {
        Ok(Path(name)) => name.as_str(),
        Err(_) => "",
    };
    let Some(service) = shared.catalog.get(name) else {
        let error = match shared.catalog.why_not_served(name) {
            Some(why) => ApiError::new(ErrorCode::NotServed, why),
            None => ApiError::new(
                ErrorCode::UnknownService,
                format!(
                    "no service named `{name}`{} (served: {})",
                    did_you_mean(name, shared.catalog.names()),
                    shared.catalog.names().collect::<Vec<_>>().join(", ")
                ),
            ),
        };
        let response = error.into_response();
        shared.metrics.record(
            UNKNOWN_SERVICE,
            response.status().as_u16(),
            started.elapsed(),
            0,
        );
        return response;
    };
    let (response, entities) = match answer(shared, service, request_id, body).await {
        Ok((response, entities)) => (response, entities),
        Err(error) => (error.into_response(), 0),
    };
    shared.metrics.record(
        &service.name,
        response.status().as_u16(),
        started.elapsed(),
        entities,
    );
    response
}

async fn answer(
    shared: &Shared,
    service: &ServedService,
    request_id: &str,
    body: Result<Bytes, BytesRejection>,
) -> Result<(Response, usize), ApiError> {
    let body = body.map_err(|rejection| {
        let code = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ErrorCode::BatchTooLarge
        } else {
            ErrorCode::InvalidRequest
        };
        ApiError::new(
            code,
            format!("cannot read the body: {}", rejection.body_text()),
        )
    })?;
    let now = shared.config.clock.now();
    let request = request::parse(&body, service, shared.config.max_batch, now)?;
    let answer = shared
        .store
        .lookup(
            service,
            &request.key_columns,
            &request.request_columns,
            request.at,
        )
        .await
        .map_err(|e| store_error(&service.name, e))?;
    let entities = answer.rows.len();
    let body = LookupResponse {
        service,
        answer: &answer,
        at: request.at,
    };
    // Serialized here, so the answer can move to the log without a copy.
    let response = Json(body).into_response();
    if let Some(log) = &shared.log {
        log.send(Record {
            service: service.name.clone(),
            request_id: request_id.to_string(),
            at: request.at,
            served_at: now,
            rows: answer.rows,
            freshness: answer.freshness,
        });
    }
    Ok((response, entities))
}

fn store_error(service: &str, e: LookupError) -> ApiError {
    // The operator sees every store failure; the client sees what it can act on.
    eprintln!("featc serve: service `{service}`: {e}");
    let code = if e.is_unavailable() {
        ErrorCode::StoreUnavailable
    } else {
        ErrorCode::StoreError
    };
    ApiError::new(code, format!("the online store could not answer: {e}"))
}

/// `{"features": [...], "freshness": {...}, "at": "..."}`, objects in the service's column
/// order (keys, then outputs; views in the order the service reads them).
struct LookupResponse<'a> {
    service: &'a ServedService,
    answer: &'a Answer,
    at: i64,
}

impl Serialize for LookupResponse<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let names: Vec<&str> = self
            .service
            .keys
            .iter()
            .chain(&self.service.request)
            .map(|k| k.name.as_str())
            .chain(self.service.outputs.iter().map(|(name, _)| name.as_str()))
            .collect();
        let features: Vec<Ordered<'_>> = self
            .answer
            .rows
            .iter()
            .map(|row| {
                Ordered(
                    names
                        .iter()
                        .zip(row)
                        .map(|(name, value)| (*name, value_to_json(value)))
                        .collect(),
                )
            })
            .collect();
        let freshness = Ordered(
            self.service
                .views
                .iter()
                .zip(&self.answer.freshness)
                .map(|(view, until)| {
                    let json = until
                        .and_then(format_time)
                        .map_or(serde_json::Value::Null, serde_json::Value::String);
                    (view.name.as_str(), json)
                })
                .collect(),
        );
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("features", &features)?;
        map.serialize_entry("freshness", &freshness)?;
        map.serialize_entry("at", &format_time(self.at))?;
        map.end()
    }
}

/// A JSON object whose fields keep their order.
struct Ordered<'a>(Vec<(&'a str, serde_json::Value)>);

impl Serialize for Ordered<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

async fn healthz(State(shared): State<Arc<Shared>>) -> Response {
    match shared.store.ping().await {
        Ok(()) => Json(serde_json::json!({"status": "ok"})).into_response(),
        Err(e) => ApiError::new(
            ErrorCode::StoreUnavailable,
            format!("Postgres does not answer: {e}"),
        )
        .into_response(),
    }
}

/// `--tokens`: whether the request's bearer token may read `service` (`None`: any token).
/// Never a lookup for a refused request.
fn authorize(shared: &Shared, headers: &HeaderMap, service: Option<&str>) -> Result<(), ApiError> {
    let Some(tokens) = &shared.config.tokens else {
        return Ok(());
    };
    let authorization = headers.get(header::AUTHORIZATION).map(|v| v.as_bytes());
    match tokens.current().check(authorization, service) {
        Ok(()) => Ok(()),
        Err(Refusal::Unauthenticated) => Err(ApiError::new(
            ErrorCode::Unauthorized,
            "send `Authorization: Bearer TOKEN` with a token this server accepts",
        )),
        Err(Refusal::Forbidden) => Err(ApiError::new(
            ErrorCode::Forbidden,
            format!("this token may not read `{}`", service.unwrap_or_default()),
        )),
    }
}

async fn metrics(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if shared.config.protect_metrics
        && let Err(refusal) = authorize(&shared, &headers, None)
    {
        return refusal.into_response();
    }
    let mut text = shared.metrics.render();
    if let Some(log) = &shared.log {
        text.push_str(&log.metrics().render());
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

async fn not_found() -> Response {
    ApiError::new(
        ErrorCode::NotFound,
        "no such route; featc serves POST /v1/services/<service>, GET /healthz and GET /metrics",
    )
    .into_response()
}

async fn method_not_allowed() -> Response {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        "method not allowed: lookups are POST /v1/services/<service>; /healthz and /metrics are GET",
    )
    .into_response()
}
