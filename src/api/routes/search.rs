//! `/collections/{name}/points/query` and the older `/points/search`, one search or a batch:
//! nearest neighbours.

use std::time::Instant;

use axum::extract::State;
use axum::response::Response;

use super::on_blocking_pool;
use crate::api::AppState;
use crate::api::envelope::{ErrorBody, ok};
use crate::api::error::ApiError;
use crate::api::extract::{Json, Path, Query};
use crate::api::wire::bounds::check_returned_vectors;
use crate::api::wire::explain::WireExplain;
use crate::api::wire::points::{
    FilteredSearch, QueryRequest, QueryResponse, SearchRequestBody, TimeoutParam, WireScoredPoint,
};
use crate::api::wire::search_batch::{MAX_BATCH_SEARCHES, QueryBatchRequest, SearchBatchRequest};
use crate::engine::Collection;
use crate::query::{check_types, filtered_nearest};

/// One search: the engine request, the filter's predicate and whether to explain.
type Search = FilteredSearch;

/// The hits of one search, and how it ran when asked.
struct Answer {
    points: Vec<WireScoredPoint>,
    explain: Option<WireExplain>,
}

/// Runs one search among the points its filter matches, all read from one view, as the planner
/// chooses.
fn filtered_search(collection: &Collection, search: &Search) -> Result<Answer, ApiError> {
    let mut explained = None;
    let mut mismatch = None;
    let hits = collection.search_planned(&search.request, |view, query, k, params| {
        if let Some(Err(e)) = search.filter.as_ref().map(|p| check_types(view, p)) {
            mismatch = Some(e);
            return Vec::new();
        }
        let (hits, explain) = filtered_nearest(view, query, k, params, search.filter.as_ref());
        explained = Some(explain);
        hits
    })?;
    if let Some(e) = mismatch {
        return Err(e.into());
    }
    Ok(Answer {
        points: hits.into_iter().map(WireScoredPoint::from).collect(),
        explain: explained.filter(|_| search.explain).map(WireExplain::from),
    })
}

async fn run(state: AppState, name: String, search: Search) -> Result<Answer, ApiError> {
    // A turn first: searches past the gate's bounds are answered 503 at once.
    let permit = state.searches.enter().await?;
    on_blocking_pool(move || {
        let _permit = permit;
        let c = state.engine.collection(&name)?;
        if search.request.projection.with_vector {
            check_returned_vectors(search.request.limit, c.config().dimension)?;
        }
        Ok(filtered_search(&c, &search)?)
    })
    .await
}

/// Runs the searches of a batch in order, in one task on the blocking pool; the first error
/// answers the whole batch, naming the search it came from.
async fn run_batch(
    state: AppState,
    name: String,
    requests: Vec<Search>,
) -> Result<Vec<Answer>, ApiError> {
    // One turn for the whole batch: it runs as one task.
    let permit = state.searches.enter().await?;
    on_blocking_pool(move || {
        let _permit = permit;
        let collection = state.engine.collection(&name)?;
        requests
            .iter()
            .enumerate()
            .map(|(i, request)| {
                filtered_search(&collection, request)
                    .map_err(|e| e.within(&format!("searches[{i}]")))
            })
            .collect()
    })
    .await
}

/// The engine requests of a batch's searches, refusing a batch past [`MAX_BATCH_SEARCHES`].
fn batch_requests<T>(
    searches: Vec<T>,
    convert: impl Fn(T) -> Result<Search, ApiError>,
) -> Result<Vec<Search>, ApiError> {
    if searches.len() > MAX_BATCH_SEARCHES {
        return Err(ApiError::unprocessable(format!(
            "a batch holds at most {MAX_BATCH_SEARCHES} searches; this one has {}",
            searches.len()
        )));
    }
    searches
        .into_iter()
        .enumerate()
        .map(|(i, search)| convert(search).map_err(|e| e.within(&format!("searches[{i}]"))))
        .collect()
}

fn query_request(body: QueryRequest) -> Result<Search, ApiError> {
    let vector = body.query.into_vector()?;
    body.options.into_request(vector, body.limit.unwrap_or(10))
}

fn search_request(body: SearchRequestBody) -> Result<Search, ApiError> {
    let search = body.options.into_request(body.vector.0, body.limit)?;
    if search.explain {
        return Err(ApiError::unprocessable(
            "`params.explain` is answered by `points/query` (its result has room for it); \
             `points/search` returns a bare list",
        ));
    }
    Ok(search)
}

