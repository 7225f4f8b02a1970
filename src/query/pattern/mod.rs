//! Graph pattern matching over one read view: the compiled form of a VelesQL `MATCH`
//! ([`Pattern`]: node variables with their filters, relationship steps between them), the
//! choice of the variable the match starts from ([`choose_anchor`]), and the expansion of the
//! bindings from it ([`expand`]).
//!
//! Semantics, and why:
//! - A node variable binds a live point of the collection that passes its [`Predicate`] (labels,
//!   `{key: value}` and the `WHERE` conditions on that variable).
//! - A one-hop step (`-[r:T]->`, also written `*1` or `*1..1`) binds one edge: parallel edges
//!   give one binding each, a self-loop binds its node to both ends. Within one binding an edge
//!   is used once (Cypher's relationship uniqueness), so `(a)-[]-(b)-[]-(c)` never returns over
//!   the edge it came by.
//! - A ranged step (`*min..max`) binds the nodes whose shortest walk of at least one hop from
//!   the bound end (and the end itself at 0 hops when `min` is 0) lies in `min..=max` hops: a
//!   breadth-first walk in which every node is expanded at most once, as `graph/traverse` does, so
//!   cycles and self-loops end. It binds no edge. Its intermediate nodes are not filtered: only
//!   its end is.
//! - Several pattern parts share variables; a pattern whose parts are not joined by variables
//!   is refused when compiled (a cross product is almost never meant, and unbounded).
//!
//! Guards ([`MatchLimits`]): the partial bindings held at any step, and the nodes one ranged
//! walk visits, are bounded; the deadline of `crate::deadline` is checked while expanding.
//! Passing a bound is an error, never a silently cut answer.

mod anchor;
mod expand;

pub use anchor::{Access, Anchor, choose_anchor};
pub use expand::{Binding, Expanded, StepCount, expand, node_matches, step_order};

use crate::graph::Direction;

use super::Predicate;

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    /// The node variables (anonymous nodes included).
    pub nodes: Vec<NodeVar>,
    /// The edge slots: one per one-hop step.
    pub edge_slots: usize,
    /// The relationship steps.
    pub steps: Vec<Step>,
}

/// A node variable.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeVar {
    /// Its name (an anonymous node's is not a valid VelesQL name).
    pub name: String,
    /// What its point must satisfy.
    pub predicate: Predicate,
}

/// A relationship between two node variables.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The node written left of it.
    pub left: usize,
    /// The node written right of it.
    pub right: usize,
    /// The edges it follows, seen from `left`.
    pub direction: Direction,
    /// Edge labels it may follow (`None`: any).
    pub labels: Option<Vec<String>>,
    /// What its edges' properties must satisfy.
    pub edge_filter: Option<Predicate>,
    /// Fewest hops.
    pub min_hops: u32,
    /// Most hops.
    pub max_hops: u32,
    /// The edge slot a one-hop step binds.
    pub edge_slot: Option<usize>,
}

impl Step {
    /// Whether the step binds one edge (one hop exactly).
    #[must_use]
    pub const fn is_single(&self) -> bool {
        self.min_hops == 1 && self.max_hops == 1
    }
}

/// The bounds of one match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchLimits {
    /// Most partial bindings held after any step.
    pub max_bindings: usize,
    /// Most nodes one ranged walk visits.
    pub max_visited: usize,
}

impl Default for MatchLimits {
    fn default() -> Self {
        Self {
            max_bindings: super::graph::MAX_VISITED,
            max_visited: super::graph::MAX_VISITED,
        }
    }
}

/// Why a match stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MatchError {
    /// More partial bindings than [`MatchLimits::max_bindings`].
    #[error(
        "the pattern matches more than {bound} partial rows; make a node filter or a label more selective"
    )]
    TooManyBindings {
        /// The bound.
        bound: usize,
    },
    /// A ranged walk visited more nodes than [`MatchLimits::max_visited`].
    #[error(
        "a ranged relationship visits more than {bound} nodes from one node; narrow its labels or hops"
    )]
    TooManyVisited {
        /// The bound.
        bound: usize,
    },
    /// Some step is not joined to the anchor by variables.
    #[error("the pattern's parts must share variables")]
    Disconnected,
    /// The deadline passed.
    #[error("the query ran past its time limit and was stopped")]
    Deadline,
}
