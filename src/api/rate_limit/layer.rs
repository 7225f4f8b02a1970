//! The middleware: finds the client of a request and takes a token from its bucket, or answers
//! 429 with `Retry-After`. It runs inside the router, before access control, so that requests
//! with a wrong key are limited too (by IP) and no body is read for a refused request.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::table::{ClientId, RateLimiter};
use crate::api::PeerAddr;
use crate::api::access::{AccessControl, credential};
use crate::api::error::ApiError;
use crate::metrics;

/// What the middleware needs: the limiter, and the keys (to tell a valid credential).
#[derive(Debug, Clone)]
pub struct RateGate {
    /// The buckets.
    pub limiter: Arc<RateLimiter>,
    /// The keys.
    pub access: Arc<AccessControl>,
}

impl RateGate {
    /// The client of `req`: its credential when that is valid, else its IP address (the
    /// unspecified address when the server was started without connection info, as in-process
    /// tests are).
    fn client(&self, req: &Request) -> ClientId {
        let headers = req.headers();
        if self.access.enabled()
            && let Some(given) = credential(headers)
            && self.access.authenticate(headers).is_ok()
        {
            return ClientId::key(given);
        }
        let ip = req
            .extensions()
            .get::<ConnectInfo<PeerAddr>>()
            .map_or(std::net::Ipv4Addr::UNSPECIFIED.into(), |c| c.0.0.ip());
        ClientId::Ip(ip)
    }
}

/// The middleware (`axum::middleware::from_fn_with_state`).
pub async fn limit(State(gate): State<RateGate>, req: Request, next: Next) -> Response {
    if req
        .extensions()
        .get::<MatchedPath>()
        .is_some_and(|p| super::is_exempt(p.as_str()))
    {
        return next.run(req).await;
    }
    let client = gate.client(&req);
    match gate.limiter.check(client, Instant::now()) {
        Ok(()) => next.run(req).await,
        Err(retry_after) => {
            metrics::RATE_LIMITED
                .with_label_values(&[client.kind()])
                .inc();
            ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "too many requests from this client; retry in {retry_after} s (the server's \
                     rate limit)"
                ),
            )
            .with_retry_after(retry_after)
            .into_response()
        }
    }
}
