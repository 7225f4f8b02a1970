//! [`expand`]: the bindings of a pattern, grown from the anchor's points one relationship step at
//! a time (see the module doc of `pattern` for what a step matches).
//!
//! Every binding holds the same variables after each step, so a step expands all bindings from
//! the same side; what a node reaches over a step is computed once per node and reused by every
//! binding that holds it.

use std::collections::{HashMap, HashSet, VecDeque};

use super::{MatchError, MatchLimits, Pattern, Step};
use crate::deadline;
use crate::engine::{PointId, ReadView};
use crate::graph::{AdjacencyView, Direction, EdgeId, Hop};
use crate::query::Predicate;

/// One match: a point per node variable, an edge per one-hop step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// By node variable (every one is `Some` in a finished match).
    pub nodes: Vec<Option<PointId>>,
    /// By edge slot.
    pub edges: Vec<Option<EdgeId>>,
    /// The position of its anchor point among the candidates it started from.
    pub origin: usize,
}

/// Rows after one step, for `EXPLAIN ANALYZE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepCount {
    /// The step (its index in the pattern).
    pub step: usize,
    /// Bindings after it.
    pub rows: usize,
}

/// What [`expand`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expanded {
    /// The finished bindings, in anchor order, then in edge order of each step.
    pub bindings: Vec<Binding>,
    /// Anchor points that passed the anchor's filter.
    pub anchors: usize,
    /// Bindings after each step, in the order the steps ran.
    pub steps: Vec<StepCount>,
    /// Nodes reached by all the steps' walks.
    pub visited: u64,
}

/// The order steps run in from `anchor`: a step between two bound variables first (it only
/// filters), else the first step touching a bound one. `None` when some step is not joined to
/// the anchor by variables.
#[must_use]
pub fn step_order(pattern: &Pattern, anchor: usize) -> Option<Vec<usize>> {
    let mut bound = vec![false; pattern.nodes.len()];
    *bound.get_mut(anchor)? = true;
    let mut done = vec![false; pattern.steps.len()];
    let mut order = Vec::with_capacity(pattern.steps.len());
    let is_bound = |bound: &[bool], v: usize| bound.get(v).copied().unwrap_or(false);
    while order.len() < pattern.steps.len() {
        let open = |s: &(usize, &Step)| !done[s.0];
        let both = pattern
            .steps
            .iter()
            .enumerate()
            .filter(open)
            .find(|(_, s)| is_bound(&bound, s.left) && is_bound(&bound, s.right));
        let next = both.or_else(|| {
            pattern
                .steps
                .iter()
                .enumerate()
                .filter(open)
                .find(|(_, s)| is_bound(&bound, s.left) || is_bound(&bound, s.right))
        });
        let (i, step) = next?;
        done[i] = true;
        order.push(i);
        for v in [step.left, step.right] {
            if let Some(b) = bound.get_mut(v) {
                *b = true;
            }
        }
    }
    bound.iter().all(|b| *b).then_some(order)
}

/// The bindings of `pattern` in `view` that start from `candidates` (points for node variable
/// `anchor`, in the order results should keep).
///
/// # Errors
/// [`MatchError`]: a bound of `limits` passed, the deadline passed, or a pattern whose parts
/// are not joined.
pub fn expand(
    view: &ReadView<'_>,
    pattern: &Pattern,
    anchor: usize,
    candidates: &[PointId],
    limits: MatchLimits,
) -> Result<Expanded, MatchError> {
    let order = step_order(pattern, anchor).ok_or(MatchError::Disconnected)?;
    let anchor_filter = &pattern
        .nodes
        .get(anchor)
        .ok_or(MatchError::Disconnected)?
        .predicate;
    let mut bindings = Vec::new();
    for (origin, &id) in candidates.iter().enumerate() {
        if deadline::stop_at(origin as u64) {
            return Err(MatchError::Deadline);
        }
        if !node_matches(view, anchor_filter, id) {
            continue;
        }
        let mut nodes = vec![None; pattern.nodes.len()];
        nodes[anchor] = Some(id);
        push(
            &mut bindings,
            Binding {
                nodes,
                edges: vec![None; pattern.edge_slots],
                origin,
            },
            limits,
        )?;
    }
    let mut out = Expanded {
        anchors: bindings.len(),
        bindings: Vec::new(),
        steps: Vec::with_capacity(order.len()),
        visited: 0,
    };
    let graph = view.graph();
    for s in order {
        let step = &pattern.steps[s];
        let mut walker = Walker::new(&graph, step, limits);
        let from_left = bindings
            .first()
            .is_none_or(|b| b.nodes.get(step.left).copied().flatten().is_some());
        let (from_var, to_var, direction) = if from_left {
            (step.left, step.right, step.direction)
        } else {
            (step.right, step.left, reverse(step.direction))
        };
        let to_filter = &pattern.nodes[to_var].predicate;
        let mut reach: HashMap<PointId, Vec<(PointId, Option<EdgeId>)>> = HashMap::new();
        let mut passes: HashMap<PointId, bool> = HashMap::new();
        let mut next = Vec::new();
        for binding in &bindings {
            let Some(from) = binding.nodes[from_var] else {
                continue;
            };
            let reached = match reach.entry(from) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(walker.reach(from, direction)?)
                }
            };
            for &(node, edge) in reached.iter() {
                match binding.nodes[to_var] {
                    Some(bound) if bound != node => continue,
                    Some(_) => {}
                    None => {
                        let ok = *passes
                            .entry(node)
                            .or_insert_with(|| node_matches(view, to_filter, node));
                        if !ok {
                            continue;
                        }
                    }
                }
                if edge.is_some() && binding.edges.contains(&edge) {
                    continue;
                }
                let mut grown = binding.clone();
                grown.nodes[to_var] = Some(node);
                if let Some(slot) = step.edge_slot
                    && let Some(e) = grown.edges.get_mut(slot)
                {
                    *e = edge;
                }
                push(&mut next, grown, limits)?;
            }
        }
        out.visited += walker.visited;
        out.steps.push(StepCount {
            step: s,
            rows: next.len(),
        });
        bindings = next;
    }
    out.bindings = bindings;
    Ok(out)
}

