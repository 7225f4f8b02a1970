//! The OpenAPI 3.1 document, generated from the handlers' annotations. `openapi/openapi.json` in
//! the repository is this document; a test fails when they differ (regenerate with
//! `cargo run -- openapi > openapi/openapi.json`).

use utoipa::OpenApi;

use super::routes::{collections, health, payload_index, points, search, service};

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Plait",
        description = "Plait database server. The collection and point routes follow Qdrant's REST conventions: responses are wrapped in {result, status, time}; errors are {status: {error}, time}.",
        license(name = "Apache-2.0")
    ),
    paths(
        service::root,
        health::livez,
        health::healthz,
        health::readyz,
        service::metrics,
        service::openapi_json,
        service::docs_page,
        collections::list,
        collections::create,
        collections::get,
        collections::exists,
        collections::delete,
        payload_index::create,
        payload_index::delete,
        points::upsert,
        points::retrieve,
        points::get_point,
        points::delete,
        points::count,
        points::scroll,
        search::query,
        search::query_batch,
        search::search,
        search::search_batch,
    ),
    tags(
        (name = "collections", description = "Create, list, describe and delete collections"),
        (name = "points", description = "Write, read, count and page through points"),
        (name = "search", description = "Nearest-neighbour search"),
        (name = "health", description = "Liveness and readiness probes"),
        (name = "service", description = "Version, metrics and API description"),
    )
)]
pub struct ApiDoc;

/// The document as pretty-printed JSON, with a trailing newline.
#[must_use]
pub fn document_json() -> String {
    let mut text = ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}
