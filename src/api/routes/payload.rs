//! `/collections/{name}/points/payload...`: set keys, overwrite, delete keys, clear.
//!
//! Each is one WAL record (a partial payload update), ordered with upserts and deletes by the
//! collection's writer; ids that do not exist are skipped, as in Qdrant.

use std::time::Instant;

use axum::extract::State;
use axum::response::Response;
use serde::de::DeserializeOwned;

use super::on_blocking_pool;
use super::points::{ack_at, finish_write, write_selection};
use crate::api::AppState;
use crate::api::envelope::ErrorBody;
use crate::api::error::ApiError;
use crate::api::extract::{JsonBody, Path, Query};
use crate::api::wire::filter::Selection;
use crate::api::wire::payload::{ClearPayload, DeletePayload, SetPayload, selected};
use crate::api::wire::points::{UpdateResult, WaitParam};
use crate::columns::PayloadEdit;
use crate::engine::SelectedChange;

/// The error answers every payload edit shares (422 differs by route).
#[derive(utoipa::IntoResponses)]
#[expect(
    dead_code,
    reason = "describes answers for the OpenAPI document; ApiError makes them"
)]
enum EditErrors {
    #[response(status = 400, description = "Malformed JSON")]
    Malformed(ErrorBody),
    #[response(status = 404, description = "No such collection")]
    NotFound(ErrorBody),
    #[response(status = 415, description = "Body not declared as JSON")]
    NotJson(ErrorBody),
    #[response(
        status = 500,
        description = "The write could not be made durable; the collection refuses writes until a restart"
    )]
    NotDurable(ErrorBody),
    #[response(
        status = 503,
        description = "The collection refuses writes, is recovering, failed, or is shutting down"
    )]
    Unavailable(ErrorBody),
    #[response(
        status = 507,
        description = "Disk full: nothing stored; writes succeed again once space is freed"
    )]
    DiskFull(ErrorBody),
}

/// Parses the body and queues the edit it asks for, on the blocking pool (a body can be large
/// enough to stall an async worker), then waits for the writer.
async fn edit<B, F>(
    state: AppState,
    name: String,
    wait: &WaitParam,
    body: JsonBody<B>,
    into_edit: F,
) -> Result<Response, ApiError>
where
    B: DeserializeOwned + Send + 'static,
    F: FnOnce(B) -> Result<(Selection, PayloadEdit), ApiError> + Send + 'static,
{
    let started = Instant::now();
    wait.check()?;
    let ack = ack_at(wait);
    let ticket = on_blocking_pool(move || {
        let (selection, edit) = into_edit(body.parse()?)?;
        let c = state.engine.collection(&name)?;
        write_selection(&c, selection, SelectedChange::EditPayload(edit), ack)
    })
    .await?;
    finish_write(ticket, started).await
}

/// The edit of both `/points/payload` routes; `make` says whether the payload is merged into the
/// old one or replaces it.
fn set_or_overwrite(
    body: SetPayload,
    make: fn(crate::columns::Payload) -> PayloadEdit,
) -> Result<(Selection, PayloadEdit), ApiError> {
    reject_key(body.key.as_ref())?;
    let ids = selected(body.points, body.filter.as_ref())?;
    Ok((ids, make(body.payload)))
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
        EditErrors,
        (status = 200, body = inline(crate::api::envelope::Envelope<UpdateResult>)),
        (status = 422, description = "No ids nor filter, a bad filter, `key`, too many ids, ids x payload size over the limit, or `timeout=0`", body = crate::api::envelope::ErrorBody),
    ))]
pub async fn set(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(wait): Query<WaitParam>,
    body: JsonBody<SetPayload>,
) -> Result<Response, ApiError> {
    edit(state, name, &wait, body, |b| {
        set_or_overwrite(b, PayloadEdit::Set)
    })
    .await
}

/// Replaces the whole payload of points.
#[utoipa::path(put, path = "/collections/{name}/points/payload", tag = "points",
    operation_id = "overwrite_payload",
    params(("name" = String, Path), WaitParam),
    request_body = SetPayload,
    responses(
        EditErrors,
        (status = 200, body = inline(crate::api::envelope::Envelope<UpdateResult>)),
        (status = 422, description = "No ids nor filter, a bad filter, `key`, too many ids, ids x payload size over the limit, or `timeout=0`", body = crate::api::envelope::ErrorBody),
    ))]
pub async fn overwrite(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(wait): Query<WaitParam>,
    body: JsonBody<SetPayload>,
) -> Result<Response, ApiError> {
    edit(state, name, &wait, body, |b| {
        set_or_overwrite(b, PayloadEdit::Overwrite)
    })
    .await
}

/// Removes payload keys (dotted paths reach into nested objects) from points.
#[utoipa::path(post, path = "/collections/{name}/points/payload/delete", tag = "points",
    operation_id = "delete_payload",
    params(("name" = String, Path), WaitParam),
    request_body = DeletePayload,
    responses(
        EditErrors,
        (status = 200, body = inline(crate::api::envelope::Envelope<UpdateResult>)),
        (status = 422, description = "No ids nor filter, a bad filter, too many ids or keys, or `timeout=0`", body = crate::api::envelope::ErrorBody),
    ))]
pub async fn delete_keys(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(wait): Query<WaitParam>,
    body: JsonBody<DeletePayload>,
) -> Result<Response, ApiError> {
    edit(state, name, &wait, body, |b: DeletePayload| {
        let ids = selected(b.points, b.filter.as_ref())?;
        Ok((ids, PayloadEdit::DeleteKeys(b.keys)))
    })
    .await
}

/// Removes the whole payload of points.
#[utoipa::path(post, path = "/collections/{name}/points/payload/clear", tag = "points",
    operation_id = "clear_payload",
    params(("name" = String, Path), WaitParam),
    request_body = ClearPayload,
    responses(
        EditErrors,
        (status = 200, body = inline(crate::api::envelope::Envelope<UpdateResult>)),
        (status = 422, description = "No ids nor filter, a bad filter, too many ids or keys, or `timeout=0`", body = crate::api::envelope::ErrorBody),
    ))]
pub async fn clear(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(wait): Query<WaitParam>,
    body: JsonBody<ClearPayload>,
) -> Result<Response, ApiError> {
    edit(state, name, &wait, body, |b: ClearPayload| {
        let ids = selected(b.points, b.filter.as_ref())?;
        Ok((ids, PayloadEdit::Clear))
    })
    .await
}
