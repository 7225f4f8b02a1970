//! Facets: how many points matching a predicate hold each value of one field (Qdrant's
//! `points/facet`).
//!
//! A keyword, integer or bool index on the field answers from its postings (the size of each
//! posting's intersection with the matching set), reading only the payloads of matching points
//! that hold values of another type than the index's; without such an index every matching
//! payload is read. Both give the same counts.

use std::collections::{BTreeSet, HashMap};

use roaring::RoaringBitmap;

use super::{Literal, Predicate, matching_slots};
use crate::columns::index::{FieldIndex, IndexKey, IndexSchema};
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
    let matching = matching_slots(view, filter);
    let mut counts: HashMap<Literal, u64> = HashMap::new();
    let index = view.field_index(key).filter(|i| {
        matches!(
            i.schema(),
            IndexSchema::Keyword | IndexSchema::Integer | IndexSchema::Bool
        )
    });
    match index {
        Some(index) => {
            count_postings(index, &matching, &mut counts);
            // Values of other types are not in the index: read them from the payloads.
            let schema = index.schema();
            let unindexed = index.wrong_type_slots() & &matching;
            count_payloads(
                view,
                key,
                &unindexed,
                &|v| schema.key_of(v).is_none(),
                &mut counts,
            );
        }
        None => count_payloads(view, key, &matching, &|_| true, &mut counts),
    }
    let mut hits: Vec<FacetHit> = counts
        .into_iter()
        .map(|(value, count)| FacetHit { value, count })
        .collect();
    hits.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    hits.truncate(limit);
    hits
}

/// Adds, for each key of `index`, the number of `matching` slots holding it.
fn count_postings(
    index: &FieldIndex,
    matching: &RoaringBitmap,
    counts: &mut HashMap<Literal, u64>,
) {
    for (key, slots) in index.postings() {
        let n = slots.intersection_len(matching);
        if n == 0 {
            continue;
        }
        let literal = match key {
            IndexKey::Text(s) => Literal::String(s.clone()),
            IndexKey::Int(i) => Literal::Int(*i),
            IndexKey::Bool(b) => Literal::Bool(*b),
            IndexKey::Float(_) | IndexKey::Uuid(_) => continue,
        };
        *counts.entry(literal).or_insert(0) += n;
    }
}

/// Adds the values `take` accepts of the field `key` in the payloads of `slots` (a point holding
/// a value twice counts once).
fn count_payloads(
    view: &ReadView<'_>,
    key: &FieldPath,
    slots: &RoaringBitmap,
    take: &dyn Fn(&Value) -> bool,
    counts: &mut HashMap<Literal, u64>,
) {
    let mut held = BTreeSet::new();
    for slot in slots {
        let Some(payload) = view.payload(slot) else {
            continue;
        };
        key.for_each_value(payload, &mut |value| {
            if !take(value) {
                return;
            }
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
}
