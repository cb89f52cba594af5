//! What a request hands to the log: its answer, moved out of the handler once the response
//! is built (the rows are not copied on the hot path).

use crate::types::{Micros, Value};

/// One answered request.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub service: String,
    pub request_id: String,
    /// The request time used for every entity.
    pub at: Micros,
    /// The server's clock when it answered.
    pub served_at: Micros,
    /// Per entity in request order: the keys, the request inputs, then the outputs
    /// (`Answer::rows`).
    pub rows: Vec<Vec<Value>>,
    /// Per view the service reads: its `complete_until` as served.
    pub freshness: Vec<Option<Micros>>,
}
