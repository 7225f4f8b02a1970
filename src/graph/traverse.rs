//! [`traverse`]: breadth-first (default) or depth-first traversal from one node, each node
//! visited at most once, so a cyclic graph never loops; and [`neighbors`], one step.
//!
//! Semantics:
//! - The start node is at depth 0 and is always expanded; it is returned only when `min_depth`
//!   is 0 and it passes the node filter.
//! - A hop is taken when its label is one of `labels` (any label when `labels` is `None`), its
//!   edge passes the edge filter, and the node it reaches was not visited yet and passes the node
//!   filter. A node that fails the node filter is neither returned nor expanded.
//! - A node is returned when `min_depth <= depth <= max_depth`, with the path it was first reached
//!   by when paths are asked for. Breadth-first, that is a shortest path and the depth is the
//!   distance; depth-first, it is the path the walk took, so a node first met deeper than
//!   `max_depth` along it is not returned even if a shorter path exists (the usual price of
//!   visiting each node once).
//!
//! Guards: the caller bounds `max_depth` and `limit`; the walk stops once `limit` nodes are
//! returned, once `max_visited` nodes are visited, or at `deadline` (checked every
//! [`CHECK_EVERY`] expansions), and says which in [`Traversal::stopped`]: what was found so far
//! is returned, never more than the guards allow.

use std::collections::HashMap;
use std::collections::VecDeque;
use std::time::Instant;

use super::Node;
use super::csr::{AdjacencyView, Hop};
use super::store::{EdgeId, EdgeRef};

/// Expansions between two looks at the clock.
pub const CHECK_EVERY: usize = 1024;

/// Which edges of a node a step follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Edges leaving the node.
    #[default]
    Out,
    /// Edges arriving at the node.
    In,
    /// Both.
    Both,
}

/// Breadth-first or depth-first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Nearest first; depths are distances.
    #[default]
    Bfs,
    /// Deepest first.
    Dfs,
}

/// Which nodes a traversal may reach (besides the start).
pub type NodeFilter<'a, N> = &'a dyn Fn(N) -> bool;
/// Which edges a traversal may follow.
pub type EdgeFilter<'a, N> = &'a dyn Fn(EdgeRef<'_, N>) -> bool;

/// What to traverse.
#[derive(Debug, Clone)]
pub struct TraversalSpec<N> {
    /// The start node.
    pub from: N,
    /// Which edges to follow.
    pub direction: Direction,
    /// Only edges with one of these labels; any label when `None`.
    pub labels: Option<Vec<String>>,
    /// Shallowest depth returned.
    pub min_depth: u32,
    /// Deepest depth reached.
    pub max_depth: u32,
    /// Most nodes returned.
    pub limit: usize,
    /// Whether each returned node carries its path.
    pub paths: bool,
    /// Breadth- or depth-first.
    pub strategy: Strategy,
    /// Most nodes visited (returned or not) before the walk stops.
    pub max_visited: usize,
    /// When the walk stops regardless.
    pub deadline: Option<Instant>,
}

/// A path: `nodes[i]` to `nodes[i + 1]` over `edges[i]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path<N> {
    /// From the start node to the reached one, both included.
    pub nodes: Vec<N>,
    /// The edges between them.
    pub edges: Vec<EdgeId>,
}

/// One returned node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit<N> {
    /// The node.
    pub node: N,
    /// Hops from the start along the path it was reached by.
    pub depth: u32,
    /// That path, when asked for.
    pub path: Option<Path<N>>,
}

/// Why a walk stopped before it was complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// `limit` nodes were returned.
    Limit,
    /// `max_visited` nodes were visited.
    MaxVisited,
    /// The deadline passed.
    Deadline,
}

/// What a traversal found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Traversal<N> {
    /// The returned nodes, in visit order.
    pub visits: Vec<Visit<N>>,
    /// Nodes visited (the start included).
    pub visited: usize,
    /// Why the walk stopped early, if it did.
    pub stopped: Option<Stop>,
}