fn push(out: &mut Vec<Binding>, b: Binding, limits: MatchLimits) -> Result<(), MatchError> {
    if out.len() >= limits.max_bindings {
        return Err(MatchError::TooManyBindings {
            bound: limits.max_bindings,
        });
    }
    out.push(b);
    Ok(())
}

/// Whether point `id` is live and passes `predicate`.
#[must_use]
pub fn node_matches(view: &ReadView<'_>, predicate: &Predicate, id: PointId) -> bool {
    view.slot_of(id)
        .and_then(|slot| view.payload(slot))
        .is_some_and(|payload| {
            matches!(predicate, Predicate::All) || predicate.matches(id, payload)
        })
}

const fn reverse(d: Direction) -> Direction {
    match d {
        Direction::Out => Direction::In,
        Direction::In => Direction::Out,
        Direction::Both => Direction::Both,
    }
}

/// What one step reaches from a node.
struct Walker<'g, 'v> {
    graph: &'g AdjacencyView<'v, PointId>,
    step: &'g Step,
    /// Label numbers allowed (`None`: any); an unknown label allows nothing.
    labels: Option<Vec<u32>>,
    limits: MatchLimits,
    visited: u64,
    hops_seen: u64,
}

impl<'g, 'v> Walker<'g, 'v> {
    fn new(graph: &'g AdjacencyView<'v, PointId>, step: &'g Step, limits: MatchLimits) -> Self {
        let labels = step.labels.as_ref().map(|names| {
            names
                .iter()
                .filter_map(|name| graph.label_id(name))
                .collect()
        });
        Self {
            graph,
            step,
            labels,
            limits,
            visited: 0,
            hops_seen: 0,
        }
    }

    fn allowed(&self, hop: &Hop) -> bool {
        if let Some(labels) = &self.labels
            && !labels.contains(&hop.label)
        {
            return false;
        }
        match &self.step.edge_filter {
            None => true,
            Some(filter) => self
                .graph
                .edge(hop.edge)
                .is_some_and(|e| filter.matches(PointId::Num(e.id), &e.properties())),
        }
    }

    /// The hops of `number` in `direction`, a self-loop once when both directions are taken.
    fn hops(&self, number: u32, direction: Direction) -> Vec<Hop> {
        let mut hops = Vec::new();
        if matches!(direction, Direction::Out | Direction::Both) {
            hops.extend(self.graph.hops(number, Direction::Out));
        }
        if matches!(direction, Direction::In | Direction::Both) {
            let both = direction == Direction::Both;
            hops.extend(
                self.graph
                    .hops(number, Direction::In)
                    .filter(|h| !(both && h.node == number)),
            );
        }
        hops
    }

    fn tick(&mut self) -> Result<(), MatchError> {
        self.hops_seen += 1;
        if deadline::stop_at(self.hops_seen) {
            return Err(MatchError::Deadline);
        }
        Ok(())
    }

    /// The nodes (with the edge, for a one-hop step) reached from `from`.
    fn reach(
        &mut self,
        from: PointId,
        direction: Direction,
    ) -> Result<Vec<(PointId, Option<EdgeId>)>, MatchError> {
        let mut out = Vec::new();
        let start = self.graph.number(from);
        if self.step.is_single() {
            let Some(start) = start else {
                return Ok(out);
            };
            for hop in self.hops(start, direction) {
                self.tick()?;
                if self.allowed(&hop)
                    && let Some(node) = self.graph.node(hop.node)
                {
                    out.push((node, Some(hop.edge)));
                }
            }
            return Ok(out);
        }
        let mut reached: HashSet<u32> = HashSet::new();
        if self.step.min_hops == 0 {
            out.push((from, None));
        }
        let Some(start) = start else {
            return Ok(out);
        };
        if self.step.min_hops == 0 {
            reached.insert(start);
        }
        let mut queue = VecDeque::from([(start, 0u32)]);
        while let Some((number, depth)) = queue.pop_front() {
            if depth >= self.step.max_hops {
                continue;
            }
            for hop in self.hops(number, direction) {
                self.tick()?;
                if !self.allowed(&hop) || !reached.insert(hop.node) {
                    continue;
                }
                self.visited += 1;
                if reached.len() > self.limits.max_visited {
                    return Err(MatchError::TooManyVisited {
                        bound: self.limits.max_visited,
                    });
                }
                let depth = depth + 1;
                if depth >= self.step.min_hops
                    && let Some(node) = self.graph.node(hop.node)
                {
                    out.push((node, None));
                }
                // The start was expanded at depth 0: reaching it again ends there.
                if hop.node != start {
                    queue.push_back((hop.node, depth));
                }
            }
        }
        Ok(out)
    }
}
