//! `/collections/{name}/edges...` and `/collections/{name}/graph/...`: edge writes and reads,
//! neighbours of a point, traversals and shortest paths.

use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::on_blocking_pool;
use super::points::ack_at;
use crate::api::AppState;
use crate::api::envelope::{ErrorBody, ok};
use crate::api::error::ApiError;
use crate::api::extract::{JsonBody, Path, Query};
use crate::api::wire::WirePointId;
use crate::api::wire::graph::{
    DeleteEdges, EdgeRecord, EdgeUpdateResult, Neighbor, NeighborsParams, ShortestPathRequest,
    ShortestPathResult, TraverseRequest, TraverseResult, UpsertEdges,
};
use crate::api::wire::points::{TimeoutParam, UpdateResult, UpdateStatus, WaitParam};
use crate::engine::{EngineError, PointId, WriteReceipt};
use crate::query::check_types;
use crate::query::graph::{self, PathError};

/// Time a traversal or path search may run when the request names no `timeout`.
const DEFAULT_GRAPH_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest `timeout` honoured (a larger one is cut to it).
const MAX_GRAPH_TIMEOUT: Duration = Duration::from_secs(3600);

fn deadline(timeout: &TimeoutParam) -> Instant {
    let limit = timeout
        .timeout
        .map_or(DEFAULT_GRAPH_TIMEOUT, Duration::from_secs)
        .min(MAX_GRAPH_TIMEOUT);
    Instant::now() + limit
}

fn status(applied: bool) -> UpdateStatus {
    if applied {
        UpdateStatus::Completed
    } else {
        UpdateStatus::Acknowledged
    }
}

fn point_id(text: &str) -> Result<PointId, ApiError> {
    text.parse().map_err(|e: crate::engine::point::BadPointId| {
        ApiError::new(StatusCode::BAD_REQUEST, e.to_string())
    })
}

/// Inserts or replaces edges. Both ends of every edge must be existing points of the collection
/// (checked in order with every other write, so a concurrent delete cannot slip in); otherwise
/// nothing is stored. Edges without an `id` get one; the answer lists every edge's id.
#[utoipa::path(put, path = "/collections/{name}/edges", tag = "graph", operation_id = "upsert_edges",
    params(("name" = String, Path), WaitParam),
    request_body = UpsertEdges,
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<EdgeUpdateResult>)),
        (status = 400, description = "Malformed JSON or a body of the wrong shape", body = ErrorBody),
        (status = 404, description = "No such collection, or an edge's source or target point does not exist (nothing stored)", body = ErrorBody),
        (status = 415, description = "The body is not declared as application/json", body = ErrorBody),
        (status = 422, description = "Too many edges, an id past 2^63 - 1, a label empty or over 256 bytes, `timeout=0`", body = ErrorBody),
        (status = 500, description = "The write could not be made durable; the collection refuses writes until a restart", body = ErrorBody),
        (status = 503, description = "Collection recovering, failed, read-only after a failed write, or shutting down, or its write queue is full (nothing stored; retry after `Retry-After` seconds)", body = ErrorBody),
        (status = 507, description = "Disk full: the WAL write failed (nothing stored)", body = ErrorBody),
    ))]
pub async fn upsert_edges(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(wait): Query<WaitParam>,
    body: JsonBody<UpsertEdges>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    wait.check()?;
    let ack = ack_at(&wait);
    let ticket = on_blocking_pool(move || {
        let edges = body.parse()?.into_edges()?;
        Ok(state.engine.collection(&name)?.upsert_edges(edges, ack)?)
    })
    .await?;
    let (WriteReceipt { seq, applied }, ids) = ticket.wait().await?;
    Ok(ok(
        EdgeUpdateResult {
            operation_id: seq,
            status: status(applied),
            ids,
        },
        started,
    ))
}

