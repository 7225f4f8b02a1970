//! [`choose_anchor`]: which node variable a match starts from, by the estimated number of
//! points it starts with: the `k` nearest of a vector search, the index bound of a variable's
//! filter, or a scan (every point with an edge when the variable has a relationship, every
//! point otherwise). Fewest wins; ties go to the vector search, then to an index, then to the
//! variable written first. Expansion cost per start is taken as equal for all variables: a
//! first-order model, stated in `EXPLAIN` with every variable's estimate.

use super::Pattern;
use crate::engine::ReadView;
use crate::query::index_bound;

/// How the anchor's points are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The nearest points of the `NEAR` search.
    Vector,
    /// The bitmap the payload indexes give for its filter.
    Index,
    /// Every candidate point, each tested.
    Scan,
}

impl Access {
    /// The name `EXPLAIN` shows.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Vector => "vector_search",
            Self::Index => "index",
            Self::Scan => "scan",
        }
    }
}

/// The anchor chosen, with the estimate of every variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// The variable.
    pub var: usize,
    /// How its points are found.
    pub access: Access,
    /// Estimated points it starts from.
    pub estimate: u64,
    /// Each variable's (access, estimate), in variable order.
    pub estimates: Vec<(Access, u64)>,
}

/// Chooses the anchor of `pattern` over `view`; `near` is the variable a vector search ranks
/// and the number of nearest points it would start from.
#[must_use]
pub fn choose_anchor(view: &ReadView<'_>, pattern: &Pattern, near: Option<(usize, u64)>) -> Anchor {
    let with_edges = view.graph().node_count() as u64;
    let all = view.len() as u64;
    let estimates: Vec<(Access, u64)> = pattern
        .nodes
        .iter()
        .enumerate()
        .map(|(i, node)| {
            if let Some((var, k)) = near
                && var == i
            {
                return (Access::Vector, k);
            }
            if let Some(bound) = index_bound(view, &node.predicate) {
                return (Access::Index, bound);
            }
            let linked = pattern
                .steps
                .iter()
                .any(|s| (s.left == i || s.right == i) && s.min_hops > 0);
            (Access::Scan, if linked { with_edges } else { all })
        })
        .collect();
    let rank = |a: Access| match a {
        Access::Vector => 0u8,
        Access::Index => 1,
        Access::Scan => 2,
    };
    let (var, &(access, estimate)) = estimates
        .iter()
        .enumerate()
        .min_by_key(|(i, (access, estimate))| (*estimate, rank(*access), *i))
        .unwrap_or((0, &(Access::Scan, all)));
    Anchor {
        var,
        access,
        estimate,
        estimates,
    }
}
