//! The HTTP API: routes, wire types, status codes, request observation and the OpenAPI document.
//!
//! Handlers translate wire types into engine calls and engine results back into wire types; they
//! hold no engine logic. Engine calls and body parsing run on the blocking pool so the async
//! workers stay free; searches pass [`admission::SearchGate`] first. The route table is
//! `route_table`; the OpenAPI document is built from it ([`openapi::document`]), so every route
//! served is documented and every documented route served.

pub mod access;
pub mod admission;
mod bodiless_errors;
mod body_limit;
pub mod cors;
mod envelope;
mod error;
mod extract;
#[cfg(test)]
mod layering_tests;
mod observe;
pub mod openapi;
#[cfg(test)]
mod overload_tests;
pub mod rate_limit;
mod routes;
#[cfg(test)]
mod test_router;
pub mod wire;
#[cfg(test)]
mod worker_tests;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use error::ApiError;

use crate::engine::Durability;
use crate::engine::Engine;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The catalog.
    pub engine: Arc<Engine>,
    /// Durability for collections created without one.
    pub default_durability: Durability,
    /// Parsed VelesQL statements kept between requests.
    pub plan_cache: Arc<crate::query::execute::PlanCache>,
    /// Bounds the searches running and waiting.
    pub searches: admission::SearchGate,
    /// The keys and tokens requests must carry (none configured: every request is allowed).
    pub access: Arc<access::AccessControl>,
}

/// Limits applied to every request.
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    /// Largest body accepted (413 past it).
    pub max_body_bytes: usize,
    /// Largest snapshot upload, which is exempt from `max_body_bytes`.
    pub max_snapshot_upload_bytes: u64,
    /// Longest a request may run (408 past it).
    pub request_timeout: Duration,
}

/// The address of the client of a request, as the listener reports it
/// (`ConnectInfo<PeerAddr>`; absent when the router is called in-process).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub std::net::SocketAddr);

/// What the server does about clients as such, beyond access: the CORS allow-list and the
/// per-client rate limit. The default is neither.
#[derive(Debug, Clone, Default)]
pub struct ClientPolicy {
    /// CORS headers and preflight answers; `None`: no CORS headers at all.
    pub cors: Option<tower_http::cors::CorsLayer>,
    /// The per-client token buckets; `None`: no rate limit.
    pub rate_limit: Option<Arc<rate_limit::RateLimiter>>,
}

/// The route table. Every route is registered here through `routes!`, which takes the method and
/// path from the handler's `#[utoipa::path]`, so the router and the OpenAPI document are built from
/// the same list and cannot drift apart. Register a handler with `.routes(routes!(handler))`, never
/// with a bare `.route(...)`: `tests/it/openapi_document.rs` fails when one is added.
fn route_table() -> OpenApiRouter<AppState> {
    use routes::{
        aliases, collections, facet, graph, groups, health, payload, payload_index, points, query,
        search, service, snapshots,
    };
    OpenApiRouter::with_openapi(<openapi::ApiDoc as utoipa::OpenApi>::openapi())
        .routes(routes!(service::root))
        .routes(routes!(health::healthz))
        .routes(routes!(health::livez))
        .routes(routes!(health::readyz))
        .routes(routes!(service::metrics))
        .routes(routes!(service::openapi_json))
        .routes(routes!(service::docs_page))
        .routes(routes!(collections::list))
        .routes(routes!(
            collections::get,
            collections::create,
            collections::delete
        ))
        .routes(routes!(collections::exists))
        .routes(routes!(points::retrieve, points::upsert))
        .routes(routes!(points::delete))
        .routes(routes!(payload::set, payload::overwrite))
        .routes(routes!(payload::delete_keys))
        .routes(routes!(payload::clear))
        .routes(routes!(points::count))
        .routes(routes!(points::scroll))
        .routes(routes!(facet::facet))
        .routes(routes!(search::query))
        .routes(routes!(search::search))
        .routes(routes!(search::query_batch))
        .routes(routes!(search::search_batch))
        .routes(routes!(groups::query_groups))
        .routes(routes!(groups::search_groups))
        .routes(routes!(payload_index::create))
        .routes(routes!(query::query))
        .routes(routes!(payload_index::delete, payload_index::stats))
        .routes(routes!(points::get_point))
        .routes(routes!(aliases::update))
        .routes(routes!(aliases::list))
        .routes(routes!(aliases::of_collection))
        .routes(routes!(snapshots::create, snapshots::list))
        .routes(routes!(snapshots::download, snapshots::delete))
        .routes(routes!(snapshots::recover))
        .routes(routes!(snapshots::upload))
        .routes(routes!(snapshots::create_full, snapshots::list_full))
        .routes(routes!(snapshots::download_full, snapshots::delete_full))
        .routes(routes!(graph::upsert_edges))
        .routes(routes!(graph::delete_edges))
        .routes(routes!(graph::get_edge))
        .routes(routes!(graph::neighbors))
        .routes(routes!(graph::traverse))
        .routes(routes!(graph::shortest_path))
}

/// The router: the route table, the 404 fallback and the layers that apply to every request, with
/// no CORS and no rate limit.
pub fn router(state: AppState, limits: HttpLimits) -> Router {
    router_with(state, limits, ClientPolicy::default())
}

/// As [`router`], with `policy`'s CORS and rate limit. Inside the router (where the route
/// template is known) the rate limit runs first (429), then access control (401, 403).
pub fn router_with(state: AppState, limits: HttpLimits, policy: ClientPolicy) -> Router {
    let (routes, _) = route_table().split_for_parts();
    let gate = access::AccessGate {
        control: Arc::clone(&state.access),
        engine: Arc::clone(&state.engine),
    };
    let mut routes =
        routes
            .fallback(routes::service::not_found)
            .layer(axum::middleware::from_fn_with_state(
                gate,
                access::authorize,
            ));
    if let Some(limiter) = policy.rate_limit {
        routes = routes.layer(axum::middleware::from_fn_with_state(
            rate_limit::RateGate {
                limiter,
                access: Arc::clone(&state.access),
            },
            rate_limit::limit,
        ));
    }
    with_layers(routes.with_state(state), limits, policy.cors)
}

/// The layers, innermost first: body limits (413), the request timeout (408), the error envelope
/// for answers without a body (405, 408), the panic answer (500), CORS (when configured: it
/// answers preflights itself and adds its headers to every answer, errors included), metrics,
/// the span and log line, and the request id, which is assigned first and therefore seen by
/// everything inside (and echoed on every answer, 408 and 500 included).
fn with_layers(
    routes: Router,
    limits: HttpLimits,
    cors: Option<tower_http::cors::CorsLayer>,
) -> Router {
    let routes = routes
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            (limits.max_body_bytes, limits.max_snapshot_upload_bytes),
            body_limit::reject_declared_oversize,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .layer(axum::middleware::from_fn(bodiless_errors::fill))
        .layer(CatchPanicLayer::custom(observe::panic_response));
    let routes = match cors {
        Some(cors) => routes.layer(cors),
        None => routes,
    };
    routes
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
