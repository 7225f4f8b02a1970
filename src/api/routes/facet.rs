//! `POST /collections/{name}/facet`: how many points hold each value of a field.

use std::time::Instant;

use axum::extract::State;
use axum::response::Response;

use super::on_blocking_pool;
use crate::api::AppState;
use crate::api::envelope::{ErrorBody, ok};
use crate::api::error::ApiError;
use crate::api::extract::{JsonBody, Path, Query};
use crate::api::wire::facet::{FacetRequest, FacetResponse};
use crate::api::wire::points::TimeoutParam;
use crate::query::{check_types, facet_counts};

/// Counts the points holding each value of `key` (strings, integers, booleans; each element of an
/// array), among those `filter` matches; the `limit` most frequent values, ties in value order.
#[utoipa::path(post, path = "/collections/{name}/facet", tag = "points", operation_id = "facet",
    params(("name" = String, Path), TimeoutParam),
    request_body = FacetRequest,
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<FacetResponse>)),
        (status = 400, description = "Malformed JSON, a malformed key or filter, or a filter past its size bounds", body = ErrorBody),
        (status = 404, description = "No such collection", body = ErrorBody),
        (status = 415, description = "The body is not declared as application/json", body = ErrorBody),
        (status = 422, description = "Limit out of range, an unsupported filter condition or field, a list in the filter past its bound", body = ErrorBody),
        (status = 503, description = "Collection recovering or failed to open, or too many searches running and waiting (retry after `Retry-After` seconds)", body = ErrorBody),
    ))]
pub async fn facet(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(timeout): Query<TimeoutParam>,
    body: JsonBody<FacetRequest>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    timeout.check()?;
    let permit = state.searches.enter().await?;
    let result = on_blocking_pool(move || {
        let _permit = permit;
        let (key, filter, limit) = body.parse()?.checked()?;
        let c = state.engine.collection(&name)?;
        let hits = c.read(|view| {
            check_types(view, &filter)?;
            Ok::<_, ApiError>(facet_counts(view, &key, &filter, limit))
        })?;
        Ok(FacetResponse::from(hits))
    })
    .await?;
    Ok(ok(result, started))
}
