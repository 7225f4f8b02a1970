//! `/collections/{name}/points...`: upsert, retrieve, get one, delete, count, scroll.

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;

use super::on_blocking_pool;
use crate::api::AppState;
use crate::api::envelope::{ErrorBody, ok};
use crate::api::error::ApiError;
use crate::api::extract::{JsonBody, Path, Query, optional_json};
use crate::api::wire::WirePointId;
use crate::api::wire::bounds::{check_returned_vectors, check_vector_names};
use crate::api::wire::filter::Selection;
use crate::api::wire::filter::optional_predicate;
use crate::api::wire::points::{
    CountRequest, CountResult, DeletePoints, Record, RetrievePoints, ScrollRequest, ScrollResult,
    UpdateResult, UpdateStatus, UpsertPoints, WaitParam, projection,
};
use crate::engine::{
    AckAt, Collection, PayloadSelector, PointId, Projection, SelectedChange, WriteReceipt,
    WriteTicket,
};
use crate::query::{check_types, matching_ids, matching_slots, scroll_matching, scroll_ordered};

/// Deletes or edits the selected points: by ids directly, or by a filter that the collection's
/// writer resolves in order with every other write (so no write lands between choosing the
/// points and changing them).
pub(super) fn write_selection(
    c: &Collection,
    selection: Selection,
    change: SelectedChange,
    ack: AckAt,
) -> Result<WriteTicket, ApiError> {
    Ok(match (selection, change) {
        (Selection::Ids(ids), SelectedChange::Delete) => c.delete(ids, ack)?,
        (Selection::Ids(ids), SelectedChange::EditPayload(edit)) => {
            c.edit_payload(ids, edit, ack)?
        }
        (Selection::Filter(predicate), change) => {
            c.read(|view| check_types(view, &predicate))?;
            c.write_selected(
                Box::new(move |view| matching_ids(view, &predicate)),
                change,
                ack,
            )?
        }
    })
}

pub(super) fn ack_at(wait: &WaitParam) -> AckAt {
    if wait.wait.unwrap_or(true) {
        AckAt::Applied
    } else {
        AckAt::Durable
    }
}

pub(super) async fn finish_write(
    ticket: WriteTicket,
    started: Instant,
) -> Result<Response, ApiError> {
    let WriteReceipt { seq, applied } = ticket.wait().await?;
    Ok(ok(
        UpdateResult {
            operation_id: seq,
            status: if applied {
                UpdateStatus::Completed
            } else {
                UpdateStatus::Acknowledged
            },
        },
        started,
    ))
}

/// Inserts or replaces points. Either every point is valid and the whole request is stored, or
/// nothing is. The answer comes after the write is durable (per the collection's durability).
#[utoipa::path(put, path = "/collections/{name}/points", tag = "points", operation_id = "upsert_points",
    params(("name" = String, Path), WaitParam),
    request_body = UpsertPoints,
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<UpdateResult>)),
        (status = 400, description = "Malformed JSON, a body of the wrong shape, a wrong vector dimension, or a `ttl_field` value that is not a datetime", body = ErrorBody),
        (status = 404, description = "No such collection", body = ErrorBody),
        (status = 415, description = "The body is not declared as application/json", body = ErrorBody),
        (status = 422, description = "Too many points, a vector too long or zero with Cosine, an unsupported field, `timeout=0`, `ttl_seconds` out of range or for a collection without `ttl_field`", body = ErrorBody),
        (status = 500, description = "The write could not be made durable; the collection refuses writes until a restart", body = ErrorBody),
        (status = 503, description = "Collection recovering, failed, read-only after a failed write, or shutting down, or its write queue is full (nothing stored; retry after `Retry-After` seconds)", body = ErrorBody),
        (status = 507, description = "Disk full: the vector file could not grow (nothing stored), or the WAL write failed (applied at the next start if it reached the disk; see Durability in the README)", body = ErrorBody),
    ))]
pub async fn upsert(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(wait): Query<WaitParam>,
    body: JsonBody<UpsertPoints>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    wait.check()?;
    let ack = ack_at(&wait);
    let ticket = on_blocking_pool(move || {
        let body = body.parse()?;
        let ttl_seconds = body.ttl_seconds()?;
        let mut points = body.into_points()?;
        let collection = state.engine.collection(&name)?;
        if let Some(seconds) = ttl_seconds {
            collection.expire_in(&mut points, seconds)?;
        }
        Ok(collection.upsert(points, ack)?)
    })
    .await?;
    finish_write(ticket, started).await
}

