//! `/collections/{name}/points/payload...`: set keys, overwrite, delete keys, clear.
//!
//! Each is one WAL record (a partial payload update), ordered with upserts and deletes by the
//! collection's writer; ids that do not exist are skipped, as in Qdrant.

use std::time::Instant;

use axum::extract::State;
use axum::response::Response;

use super::on_blocking_pool;
use super::points::{ack_at, finish_write, write_selection};
use crate::api::AppState;
use crate::api::error::ApiError;
use crate::api::extract::{Json, Path, Query};
use crate::api::wire::filter::Selection;
use crate::api::wire::payload::{ClearPayload, DeletePayload, SetPayload, selected};
use crate::api::wire::points::{UpdateResult, WaitParam};
use crate::columns::PayloadEdit;
use crate::engine::SelectedChange;

async fn edit(
    state: AppState,
    name: String,
    wait: &WaitParam,
    selection: Selection,
    edit: PayloadEdit,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let ack = ack_at(wait);
    let ticket = on_blocking_pool(move || {
        let c = state.engine.collection(&name)?;
        Ok(write_selection(
            &c,
            selection,
            SelectedChange::EditPayload(edit),
            ack,
        )?)
    })
    .await?;
    finish_write(ticket, started).await
}

/// The body of both `/points/payload` routes; `make` says whether the payload is merged into the
/// old one or replaces it.
async fn set_or_overwrite(
    state: AppState,
    name: String,
    wait: &WaitParam,
    body: SetPayload,
    make: fn(crate::columns::Payload) -> PayloadEdit,
) -> Result<Response, ApiError> {
    reject_key(body.key.as_ref())?;
    let selection = selected(body.points, body.filter.as_ref())?;
    edit(state, name, wait, selection, make(body.payload)).await
}

fn reject_key(key: Option<&String>) -> Result<(), ApiError> {
    if key.is_some() {
        return Err(ApiError::unprocessable(
            "`key` (setting payload under a nested path) is not supported yet; send the \
             top-level keys in `payload`",
        ));
    }
    Ok(())
}

/// Sets payload keys of points, keeping their other keys.
#[utoipa::path(post, path = "/collections/{name}/points/payload", tag = "points",
    operation_id = "set_payload",
    params(("name" = String, Path), WaitParam),
    request_body = SetPayload,
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<UpdateResult>)),
        (status = 400, description = "Malformed JSON", body = crate::api::envelope::ErrorBody),
        (status = 404, description = "No such collection", body = crate::api::envelope::ErrorBody),
        (status = 415, description = "Body not declared as JSON", body = crate::api::envelope::ErrorBody),
        (status = 422, description = "Neither or both of `points` and `filter`, too many selected points, an unsupported filter condition, `key`, too many ids, or ids x payload size over the limit", body = crate::api::envelope::ErrorBody),
        (status = 500, description = "The write could not be made durable; the collection refuses writes until a restart", body = crate::api::envelope::ErrorBody),
        (status = 503, description = "The collection refuses writes, is recovering, failed, or is shutting down", body = crate::api::envelope::ErrorBody),
        (status = 507, description = "Disk full: nothing stored; writes succeed again once space is freed", body = crate::api::envelope::ErrorBody),
    ))]
pub async fn set(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(wait): Query<WaitParam>,
    Json(body): Json<SetPayload>,
) -> Result<Response, ApiError> {
    set_or_overwrite(state, name, &wait, body, PayloadEdit::Set).await
}