/// Deletes edges by id (ids that do not exist are ignored).
#[utoipa::path(post, path = "/collections/{name}/edges/delete", tag = "graph", operation_id = "delete_edges",
    params(("name" = String, Path), WaitParam),
    request_body = DeleteEdges,
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<UpdateResult>)),
        (status = 400, description = "Malformed JSON or a body of the wrong shape", body = ErrorBody),
        (status = 404, description = "No such collection", body = ErrorBody),
        (status = 415, description = "The body is not declared as application/json", body = ErrorBody),
        (status = 422, description = "Too many ids, `timeout=0`", body = ErrorBody),
        (status = 500, description = "The write could not be made durable; the collection refuses writes until a restart", body = ErrorBody),
        (status = 503, description = "Collection recovering, failed, read-only after a failed write, or shutting down, or its write queue is full (nothing stored; retry after `Retry-After` seconds)", body = ErrorBody),
        (status = 507, description = "Disk full: the WAL write failed (nothing stored)", body = ErrorBody),
    ))]
pub async fn delete_edges(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(wait): Query<WaitParam>,
    body: JsonBody<DeleteEdges>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    wait.check()?;
    let ack = ack_at(&wait);
    let ticket = on_blocking_pool(move || {
        let ids = body.parse()?.checked()?;
        Ok(state.engine.collection(&name)?.delete_edges(ids, ack)?)
    })
    .await?;
    super::points::finish_write(ticket, started).await
}

/// Fetches one edge.
#[utoipa::path(get, path = "/collections/{name}/edges/{id}", tag = "graph", operation_id = "get_edge",
    params(("name" = String, Path), ("id" = u64, Path, description = "An edge id")),
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<EdgeRecord>)),
        (status = 400, description = "Not an edge id", body = ErrorBody),
        (status = 404, description = "No such collection or edge", body = ErrorBody),
        (status = 503, description = "Collection recovering or failed to open", body = ErrorBody),
    ))]
pub async fn get_edge(
    State(state): State<AppState>,
    Path((name, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let id: u64 = id.parse().map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("Bad request: {id:?} is not an edge id (an unsigned integer)"),
        )
    })?;
    let record = on_blocking_pool(move || {
        let edge = state
            .engine
            .collection(&name)?
            .read(|view| graph::edge(view, id))
            .ok_or(EngineError::EdgeNotFound { id })?;
        Ok(EdgeRecord::new(id, edge))
    })
    .await?;
    Ok(ok(record, started))
}

/// The edges of one point and the points at their other ends, in edge id order per direction
/// (`both`: outgoing first; a self-loop appears once per direction).
#[utoipa::path(get, path = "/collections/{name}/points/{id}/neighbors", tag = "graph", operation_id = "point_neighbors",
    params(("name" = String, Path), ("id" = String, Path, description = "An unsigned integer or a UUID"), NeighborsParams),
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<Vec<Neighbor>>)),
        (status = 400, description = "Not a point id, or a malformed query string", body = ErrorBody),
        (status = 404, description = "No such collection or point", body = ErrorBody),
        (status = 422, description = "Limit out of range, a label over 256 bytes", body = ErrorBody),
        (status = 503, description = "Collection recovering or failed to open, or too many searches running and waiting (retry after `Retry-After` seconds)", body = ErrorBody),
    ))]
