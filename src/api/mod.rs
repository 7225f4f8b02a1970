//! The HTTP API: routes, wire types, status codes, request observation and the OpenAPI document.
//!
//! Handlers translate wire types into engine calls and engine results back into wire types; they
//! hold no engine logic. CPU-bound engine calls run on the blocking pool so the async workers stay
//! free. The route table is in [`router`]; every route is listed in [`openapi::ApiDoc`].

mod bodiless_errors;
mod body_limit;
mod envelope;
mod error;
mod extract;
mod observe;
pub mod openapi;
mod routes;
pub mod wire;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use tower_http::timeout::TimeoutLayer;

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
}

/// Limits applied to every request.
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    /// Largest body accepted (413 past it).
    pub max_body_bytes: usize,
    /// Longest a request may run (408 past it).
    pub request_timeout: Duration,
}

/// The whole route table.
pub fn router(state: AppState, limits: HttpLimits) -> Router {
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
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            limits.max_body_bytes,
            body_limit::reject_declared_oversize,
        ))
        .layer(axum::middleware::from_fn(observe::observe))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .layer(axum::middleware::from_fn(bodiless_errors::fill))
}
