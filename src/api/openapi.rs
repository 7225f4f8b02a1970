//! The OpenAPI 3.1 document, generated from the route table and the handlers' annotations.
//! `openapi/openapi.json` in the repository is this document; a test fails when they differ
//! (regenerate with `cargo run -- openapi > openapi/openapi.json`).
//!
//! Each handler declares the statuses it produces itself; the statuses the router's layers produce
//! for any route (408 from the timeout, 413 from the body limit, 429 from the rate limit on every
//! route but the health probes) are added here to every operation.

use axum::http::Method;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
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

/// The status of the per-client rate limit, for every route but the health probes (see
/// `docs/transport.md`).
const RATE_LIMIT_STATUS: (&str, &str) = (
    "429",
    "The server's per-client rate limit is configured and this client's bucket is empty; `Retry-After` says in how many seconds to retry",
);

/// Statuses of access control, for every route that is not open (see `docs/access.md`).
const ACCESS_STATUSES: [(&str, &str); 2] = [
    (
        "401",
        "The server has API keys configured and the request carries no valid key or token",
    ),
    (
        "403",
        "The key or token does not allow this request (a read-only key, or a token limited to other collections)",
    ),
];

/// The security schemes: Qdrant's `api-key` header, and a bearer key or token.
const API_KEY_SCHEME: &str = "api_key";
const BEARER_SCHEME: &str = "bearer";

/// The whole document: [`ApiDoc`], every route of the route table, the layers' statuses, and
/// for every route that is not open, the access statuses and security requirements.
#[must_use]
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = super::route_table().into_openapi();
    for (path, item) in &mut doc.paths.paths {
        for (method, operation) in operations(item) {
            for (status, description) in LAYER_STATUSES {
                operation
                    .responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| error_response(description));
            }
            if !super::rate_limit::is_exempt(path) {
                let (status, description) = RATE_LIMIT_STATUS;
                operation
                    .responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| error_response(description));
            }
            if super::access::rule(&method, path) == Some(super::access::Rule::Open) {
                continue;
            }
            for (status, description) in ACCESS_STATUSES {
                operation
                    .responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| error_response(description));
            }
            // A key is needed only when the server has keys configured; the empty requirement
            // says that a server without keys answers without one.
            operation.security = Some(vec![
                SecurityRequirement::new(API_KEY_SCHEME, Vec::<String>::new()),
                SecurityRequirement::new(BEARER_SCHEME, Vec::<String>::new()),
                SecurityRequirement::default(),
            ]);
        }
    }
    if let Some(components) = doc.components.as_mut() {
        components.add_security_scheme(
            API_KEY_SCHEME,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "api-key",
                "An admin or read-only API key, or an access token (as Qdrant's clients send `api_key`)",
            ))),
        );
        components.add_security_scheme(
            BEARER_SCHEME,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "`Authorization: Bearer` with an API key or an access token (a JWT signed with an admin key)",
                    ))
                    .build(),
            ),
        );
    }
    doc
}

fn operations(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = (Method, &mut Operation)> {
    [
        (Method::GET, &mut item.get),
        (Method::PUT, &mut item.put),
        (Method::POST, &mut item.post),
        (Method::DELETE, &mut item.delete),
        (Method::OPTIONS, &mut item.options),
        (Method::HEAD, &mut item.head),
        (Method::PATCH, &mut item.patch),
        (Method::TRACE, &mut item.trace),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.as_mut().map(|op| (m, op)))
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
