//! The OpenAPI 3.1 document, generated from the route table and the handlers' annotations.
//! `openapi/openapi.json` in the repository is this document; a test fails when they differ
//! (regenerate with `cargo run -- openapi > openapi/openapi.json`).
//!
//! Each handler declares the statuses it produces itself; the statuses the router's layers produce
//! for any route (408 from the timeout, 413 from the body limit) are added here to every operation.

use utoipa::openapi::path::Operation;
use utoipa::openapi::{ContentBuilder, RefOr, Response, ResponseBuilder};
use utoipa::{OpenApi, ToSchema};

use super::envelope::ErrorBody;

/// The API description: everything but the paths, which come from the route table.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Plait",
        description = "Plait database server. The collection and point routes follow Qdrant's REST conventions: responses are wrapped in {result, status, time}; errors are {status: {error}, time}.",
        license(name = "Apache-2.0")
    ),
    components(schemas(ErrorBody)),
    tags(
        (name = "collections", description = "Create, list, describe and delete collections"),
        (name = "points", description = "Write, read, count and page through points"),
        (name = "search", description = "Nearest-neighbour search"),
        (name = "query", description = "VelesQL statements: search, filter, aggregate, write and change the schema in one language (a Plait extension)"),
        (name = "graph", description = "Edges between the points of a collection, neighbours, traversals and shortest paths (a Plait extension)"),
        (name = "aliases", description = "Second names for collections, accepted wherever a collection name is"),
        (name = "snapshots", description = "Snapshots of a collection or of the whole server: take, list, download, delete, and recover a collection from one"),
        (name = "health", description = "Liveness and readiness probes"),
        (name = "service", description = "Version, metrics and API description"),
    )
)]
pub struct ApiDoc;

/// Statuses the router's layers answer for any route, before or around its handler.
const LAYER_STATUSES: [(&str, &str); 2] = [
    (
        "408",
        "The request took longer than the server's request timeout",
    ),
    ("413", "The body is larger than the server's body limit"),
];

/// The whole document: [`ApiDoc`], every route of the route table, and the layers' statuses.
#[must_use]
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = super::route_table().into_openapi();
    for item in doc.paths.paths.values_mut() {
        for operation in operations(item) {
            for (status, description) in LAYER_STATUSES {
                operation
                    .responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| error_response(description));
            }
        }
    }
    doc
}

fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

fn error_response(description: &str) -> RefOr<Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                        ErrorBody::name(),
                    ))))
                    .build(),
            )
            .build(),
    )
}

/// The document as pretty-printed JSON, with a trailing newline.
#[must_use]
pub fn document_json() -> String {
    let mut text = document()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}
