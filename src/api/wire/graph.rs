//! Edge and graph requests and responses: edge writes and reads, neighbours, traversals and
//! shortest paths. Every size a client sends is bounded here (see [`super::bounds`]).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::WirePointId;
use super::bounds::{MAX_LIMIT, check_len, check_range};
use super::filter::{Filter, WireFilter, optional_predicate};
use super::points::UpdateStatus;
use crate::api::error::ApiError;
use crate::columns::Payload;
use crate::engine::PointId;
use crate::engine::collection::{MAX_BATCH_EDGES, MAX_LABEL_BYTES, NewEdge};
use crate::graph::{Direction, Edge, EdgeId, MAX_EDGE_ID, Path, Stop, Strategy};
use crate::query::Predicate;
use crate::query::graph::MAX_DEPTH;

/// Most labels one traversal or shortest-path request names.
pub const MAX_LABELS: usize = 64;
/// Default `limit` of a traversal and of a neighbour list.
pub const DEFAULT_LIMIT: usize = 100;

/// An edge to write.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct WireEdge {
    /// Its id (at most 2^63 - 1); assigned when absent. An existing id is replaced.
    #[serde(default)]
    #[schema(maximum = 9_223_372_036_854_775_807_u64)]
    pub id: Option<u64>,
    /// The point it starts at (must exist).
    pub source: WirePointId,
    /// The point it ends at (must exist; the source itself for a self-loop).
    pub target: WirePointId,
    /// Its type: 1 to 256 bytes.
    #[schema(min_length = 1, max_length = 256)]
    pub label: String,
    /// Its properties (a JSON object).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub properties: Option<Payload>,
}

/// Body of `PUT /collections/{name}/edges`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct UpsertEdges {
    /// The edges.
    #[schema(max_items = 100_000)]
    pub edges: Vec<WireEdge>,
}

fn check_label(field: &str, label: &str) -> Result<(), ApiError> {
    if label.is_empty() || label.len() > MAX_LABEL_BYTES {
        return Err(ApiError::validation(format!(
            "{field} must be 1 to {MAX_LABEL_BYTES} bytes, got {}",
            label.len()
        )));
    }
    Ok(())
}

impl UpsertEdges {
    /// The edges as the engine takes them.
    ///
    /// # Errors
    /// 422 for too many edges, an id past the bound, an empty or too long label.
    pub fn into_edges(self) -> Result<Vec<NewEdge>, ApiError> {
        check_len("edges", self.edges.len(), MAX_BATCH_EDGES)?;
        self.edges
            .into_iter()
            .enumerate()
            .map(|(i, e)| {
                if let Some(id) = e.id {
                    check_range(&format!("edges[{i}].id"), id, 0, MAX_EDGE_ID as usize)?;
                }
                check_label(&format!("edges[{i}].label"), &e.label)?;
                Ok((
                    e.id,
                    Edge {
                        source: e.source.0,
                        target: e.target.0,
                        label: e.label,
                        properties: e.properties.unwrap_or_default(),
                    },
                ))
            })
            .collect()
    }
}

/// Body of `POST /collections/{name}/edges/delete`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DeleteEdges {
    /// Ids of the edges to delete (missing ones are ignored).
    #[schema(max_items = 100_000)]
    pub ids: Vec<u64>,
}

impl DeleteEdges {
    /// The ids.
    ///
    /// # Errors
    /// 422 for too many ids.
    pub fn checked(self) -> Result<Vec<EdgeId>, ApiError> {
        check_len("ids", self.ids.len(), MAX_BATCH_EDGES)?;
        Ok(self.ids)
    }
}

/// Result of an edge write: the points write answer plus the id of every edge.
#[derive(Debug, Serialize, ToSchema)]
pub struct EdgeUpdateResult {
    /// The WAL sequence number of the write.
    pub operation_id: u64,
    /// Its status.
    pub status: UpdateStatus,
    /// The id of each edge, in request order (assigned ones included).
    pub ids: Vec<u64>,
}

