//! `/collections/aliases`, `/aliases` and `/collections/{name}/aliases`: change and list the
//! aliases through which every collection route also reaches a collection.

use std::time::Instant;

use axum::extract::State;
use axum::response::Response;

use super::on_blocking_pool;
use crate::api::AppState;
use crate::api::envelope::{ErrorBody, ok};
use crate::api::error::ApiError;
use crate::api::extract::{JsonBody, Path, Query};
use crate::api::wire::aliases::{AliasesList, ChangeAliases};
use crate::api::wire::points::TimeoutParam;

/// Creates, deletes and renames aliases: the actions apply in order, all or none, and are durable
/// when the answer comes.
#[utoipa::path(post, path = "/collections/aliases", tag = "aliases", operation_id = "update_aliases",
    params(TimeoutParam),
    request_body = ChangeAliases,
    responses(
        (status = 200, description = "Applied; result is true", body = inline(crate::api::envelope::Envelope<bool>)),
        (status = 400, description = "Malformed JSON or a body of the wrong shape", body = ErrorBody),
        (status = 404, description = "A created alias names no collection, or a renamed alias does not exist; nothing was changed", body = ErrorBody),
        (status = 409, description = "An alias would take a collection's name; nothing was changed", body = ErrorBody),
        (status = 415, description = "The body is not declared as application/json", body = ErrorBody),
        (status = 422, description = "An invalid alias name, too many actions or aliases, or timeout=0; nothing was changed", body = ErrorBody),
        (status = 500, description = "Internal error (the server log has the details)", body = ErrorBody),
    ))]
pub async fn update(
    State(state): State<AppState>,
    Query(timeout): Query<TimeoutParam>,
    body: JsonBody<ChangeAliases>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    timeout.check()?;
    on_blocking_pool(move || {
        let actions = body.parse()?.into_actions()?;
        Ok(state.engine.update_aliases(&actions)?)
    })
    .await?;
    Ok(ok(true, started))
}

/// Lists every alias.
#[utoipa::path(get, path = "/aliases", tag = "aliases", operation_id = "get_aliases",
    responses((status = 200, body = inline(crate::api::envelope::Envelope<AliasesList>))))]
pub async fn list(State(state): State<AppState>) -> Response {
    let started = Instant::now();
    ok(AliasesList::new(state.engine.aliases()), started)
}

/// Lists the aliases of one collection (named directly or through one of its aliases).
#[utoipa::path(get, path = "/collections/{name}/aliases", tag = "aliases", operation_id = "get_collection_aliases",
    params(("name" = String, Path, description = "A collection, or an alias of one")),
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<AliasesList>)),
        (status = 400, description = "A path segment that is not UTF-8", body = ErrorBody),
        (status = 404, description = "No such collection", body = ErrorBody),
    ))]
pub async fn of_collection(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let aliases = state.engine.collection_aliases(&name)?;
    Ok(ok(AliasesList::new(aliases), started))
}
