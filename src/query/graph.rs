//! Graph queries over one read view: traversals, shortest paths and neighbours of a collection's
//! points, with node and edge filters given as [`Predicate`]s.
//!
//! `graph/` walks the adjacency and asks closures which nodes and edges it may take; this module
//! supplies those closures from predicates: a node filter is evaluated on the point's payload
//! (`has_id` naming point ids), an edge filter on the edge's properties (`has_id` naming edge
//! ids). Both ends of a query must be existing points. Points the view hides (expired, not yet
//! deleted) are absent: no walk enters them and no edge to them is taken or listed. VelesQL `MATCH` (`query/pattern`) walks
//! the same adjacency under the same [`MAX_VISITED`] and [`MAX_DEPTH`] bounds.

use crate::engine::{EngineError, PointId, ReadView};
use crate::graph::{
    self, Direction, EdgeRef, GraphError, PathSpec, ShortestPath, Traversal, TraversalSpec,
};

use super::Predicate;

/// Most nodes one traversal or shortest-path search visits before it stops and says so.
pub const MAX_VISITED: usize = 100_000;
/// Deepest traversal.
pub const MAX_DEPTH: u32 = 32;

fn require(view: &ReadView<'_>, id: PointId) -> Result<(), EngineError> {
    view.slot_of(id)
        .map(|_| ())
        .ok_or(EngineError::PointNotFound { id })
}

fn node_matches(view: &ReadView<'_>, predicate: &Predicate, id: PointId) -> bool {
    view.slot_of(id)
        .and_then(|slot| view.payload(slot))
        .is_some_and(|payload| predicate.matches(id, payload))
}

/// Edge `id`, unless it does not exist or the view hides one of its ends.
#[must_use]
pub fn edge(view: &ReadView<'_>, id: u64) -> Option<graph::Edge<PointId>> {
    view.edges()
        .get(id)
        .filter(|&e| shows_ends(view, e))
        .map(|e| e.to_edge())
}

/// Whether both ends of `edge` are points the view shows.
fn shows_ends(view: &ReadView<'_>, edge: EdgeRef<'_, PointId>) -> bool {
    view.slot_of(edge.source).is_some() && view.slot_of(edge.target).is_some()
}

fn edge_matches(predicate: &Predicate, edge: EdgeRef<'_, PointId>) -> bool {
    predicate.matches(PointId::Num(edge.id), &edge.properties())
}

/// Walks the graph of `view` from `spec.from` (see `graph::traverse`), taking only nodes
/// `node_filter` and edges `edge_filter` match.
///
/// # Errors
/// [`EngineError::PointNotFound`] when the start point does not exist.
pub fn traverse(
    view: &ReadView<'_>,
    spec: &TraversalSpec<PointId>,
    node_filter: Option<&Predicate>,
    edge_filter: Option<&Predicate>,
) -> Result<Traversal<PointId>, EngineError> {
    require(view, spec.from)?;
    let node_ok = |id: PointId| match node_filter {
        Some(p) => node_matches(view, p, id),
        None => view.slot_of(id).is_some(),
    };
    let edge_ok = |e: EdgeRef<'_, PointId>| edge_filter.is_none_or(|p| edge_matches(p, e));
    let check_nodes = node_filter.is_some() || view.hides_points();
    Ok(graph::traverse(
        &view.graph(),
        spec,
        check_nodes.then_some(&node_ok as &dyn Fn(PointId) -> bool),
        edge_filter.map(|_| &edge_ok as graph::EdgeFilter<'_, PointId>),
    ))
}

/// Why a shortest path could not be searched.
#[derive(Debug, thiserror::Error)]
pub enum PathError {
    /// An end is missing, or the collection failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The graph holds a weight Dijkstra cannot use.
    #[error(transparent)]
    Graph(#[from] GraphError),
}

/// The shortest path between two points of `view` over edges `edge_filter` matches (see
/// `graph::shortest_path`).
///
/// # Errors
/// [`EngineError::PointNotFound`] for a missing end; [`GraphError::NegativeWeight`].
pub fn shortest_path(
    view: &ReadView<'_>,
    spec: &PathSpec<PointId>,
    edge_filter: Option<&Predicate>,
) -> Result<ShortestPath<PointId>, PathError> {
    require(view, spec.from)?;
    require(view, spec.to)?;
    let edge_ok = |e: EdgeRef<'_, PointId>| {
        edge_filter.is_none_or(|p| edge_matches(p, e)) && shows_ends(view, e)
    };
    let check_edges = edge_filter.is_some() || view.hides_points();
    Ok(graph::shortest_path(
        &view.graph(),
        spec,
        check_edges.then_some(&edge_ok as graph::EdgeFilter<'_, PointId>),
    )?)
}

/// The first `limit` edges of point `id` in `direction` with `label` (any when `None`), as
/// (edge, neighbour), owned.
///
/// # Errors
/// [`EngineError::PointNotFound`] when the point does not exist.
pub fn neighbors(
    view: &ReadView<'_>,
    id: PointId,
    direction: Direction,
    label: Option<&str>,
    limit: usize,
) -> Result<Vec<(u64, graph::Edge<PointId>, PointId)>, EngineError> {
    require(view, id)?;
    if !view.hides_points() {
        return Ok(graph::neighbors(&view.graph(), id, direction, label, limit)
            .into_iter()
            .map(|(e, node)| (e.id, e.to_edge(), node))
            .collect());
    }
    // Hidden neighbours are skipped, so the walk lists all of them and cuts after.
    Ok(
        graph::neighbors(&view.graph(), id, direction, label, usize::MAX)
            .into_iter()
            .filter(|&(_, node)| view.slot_of(node).is_some())
            .take(limit)
            .map(|(e, node)| (e.id, e.to_edge(), node))
            .collect(),
    )
}