/// Nearest points to a vector, best first (HNSW above the collection's `full_scan_threshold`,
/// exact below it or with `params.exact`). See the score convention on
/// `WireScoredPoint.score`.
#[utoipa::path(post, path = "/collections/{name}/points/query", tag = "search", operation_id = "query_points",
    params(("name" = String, Path), TimeoutParam),
    request_body = QueryRequest,
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<QueryResponse>)),
        (status = 400, description = "Malformed JSON, a body of the wrong shape, or a wrong vector dimension", body = ErrorBody),
        (status = 404, description = "No such collection", body = ErrorBody),
        (status = 415, description = "The body is not declared as application/json", body = ErrorBody),
        (status = 422, description = "Bad query vector, limit or hnsw_ef out of range, an unsupported query kind or field", body = ErrorBody),
        (status = 500, description = "Internal error (the server log has the details)", body = ErrorBody),
        (status = 503, description = "Collection recovering or failed to open, or too many searches running and waiting (retry after `Retry-After` seconds)", body = ErrorBody),
    ))]
pub async fn query(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(timeout): Query<TimeoutParam>,
    Json(body): Json<QueryRequest>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    timeout.check()?;
    let request = query_request(body)?;
    let answer = run(state, name, request).await?;
    Ok(ok(
        QueryResponse {
            points: answer.points,
            explain: answer.explain,
        },
        started,
    ))
}

/// Several queries in one request, answered in order: one `{points}` per query.
#[utoipa::path(post, path = "/collections/{name}/points/query/batch", tag = "search", operation_id = "query_batch_points",
    params(("name" = String, Path)),
    request_body = QueryBatchRequest,
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<Vec<QueryResponse>>)),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 404, description = "No such collection", body = ErrorBody),
        (status = 415, description = "The body is not declared as application/json", body = ErrorBody),
        (status = 422, description = "More than 256 queries, or a bad query (the message names it)", body = ErrorBody),
        (status = 500, description = "Internal error (the server log has the details)", body = ErrorBody),
        (status = 503, description = "Collection recovering or failed to open, or too many searches running and waiting (retry after `Retry-After` seconds)", body = ErrorBody),
    ))]
pub async fn query_batch(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Json(body): Json<QueryBatchRequest>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let requests = batch_requests(body.searches, query_request)?;
    let results = run_batch(state, name, requests).await?;
    let results: Vec<QueryResponse> = results
        .into_iter()
        .map(|a| QueryResponse {
            points: a.points,
            explain: a.explain,
        })
        .collect();
    Ok(ok(results, started))
}

/// Nearest points to a vector (the older search endpoint); the result is a bare list.
#[utoipa::path(post, path = "/collections/{name}/points/search", tag = "search", operation_id = "search_points",
    params(("name" = String, Path), TimeoutParam),
    request_body = SearchRequestBody,
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<Vec<WireScoredPoint>>)),
        (status = 400, description = "Malformed JSON, a body of the wrong shape, or a wrong vector dimension", body = ErrorBody),
        (status = 404, description = "No such collection", body = ErrorBody),
        (status = 415, description = "The body is not declared as application/json", body = ErrorBody),
        (status = 422, description = "Bad query vector, limit or hnsw_ef out of range, an unsupported query kind or field", body = ErrorBody),
        (status = 500, description = "Internal error (the server log has the details)", body = ErrorBody),
        (status = 503, description = "Collection recovering or failed to open, or too many searches running and waiting (retry after `Retry-After` seconds)", body = ErrorBody),
    ))]
pub async fn search(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(timeout): Query<TimeoutParam>,
    Json(body): Json<SearchRequestBody>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    timeout.check()?;
    let request = search_request(body)?;
    let answer = run(state, name, request).await?;
    Ok(ok(answer.points, started))
}

/// Several searches in one request (the older batch endpoint), answered in order: one list of
/// hits per search.
#[utoipa::path(post, path = "/collections/{name}/points/search/batch", tag = "search", operation_id = "search_batch_points",
    params(("name" = String, Path)),
    request_body = SearchBatchRequest,
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<Vec<Vec<WireScoredPoint>>>)),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 404, description = "No such collection", body = ErrorBody),
        (status = 415, description = "The body is not declared as application/json", body = ErrorBody),
        (status = 422, description = "More than 256 searches, or a bad search (the message names it)", body = ErrorBody),
        (status = 500, description = "Internal error (the server log has the details)", body = ErrorBody),
        (status = 503, description = "Collection recovering or failed to open, or too many searches running and waiting (retry after `Retry-After` seconds)", body = ErrorBody),
    ))]
pub async fn search_batch(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Json(body): Json<SearchBatchRequest>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let requests = batch_requests(body.searches, search_request)?;
    let results: Vec<Vec<WireScoredPoint>> = run_batch(state, name, requests)
        .await?
        .into_iter()
        .map(|a| a.points)
        .collect();
    Ok(ok(results, started))
}
