//! `/collections/{name}/points/query` and the older `/points/search`, one search or a batch:
//! nearest neighbours, or (`query: {"text": ...}`, a Plait extension) BM25 ranking over a text
//! index.

use std::time::Instant;

use axum::extract::State;
use axum::response::Response;
use serde::de::DeserializeOwned;

use super::on_blocking_pool;
use crate::api::AppState;
use crate::api::envelope::{ErrorBody, ok};
use crate::api::error::ApiError;
use crate::api::extract::{JsonBody, Path, Query};
use crate::api::wire::bounds::{check_returned_vectors, check_text_query, check_vector_names};
use crate::api::wire::explain::WireExplain;
use crate::api::wire::payload_index::field_path;
use crate::api::wire::points::{
    FilteredSearch, QueryRequest, QueryResponse, SearchRequestBody, TimeoutParam, WireScoredPoint,
};
use crate::api::wire::prefetch::TopLevel;
use crate::api::wire::query_input::QueryInput;
use crate::api::wire::search_batch::{MAX_BATCH_SEARCHES, QueryBatchRequest, SearchBatchRequest};
use crate::columns::FieldPath;
use crate::engine::{Collection, NearestParams, ScoredPoint, VectorValue};
use crate::query::{
    MultiStageError, Scoring, Stage, check_types, filtered_nearest, multi_stage, rank_text,
};

/// The error answers every search route shares (400 and 422 differ by route).
#[derive(utoipa::IntoResponses)]
#[expect(
    dead_code,
    reason = "describes answers for the OpenAPI document; ApiError makes them"
)]
pub(super) enum SearchErrors {
    #[response(status = 404, description = "No such collection")]
    NotFound(ErrorBody),
    #[response(
        status = 415,
        description = "The body is not declared as application/json"
    )]
    NotJson(ErrorBody),
    #[response(
        status = 500,
        description = "Internal error (the server log has the details)"
    )]
    Internal(ErrorBody),
    #[response(
        status = 503,
        description = "Collection recovering or failed to open, or too many searches running and waiting (retry after `Retry-After` seconds)"
    )]
    Unavailable(ErrorBody),
}

/// The body of one search: a `/points/query` or a `/points/search` body.
trait SearchBody: DeserializeOwned + Send + 'static {
    /// The engine request, checked against every bound.
    fn into_request(self) -> Result<FilteredSearch, ApiError>;
}

impl SearchBody for QueryRequest {
    fn into_request(self) -> Result<FilteredSearch, ApiError> {
        let limit = self.limit.unwrap_or(10);
        let offset = self.paging.offset()?;
        if !TopLevel::is_multi_stage(&self.query, self.prefetch.as_ref()) {
            if let QueryInput::Text(text) = self.query {
                let field = field_path(&text.field).map_err(|_| {
                    ApiError::unprocessable("`query.text.field` is not a field path")
                })?;
                check_text_query("query.text.query", &text.query)?;
                let mut search = self.options.into_request(Vec::new(), None, limit, offset)?;
                search.text = Some((field, text.query));
                return Ok(search);
            }
            let vector = self.query.into_vector()?;
            return self
                .options
                .into_request(vector, self.using.map(|n| n.0), limit, offset);
        }
        let wanted = usize::try_from(limit.saturating_add(offset)).unwrap_or(usize::MAX);
        let stage = TopLevel {
            query: self.query,
            prefetch: self.prefetch,
            filter: self.options.filter.as_ref(),
            params: self.options.params.as_ref(),
            score_threshold: self.options.score_threshold,
            wanted,
            using: self.using.map(|n| n.0),
        }
        .into_stage()?;
        // The top-level bounds and fields are checked as for a single search.
        let mut search = self.options.into_request(Vec::new(), None, limit, offset)?;
        search.stage = Some(stage);
        Ok(search)
    }
}

/// Ranks by BM25 over the text index of `field`, among the points the filter allows.
fn text_search(
    collection: &Collection,
    search: &FilteredSearch,
    field: &FieldPath,
    text: &str,
) -> Result<Answer, ApiError> {
    let req = &search.request;
    let k = req.limit + req.offset;
    let ranked = collection.read(|view| {
        if let Some(p) = search.filter.as_ref() {
            check_types(view, p)?;
        }
        let (hits, explain) = rank_text(view, field, text, search.filter.as_ref(), k)
            .map_err(|e| ApiError::unprocessable(e.to_string()))?;
        let points: Vec<WireScoredPoint> = hits
            .into_iter()
            .skip(req.offset)
            .filter(|h| req.score_threshold.is_none_or(|t| h.score >= t))
            .filter_map(|h| {
                Some(WireScoredPoint::from(ScoredPoint {
                    record: view.record(h.slot, &req.projection)?,
                    score: h.score,
                }))
            })
            .collect();
        Ok::<_, ApiError>(Answer {
            points,
            explain: search
                .explain
                .then(|| WireExplain::text(&explain, view.len() as u64)),
        })
    })?;
    Ok(ranked)
}

