//! `/collections/{name}/points/query` (and the older `/points/search`): nearest neighbours.

use std::time::Instant;

use axum::extract::State;
use axum::response::Response;

use super::on_blocking_pool;
use crate::api::AppState;
use crate::api::envelope::ok;
use crate::api::error::ApiError;
use crate::api::extract::{JsonBody, Path};
use crate::api::wire::points::{
    QueryInput, QueryRequest, QueryResponse, SearchRequestBody, WireScoredPoint,
};
use crate::engine::SearchRequest;

/// Waits for a search turn, then parses the body and searches on the blocking pool.
async fn run<B: serde::de::DeserializeOwned + Send + 'static>(
    state: AppState,
    name: String,
    body: JsonBody<B>,
    request: impl FnOnce(B) -> Result<SearchRequest, ApiError> + Send + 'static,
) -> Result<Vec<WireScoredPoint>, ApiError> {
    let permit = state.searches.enter().await?;
    on_blocking_pool(move || {
        let _permit = permit;
        let request = request(body.parse()?)?;
        let hits = state.engine.collection(&name)?.search(&request)?;
        Ok(hits.into_iter().map(WireScoredPoint::from).collect())
    })
    .await
}

/// Nearest points to a vector, best first (HNSW above the collection's `full_scan_threshold`,
/// exact below it or with `params.exact`). See the score convention on
/// `WireScoredPoint.score`.
#[utoipa::path(post, path = "/collections/{name}/points/query", tag = "search",
    params(("name" = String, Path)),
    request_body = QueryRequest,
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<QueryResponse>)),
        (status = 404, description = "No such collection", body = crate::api::envelope::ErrorBody),
        (status = 422, description = "Bad query vector or limit", body = crate::api::envelope::ErrorBody),
        (status = 503, description = "Too many searches running and waiting; retry after `Retry-After` seconds", body = crate::api::envelope::ErrorBody),
    ))]
pub async fn query(
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: JsonBody<QueryRequest>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let points = run(state, name, body, |body: QueryRequest| {
        let vector = match body.query {
            QueryInput::Vector(v) | QueryInput::Nearest { nearest: v } => v,
        };
        body.options.into_request(vector, body.limit.unwrap_or(10))
    })
    .await?;
    Ok(ok(QueryResponse { points }, started))
}

/// Nearest points to a vector (the older search endpoint); the result is a bare list.
#[utoipa::path(post, path = "/collections/{name}/points/search", tag = "search",
    params(("name" = String, Path)),
    request_body = SearchRequestBody,
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<Vec<WireScoredPoint>>)),
        (status = 404, description = "No such collection", body = crate::api::envelope::ErrorBody),
        (status = 422, description = "Bad query vector or limit", body = crate::api::envelope::ErrorBody),
        (status = 503, description = "Too many searches running and waiting; retry after `Retry-After` seconds", body = crate::api::envelope::ErrorBody),
    ))]
pub async fn search(
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: JsonBody<SearchRequestBody>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let points = run(state, name, body, |body: SearchRequestBody| {
        body.options.into_request(body.vector, body.limit)
    })
    .await?;
    Ok(ok(points, started))
}
