//! [`Csr`]: the adjacency of every node in both directions as compressed sparse rows, and
//! [`AdjacencyView`], what traversals read.
//!
//! Nodes that have at least one edge get dense numbers (in node order); each direction is one
//! offsets array and one array of hops (neighbour number, label number, edge id), a node's hops
//! sorted by edge id so traversals are deterministic. It is built from the [`EdgeStore`] in one
//! pass over the edges and never changed: a write drops it and the next traversal builds another.

use std::collections::HashMap;

use super::Node;
use super::store::{EdgeId, EdgeRef, EdgeStore};
use super::traverse::Direction;

/// One step from a node: the neighbour (dense number), the edge's label number and its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hop {
    /// The neighbour's dense number.
    pub node: u32,
    /// The label number (see [`EdgeStore::label_id`]).
    pub label: u32,
    /// The edge.
    pub edge: EdgeId,
}

#[derive(Debug, Default)]
struct Rows {
    /// `offsets[i]..offsets[i + 1]` are node `i`'s hops.
    offsets: Vec<usize>,
    hops: Vec<Hop>,
}

impl Rows {
    fn of(&self, node: u32) -> &[Hop] {
        let i = node as usize;
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&a), Some(&b)) => self.hops.get(a..b).unwrap_or(&[]),
            _ => &[],
        }
    }

    fn heap_bytes(&self) -> usize {
        self.offsets.capacity() * size_of::<usize>() + self.hops.capacity() * size_of::<Hop>()
    }
}

/// The read form of a graph's adjacency.
#[derive(Debug, Default)]
pub struct Csr<N> {
    nodes: Vec<N>,
    numbers: HashMap<N, u32>,
    out: Rows,
    inc: Rows,
}

impl<N: Node> Csr<N> {
    /// Builds the read form of `store`'s edges.
    #[must_use]
    pub fn build(store: &EdgeStore<N>) -> Self {
        let mut nodes: Vec<N> = store
            .stored()
            .values()
            .flat_map(|s| [s.source, s.target])
            .collect();
        nodes.sort_unstable();
        nodes.dedup();
        let numbers: HashMap<N, u32> = nodes
            .iter()
            .enumerate()
            .map(|(i, &n)| (n, u32::try_from(i).unwrap_or(u32::MAX)))
            .collect();
        let number = |n: N| numbers.get(&n).copied().unwrap_or(u32::MAX);
        let mut out = Vec::with_capacity(store.len());
        let mut inc = Vec::with_capacity(store.len());
        for (&edge, s) in store.stored() {
            let (from, to) = (number(s.source), number(s.target));
            out.push((
                from,
                Hop {
                    node: to,
                    label: s.label,
                    edge,
                },
            ));
            inc.push((
                to,
                Hop {
                    node: from,
                    label: s.label,
                    edge,
                },
            ));
        }
        let rows = |mut pairs: Vec<(u32, Hop)>| {
            pairs.sort_unstable_by_key(|(owner, hop)| (*owner, hop.edge));
            let mut offsets = vec![0usize; nodes.len() + 1];
            for (owner, _) in &pairs {
                if let Some(o) = offsets.get_mut(*owner as usize + 1) {
                    *o += 1;
                }
            }
            for i in 1..offsets.len() {
                offsets[i] += offsets[i - 1];
            }
            Rows {
                offsets,
                hops: pairs.into_iter().map(|(_, hop)| hop).collect(),
            }
        };
        Self {
            out: rows(out),
            inc: rows(inc),
            nodes,
            numbers,
        }
    }

    /// Approximate bytes of heap memory held.
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        self.nodes.capacity() * size_of::<N>()
            + self.numbers.capacity() * (size_of::<N>() + size_of::<u32>() + 1)
            + self.out.heap_bytes()
            + self.inc.heap_bytes()
    }
}

/// The adjacency of one collection at one moment, as traversals read it.
#[derive(Debug, Clone, Copy)]
pub struct AdjacencyView<'a, N: Node> {
    store: &'a EdgeStore<N>,
    csr: &'a Csr<N>,
}

impl<'a, N: Node> AdjacencyView<'a, N> {
    pub(super) fn new(store: &'a EdgeStore<N>, csr: &'a Csr<N>) -> Self {
        Self { store, csr }
    }

    /// The dense number of `node`, when it has an edge.
    #[must_use]
    pub fn number(&self, node: N) -> Option<u32> {
        self.csr.numbers.get(&node).copied()
    }

    /// The node with dense number `number`.
    #[must_use]
    pub fn node(&self, number: u32) -> Option<N> {
        self.csr.nodes.get(number as usize).copied()
    }

    /// Nodes with at least one edge.
    #[must_use]
    pub fn node_count(&self) -> usize {
        self.csr.nodes.len()
    }

    /// The hops of node `number` in `direction` (`Both`: outgoing, then incoming).
    pub fn hops(&self, number: u32, direction: Direction) -> impl Iterator<Item = Hop> + 'a {
        let csr = self.csr;
        let out = matches!(direction, Direction::Out | Direction::Both);
        let inc = matches!(direction, Direction::In | Direction::Both);
        let none: &[Hop] = &[];
        let a = if out { csr.out.of(number) } else { none };
        let b = if inc { csr.inc.of(number) } else { none };
        a.iter().chain(b).copied()
    }

    /// Edge `id`.
    #[must_use]
    pub fn edge(&self, id: EdgeId) -> Option<EdgeRef<'a, N>> {
        self.store.get(id)
    }

    /// The number of label `name`, when some edge ever had it.
    #[must_use]
    pub fn label_id(&self, name: &str) -> Option<u32> {
        self.store.label_id(name)
    }
}
