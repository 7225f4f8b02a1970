//! Service routes: version info, metrics, the OpenAPI document and its docs page, and the 404
//! fallback.

use std::sync::LazyLock;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::on_blocking_pool;
use crate::api::AppState;
use crate::api::error::ApiError;
use crate::api::openapi;
use crate::engine::{CollectionState, Status};
use crate::metrics;

/// The Qdrant REST API level Plait implements; Qdrant clients compare it with their own version
/// and warn when the minor versions differ by more than one. 1.19 sits within one of the Python
/// `qdrant-client` 1.20 and the JavaScript client 1.18 (the newest that runs on Node 20), both
/// tested unchanged.
pub const QDRANT_API_VERSION: &str = "1.19.0";

/// Answer of `GET /`.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionInfo {
    /// `plait`.
    pub title: &'static str,
    /// The Qdrant REST API level implemented (what Qdrant clients check for compatibility).
    pub version: &'static str,
    /// Plait's own version.
    pub plait_version: &'static str,
}

/// Server identity and versions.
#[utoipa::path(get, path = "/", tag = "service", operation_id = "root", responses((status = 200, body = VersionInfo)))]
pub async fn root() -> Json<VersionInfo> {
    Json(VersionInfo {
        title: "plait",
        version: QDRANT_API_VERSION,
        plait_version: env!("CARGO_PKG_VERSION"),
    })
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "service", operation_id = "metrics", responses(
    (status = 200, description = "Prometheus text format", content_type = "text/plain", body = String)))]
pub async fn metrics(State(state): State<AppState>) -> Result<Response, ApiError> {
    // Reading every collection takes store locks and walks the page tables (`mincore`).
    let text = on_blocking_pool(move || Ok(render_metrics(&state))).await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response())
}

fn render_metrics(state: &AppState) -> String {
    metrics::COLLECTION_POINTS.reset();
    metrics::VECTOR_MAPPED_BYTES.reset();
    metrics::VECTOR_RESIDENT_BYTES.reset();
    metrics::COLLECTION_VECTOR_BYTES.reset();
    metrics::HNSW_TOMBSTONES.reset();
    metrics::COLLECTION_SLOTS.reset();
    metrics::PAYLOAD_INDEX_BYTES.reset();
    metrics::COLLECTION_STATUS.reset();
    for (name, s) in state
        .engine
        .states()
        .into_iter()
        .take(metrics::MAX_COLLECTION_LABELS)
    {
        if let CollectionState::Ready(c) = s {
            metrics::COLLECTION_POINTS
                .with_label_values(&[name.as_str()])
                .set(i64::try_from(c.len()).unwrap_or(i64::MAX));
            let memory = c.vector_memory();
            metrics::VECTOR_MAPPED_BYTES
                .with_label_values(&[name.as_str()])
                .set(i64::try_from(memory.mapped_bytes).unwrap_or(i64::MAX));
            metrics::VECTOR_RESIDENT_BYTES
                .with_label_values(&[name.as_str()])
                .set(i64::try_from(memory.resident_bytes).unwrap_or(i64::MAX));
            let (f32_bytes, code_bytes) = c.vector_bytes();
            for (form, bytes) in [("f32", f32_bytes), ("codes", code_bytes)] {
                metrics::COLLECTION_VECTOR_BYTES
                    .with_label_values(&[name.as_str(), form])
                    .set(i64::try_from(bytes).unwrap_or(i64::MAX));
            }
            metrics::HNSW_TOMBSTONES
                .with_label_values(&[name.as_str()])
                .set(i64::try_from(c.tombstones()).unwrap_or(i64::MAX));
            metrics::COLLECTION_SLOTS
                .with_label_values(&[name.as_str()])
                .set(i64::try_from(c.slot_count()).unwrap_or(i64::MAX));
            for index in c.payload_schema() {
                metrics::PAYLOAD_INDEX_BYTES
                    .with_label_values(&[name.as_str(), index.path.as_str()])
                    .set(i64::try_from(index.heap_bytes).unwrap_or(i64::MAX));
            }
            for index in c.text_schema() {
                metrics::PAYLOAD_INDEX_BYTES
                    .with_label_values(&[name.as_str(), index.path.as_str()])
                    .set(i64::try_from(index.heap_bytes).unwrap_or(i64::MAX));
            }
            let status = c.health().status();
            for s in [Status::Green, Status::Yellow, Status::Red] {
                metrics::COLLECTION_STATUS
                    .with_label_values(&[name.as_str(), s.name()])
                    .set(i64::from(s == status));
            }
        }
    }
    metrics::render()
}

/// The OpenAPI 3.1 document of this API.
#[utoipa::path(get, path = "/openapi.json", tag = "service", operation_id = "openapi_document", responses(
    (status = 200, description = "OpenAPI 3.1 document", content_type = "application/json")))]
pub async fn openapi_json() -> Response {
    static DOCUMENT: LazyLock<String> = LazyLock::new(openapi::document_json);
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_str(),
    )
        .into_response()
}

/// A browsable page of the API, rendered in the browser from `/openapi.json`.
#[utoipa::path(get, path = "/docs", tag = "service", operation_id = "docs_page", responses(
    (status = 200, description = "HTML page", content_type = "text/html")))]
pub async fn docs_page() -> Html<&'static str> {
    Html(include_str!("docs_page.html"))
}

/// Any route that does not exist.
pub async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no such route; see /docs for the API",
    )
}
