//! `/collections` and `/collections/{name}`: create, list, describe, check, delete.

use std::time::Instant;

use axum::extract::State;
use axum::response::Response;

use super::on_blocking_pool;
use crate::api::AppState;
use crate::api::envelope::{ErrorBody, ok};
use crate::api::error::ApiError;
use crate::api::extract::{JsonBody, Path, Query};
use crate::api::wire::collections::{
    CollectionConfigView, CollectionDescription, CollectionExistence, CollectionInfo,
    CollectionParams, CollectionsList, CreateCollection, HnswConfig, OptimizerStatus,
    OptimizersConfig, PlaitCollectionInfo, VectorsConfig,
};
use crate::api::wire::points::TimeoutParam;
use crate::api::wire::sparse_config;
use crate::engine::VectorParams as EngineVectorParams;

/// Creates a collection.
#[utoipa::path(put, path = "/collections/{name}", tag = "collections", operation_id = "create_collection",
    params(("name" = String, Path, description = "1-128 of [A-Za-z0-9_-], starting with a letter or digit"), TimeoutParam),
    request_body = CreateCollection,
    responses(
        (status = 200, description = "Created; result is true", body = inline(crate::api::envelope::Envelope<bool>)),
        (status = 400, description = "Malformed JSON, a body of the wrong shape, or a path segment that is not UTF-8", body = ErrorBody),
        (status = 409, description = "A collection with this name exists", body = ErrorBody),
        (status = 415, description = "The body is not declared as application/json", body = ErrorBody),
        (status = 422, description = "Invalid name or settings, an unsupported field, or the collection limit reached", body = ErrorBody),
        (status = 500, description = "Internal error (the server log has the details)", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(timeout): Query<TimeoutParam>,
    body: JsonBody<CreateCollection>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    timeout.check()?;
    on_blocking_pool(move || {
        let body = body.parse()?;
        body.check()?;
        let config = body.to_config(state.default_durability)?;
        state
            .engine
            .create_with_ttl(&name, config, body.ttl_field.as_deref())?;
        Ok(())
    })
    .await?;
    Ok(ok(true, started))
}

/// Lists collections.
#[utoipa::path(get, path = "/collections", tag = "collections", operation_id = "get_collections",
    responses((status = 200, body = inline(crate::api::envelope::Envelope<CollectionsList>))))]
pub async fn list(State(state): State<AppState>) -> Response {
    let started = Instant::now();
    let collections = state
        .engine
        .states()
        .into_iter()
        .map(|(name, _)| CollectionDescription { name })
        .collect();
    ok(CollectionsList { collections }, started)
}

/// Whether a collection exists (in any state).
#[utoipa::path(get, path = "/collections/{name}/exists", tag = "collections", operation_id = "collection_exists",
    params(("name" = String, Path)),
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<CollectionExistence>)),
        (status = 400, description = "A path segment that is not UTF-8", body = ErrorBody),
    ))]
pub async fn exists(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    let started = Instant::now();
    ok(
        CollectionExistence {
            exists: state.engine.exists(&name),
        },
        started,
    )
}

/// Describes a collection: settings, point count, disk and memory use.
#[utoipa::path(get, path = "/collections/{name}", tag = "collections", operation_id = "get_collection",
    params(("name" = String, Path)),
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<CollectionInfo>)),
        (status = 400, description = "A path segment that is not UTF-8", body = ErrorBody),
        (status = 404, description = "No such collection", body = ErrorBody),
        (status = 500, description = "Internal error (the server log has the details)", body = ErrorBody),
        (status = 503, description = "Recovering or failed to open", body = ErrorBody),
    ))]
pub async fn get(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let info = on_blocking_pool(move || {
        let c = state.engine.collection(&name)?;
        let config = c.config().clone();
        let primary = config.primary().copied().unwrap_or(EngineVectorParams {
            dimension: 0,
            metric: crate::vector::Metric::Euclid,
            hnsw: crate::engine::HnswParams::default(),
            quantization: None,
        });
        let named = config.layout == crate::engine::VectorLayout::Named;
        let memory = c.vector_memory();
        let health = c.health();
        Ok(CollectionInfo {
            status: health.status().name(),
            optimizer_status: match &health.checkpoint_failing {
                None => OptimizerStatus::Ok("ok"),
                Some(e) => OptimizerStatus::Error {
                    error: format!("checkpoint failing: {e}"),
                },
            },
            segments_count: 1,
            points_count: c.len() as u64,
            indexed_vectors_count: c.indexed_len() as u64,
            config: CollectionConfigView {
                params: CollectionParams {
                    vectors: VectorsConfig::describe(&config),
                    sparse_vectors: sparse_config::describe(&config.sparse_vectors),
                    shard_number: 1,
                    replication_factor: 1,
                    write_consistency_factor: 1,
                    on_disk_payload: false,
                },
                // Named vectors carry their own settings; the collection's are those of the first
                // (or the defaults without vectors).
                hnsw_config: HnswConfig {
                    m: primary.hnsw.m,
                    ef_construct: primary.hnsw.ef_construction,
                    full_scan_threshold: primary.hnsw.full_scan_threshold,
                },
                optimizer_config: OptimizersConfig {
                    default_segment_number: 0,
                    flush_interval_sec: 0,
                },
                quantization_config: if named {
                    None
                } else {
                    primary.quantization.as_ref().map(Into::into)
                },
            },
            payload_schema: crate::api::wire::payload_index::payload_schema(
                c.payload_schema(),
                c.text_schema(),
            ),
            plait: PlaitCollectionInfo {
                durability: config.durability.into(),
                disk_bytes: state.engine.disk_bytes(c.name()),
                memory_bytes: c.heap_bytes() as u64,
                vector_mapped_bytes: memory.mapped_bytes as u64,
                vector_resident_bytes: memory.resident_bytes as u64,
                writes_refused: health.writes_refused.as_deref().map(str::to_owned),
                checkpoint_error: health.checkpoint_failing.as_deref().map(str::to_owned),
                checkpoint_failures: health.checkpoint_failures,
                repairing: health.repairing,
            },
        })
    })
    .await?;
    Ok(ok(info, started))
}

/// Deletes a collection and its files. `result` is false when it did not exist.
#[utoipa::path(delete, path = "/collections/{name}", tag = "collections", operation_id = "delete_collection",
    params(("name" = String, Path)),
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<bool>)),
        (status = 400, description = "A path segment that is not UTF-8", body = ErrorBody),
        (status = 422, description = "Invalid name", body = ErrorBody),
        (status = 500, description = "Internal error (the server log has the details)", body = ErrorBody),
        (status = 503, description = "Still recovering", body = ErrorBody),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let existed = on_blocking_pool(move || Ok(state.engine.delete(&name)?)).await?;
    Ok(ok(existed, started))
}
