//! Facets: how many points matching a predicate hold each value of one field (Qdrant's
//! `points/facet`). Counted today by reading the payloads of the matching points.

use std::collections::{BTreeSet, HashMap};

use super::{Literal, Predicate, matching_slots};
use crate::columns::{FieldPath, Value};
use crate::engine::ReadView;

/// One value of the field and the number of points holding it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetHit {
    /// The value.
    pub value: Literal,
    /// Points holding it (a point holding it twice counts once).
    pub count: u64,
}

/// The `limit` values of `key` held by the most points that satisfy `filter`, most points first,
/// ties in value order. Strings, integers and booleans are counted (each element of an array
/// too); other values are not.
#[must_use]
pub fn facet_counts(
    view: &ReadView<'_>,
    key: &FieldPath,
    filter: &Predicate,
    limit: usize,
) -> Vec<FacetHit> {
    let mut counts: HashMap<Literal, u64> = HashMap::new();
    let mut held = BTreeSet::new();
    for slot in &matching_slots(view, filter) {
        let Some(payload) = view.payload(slot) else {
            continue;
        };
        held.clear();
        key.for_each_value(payload, &mut |value| {
            let literal = match value {
                Value::String(s) => Literal::String(s.clone()),
                Value::Int(i) => Literal::Int(*i),
                Value::Bool(b) => Literal::Bool(*b),
                _ => return,
            };
            held.insert(literal);
        });
        for literal in std::mem::take(&mut held) {
            *counts.entry(literal).or_insert(0) += 1;
        }
    }
    let mut hits: Vec<FacetHit> = counts
        .into_iter()
        .map(|(value, count)| FacetHit { value, count })
        .collect();
    hits.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    hits.truncate(limit);
    hits
}