/// An edge as returned.
#[derive(Debug, Serialize, ToSchema)]
pub struct EdgeRecord {
    /// Its id.
    pub id: u64,
    /// Where it starts.
    pub source: WirePointId,
    /// Where it ends.
    pub target: WirePointId,
    /// Its type.
    pub label: String,
    /// Its properties.
    #[schema(value_type = Object)]
    pub properties: Payload,
}

impl EdgeRecord {
    /// The wire form of edge `id`.
    #[must_use]
    pub fn new(id: EdgeId, edge: Edge<PointId>) -> Self {
        Self {
            id,
            source: WirePointId(edge.source),
            target: WirePointId(edge.target),
            label: edge.label,
            properties: edge.properties,
        }
    }
}

/// Which edges of a node a step follows.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WireDirection {
    /// Edges leaving the node (the default).
    #[default]
    Out,
    /// Edges arriving at the node.
    In,
    /// Both.
    Both,
}

impl From<WireDirection> for Direction {
    fn from(d: WireDirection) -> Self {
        match d {
            WireDirection::Out => Self::Out,
            WireDirection::In => Self::In,
            WireDirection::Both => Self::Both,
        }
    }
}

/// Query string of `GET /collections/{name}/points/{id}/neighbors`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct NeighborsParams {
    /// `out` (default), `in` or `both`.
    pub direction: Option<WireDirection>,
    /// Only edges of this type.
    pub label: Option<String>,
    /// Most edges returned (default 100).
    #[param(minimum = 1, maximum = 100_000)]
    pub limit: Option<u64>,
}

impl NeighborsParams {
    /// The direction, label and limit.
    ///
    /// # Errors
    /// 422 for a limit out of range or a label too long.
    pub fn checked(self) -> Result<(Direction, Option<String>, usize), ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT as u64);
        check_range("limit", limit, 1, MAX_LIMIT)?;
        if let Some(label) = &self.label {
            check_label("label", label)?;
        }
        Ok((
            self.direction.unwrap_or_default().into(),
            self.label,
            usize::try_from(limit).unwrap_or(MAX_LIMIT),
        ))
    }
}

/// One edge of a point and the point at its other end.
#[derive(Debug, Serialize, ToSchema)]
pub struct Neighbor {
    /// The edge.
    pub edge: EdgeRecord,
    /// The point at its other end.
    pub node: WirePointId,
}

/// What a traversal returns.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WireReturn {
    /// The nodes and their depths (the default).
    #[default]
    Nodes,
    /// Also the path by which each node was reached.
    Paths,
}

/// Breadth- or depth-first.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WireStrategy {
    /// Nearest first; depths are distances (the default).
    #[default]
    Bfs,
    /// Deepest first.
    Dfs,
}

/// Body of `POST /collections/{name}/graph/traverse`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct TraverseRequest {
    /// The point to start from (must exist).
    pub from: WirePointId,
    /// `out` (default), `in` or `both`.
    #[serde(default)]
    pub direction: Option<WireDirection>,
    /// Follow only edges of these types (any type when absent).
    #[serde(default)]
    #[schema(max_items = 64)]
    pub labels: Option<Vec<String>>,
    /// Shallowest depth returned (default 1: the start point is left out).
    #[serde(default)]
    #[schema(maximum = 32)]
    pub min_depth: Option<u32>,
    /// Deepest depth reached (default 1, at most 32).
    #[serde(default)]
    #[schema(maximum = 32)]
    pub max_depth: Option<u32>,
    /// Only reach points this filter matches (on their payloads).
    #[serde(default)]
    #[schema(value_type = Option<Filter>)]
    pub node_filter: Option<WireFilter>,
    /// Only follow edges this filter matches (on their properties; `has_id` names edge ids).
    #[serde(default)]
    #[schema(value_type = Option<Filter>)]
    pub edge_filter: Option<WireFilter>,
    /// Most points returned (default 100).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100_000)]
    pub limit: Option<u64>,
    /// `nodes` (default) or `paths`.
    #[serde(default, rename = "return")]
    pub returns: Option<WireReturn>,
    /// `bfs` (default) or `dfs`.
    #[serde(default)]
    pub strategy: Option<WireStrategy>,
}

