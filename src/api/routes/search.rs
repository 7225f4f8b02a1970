//! `/collections/{name}/points/query` (and the older `/points/search`): nearest neighbours.

use std::time::Instant;

use axum::extract::State;
use axum::response::Response;

use super::on_blocking_pool;
use crate::api::AppState;
use crate::api::envelope::ok;
use crate::api::error::ApiError;
use crate::api::extract::{Json, Path, Query};
use crate::api::wire::bounds::check_returned_vectors;
use crate::api::wire::points::{
    QueryRequest, QueryResponse, SearchRequestBody, TimeoutParam, WireScoredPoint,
};
use crate::engine::SearchRequest;

async fn run(
    state: AppState,
    name: String,
    request: SearchRequest,
) -> Result<Vec<WireScoredPoint>, ApiError> {
    on_blocking_pool(move || {
        let c = state.engine.collection(&name)?;
        if request.projection.with_vector {
            check_returned_vectors(request.limit, c.config().dimension)?;
        }
        let hits = c.search(&request)?;
        Ok(hits.into_iter().map(WireScoredPoint::from).collect())
    })
    .await
}

/// Nearest points to a vector, best first (HNSW above the collection's `full_scan_threshold`,
/// exact below it or with `params.exact`). See the score convention on
/// `WireScoredPoint.score`.
#[utoipa::path(post, path = "/collections/{name}/points/query", tag = "search",
    params(("name" = String, Path), TimeoutParam),
    request_body = QueryRequest,
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<QueryResponse>)),
        (status = 400, description = "Malformed JSON, a body of the wrong shape, or a wrong vector dimension", body = crate::api::envelope::ErrorBody),
        (status = 404, description = "No such collection", body = crate::api::envelope::ErrorBody),
        (status = 422, description = "Bad query vector, limit or hnsw_ef out of range, an unsupported query kind or field", body = crate::api::envelope::ErrorBody),
    ))]
pub async fn query(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(timeout): Query<TimeoutParam>,
    Json(body): Json<QueryRequest>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    timeout.check()?;
    let vector = body.query.into_vector()?;
    let request = body
        .options
        .into_request(vector, body.limit.unwrap_or(10))?;
    let points = run(state, name, request).await?;
    Ok(ok(QueryResponse { points }, started))
}

/// Nearest points to a vector (the older search endpoint); the result is a bare list.
#[utoipa::path(post, path = "/collections/{name}/points/search", tag = "search",
    params(("name" = String, Path), TimeoutParam),
    request_body = SearchRequestBody,
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<Vec<WireScoredPoint>>)),
        (status = 400, description = "Malformed JSON, a body of the wrong shape, or a wrong vector dimension", body = crate::api::envelope::ErrorBody),
        (status = 404, description = "No such collection", body = crate::api::envelope::ErrorBody),
        (status = 422, description = "Bad query vector, limit or hnsw_ef out of range, an unsupported query kind or field", body = crate::api::envelope::ErrorBody),
    ))]
pub async fn search(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(timeout): Query<TimeoutParam>,
    Json(body): Json<SearchRequestBody>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    timeout.check()?;
    let request = body.options.into_request(body.vector, body.limit)?;
    let points = run(state, name, request).await?;
    Ok(ok(points, started))
}
