//! Request ids: what a client quotes to find its request in the log (`X-Request-Id`).
//!
//! A client may send its own `X-Request-Id` (up to 128 visible ASCII characters: letters,
//! digits and `-_.:/@`), e.g. the id of the payment it scores; otherwise the server makes
//! one: 32 hex digits, a random 64-bit prefix per server process then a counter, so ids do
//! not repeat within a process and collide across processes with negligible probability.
//! Either way the response carries the id in its `X-Request-Id` header.

use axum::http::HeaderValue;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

pub const REQUEST_ID_HEADER: &str = "x-request-id";

const MAX_CLIENT_ID: usize = 128;

/// Makes the ids of one server.
#[derive(Debug)]
pub struct RequestIds {
    prefix: u64,
    next: AtomicU64,
}

impl Default for RequestIds {
    fn default() -> RequestIds {
        RequestIds::new()
    }
}

impl RequestIds {
    pub fn new() -> RequestIds {
        RequestIds {
            prefix: random_u64(),
            next: AtomicU64::new(0),
        }
    }

    /// The id of a request: the client's, if it sent a usable one, else a new one.
    pub fn for_request(&self, given: Option<&HeaderValue>) -> String {
        match given
            .and_then(|v| v.to_str().ok())
            .filter(|v| acceptable(v))
        {
            Some(id) => id.to_string(),
            None => {
                let n = self.next.fetch_add(1, Ordering::Relaxed);
                format!("{:016x}{n:016x}", self.prefix)
            }
        }
    }

    /// The random part of this server's ids (also names its log files).
    pub fn instance(&self) -> u64 {
        self.prefix
    }
}

fn acceptable(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_CLIENT_ID
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/@".contains(&b))
}

/// 64 random bits from the standard library's per-process random hasher keys (no RNG
/// dependency for one number), mixed with the time and the process id.
pub(super) fn random_u64() -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    hasher.write_u128(nanos);
    hasher.write_u32(std::process::id());
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_made_unless_the_client_sent_a_usable_one() {
        let ids = RequestIds::new();
        let first = ids.for_request(None);
        let second = ids.for_request(None);
        assert_eq!(first.len(), 32);
        assert_ne!(first, second);
        assert_eq!(first[..16], second[..16]);
        let given = HeaderValue::from_static("pay_123:retry-2");
        assert_eq!(ids.for_request(Some(&given)), "pay_123:retry-2");
        for bad in ["", "has space", "quote\"", &"x".repeat(129)] {
            let value = HeaderValue::from_str(bad).expect("a header value");
            assert_eq!(ids.for_request(Some(&value)).len(), 32, "{bad:?}");
        }
    }
}