/// A traversal as the query layer takes it.
#[derive(Debug)]
pub struct CheckedTraversal {
    /// The walk.
    pub spec: crate::graph::TraversalSpec<PointId>,
    /// The node filter.
    pub node_filter: Option<Predicate>,
    /// The edge filter.
    pub edge_filter: Option<Predicate>,
}

fn checked_labels(labels: Option<Vec<String>>) -> Result<Option<Vec<String>>, ApiError> {
    if let Some(labels) = &labels {
        check_len("labels", labels.len(), MAX_LABELS)?;
        for (i, l) in labels.iter().enumerate() {
            check_label(&format!("labels[{i}]"), l)?;
        }
    }
    Ok(labels)
}

impl TraverseRequest {
    /// Checks every bound and converts the filters.
    ///
    /// # Errors
    /// 422 for a depth past 32, `min_depth > max_depth`, a limit out of range, too many or bad
    /// labels; 400 or 422 for a bad filter.
    pub fn checked(self, deadline: std::time::Instant) -> Result<CheckedTraversal, ApiError> {
        let max_depth = self.max_depth.unwrap_or(1);
        let min_depth = self.min_depth.unwrap_or(1);
        check_range("max_depth", u64::from(max_depth), 0, MAX_DEPTH as usize)?;
        check_range("min_depth", u64::from(min_depth), 0, max_depth as usize)?;
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT as u64);
        check_range("limit", limit, 1, MAX_LIMIT)?;
        let labels = checked_labels(self.labels)?;
        let node_filter =
            optional_predicate(self.node_filter.as_ref()).map_err(|e| e.within("node_filter"))?;
        let edge_filter =
            optional_predicate(self.edge_filter.as_ref()).map_err(|e| e.within("edge_filter"))?;
        Ok(CheckedTraversal {
            spec: crate::graph::TraversalSpec {
                from: self.from.0,
                direction: self.direction.unwrap_or_default().into(),
                labels,
                min_depth,
                max_depth,
                limit: usize::try_from(limit).unwrap_or(MAX_LIMIT),
                paths: matches!(self.returns, Some(WireReturn::Paths)),
                strategy: match self.strategy.unwrap_or_default() {
                    WireStrategy::Bfs => Strategy::Bfs,
                    WireStrategy::Dfs => Strategy::Dfs,
                },
                max_visited: crate::query::graph::MAX_VISITED,
                deadline: Some(deadline),
            },
            node_filter,
            edge_filter,
        })
    }
}

/// Why a traversal or path search stopped before it was complete.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WireStop {
    /// `limit` points were returned; there may be more.
    Limit,
    /// 100 000 points were visited.
    MaxVisited,
    /// The time limit (`timeout`, 10 s by default) passed.
    Deadline,
}

impl From<Stop> for WireStop {
    fn from(s: Stop) -> Self {
        match s {
            Stop::Limit => Self::Limit,
            Stop::MaxVisited => Self::MaxVisited,
            Stop::Deadline => Self::Deadline,
        }
    }
}

/// One point a traversal reached.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reached {
    /// The point.
    pub id: WirePointId,
    /// Hops from the start along the path it was reached by.
    pub depth: u32,
}

/// A path: `nodes[i]` to `nodes[i + 1]` over edge `edges[i]`.
#[derive(Debug, Serialize, ToSchema)]
pub struct WirePath {
    /// The points, start and end included.
    pub nodes: Vec<WirePointId>,
    /// The edge ids between them.
    pub edges: Vec<u64>,
}

impl From<Path<PointId>> for WirePath {
    fn from(p: Path<PointId>) -> Self {
        Self {
            nodes: p.nodes.into_iter().map(WirePointId).collect(),
            edges: p.edges,
        }
    }
}

