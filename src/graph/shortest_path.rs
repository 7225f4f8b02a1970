//! [`shortest_path`]: the fewest hops between two nodes (breadth-first), or the least total
//! weight (Dijkstra) when a numeric edge property is named as the weight.
//!
//! Weight rule: an edge whose weight property is missing or not a number cannot be followed (so
//! edges of other kinds without the property are simply not part of a weighted path); a negative
//! weight is an error naming the edge, since Dijkstra's answer would be wrong. The same guards as
//! traversals apply: most nodes visited, and a deadline; a search stopped by either says so.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::time::Instant;

use super::csr::{AdjacencyView, Hop};
use super::store::{EdgeId, EdgeRef};
use super::traverse::{CHECK_EVERY, Direction, EdgeFilter, Path, Stop};
use super::{GraphError, Node};
use crate::columns::Value;

/// What to search.
#[derive(Debug, Clone)]
pub struct PathSpec<N> {
    /// Start.
    pub from: N,
    /// Goal.
    pub to: N,
    /// Which edges to follow.
    pub direction: Direction,
    /// Only edges with one of these labels; any label when `None`.
    pub labels: Option<Vec<String>>,
    /// The numeric edge property to minimise the sum of; hops when `None`.
    pub weight: Option<String>,
    /// Most nodes visited before the search gives up.
    pub max_visited: usize,
    /// When the search gives up regardless.
    pub deadline: Option<Instant>,
}

/// What a shortest-path search found.
#[derive(Debug, Clone, PartialEq)]
pub struct ShortestPath<N> {
    /// The path, when one was found.
    pub path: Option<Path<N>>,
    /// Its total weight (its hop count without a weight property).
    pub cost: Option<f64>,
    /// Nodes visited.
    pub visited: usize,
    /// Why the search gave up before it was complete, if it did (then `path` is `None`).
    pub stopped: Option<Stop>,
}

#[derive(Clone, Copy, PartialEq)]
struct Cost(f64);

impl Eq for Cost {}

impl PartialOrd for Cost {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Cost {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

fn weight_of<N>(edge: EdgeRef<'_, N>, property: &str) -> Result<Option<f64>, GraphError> {
    let properties = edge.properties();
    #[expect(
        clippy::cast_precision_loss,
        reason = "weights are summed as f64; integers past 2^53 lose precision, as in any float sum"
    )]
    let w = match properties.get(property) {
        Some(Value::Int(i)) => *i as f64,
        Some(Value::UInt(u)) => *u as f64,
        Some(Value::Float(f)) => *f,
        _ => return Ok(None),
    };
    if w < 0.0 {
        return Err(GraphError::NegativeWeight {
            edge: edge.id,
            property: property.to_owned(),
            weight: w,
        });
    }
    Ok(Some(w))
}

/// The shortest path from `spec.from` to `spec.to` over edges `edge_ok` accepts (see the module
/// doc for weights).
///
/// # Errors
/// [`GraphError::NegativeWeight`] when the search meets an edge with a negative weight.
pub fn shortest_path<N: Node>(
    view: &AdjacencyView<'_, N>,
    spec: &PathSpec<N>,
    edge_ok: Option<EdgeFilter<'_, N>>,
) -> Result<ShortestPath<N>, GraphError> {
    let mut found = ShortestPath {
        path: None,
        cost: None,
        visited: 1,
        stopped: None,
    };
    if spec.from == spec.to {
        found.path = Some(Path {
            nodes: vec![spec.from],
            edges: vec![],
        });
        found.cost = Some(0.0);
        return Ok(found);
    }
    let (Some(start), Some(goal)) = (view.number(spec.from), view.number(spec.to)) else {
        return Ok(found);
    };
    let labels: Option<Vec<u32>> = spec
        .labels
        .as_ref()
        .map(|names| names.iter().filter_map(|n| view.label_id(n)).collect());
    let allowed = |hop: &Hop| -> Option<EdgeRef<'_, N>> {
        if labels.as_ref().is_some_and(|l| !l.contains(&hop.label)) {
            return None;
        }
        let edge = view.edge(hop.edge)?;
        edge_ok.is_none_or(|ok| ok(edge)).then_some(edge)
    };
    // Best known way into each reached node: (parent, edge).
    let mut parents: HashMap<u32, Option<(u32, EdgeId)>> = HashMap::from([(start, None)]);
    let mut expansions = 0usize;
    let mut late = || {
        expansions += 1;
        expansions.is_multiple_of(CHECK_EVERY) && spec.deadline.is_some_and(|d| Instant::now() >= d)
    };
    let reached = match &spec.weight {
        None => {
            let mut queue = VecDeque::from([start]);
            let mut reached = None;
            'search: while let Some(at) = queue.pop_front() {
                if late() {
                    found.stopped = Some(Stop::Deadline);
                    break;
                }
                for hop in view.hops(at, spec.direction) {
                    if parents.contains_key(&hop.node) || allowed(&hop).is_none() {
                        continue;
                    }
                    parents.insert(hop.node, Some((at, hop.edge)));
                    found.visited += 1;
                    if hop.node == goal {
                        reached = Some(0.0);
                        break 'search;
                    }
                    if found.visited >= spec.max_visited {
                        found.stopped = Some(Stop::MaxVisited);
                        break 'search;
                    }
                    queue.push_back(hop.node);
                }
            }
            reached
        }
        Some(property) => {
            let mut best: HashMap<u32, f64> = HashMap::from([(start, 0.0)]);
            let mut done = std::collections::HashSet::new();
            let mut heap = BinaryHeap::from([Reverse((Cost(0.0), start))]);
            let mut reached = None;
            while let Some(Reverse((Cost(cost), at))) = heap.pop() {
                if !done.insert(at) {
                    continue;
                }
                if at == goal {
                    reached = Some(cost);
                    break;
                }
                if late() {
                    found.stopped = Some(Stop::Deadline);
                    break;
                }
                if done.len() >= spec.max_visited {
                    found.stopped = Some(Stop::MaxVisited);
                    break;
                }
                for hop in view.hops(at, spec.direction) {
                    if done.contains(&hop.node) {
                        continue;
                    }
                    let Some(edge) = allowed(&hop) else { continue };
                    let Some(w) = weight_of(edge, property)? else {
                        continue;
                    };
                    let next = cost + w;
                    if best.get(&hop.node).is_none_or(|&b| next < b) {
                        best.insert(hop.node, next);
                        parents.insert(hop.node, Some((at, hop.edge)));
                        heap.push(Reverse((Cost(next), hop.node)));
                    }
                }
            }
            found.visited = done.len();
            reached
        }
    };
    let Some(cost) = reached else {
        return Ok(found);
    };
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    let mut at = goal;
    while let Some(node) = view.node(at) {
        nodes.push(node);
        match parents.get(&at) {
            Some(Some((parent, edge))) => {
                edges.push(*edge);
                at = *parent;
            }
            _ => break,
        }
    }
    nodes.reverse();
    edges.reverse();
    #[expect(clippy::cast_precision_loss, reason = "a hop count is far below 2^53")]
    let hops = edges.len() as f64;
    found.cost = Some(if spec.weight.is_some() { cost } else { hops });
    found.path = Some(Path { nodes, edges });
    Ok(found)
}