/// How each visited node was reached: (parent number, edge, depth); the start has no parent.
type Parents = HashMap<u32, (Option<(u32, EdgeId)>, u32)>;

struct Walk<'v, 'f, N: Node> {
    view: &'v AdjacencyView<'v, N>,
    spec: &'f TraversalSpec<N>,
    labels: Option<Vec<u32>>,
    node_ok: Option<NodeFilter<'f, N>>,
    edge_ok: Option<EdgeFilter<'f, N>>,
    parents: Parents,
    rejected: std::collections::HashSet<u32>,
    out: Traversal<N>,
    expansions: usize,
}

impl<N: Node> Walk<'_, '_, N> {
    fn hop_allowed(&self, hop: &Hop) -> bool {
        if let Some(labels) = &self.labels
            && !labels.contains(&hop.label)
        {
            return false;
        }
        match self.edge_ok {
            None => true,
            Some(ok) => self.view.edge(hop.edge).is_some_and(ok),
        }
    }

    /// Whether `number` may be visited: not yet visited and passing the node filter.
    fn may_visit(&mut self, number: u32) -> bool {
        if self.parents.contains_key(&number) || self.rejected.contains(&number) {
            return false;
        }
        let ok = match (self.node_ok, self.view.node(number)) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(f), Some(node)) => f(node),
        };
        if !ok {
            self.rejected.insert(number);
        }
        ok
    }

    /// Records a visit; returns why the walk must stop now, if it must.
    fn visit(&mut self, number: u32, parent: Option<(u32, EdgeId)>, depth: u32) -> Option<Stop> {
        self.parents.insert(number, (parent, depth));
        self.out.visited += 1;
        if depth >= self.spec.min_depth
            && let Some(node) = self.view.node(number)
        {
            let path = self.spec.paths.then(|| self.path_to(number));
            self.out.visits.push(Visit { node, depth, path });
            if self.out.visits.len() >= self.spec.limit {
                return Some(Stop::Limit);
            }
        }
        (self.out.visited >= self.spec.max_visited).then_some(Stop::MaxVisited)
    }

    fn path_to(&self, number: u32) -> Path<N> {
        let mut nodes = Vec::new();
        let mut edges = Vec::new();
        let mut at = number;
        loop {
            if let Some(n) = self.view.node(at) {
                nodes.push(n);
            }
            match self.parents.get(&at) {
                Some((Some((parent, edge)), _)) => {
                    edges.push(*edge);
                    at = *parent;
                }
                _ => break,
            }
        }
        nodes.reverse();
        edges.reverse();
        Path { nodes, edges }
    }

    fn late(&mut self) -> bool {
        self.expansions += 1;
        self.expansions.is_multiple_of(CHECK_EVERY)
            && self.spec.deadline.is_some_and(|d| Instant::now() >= d)
    }

    fn bfs(&mut self, start: u32) -> Option<Stop> {
        let mut queue = VecDeque::from([(start, 0u32)]);
        while let Some((number, depth)) = queue.pop_front() {
            if depth >= self.spec.max_depth {
                continue;
            }
            if self.late() {
                return Some(Stop::Deadline);
            }
            for hop in self.view.hops(number, self.spec.direction) {
                if !self.hop_allowed(&hop) || !self.may_visit(hop.node) {
                    continue;
                }
                if let Some(stop) = self.visit(hop.node, Some((number, hop.edge)), depth + 1) {
                    return Some(stop);
                }
                queue.push_back((hop.node, depth + 1));
            }
        }
        None
    }

    fn dfs(&mut self, start: u32) -> Option<Stop> {
        // Entries are (node, parent and edge, depth); a node is visited when popped, so the
        // order is a true depth-first order.
        let mut stack = vec![];
        self.push_hops(&mut stack, start, 0);
        while let Some((number, parent, depth)) = stack.pop() {
            if !self.may_visit(number) {
                continue;
            }
            if self.late() {
                return Some(Stop::Deadline);
            }
            if let Some(stop) = self.visit(number, Some(parent), depth) {
                return Some(stop);
            }
            if depth < self.spec.max_depth {
                self.push_hops(&mut stack, number, depth);
            }
        }
        None
    }

    fn push_hops(&self, stack: &mut Vec<(u32, (u32, EdgeId), u32)>, number: u32, depth: u32) {
        let mut hops: Vec<Hop> = self
            .view
            .hops(number, self.spec.direction)
            .filter(|h| self.hop_allowed(h))
            .collect();
        // Pushed in reverse so the lowest edge id is walked first.
        hops.reverse();
        for hop in hops {
            if !self.parents.contains_key(&hop.node) {
                stack.push((hop.node, (number, hop.edge), depth + 1));
            }
        }
    }
}

