//! [`EdgeStore`]: every edge of one collection by id, the edge ids incident to each node in both
//! directions, the label table, and the lazily built read form of the adjacency ([`Csr`]).
//!
//! Properties are kept encoded (`columns::value_codec`), not as maps: a one-entry `Payload` costs
//! a whole B-tree leaf (over 600 bytes), its encoding a few bytes; they are decoded only when an
//! edge filter, a weight or a read asks for them.
//!
//! Only the collection's writer changes it (under the collection's write lock); every change
//! drops the read form, which the next traversal rebuilds under the read lock.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::OnceLock;

use super::Node;
use super::csr::{AdjacencyView, Csr};
use crate::columns::{Payload, decode_payload, encode_payload};

/// An edge id.
pub type EdgeId = u64;

/// Largest edge id: `i64::MAX`, so that every id is exact in signed 64-bit columns and the
/// assigned-id counter never wraps.
pub const MAX_EDGE_ID: EdgeId = i64::MAX as u64;

/// An edge as written and read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge<N> {
    /// Where it starts.
    pub source: N,
    /// Where it ends.
    pub target: N,
    /// Its type.
    pub label: String,
    /// Its properties (a JSON object).
    pub properties: Payload,
}

/// A stored edge seen through the store: no copy of its label, properties still encoded.
#[derive(Debug, Clone, Copy)]
pub struct EdgeRef<'a, N> {
    /// Its id.
    pub id: EdgeId,
    /// Where it starts.
    pub source: N,
    /// Where it ends.
    pub target: N,
    /// Its type.
    pub label: &'a str,
    /// Its properties, encoded (empty for none).
    encoded: &'a [u8],
}

impl<N> EdgeRef<'_, N> {
    /// Its properties (decoded on each call).
    #[must_use]
    pub fn properties(&self) -> Payload {
        decode_stored(self.encoded)
    }
}

impl<N: Copy> EdgeRef<'_, N> {
    /// An owned copy.
    #[must_use]
    pub fn to_edge(&self) -> Edge<N> {
        Edge {
            source: self.source,
            target: self.target,
            label: self.label.to_owned(),
            properties: self.properties(),
        }
    }
}

/// The properties of a stored edge. The bytes were encoded by this store, so they decode; were
/// they ever damaged, the edge would read as having no properties rather than fail the query.
fn decode_stored(encoded: &[u8]) -> Payload {
    if encoded.is_empty() {
        return Payload::new();
    }
    decode_payload(encoded).map(|(p, _)| p).unwrap_or_default()
}

#[derive(Debug, Clone)]
pub(super) struct Stored<N> {
    pub(super) source: N,
    pub(super) target: N,
    pub(super) label: u32,
    /// `columns::value_codec` bytes; empty when there are no properties.
    pub(super) properties: Box<[u8]>,
}

/// Every label in use, each stored once and named by a small number in the adjacency.
#[derive(Debug, Default)]
struct Labels {
    names: Vec<Box<str>>,
    ids: HashMap<Box<str>, u32>,
}

impl Labels {
    fn intern(&mut self, label: &str) -> u32 {
        if let Some(&id) = self.ids.get(label) {
            return id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(label.into());
        self.ids.insert(label.into(), id);
        id
    }
}

/// The edges of one collection.
#[derive(Debug)]
pub struct EdgeStore<N: Node> {
    edges: HashMap<EdgeId, Stored<N>>,
    labels: Labels,
    /// Edge ids leaving each node.
    out: HashMap<N, Vec<EdgeId>>,
    /// Edge ids arriving at each node.
    inc: HashMap<N, Vec<EdgeId>>,
    /// Above every id ever stored: the next id to assign.
    next_id: EdgeId,
    /// The read form, built by the first traversal after a change.
    csr: OnceLock<Csr<N>>,
}

impl<N: Node> Default for EdgeStore<N> {
    fn default() -> Self {
        Self {
            edges: HashMap::new(),
            labels: Labels::default(),
            out: HashMap::new(),
            inc: HashMap::new(),
            next_id: 0,
            csr: OnceLock::new(),
        }
    }
}

impl<N: Node> EdgeStore<N> {
    /// Number of edges.
    #[must_use]
    pub fn len(&self) -> usize {
        self.edges.len()
    }

    /// Whether there are no edges.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.edges.is_empty()
    }

    /// The id the next edge written without one gets: above every id ever stored.
    #[must_use]
    pub fn next_id(&self) -> EdgeId {
        self.next_id
    }