/// Deletes points by id (ids that do not exist are ignored).
#[utoipa::path(post, path = "/collections/{name}/points/delete", tag = "points", operation_id = "delete_points",
    params(("name" = String, Path), WaitParam),
    request_body = DeletePoints,
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<UpdateResult>)),
        (status = 400, description = "Malformed JSON, a body of the wrong shape, or a wrong vector dimension", body = ErrorBody),
        (status = 404, description = "No such collection", body = ErrorBody),
        (status = 415, description = "The body is not declared as application/json", body = ErrorBody),
        (status = 422, description = "Neither or both of `points` and `filter`, too many ids or selected points, an unsupported field or filter condition", body = ErrorBody),
        (status = 500, description = "The write could not be made durable; the collection refuses writes until a restart", body = ErrorBody),
        (status = 503, description = "Collection recovering, failed, read-only after a failed write, or shutting down, or its write queue is full (nothing stored; retry after `Retry-After` seconds)", body = ErrorBody),
        (status = 507, description = "Disk full: the vector file could not grow (nothing stored), or the WAL write failed (applied at the next start if it reached the disk; see Durability in the README)", body = ErrorBody),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(wait): Query<WaitParam>,
    body: JsonBody<DeletePoints>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    wait.check()?;
    let ack = ack_at(&wait);
    let ticket = on_blocking_pool(move || {
        let selection = body.parse()?.selection()?;
        let c = state.engine.collection(&name)?;
        write_selection(&c, selection, SelectedChange::Delete, ack)
    })
    .await?;
    finish_write(ticket, started).await
}

/// Fetches points by id; ids that do not exist are left out.
#[utoipa::path(post, path = "/collections/{name}/points", tag = "points", operation_id = "get_points",
    params(("name" = String, Path)),
    request_body = RetrievePoints,
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<Vec<Record>>)),
        (status = 400, description = "Malformed JSON, a body of the wrong shape, or a wrong vector dimension", body = ErrorBody),
        (status = 404, description = "No such collection", body = ErrorBody),
        (status = 415, description = "The body is not declared as application/json", body = ErrorBody),
        (status = 422, description = "Too many ids, too large an answer with vectors, or an unsupported field", body = ErrorBody),
        (status = 500, description = "Internal error (the server log has the details)", body = ErrorBody),
        (status = 503, description = "Collection recovering or failed to open, or too many searches running and waiting (retry after `Retry-After` seconds)", body = ErrorBody),
    ))]
pub async fn retrieve(
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: JsonBody<RetrievePoints>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let permit = state.searches.enter().await?;
    let records = on_blocking_pool(move || {
        let _permit = permit;
        let body = body.parse()?;
        let projection = projection(body.with_payload.as_ref(), body.with_vector.as_ref(), true);
        let ids = body.unique_ids()?;
        let c = state.engine.collection(&name)?;
        if projection.with_vector {
            check_returned_vectors(ids.len(), c.config().total_dimension())?;
            check_vector_names(c.config(), &projection)?;
        }
        Ok(c.get(&ids, &projection)
            .into_iter()
            .map(Record::from)
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(ok(records, started))
}

/// Fetches one point with its payload and vector.
#[utoipa::path(get, path = "/collections/{name}/points/{id}", tag = "points", operation_id = "get_point",
    params(("name" = String, Path), ("id" = String, Path, description = "An unsigned integer or a UUID")),
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<Record>)),
        (status = 400, description = "Not a point id", body = ErrorBody),
        (status = 404, description = "No such collection or point", body = ErrorBody),
        (status = 503, description = "Collection recovering or failed to open", body = ErrorBody),
    ))]
