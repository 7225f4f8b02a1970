//! `/collections/{name}/points/query` (and the older `/points/search`): nearest neighbours.

use std::time::Instant;

use axum::extract::State;
use axum::response::Response;

use super::on_blocking_pool;
use crate::api::AppState;
use crate::api::envelope::{ErrorBody, ok};
use crate::api::error::ApiError;
use crate::api::extract::{Json, Path};
use crate::api::wire::points::{
    QueryInput, QueryRequest, QueryResponse, SearchRequestBody, WireScoredPoint,
};
use crate::engine::SearchRequest;

async fn run(
    state: AppState,
    name: String,
    request: SearchRequest,
) -> Result<Vec<WireScoredPoint>, ApiError> {
    on_blocking_pool(move || {
        let hits = state.engine.collection(&name)?.search(&request)?;
        Ok(hits.into_iter().map(WireScoredPoint::from).collect())
    })
    .await
}

/// Nearest points to a vector, best first (HNSW above the collection's `full_scan_threshold`,
/// exact below it or with `params.exact`). See the score convention on
/// `WireScoredPoint.score`.
#[utoipa::path(post, path = "/collections/{name}/points/query", tag = "search", operation_id = "query_points",
    params(("name" = String, Path)),
    request_body = QueryRequest,
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<QueryResponse>)),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 404, description = "No such collection", body = ErrorBody),
        (status = 415, description = "The body is not declared as application/json", body = ErrorBody),
        (status = 422, description = "Bad query vector, limit or parameters, a filter, or a body of the wrong shape", body = ErrorBody),
        (status = 500, description = "Internal error (the server log has the details)", body = ErrorBody),
        (status = 503, description = "Collection recovering or failed to open", body = ErrorBody),
    ))]
pub async fn query(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Json(body): Json<QueryRequest>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let vector = match body.query {
        QueryInput::Vector(v) | QueryInput::Nearest { nearest: v } => v,
    };
    let request = body
        .options
        .into_request(vector, body.limit.unwrap_or(10))?;
    let points = run(state, name, request).await?;
    Ok(ok(QueryResponse { points }, started))
}

/// Nearest points to a vector (the older search endpoint); the result is a bare list.
#[utoipa::path(post, path = "/collections/{name}/points/search", tag = "search", operation_id = "search_points",
    params(("name" = String, Path)),
    request_body = SearchRequestBody,
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<Vec<WireScoredPoint>>)),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 404, description = "No such collection", body = ErrorBody),
        (status = 415, description = "The body is not declared as application/json", body = ErrorBody),
        (status = 422, description = "Bad query vector, limit or parameters, a filter, or a body of the wrong shape", body = ErrorBody),
        (status = 500, description = "Internal error (the server log has the details)", body = ErrorBody),
        (status = 503, description = "Collection recovering or failed to open", body = ErrorBody),
    ))]
pub async fn search(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Json(body): Json<SearchRequestBody>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let request = body.options.into_request(body.vector, body.limit)?;
    let points = run(state, name, request).await?;
    Ok(ok(points, started))
}
