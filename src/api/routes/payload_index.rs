//! `/collections/{name}/index`: create and drop payload field indexes, and read one's statistics.
//!
//! Both are writes ordered by the collection's writer with every other write: an index created
//! after a load covers every point stored before it; one created before covers every later
//! upsert, update and delete. With `wait=true` (the default) the answer comes once the index is
//! built.

use std::time::Instant;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::on_blocking_pool;
use super::points::{ack_at, finish_write};
use crate::api::AppState;
use crate::api::envelope::{ErrorBody, ok};
use crate::api::error::ApiError;
use crate::api::extract::{JsonBody, Path, Query};
use crate::api::wire::payload_index::{
    CreateFieldIndex, FieldIndexStats, IndexDefinition, field_path,
};
use crate::api::wire::points::{UpdateResult, WaitParam};

/// Indexes a payload field.
#[utoipa::path(put, path = "/collections/{name}/index", tag = "collections", operation_id = "create_field_index",
    params(("name" = String, Path), WaitParam),
    request_body = CreateFieldIndex,
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<UpdateResult>)),
        (status = 400, description = "Malformed JSON or path", body = ErrorBody),
        (status = 404, description = "No such collection", body = ErrorBody),
        (status = 422, description = "Bad field name, unknown or unsupported index type, too many indexed fields, or another index type for the collection's `ttl_field`", body = ErrorBody),
        (status = 503, description = "Collection recovering, write queue full or writes refused", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(wait): Query<WaitParam>,
    body: JsonBody<CreateFieldIndex>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let ack = ack_at(&wait);
    let ticket = on_blocking_pool(move || {
        let definition = body.parse()?.definition()?;
        let collection = state.engine.collection(&name)?;
        Ok(match definition {
            IndexDefinition::Payload(path, schema) => {
                collection.create_field_index(path, schema, ack)?
            }
            IndexDefinition::Text(path, settings) => {
                collection.create_text_index(path, settings, ack)?
            }
        })
    })
    .await?;
    finish_write(ticket, started).await
}

/// Drops the index of a payload field (nothing happens when it is not indexed).
#[utoipa::path(delete, path = "/collections/{name}/index/{field_name}", tag = "collections", operation_id = "delete_field_index",
    params(("name" = String, Path), ("field_name" = String, Path), WaitParam),
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<UpdateResult>)),
        (status = 400, description = "Malformed path", body = ErrorBody),
        (status = 404, description = "No such collection", body = ErrorBody),
        (status = 422, description = "Bad field name, or the collection's `ttl_field` (its index stays)", body = ErrorBody),
        (status = 503, description = "Collection recovering, write queue full or writes refused", body = ErrorBody),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    Path((name, field)): Path<(String, String)>,
    Query(wait): Query<WaitParam>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let ack = ack_at(&wait);
    let ticket = on_blocking_pool(move || {
        let path = field_path(&field)?;
        Ok(state
            .engine
            .collection(&name)?
            .drop_field_index(path, ack)?)
    })
    .await?;
    finish_write(ticket, started).await
}

/// Plait extension: the statistics the planner keeps about an indexed field (distinct values,
/// missing points, histogram).
#[utoipa::path(get, path = "/collections/{name}/index/{field_name}", tag = "collections", operation_id = "field_index_stats",
    params(("name" = String, Path), ("field_name" = String, Path)),
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<FieldIndexStats>)),
        (status = 400, description = "Malformed path", body = ErrorBody),
        (status = 404, description = "No such collection, or the field is not indexed", body = ErrorBody),
        (status = 422, description = "Bad field name", body = ErrorBody),
        (status = 503, description = "Collection recovering or failed to open", body = ErrorBody),
    ))]
pub async fn stats(
    State(state): State<AppState>,
    Path((name, field)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let result = on_blocking_pool(move || {
        let path = field_path(&field)?;
        let c = state.engine.collection(&name)?;
        c.read(|view| {
            let index = view.field_index(&path).ok_or_else(|| {
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    format!("payload field `{}` is not indexed", path.as_str()),
                )
            })?;
            Ok(FieldIndexStats::new(
                &path,
                index.schema(),
                index.stats(view.live()),
            ))
        })
    })
    .await?;
    Ok(ok(result, started))
}
