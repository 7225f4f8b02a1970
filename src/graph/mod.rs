//! The property graph of a collection: labelled, directed edges between its points, with JSON
//! properties, their adjacency in both directions, and traversals over it.
//!
//! Decisions, and why:
//! - **Nodes are the points of one collection**; an edge's source and target are point ids of the
//!   collection that holds the edge. Edges never cross collections: each collection has its own
//!   WAL, and only one log orders an edge against the deletes of both of its endpoints, so after a
//!   crash no edge can point at a point that is gone.
//! - **Node labels are the payload field `labels`** (a string or an array of strings), not a
//!   reserved key or a separate structure: they are filtered, indexed and edited like any other
//!   payload field (`{"key": "labels", "match": {"any": ["Animal"]}}`), and a point carries no
//!   hidden state a client cannot see or change.
//! - **Edges are primary data**: they are WAL records of the collection (`record_codec` tags 9 and
//!   10) and part of the checkpoint body itself, next to the points, never a derived image.
//!   Deleting a point removes its edges in the same record application, at run time and at
//!   replay alike.
//! - **Edge ids** are `u64`, at most [`MAX_EDGE_ID`]. The collection's writer assigns the next
//!   free one (above every id ever used, persisted in checkpoints and implied by the WAL) to each
//!   edge written without one; a client-given id that exists replaces that edge.
//! - **Adjacency**: [`EdgeStore`] keeps the edge ids incident to each node in both directions
//!   (what writes change), and builds a compressed sparse row form of both directions ([`Csr`])
//!   lazily, on the first traversal after a write, under the collection's read lock; the next
//!   write drops it. A traversal therefore always reads the adjacency of the same moment as the
//!   points it filters on.
//!
//! This module knows nothing of collections, WALs or HTTP: nodes are any [`Node`] type (the
//! engine uses point ids), and node and edge filters are closures, so the query layer can evaluate
//! its predicates without this module importing it.

mod csr;
mod shortest_path;
mod store;
mod traverse;

#[cfg(test)]
mod traverse_tests;

use std::fmt::Debug;
use std::hash::Hash;

pub use csr::{AdjacencyView, Csr, Hop};
pub use shortest_path::{PathSpec, ShortestPath, shortest_path};
pub use store::{Edge, EdgeId, EdgeRef, EdgeStore, MAX_EDGE_ID};
pub use traverse::{
    Direction, EdgeFilter, NodeFilter, Path, Stop, Strategy, Traversal, TraversalSpec, Visit,
    neighbors, traverse,
};

/// What a node id must be: small, copyable, hashable and ordered (the engine's point ids).
pub trait Node: Copy + Eq + Ord + Hash + Debug + Send + Sync + 'static {}

impl<T: Copy + Eq + Ord + Hash + Debug + Send + Sync + 'static> Node for T {}

/// Why a graph query could not be answered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GraphError {
    /// Dijkstra cannot handle a negative edge weight.
    #[error(
        "edge {edge} has the negative weight {weight} in property `{property}`; shortest paths need weights of at least 0"
    )]
    NegativeWeight {
        /// The edge.
        edge: EdgeId,
        /// The property read as the weight.
        property: String,
        /// Its value.
        weight: f64,
    },
}
