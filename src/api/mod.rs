//! The HTTP API: routes, wire types, status codes, request observation and the OpenAPI document.
//!
//! Handlers translate wire types into engine calls and engine results back into wire types; they
//! hold no engine logic. Engine calls and body parsing run on the blocking pool so the async
//! workers stay free; searches pass [`admission::SearchGate`] first. The route table is in
//! [`router`]; every route is listed in [`openapi::ApiDoc`].

pub mod admission;
mod body_limit;
mod envelope;
mod error;
mod extract;
mod observe;
pub mod openapi;
#[cfg(test)]
mod overload_tests;
mod routes;
pub mod wire;
#[cfg(test)]
mod worker_tests;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

pub use error::ApiError;

use crate::engine::Engine;
use crate::storage::wal::Durability;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The catalog.
    pub engine: Arc<Engine>,
    /// Durability for collections created without one.
    pub default_durability: Durability,
    /// Bounds the searches running and waiting.
    pub searches: admission::SearchGate,
}

/// Limits applied to every request.
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    /// Largest body accepted (413 past it).
    pub max_body_bytes: usize,
    /// Longest a request may run (408 past it).
    pub request_timeout: Duration,
}

/// The whole route table, with the layers every request passes.
pub fn router(state: AppState, limits: HttpLimits) -> Router {
    with_layers(routes(state), limits)
}

fn routes(state: AppState) -> Router {
    Router::new()
        .route("/", get(routes::service::root))
        .route("/healthz", get(routes::health::healthz))
        .route("/livez", get(routes::health::livez))
        .route("/readyz", get(routes::health::readyz))
        .route("/metrics", get(routes::service::metrics))
        .route("/openapi.json", get(routes::service::openapi_json))
        .route("/docs", get(routes::service::docs_page))
        .route("/collections", get(routes::collections::list))
        .route(
            "/collections/{name}",
            get(routes::collections::get)
                .put(routes::collections::create)
                .delete(routes::collections::delete),
        )
        .route(
            "/collections/{name}/exists",
            get(routes::collections::exists),
        )
        .route(
            "/collections/{name}/points",
            post(routes::points::retrieve).put(routes::points::upsert),
        )
        .route(
            "/collections/{name}/points/delete",
            post(routes::points::delete),
        )
        .route(
            "/collections/{name}/points/count",
            post(routes::points::count),
        )
        .route(
            "/collections/{name}/points/scroll",
            post(routes::points::scroll),
        )
        .route(
            "/collections/{name}/points/query",
            post(routes::search::query),
        )
        .route(
            "/collections/{name}/points/search",
            post(routes::search::search),
        )
        .route(
            "/collections/{name}/points/{id}",
            get(routes::points::get_point),
        )
        .fallback(routes::service::not_found)
        .with_state(state)
}

/// The layers, innermost first: body limits (413), the request timeout (408), the panic answer
/// (500), metrics, the span and log line, and the request id, which is assigned first and
/// therefore seen by everything inside (and echoed on every answer, 408 and 500 included).
fn with_layers(routes: Router, limits: HttpLimits) -> Router {
    routes
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            limits.max_body_bytes,
            body_limit::reject_declared_oversize,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .layer(CatchPanicLayer::custom(observe::panic_response))
        .layer(axum::middleware::from_fn(observe::record))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(observe::request_span)
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(observe::REQUEST_ID))
        .layer(SetRequestIdLayer::new(
            observe::REQUEST_ID,
            observe::CountingIds,
        ))
        .layer(axum::middleware::map_request(
            observe::drop_unusable_request_id,
        ))
}