pub async fn neighbors(
    State(state): State<AppState>,
    Path((name, id)): Path<(String, String)>,
    Query(params): Query<NeighborsParams>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let id = point_id(&id)?;
    let (direction, label, limit) = params.checked()?;
    let permit = state.searches.enter().await?;
    let found = on_blocking_pool(move || {
        let _permit = permit;
        let c = state.engine.collection(&name)?;
        let found =
            c.read(|view| graph::neighbors(view, id, direction, label.as_deref(), limit))?;
        Ok(found
            .into_iter()
            .map(|(edge_id, edge, node)| Neighbor {
                edge: EdgeRecord::new(edge_id, edge),
                node: WirePointId(node),
            })
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(ok(found, started))
}

/// Walks the graph from one point, breadth-first (or depth-first), each point visited once so
/// cycles end. Stops after `limit` points, 100 000 visited points or the time limit (`timeout`,
/// 10 s by default) and says which in `stopped`, returning what it found so far.
#[utoipa::path(post, path = "/collections/{name}/graph/traverse", tag = "graph", operation_id = "traverse_graph",
    params(("name" = String, Path), TimeoutParam),
    request_body = TraverseRequest,
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<TraverseResult>)),
        (status = 400, description = "Malformed JSON, a body of the wrong shape, or a malformed filter", body = ErrorBody),
        (status = 404, description = "No such collection, or the start point does not exist", body = ErrorBody),
        (status = 415, description = "The body is not declared as application/json", body = ErrorBody),
        (status = 422, description = "A depth past 32, `min_depth` above `max_depth`, a limit out of range, too many or bad labels, an unsupported filter condition, `timeout=0`", body = ErrorBody),
        (status = 503, description = "Collection recovering or failed to open, or too many searches running and waiting (retry after `Retry-After` seconds)", body = ErrorBody),
    ))]
pub async fn traverse(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(timeout): Query<TimeoutParam>,
    body: JsonBody<TraverseRequest>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    timeout.check()?;
    let permit = state.searches.enter().await?;
    let result = on_blocking_pool(move || {
        let _permit = permit;
        let walk = body.parse()?.checked(deadline(&timeout))?;
        let c = state.engine.collection(&name)?;
        let found = c.read(|view| {
            for p in [&walk.node_filter, &walk.edge_filter].into_iter().flatten() {
                check_types(view, p)?;
            }
            Ok::<_, ApiError>(graph::traverse(
                view,
                &walk.spec,
                walk.node_filter.as_ref(),
                walk.edge_filter.as_ref(),
            )?)
        })?;
        Ok(TraverseResult::new(found, walk.spec.paths))
    })
    .await?;
    Ok(ok(result, started))
}

/// The shortest path between two points: fewest hops, or the least total of a numeric edge
/// property (`weight`).
#[utoipa::path(post, path = "/collections/{name}/graph/shortest_path", tag = "graph", operation_id = "shortest_path",
    params(("name" = String, Path), TimeoutParam),
    request_body = ShortestPathRequest,
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<ShortestPathResult>)),
        (status = 400, description = "Malformed JSON, a body of the wrong shape, or a malformed filter", body = ErrorBody),
        (status = 404, description = "No such collection, or either end point does not exist", body = ErrorBody),
        (status = 415, description = "The body is not declared as application/json", body = ErrorBody),
        (status = 422, description = "Too many or bad labels, a negative edge weight met (naming the edge), an unsupported filter condition, `timeout=0`", body = ErrorBody),
        (status = 503, description = "Collection recovering or failed to open, or too many searches running and waiting (retry after `Retry-After` seconds)", body = ErrorBody),
    ))]
pub async fn shortest_path(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(timeout): Query<TimeoutParam>,
    body: JsonBody<ShortestPathRequest>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    timeout.check()?;
    let permit = state.searches.enter().await?;
    let result = on_blocking_pool(move || {
        let _permit = permit;
        let (spec, edge_filter) = body.parse()?.checked(deadline(&timeout))?;
        let c = state.engine.collection(&name)?;
        let found = c.read(|view| {
            if let Some(p) = &edge_filter {
                check_types(view, p)?;
            }
            graph::shortest_path(view, &spec, edge_filter.as_ref()).map_err(|e| match e {
                PathError::Engine(e) => ApiError::from(e),
                PathError::Graph(e) => ApiError::unprocessable(e.to_string()),
            })
        })?;
        Ok(ShortestPathResult::from(found))
    })
    .await?;
    Ok(ok(result, started))
}
