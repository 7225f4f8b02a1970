//! `/collections/{name}/index`: payload index requests, accepted without building anything.
//!
//! Plait has no payload indexes yet (they arrive with payload filtering). Creating one is still
//! answered 200, with `operation_id: null` and a `Warning` header, because LlamaIndex's Qdrant store
//! creates a `doc_id` index on its first write and aborts that write on any other status (it only
//! tolerates an answer saying the index "already exists", which would be false). Nothing pretends
//! an index exists: the collection's `payload_schema` stays empty.

use std::time::Instant;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;

use super::on_blocking_pool;
use crate::api::AppState;
use crate::api::envelope::ok;
use crate::api::error::ApiError;
use crate::api::extract::{JsonBody, Path};
use crate::api::wire::payload_index::{CreateFieldIndex, FieldIndexResult};

/// What the `Warning` header of every payload index answer says.
const NOT_BUILT: &str = "299 plait \"payload indexes are not supported yet: nothing was built\"";

/// Runs `check` (which may parse the body) and checks that the collection exists, on the
/// blocking pool, then answers without building anything.
async fn not_built(
    state: AppState,
    name: String,
    started: Instant,
    check: impl FnOnce() -> Result<(), ApiError> + Send + 'static,
) -> Result<Response, ApiError> {
    on_blocking_pool(move || {
        check()?;
        state.engine.collection(&name)?;
        Ok(())
    })
    .await?;
    let mut response = ok(
        FieldIndexResult {
            operation_id: None,
            status: "completed",
        },
        started,
    );
    response
        .headers_mut()
        .insert(header::WARNING, HeaderValue::from_static(NOT_BUILT));
    Ok(response)
}

/// Accepts a payload index request without building an index: Plait has no payload indexes yet.
/// Answered 200 so that clients creating one by default keep working; `payload_schema` stays
/// empty, and the `Warning` header says nothing was built.
#[utoipa::path(put, path = "/collections/{name}/index", tag = "collections", operation_id = "create_field_index",
    params(("name" = String, Path)),
    request_body = CreateFieldIndex,
    responses(
        (status = 200, description = "Nothing was built", body = inline(crate::api::envelope::Envelope<FieldIndexResult>),
            headers(("warning" = String, description = "Says that payload indexes are not supported yet"))),
        (status = 400, description = "Malformed JSON or path", body = crate::api::envelope::ErrorBody),
        (status = 404, description = "No such collection", body = crate::api::envelope::ErrorBody),
        (status = 503, description = "Collection recovering or failed to open", body = crate::api::envelope::ErrorBody),
        (status = 422, description = "No field name", body = crate::api::envelope::ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: JsonBody<CreateFieldIndex>,
) -> Result<Response, ApiError> {
    not_built(state, name, Instant::now(), move || {
        if body.parse()?.field_name.is_empty() {
            return Err(ApiError::unprocessable("`field_name` must not be empty"));
        }
        Ok(())
    })
    .await
}

/// Accepts a request to drop a payload index: there is none to drop.
#[utoipa::path(delete, path = "/collections/{name}/index/{field_name}", tag = "collections", operation_id = "delete_field_index",
    params(("name" = String, Path), ("field_name" = String, Path)),
    responses(
        (status = 200, description = "Nothing to drop", body = inline(crate::api::envelope::Envelope<FieldIndexResult>),
            headers(("warning" = String, description = "Says that payload indexes are not supported yet"))),
        (status = 400, description = "Malformed JSON or path", body = crate::api::envelope::ErrorBody),
        (status = 404, description = "No such collection", body = crate::api::envelope::ErrorBody),
        (status = 503, description = "Collection recovering or failed to open", body = crate::api::envelope::ErrorBody),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    Path((name, _field)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    not_built(state, name, Instant::now(), || Ok(())).await
}
