//! Cardinality estimates of a [`Predicate`] from index statistics alone (posting sizes and
//! histograms): no payload is read and no bitmap is built, so the planner can ask before it
//! decides what to compute.

use super::compile::index_estimate;
use super::predicate::{Condition, Predicate};
use crate::engine::ReadView;

/// About how many points at most satisfy `predicate`, as far as indexes can tell: `None` when
/// no index bounds it. For an `and`, the tightest of its children's bounds; for an `or`, the sum
/// of its children's (when every child has one). Ranges come from histograms, so the figure can
/// be off by two buckets; the planner uses it to decide whether computing the exact matching
/// set is cheap, never as an answer.
#[must_use]
pub fn index_bound(view: &ReadView<'_>, predicate: &Predicate) -> Option<u64> {
    match predicate {
        Predicate::HasId(ids) => Some(ids.len() as u64),
        Predicate::Field(path, Condition::Text(text)) => view
            .text_index(path)
            .map(|index| text.index_estimate(index)),
        Predicate::Field(path, condition) => view
            .field_index(path)
            .and_then(|index| index_estimate(index, condition)),
        Predicate::And(items) => items.iter().filter_map(|p| index_bound(view, p)).min(),
        Predicate::Or(items) => items
            .iter()
            .map(|p| index_bound(view, p))
            .sum::<Option<u64>>()
            .map(|n| n.min(view.len() as u64)),
        Predicate::All
        | Predicate::Not(_)
        | Predicate::AtLeast { .. }
        | Predicate::Nested { .. } => None,
    }
}