/// Result of a traversal.
#[derive(Debug, Serialize, ToSchema)]
pub struct TraverseResult {
    /// The points reached, in visit order, each once.
    pub nodes: Vec<Reached>,
    /// With `"return": "paths"`: the path to each point of `nodes`, in the same order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paths: Option<Vec<WirePath>>,
    /// Points visited, returned or not (the start included).
    pub visited: u64,
    /// Why the walk stopped early (`null` when it was complete): what was found so far is
    /// returned.
    pub stopped: Option<WireStop>,
}

impl TraverseResult {
    /// The wire form of a traversal.
    #[must_use]
    pub fn new(t: crate::graph::Traversal<PointId>, paths: bool) -> Self {
        let mut nodes = Vec::with_capacity(t.visits.len());
        let mut all_paths = Vec::new();
        for v in t.visits {
            nodes.push(Reached {
                id: WirePointId(v.node),
                depth: v.depth,
            });
            if let Some(p) = v.path {
                all_paths.push(WirePath::from(p));
            }
        }
        Self {
            nodes,
            paths: paths.then_some(all_paths),
            visited: t.visited as u64,
            stopped: t.stopped.map(WireStop::from),
        }
    }
}

/// Body of `POST /collections/{name}/graph/shortest_path`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ShortestPathRequest {
    /// Start point (must exist).
    pub from: WirePointId,
    /// Goal point (must exist).
    pub to: WirePointId,
    /// `out` (default), `in` or `both`.
    #[serde(default)]
    pub direction: Option<WireDirection>,
    /// Follow only edges of these types (any type when absent).
    #[serde(default)]
    #[schema(max_items = 64)]
    pub labels: Option<Vec<String>>,
    /// A numeric edge property: minimise the sum of it instead of the hop count. Edges without
    /// it (or with a value that is not a number) are not followed; a negative value is a 422
    /// naming the edge.
    #[serde(default)]
    pub weight: Option<String>,
    /// Only follow edges this filter matches (on their properties).
    #[serde(default)]
    #[schema(value_type = Option<Filter>)]
    pub edge_filter: Option<WireFilter>,
}

impl ShortestPathRequest {
    /// Checks every bound and converts the filter.
    ///
    /// # Errors
    /// 422 for too many or bad labels, an empty weight name; a bad filter.
    pub fn checked(
        self,
        deadline: std::time::Instant,
    ) -> Result<(crate::graph::PathSpec<PointId>, Option<Predicate>), ApiError> {
        let labels = checked_labels(self.labels)?;
        if let Some(w) = &self.weight {
            check_label("weight", w)?;
        }
        let edge_filter =
            optional_predicate(self.edge_filter.as_ref()).map_err(|e| e.within("edge_filter"))?;
        Ok((
            crate::graph::PathSpec {
                from: self.from.0,
                to: self.to.0,
                direction: self.direction.unwrap_or_default().into(),
                labels,
                weight: self.weight,
                max_visited: crate::query::graph::MAX_VISITED,
                deadline: Some(deadline),
            },
            edge_filter,
        ))
    }
}

/// Result of a shortest-path search.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShortestPathResult {
    /// Whether a path was found.
    pub found: bool,
    /// The path, when found.
    pub path: Option<WirePath>,
    /// Its hop count, or its total weight with `weight`.
    pub cost: Option<f64>,
    /// Points visited.
    pub visited: u64,
    /// Why the search gave up before it was complete (then nothing was found).
    pub stopped: Option<WireStop>,
}

impl From<crate::graph::ShortestPath<PointId>> for ShortestPathResult {
    fn from(p: crate::graph::ShortestPath<PointId>) -> Self {
        Self {
            found: p.path.is_some(),
            path: p.path.map(WirePath::from),
            cost: p.cost,
            visited: p.visited as u64,
            stopped: p.stopped.map(WireStop::from),
        }
    }
}