impl SearchBody for SearchRequestBody {
    fn into_request(self) -> Result<FilteredSearch, ApiError> {
        let (dense, sparse) = match self.vector.vector {
            VectorValue::Dense(v) => (v, None),
            VectorValue::Sparse(v) => (Vec::new(), Some(v)),
        };
        let offset = self.paging.offset()?;
        let mut search = self
            .options
            .into_request(dense, self.vector.name, self.limit, offset)?;
        if search.explain {
            return Err(ApiError::unprocessable(
                "`params.explain` is answered by `points/query` (its result has room for it); \
                 `points/search` returns a bare list",
            ));
        }
        if let Some(vector) = sparse {
            // A sparse search is the one-stage query it would be in `points/query`.
            let using = search.request.using.clone().unwrap_or_default();
            search.stage = Some(Stage {
                prefetch: Vec::new(),
                scoring: Scoring::Sparse { vector, using },
                filter: search.filter.clone(),
                limit: search.request.limit + search.request.offset,
                score_threshold: search.request.score_threshold,
                params: NearestParams::default(),
            });
        }
        Ok(search)
    }
}

/// The hits of one search, and how it ran when asked.
struct Answer {
    points: Vec<WireScoredPoint>,
    explain: Option<WireExplain>,
}

/// Runs one search among the points its filter matches, all read from one view, as the planner
/// chooses.
fn filtered_search(collection: &Collection, search: &FilteredSearch) -> Result<Answer, ApiError> {
    if let Some(stage) = &search.stage {
        return multi_stage_search(collection, stage, search);
    }
    if let Some((field, text)) = &search.text {
        return text_search(collection, search, field, text);
    }
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

/// Runs the stages of a multi-stage query and reads its page of points, all from one view.
fn multi_stage_search(
    collection: &Collection,
    stage: &Stage,
    search: &FilteredSearch,
) -> Result<Answer, ApiError> {
    let request = &search.request;
    let points = collection.read(|view| {
        let ranked = multi_stage::run(view, stage)?;
        Ok::<_, MultiStageError>(
            ranked
                .hits
                .into_iter()
                .skip(request.offset)
                .take(request.limit)
                .filter_map(|hit| {
                    Some(WireScoredPoint::from(ScoredPoint {
                        record: view.record(hit.slot, &request.projection)?,
                        score: hit.score,
                    }))
                })
                .collect::<Vec<_>>(),
        )
    });
    Ok(Answer {
        points: points.map_err(ApiError::from)?,
        explain: None,
    })
}

/// The body of a batch: the searches of one of the two batch routes.
trait BatchBody: DeserializeOwned + Send + 'static {
    /// One search of the batch.
    type Search: SearchBody;
    /// The searches, in order.
    fn into_searches(self) -> Vec<Self::Search>;
}

impl BatchBody for QueryBatchRequest {
    type Search = QueryRequest;
    fn into_searches(self) -> Vec<QueryRequest> {
        self.searches
    }
}

impl BatchBody for SearchBatchRequest {
    type Search = SearchRequestBody;
    fn into_searches(self) -> Vec<SearchRequestBody> {
        self.searches
    }
}

/// Runs one search. After a turn at the gate, the body is parsed and the search run in one task
/// on the blocking pool: a body can be large enough to stall an async worker.
async fn run<B: SearchBody>(
    state: AppState,
    name: String,
    body: JsonBody<B>,
) -> Result<Answer, ApiError> {
    // A turn first: searches past the gate's bounds are answered 503 at once.
    let permit = state.searches.enter().await?;
    on_blocking_pool(move || {
        let _permit = permit;
        let request = body.parse()?.into_request()?;
        let mut answers = search_all(&state, &name, vec![request], |_, e| e)?;
        answers
            .pop()
            .ok_or_else(|| ApiError::unprocessable("no search to run"))
    })
    .await
}

/// Runs the searches of a batch in order, in one task on the blocking pool (one turn at the gate
/// for the whole batch); the first error answers the whole batch, naming the search it came from.
async fn run_batch<B: BatchBody>(
    state: AppState,
    name: String,
    body: JsonBody<B>,
) -> Result<Vec<Answer>, ApiError> {
    let permit = state.searches.enter().await?;
    on_blocking_pool(move || {
        let _permit = permit;
        let requests = batch_requests(body.parse()?.into_searches())?;
        search_all(&state, &name, requests, within_batch)
    })
    .await
}

