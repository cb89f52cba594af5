//! Errors as the API returns them: `{"error": {"code": "...", "message": "..."}}` with a 4xx
//! status for a request the server will not answer, 5xx when the online store fails.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// What went wrong, as a machine-readable code (stable: clients may match on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// The body is not JSON (400).
    MalformedJson,
    /// JSON, but not the shape of a request: not an object, `entities` missing or not an
    /// array, an unknown top-level field (422).
    InvalidRequest,
    /// An entity lacks a key, has a field that is not a key, or a key of the wrong type (422).
    InvalidEntity,
    /// `entities` is empty (422).
    EmptyBatch,
    /// More entities than `--max-batch`, or a body too large to read (413).
    BatchTooLarge,
    /// `at` is not an RFC 3339 time (422).
    InvalidAt,
    /// `at` is older than the online store keeps state for (422).
    AtOutsideRetention,
    /// No bearer token, or not a token of `--tokens` (401).
    Unauthorized,
    /// A token that may not read this service (403).
    Forbidden,
    /// No service of that name (404).
    UnknownService,
    /// A service that reads an `offline only` view: training sets only (404).
    NotServed,
    /// No such route (404).
    NotFound,
    /// The route exists, the method does not (405).
    MethodNotAllowed,
    /// No connection to Postgres could be had (503).
    StoreUnavailable,
    /// Postgres answered with an error, or with cells featc cannot read (500).
    StoreError,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MalformedJson => "malformed_json",
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidEntity => "invalid_entity",
            ErrorCode::EmptyBatch => "empty_batch",
            ErrorCode::BatchTooLarge => "batch_too_large",
            ErrorCode::InvalidAt => "invalid_at",
            ErrorCode::AtOutsideRetention => "at_outside_retention",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::UnknownService => "unknown_service",
            ErrorCode::NotServed => "not_served",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::StoreUnavailable => "store_unavailable",
            ErrorCode::StoreError => "store_error",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::MalformedJson => StatusCode::BAD_REQUEST,
            ErrorCode::InvalidRequest
            | ErrorCode::InvalidEntity
            | ErrorCode::EmptyBatch
            | ErrorCode::InvalidAt
            | ErrorCode::AtOutsideRetention => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::BatchTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::UnknownService | ErrorCode::NotServed | ErrorCode::NotFound => {
                StatusCode::NOT_FOUND
            }
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::StoreUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::StoreError => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// An error response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {"code": self.code.as_str(), "message": self.message}});
        let mut response = (self.code.status(), axum::Json(body)).into_response();
        if self.code == ErrorCode::Unauthorized
            && let Ok(value) = axum::http::HeaderValue::from_str("Bearer")
        {
            response
                .headers_mut()
                .insert(axum::http::header::WWW_AUTHENTICATE, value);
        }
        response
    }
}