/// Walks `view` from `spec.from` (see the module doc). A start node without edges yields only
/// itself (when `min_depth` is 0 and it passes the node filter).
#[must_use]
pub fn traverse<N: Node>(
    view: &AdjacencyView<'_, N>,
    spec: &TraversalSpec<N>,
    node_ok: Option<NodeFilter<'_, N>>,
    edge_ok: Option<EdgeFilter<'_, N>>,
) -> Traversal<N> {
    let mut out = Traversal {
        visits: Vec::new(),
        visited: 1,
        stopped: None,
    };
    let start_returned = spec.min_depth == 0 && node_ok.is_none_or(|f| f(spec.from));
    let Some(start) = view.number(spec.from) else {
        if start_returned && spec.limit > 0 {
            out.visits.push(Visit {
                node: spec.from,
                depth: 0,
                path: spec.paths.then(|| Path {
                    nodes: vec![spec.from],
                    edges: vec![],
                }),
            });
        }
        // As everywhere: reaching `limit` says so, even when nothing more was left.
        if out.visits.len() >= spec.limit {
            out.stopped = Some(Stop::Limit);
        }
        return out;
    };
    let labels = spec
        .labels
        .as_ref()
        .map(|names| names.iter().filter_map(|n| view.label_id(n)).collect());
    let mut walk = Walk {
        view,
        spec,
        labels,
        node_ok,
        edge_ok,
        parents: HashMap::from([(start, (None, 0))]),
        rejected: std::collections::HashSet::new(),
        out,
        expansions: 0,
    };
    if spec.limit == 0 {
        walk.out.stopped = Some(Stop::Limit);
        return walk.out;
    }
    if start_returned {
        walk.out.visits.push(Visit {
            node: spec.from,
            depth: 0,
            path: spec.paths.then(|| Path {
                nodes: vec![spec.from],
                edges: vec![],
            }),
        });
        if walk.out.visits.len() >= spec.limit {
            walk.out.stopped = Some(Stop::Limit);
            return walk.out;
        }
    }
    walk.out.stopped = match spec.strategy {
        Strategy::Bfs => walk.bfs(start),
        Strategy::Dfs => walk.dfs(start),
    };
    walk.out
}

/// The first `limit` edges of `node` in `direction` with label `label` (any when `None`), as
/// (edge, neighbour), in edge id order per direction (`Both`: outgoing first). A self-loop is
/// listed once per direction it is followed in.
#[must_use]
pub fn neighbors<'a, N: Node>(
    view: &AdjacencyView<'a, N>,
    node: N,
    direction: Direction,
    label: Option<&str>,
    limit: usize,
) -> Vec<(EdgeRef<'a, N>, N)> {
    let Some(number) = view.number(node) else {
        return Vec::new();
    };
    let wanted = match label {
        None => None,
        Some(name) => match view.label_id(name) {
            Some(id) => Some(id),
            None => return Vec::new(),
        },
    };
    view.hops(number, direction)
        .filter(|h| wanted.is_none_or(|w| w == h.label))
        .filter_map(|h| Some((view.edge(h.edge)?, view.node(h.node)?)))
        .take(limit)
        .collect()
}