/// Names the search of a batch an error came from.
fn within_batch(i: usize, e: ApiError) -> ApiError {
    e.within(&format!("searches[{i}]"))
}

/// Runs searches of one collection in order, `locate` naming the search an error came from.
/// The vectors returned over all of them are bounded together (see [`check_returned_vectors`]).
fn search_all(
    state: &AppState,
    name: &str,
    requests: Vec<FilteredSearch>,
    locate: fn(usize, ApiError) -> ApiError,
) -> Result<Vec<Answer>, ApiError> {
    let collection = state.engine.collection(name)?;
    let with_vectors: usize = requests
        .iter()
        .filter(|r| r.request.projection.with_vector)
        .map(|r| r.request.limit)
        .sum();
    if with_vectors > 0 {
        check_returned_vectors(with_vectors, collection.config().total_dimension())?;
    }
    for r in &requests {
        check_vector_names(collection.config(), &r.request.projection)?;
    }
    requests
        .iter()
        .enumerate()
        .map(|(i, request)| filtered_search(&collection, request).map_err(|e| locate(i, e)))
        .collect()
}

/// The engine requests of a batch's searches, refusing a batch past [`MAX_BATCH_SEARCHES`].
fn batch_requests<S: SearchBody>(searches: Vec<S>) -> Result<Vec<FilteredSearch>, ApiError> {
    if searches.len() > MAX_BATCH_SEARCHES {
        return Err(ApiError::unprocessable(format!(
            "a batch holds at most {MAX_BATCH_SEARCHES} searches; this one has {}",
            searches.len()
        )));
    }
    searches
        .into_iter()
        .enumerate()
        .map(|(i, search)| search.into_request().map_err(|e| within_batch(i, e)))
        .collect()
}
/// Nearest points to a vector, best first (HNSW above the collection's `full_scan_threshold`,
/// exact below it or with `params.exact`). See the score convention on
/// `WireScoredPoint.score`.
#[utoipa::path(post, path = "/collections/{name}/points/query", tag = "search", operation_id = "query_points",
    params(("name" = String, Path), TimeoutParam),
    request_body = QueryRequest,
    responses(
        SearchErrors,
        (status = 200, body = inline(crate::api::envelope::Envelope<QueryResponse>)),
        (status = 400, description = "Malformed JSON, a body of the wrong shape, or a wrong vector dimension", body = ErrorBody),
        (status = 422, description = "Bad query vector, limit or hnsw_ef out of range, an unsupported query kind or field", body = ErrorBody),
    ))]
pub async fn query(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(timeout): Query<TimeoutParam>,
    body: JsonBody<QueryRequest>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    timeout.check()?;
    let answer = run(state, name, body).await?;
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
        SearchErrors,
        (status = 200, body = inline(crate::api::envelope::Envelope<Vec<QueryResponse>>)),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 422, description = "More than 256 queries, or a bad query (the message names it)", body = ErrorBody),
    ))]
pub async fn query_batch(
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: JsonBody<QueryBatchRequest>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let results: Vec<QueryResponse> = run_batch(state, name, body)
        .await?
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
        SearchErrors,
        (status = 200, body = inline(crate::api::envelope::Envelope<Vec<WireScoredPoint>>)),
        (status = 400, description = "Malformed JSON, a body of the wrong shape, or a wrong vector dimension", body = ErrorBody),
        (status = 422, description = "Bad query vector, limit or hnsw_ef out of range, an unsupported query kind or field", body = ErrorBody),
    ))]
pub async fn search(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(timeout): Query<TimeoutParam>,
    body: JsonBody<SearchRequestBody>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    timeout.check()?;
    let answer = run(state, name, body).await?;
    Ok(ok(answer.points, started))
}

/// Several searches in one request (the older batch endpoint), answered in order: one list of
/// hits per search.
#[utoipa::path(post, path = "/collections/{name}/points/search/batch", tag = "search", operation_id = "search_batch_points",
    params(("name" = String, Path)),
    request_body = SearchBatchRequest,
    responses(
        SearchErrors,
        (status = 200, body = inline(crate::api::envelope::Envelope<Vec<Vec<WireScoredPoint>>>)),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 422, description = "More than 256 searches, or a bad search (the message names it)", body = ErrorBody),
    ))]
pub async fn search_batch(
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: JsonBody<SearchBatchRequest>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let results: Vec<Vec<WireScoredPoint>> = run_batch(state, name, body)
        .await?
        .into_iter()
        .map(|a| a.points)
        .collect();
    Ok(ok(results, started))
}
