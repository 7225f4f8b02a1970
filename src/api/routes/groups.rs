//! `/collections/{name}/points/query/groups` and `/points/search/groups`: Qdrant's grouped
//! searches, the best hits gathered by the value of a payload field. The body is parsed and the
//! search run in one task on the blocking pool, after a turn at the same gate as other searches;
//! the grouping is `query::group`'s, over one read view.

use std::time::Instant;

use axum::extract::State;
use axum::response::Response;
use serde::de::DeserializeOwned;

use super::on_blocking_pool;
use super::search::SearchErrors;
use crate::api::AppState;
use crate::api::envelope::{ErrorBody, ok};
use crate::api::error::ApiError;
use crate::api::extract::{JsonBody, Path, Query};
use crate::api::wire::bounds::{check_returned_vectors, check_vector_names};
use crate::api::wire::groups::{
    GroupedSearch, GroupsResult, PointGroup, QueryGroupsRequest, SearchGroupsRequest,
};
use crate::api::wire::points::{TimeoutParam, WireScoredPoint};
use crate::engine::ScoredPoint;
use crate::query::grouped_search;

/// The body of one of the two grouped routes.
trait GroupsBody: DeserializeOwned + Send + 'static {
    /// The grouped search, checked against every bound.
    fn into_search(self) -> Result<GroupedSearch, ApiError>;
}

impl GroupsBody for QueryGroupsRequest {
    fn into_search(self) -> Result<GroupedSearch, ApiError> {
        Self::into_search(self)
    }
}

impl GroupsBody for SearchGroupsRequest {
    fn into_search(self) -> Result<GroupedSearch, ApiError> {
        Self::into_search(self)
    }
}

/// Runs one grouped search of the collection `name`.
async fn run<B: GroupsBody>(
    state: AppState,
    name: String,
    body: JsonBody<B>,
) -> Result<GroupsResult, ApiError> {
    let permit = state.searches.enter().await?;
    on_blocking_pool(move || {
        let _permit = permit;
        let search = body.parse()?.into_search()?;
        let collection = state.engine.collection(&name)?;
        check_vector_names(collection.config(), &search.projection)?;
        if search.projection.with_vector {
            check_returned_vectors(
                search.spec.limit * search.spec.group_size,
                collection.config().total_dimension(),
            )?;
        }
        collection.read(|view| {
            let groups = grouped_search(view, &search.stage, &search.spec)?;
            Ok::<_, ApiError>(GroupsResult {
                groups: groups
                    .into_iter()
                    .map(|g| PointGroup {
                        id: g.id.into(),
                        hits: g
                            .hits
                            .into_iter()
                            .filter_map(|h| {
                                Some(WireScoredPoint::from(ScoredPoint {
                                    record: view.record(h.slot, &search.projection)?,
                                    score: h.score,
                                }))
                            })
                            .collect(),
                    })
                    .collect(),
            })
        })
    })
    .await
}

/// The best hits of a query (any `points/query` body: a vector, sparse, text, fusion with
/// `prefetch`) gathered by the value of `group_by`: groups in the order of their best hit, each
/// with its best `group_size` hits. The filter applies before grouping; the answer is filled
/// whenever enough matching points exist.
#[utoipa::path(post, path = "/collections/{name}/points/query/groups", tag = "search", operation_id = "query_points_groups",
    params(("name" = String, Path), TimeoutParam),
    request_body = QueryGroupsRequest,
    responses(
        SearchErrors,
        (status = 200, body = inline(crate::api::envelope::Envelope<GroupsResult>)),
        (status = 400, description = "Malformed JSON, a body of the wrong shape (`group_by` missing), or a wrong vector dimension", body = ErrorBody),
        (status = 422, description = "`group_size` or `limit` below 1, `limit × group_size` above 100000, a `group_by` that is not a field path, `with_lookup`, or a bad query as for `points/query`", body = ErrorBody),
    ))]
pub async fn query_groups(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(timeout): Query<TimeoutParam>,
    body: JsonBody<QueryGroupsRequest>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    timeout.check()?;
    Ok(ok(run(state, name, body).await?, started))
}

/// The nearest points to a vector (a `points/search` body) gathered by the value of `group_by`,
/// as `points/query/groups` gathers them.
#[utoipa::path(post, path = "/collections/{name}/points/search/groups", tag = "search", operation_id = "search_points_groups",
    params(("name" = String, Path), TimeoutParam),
    request_body = SearchGroupsRequest,
    responses(
        SearchErrors,
        (status = 200, body = inline(crate::api::envelope::Envelope<GroupsResult>)),
        (status = 400, description = "Malformed JSON, a body of the wrong shape (`group_by`, `group_size` or `limit` missing), or a wrong vector dimension", body = ErrorBody),
        (status = 422, description = "`group_size` or `limit` below 1, `limit × group_size` above 100000, a `group_by` that is not a field path, `with_lookup`, or a bad search as for `points/search`", body = ErrorBody),
    ))]
pub async fn search_groups(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(timeout): Query<TimeoutParam>,
    body: JsonBody<SearchGroupsRequest>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    timeout.check()?;
    Ok(ok(run(state, name, body).await?, started))
}