pub async fn get_point(
    State(state): State<AppState>,
    Path((name, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let id: PointId = id.parse().map_err(|e: crate::engine::point::BadPointId| {
        ApiError::new(axum::http::StatusCode::BAD_REQUEST, e.to_string())
    })?;
    let record = on_blocking_pool(move || {
        let projection = Projection {
            payload: PayloadSelector::All,
            with_vector: true,
            vector_names: None,
        };
        Ok(state
            .engine
            .collection(&name)?
            .get(&[id], &projection)
            .into_iter()
            .next()
            .ok_or(crate::engine::EngineError::PointNotFound { id })?)
    })
    .await?;
    Ok(ok(Record::from(record), started))
}

/// Counts points (always exact).
#[utoipa::path(post, path = "/collections/{name}/points/count", tag = "points", operation_id = "count_points",
    params(("name" = String, Path)),
    request_body(content = Option<CountRequest>, description = "Optional; an empty body counts every point"),
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<CountResult>)),
        (status = 400, description = "Malformed JSON, a body of the wrong shape, or a wrong vector dimension", body = ErrorBody),
        (status = 404, description = "No such collection", body = ErrorBody),
        (status = 422, description = "An unsupported field or filter condition, or a list in the filter past its bound", body = ErrorBody),
        (status = 503, description = "Collection recovering or failed to open", body = ErrorBody),
    ))]
pub async fn count(
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let count = on_blocking_pool(move || {
        let body: CountRequest = optional_json(&body)?;
        let predicate = body.predicate()?;
        let c = state.engine.collection(&name)?;
        Ok(match predicate {
            None => c.len() as u64,
            Some(p) => c.read(|view| {
                check_types(view, &p)?;
                Ok::<_, ApiError>(matching_slots(view, &p).len())
            })?,
        })
    })
    .await?;
    Ok(ok(CountResult { count }, started))
}

/// Pages through points in id order. Pass `next_page_offset` as the next `offset`.
#[utoipa::path(post, path = "/collections/{name}/points/scroll", tag = "points", operation_id = "scroll_points",
    params(("name" = String, Path)),
    request_body(content = Option<ScrollRequest>, description = "Optional; an empty body pages from the first point with the defaults"),
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<ScrollResult>)),
        (status = 400, description = "Malformed JSON, a body of the wrong shape, or a wrong vector dimension", body = ErrorBody),
        (status = 404, description = "No such collection", body = ErrorBody),
        (status = 422, description = "Limit out of range, too large an answer with vectors, an unsupported field or filter condition", body = ErrorBody),
        (status = 500, description = "Internal error (the server log has the details)", body = ErrorBody),
        (status = 503, description = "Collection recovering or failed to open, or too many searches running and waiting (retry after `Retry-After` seconds)", body = ErrorBody),
    ))]
pub async fn scroll(
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let permit = state.searches.enter().await?;
    let result = on_blocking_pool(move || {
        let _permit = permit;
        let body: ScrollRequest = optional_json(&body)?;
        let limit = body.checked_limit()?;
        let projection = projection(body.with_payload.as_ref(), body.with_vector.as_ref(), true);
        let c = state.engine.collection(&name)?;
        if projection.with_vector {
            check_returned_vectors(limit, c.config().total_dimension())?;
            check_vector_names(c.config(), &projection)?;
        }
        let from = body.offset.map(|o| o.0);
        let predicate = optional_predicate(body.filter.as_ref())?;
        if let Some(order) = &body.order_by {
            if from.is_some() {
                return Err(ApiError::unprocessable(
                    "`offset` cannot be combined with `order_by`: continue an ordered scroll \
                     with `order_by.start_from`",
                ));
            }
            let order = order.to_query()?;
            let page = c.read(|view| {
                if let Some(p) = &predicate {
                    check_types(view, p)?;
                }
                Ok::<_, ApiError>(scroll_ordered(
                    view,
                    &order,
                    predicate.as_ref(),
                    limit,
                    &projection,
                )?)
            })?;
            return Ok(ScrollResult {
                points: page
                    .into_iter()
                    .map(|(record, value)| Record {
                        order_value: Some(value.into()),
                        ..Record::from(record)
                    })
                    .collect(),
                next_page_offset: None,
            });
        }
        let (page, next) = match predicate {
            None => c.scroll(from, limit, &projection)?,
            Some(p) => c.read(|view| {
                check_types(view, &p)?;
                Ok::<_, ApiError>(scroll_matching(view, &p, from, limit, &projection))
            })?,
        };
        Ok(ScrollResult {
            points: page.into_iter().map(Record::from).collect(),
            next_page_offset: next.map(WirePointId),
        })
    })
    .await?;
    Ok(ok(result, started))
}