    /// Raises the next id to at least `next` (a checkpoint's counter: ids of deleted edges are
    /// never handed out again).
    pub fn raise_next_id(&mut self, next: EdgeId) {
        self.next_id = self.next_id.max(next);
    }

    /// Stores `edge` as `id`, replacing an edge with that id. The caller checks that both ends
    /// exist.
    pub fn insert(&mut self, id: EdgeId, edge: Edge<N>) {
        self.remove(id);
        self.csr.take();
        let label = self.labels.intern(&edge.label);
        self.out.entry(edge.source).or_default().push(id);
        self.inc.entry(edge.target).or_default().push(id);
        let mut encoded = Vec::new();
        if !edge.properties.is_empty() {
            encode_payload(&edge.properties, &mut encoded);
        }
        self.edges.insert(
            id,
            Stored {
                source: edge.source,
                target: edge.target,
                label,
                properties: encoded.into_boxed_slice(),
            },
        );
        self.next_id = self.next_id.max(id.saturating_add(1));
    }

    /// Removes edge `id`; returns whether it existed.
    pub fn remove(&mut self, id: EdgeId) -> bool {
        let Some(stored) = self.edges.remove(&id) else {
            return false;
        };
        self.csr.take();
        unlink(&mut self.out, stored.source, id);
        unlink(&mut self.inc, stored.target, id);
        true
    }

    /// Removes every edge that starts or ends at `node`; returns how many.
    pub fn remove_node(&mut self, node: N) -> usize {
        let mut ids: Vec<EdgeId> = self.out.get(&node).cloned().unwrap_or_default();
        ids.extend(self.inc.get(&node).into_iter().flatten().copied());
        ids.into_iter().filter(|&id| self.remove(id)).count()
    }

    /// Edge `id`.
    #[must_use]
    pub fn get(&self, id: EdgeId) -> Option<EdgeRef<'_, N>> {
        self.edges.get(&id).map(|s| self.edge_ref(id, s))
    }

    pub(super) fn edge_ref<'a>(&'a self, id: EdgeId, s: &'a Stored<N>) -> EdgeRef<'a, N> {
        EdgeRef {
            id,
            source: s.source,
            target: s.target,
            label: self.label_name(s.label),
            encoded: &s.properties,
        }
    }

    pub(super) fn stored(&self) -> &HashMap<EdgeId, Stored<N>> {
        &self.edges
    }

    /// The name of label number `label`.
    #[must_use]
    pub fn label_name(&self, label: u32) -> &str {
        self.labels.names.get(label as usize).map_or("", |n| n)
    }

    /// The number of label `name`, when some edge ever had it.
    #[must_use]
    pub fn label_id(&self, name: &str) -> Option<u32> {
        self.labels.ids.get(name).copied()
    }

    /// Every edge, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = EdgeRef<'_, N>> + '_ {
        self.edges.iter().map(|(&id, s)| self.edge_ref(id, s))
    }

    /// The adjacency as traversals read it, building its compressed form if a write dropped it.
    #[must_use]
    pub fn view(&self) -> AdjacencyView<'_, N> {
        let csr = self.csr.get_or_init(|| Csr::build(self));
        AdjacencyView::new(self, csr)
    }

    /// Approximate bytes of heap memory held: the edge table, the encoded properties, both
    /// incidence lists, the labels and the read form when built (allocator overhead not
    /// counted).
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        let entry = size_of::<EdgeId>() + size_of::<Stored<N>>() + 1;
        let properties: usize = self.edges.values().map(|s| s.properties.len()).sum();
        let lists = |m: &HashMap<N, Vec<EdgeId>>| {
            m.capacity() * (size_of::<N>() + size_of::<Vec<EdgeId>>() + 1)
                + m.values()
                    .map(|v| v.capacity() * size_of::<EdgeId>())
                    .sum::<usize>()
        };
        let labels: usize = self.labels.names.iter().map(|n| 2 * n.len() + 40).sum();
        self.edges.capacity() * entry
            + properties
            + lists(&self.out)
            + lists(&self.inc)
            + labels
            + self.csr.get().map_or(0, Csr::heap_bytes)
    }
}

fn unlink<N: Node>(lists: &mut HashMap<N, Vec<EdgeId>>, node: N, id: EdgeId) {
    if let Entry::Occupied(mut entry) = lists.entry(node) {
        let list = entry.get_mut();
        if let Some(at) = list.iter().position(|&e| e == id) {
            list.swap_remove(at);
        }
        if list.is_empty() {
            entry.remove();
        }
    }
}