/// Replaces the whole payload of points.
#[utoipa::path(put, path = "/collections/{name}/points/payload", tag = "points",
    operation_id = "overwrite_payload",
    params(("name" = String, Path), WaitParam),
    request_body = SetPayload,
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<UpdateResult>)),
        (status = 400, description = "Malformed JSON", body = crate::api::envelope::ErrorBody),
        (status = 404, description = "No such collection", body = crate::api::envelope::ErrorBody),
        (status = 415, description = "Body not declared as JSON", body = crate::api::envelope::ErrorBody),
        (status = 422, description = "Neither or both of `points` and `filter`, too many selected points, an unsupported filter condition, `key`, too many ids, or ids x payload size over the limit", body = crate::api::envelope::ErrorBody),
        (status = 500, description = "The write could not be made durable; the collection refuses writes until a restart", body = crate::api::envelope::ErrorBody),
        (status = 503, description = "The collection refuses writes, is recovering, failed, or is shutting down", body = crate::api::envelope::ErrorBody),
        (status = 507, description = "Disk full: nothing stored; writes succeed again once space is freed", body = crate::api::envelope::ErrorBody),
    ))]
pub async fn overwrite(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(wait): Query<WaitParam>,
    Json(body): Json<SetPayload>,
) -> Result<Response, ApiError> {
    set_or_overwrite(state, name, &wait, body, PayloadEdit::Overwrite).await
}

/// Removes payload keys (dotted paths reach into nested objects) from points.
#[utoipa::path(post, path = "/collections/{name}/points/payload/delete", tag = "points",
    operation_id = "delete_payload",
    params(("name" = String, Path), WaitParam),
    request_body = DeletePayload,
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<UpdateResult>)),
        (status = 400, description = "Malformed JSON", body = crate::api::envelope::ErrorBody),
        (status = 404, description = "No such collection", body = crate::api::envelope::ErrorBody),
        (status = 415, description = "Body not declared as JSON", body = crate::api::envelope::ErrorBody),
        (status = 422, description = "Neither or both of `points` and `filter`, too many selected points, an unsupported filter condition, too many ids or keys", body = crate::api::envelope::ErrorBody),
        (status = 500, description = "The write could not be made durable; the collection refuses writes until a restart", body = crate::api::envelope::ErrorBody),
        (status = 503, description = "The collection refuses writes, is recovering, failed, or is shutting down", body = crate::api::envelope::ErrorBody),
        (status = 507, description = "Disk full: nothing stored; writes succeed again once space is freed", body = crate::api::envelope::ErrorBody),
    ))]
pub async fn delete_keys(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(wait): Query<WaitParam>,
    Json(body): Json<DeletePayload>,
) -> Result<Response, ApiError> {
    let selection = selected(body.points, body.filter.as_ref())?;
    edit(
        state,
        name,
        &wait,
        selection,
        PayloadEdit::DeleteKeys(body.keys),
    )
    .await
}

/// Removes the whole payload of points.
#[utoipa::path(post, path = "/collections/{name}/points/payload/clear", tag = "points",
    operation_id = "clear_payload",
    params(("name" = String, Path), WaitParam),
    request_body = ClearPayload,
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<UpdateResult>)),
        (status = 400, description = "Malformed JSON", body = crate::api::envelope::ErrorBody),
        (status = 404, description = "No such collection", body = crate::api::envelope::ErrorBody),
        (status = 415, description = "Body not declared as JSON", body = crate::api::envelope::ErrorBody),
        (status = 422, description = "Neither or both of `points` and `filter`, too many selected points, an unsupported filter condition, too many ids or keys", body = crate::api::envelope::ErrorBody),
        (status = 500, description = "The write could not be made durable; the collection refuses writes until a restart", body = crate::api::envelope::ErrorBody),
        (status = 503, description = "The collection refuses writes, is recovering, failed, or is shutting down", body = crate::api::envelope::ErrorBody),
        (status = 507, description = "Disk full: nothing stored; writes succeed again once space is freed", body = crate::api::envelope::ErrorBody),
    ))]
pub async fn clear(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(wait): Query<WaitParam>,
    Json(body): Json<ClearPayload>,
) -> Result<Response, ApiError> {
    let selection = selected(body.points, body.filter.as_ref())?;
    edit(state, name, &wait, selection, PayloadEdit::Clear).await
}
