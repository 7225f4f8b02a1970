//! Per-client rate limiting: a token bucket per client, where a client is a valid API key or
//! token when the request carries one, and the client's IP address otherwise. A request that
//! finds its bucket empty is answered 429 with `Retry-After` before its body is read; health
//! probes are never limited.
//!
//! It owns the buckets and the table that bounds them (`table.rs`: at most `max_clients`, the
//! least recently seen forgotten first, and buckets that have refilled dropped as requests pass).
//! It never stores a credential (a bucket is keyed by the credential's SHA-256) and never decides
//! access: an invalid credential only means the request counts against its IP.

mod bucket;
mod layer;
mod table;

pub use bucket::Rate;
pub use layer::{RateGate, limit};
pub use table::{ClientId, RateLimiter};

/// Routes that are never limited: the health probes an orchestrator polls.
#[must_use]
pub fn is_exempt(template: &str) -> bool {
    matches!(template, "/healthz" | "/livez" | "/readyz")
}
