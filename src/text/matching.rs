//! Which slots satisfy a [`TextQuery`]'s boolean structure, from the postings alone: the bitmap a
//! `match: {"text": …}` or `match: {"phrase": …}` filter contributes, and the restriction BM25
//! ranking applies when a query has must, must-not or phrase clauses.

use roaring::RoaringBitmap;

use super::index::TextIndex;
use super::query::{Clause, Occur, TextQuery};

/// Slots where `clause` occurs.
#[must_use]
pub fn clause_slots(index: &TextIndex, clause: &Clause) -> RoaringBitmap {
    let mut lists = Vec::with_capacity(clause.terms.len());
    for t in &clause.terms {
        match index.postings(&t.term) {
            Some(list) => lists.push(list),
            None => return RoaringBitmap::new(),
        }
    }
    // Intersect from the rarest term: the candidate set only shrinks.
    let mut order: Vec<usize> = (0..lists.len()).collect();
    order.sort_by_key(|&i| lists[i].len());
    let Some((&first, rest)) = order.split_first() else {
        return RoaringBitmap::new();
    };
    let mut slots = lists[first].bitmap();
    for &i in rest {
        slots &= lists[i].bitmap();
    }
    if !clause.is_phrase() {
        return slots;
    }
    slots
        .into_iter()
        .filter(|&slot| {
            let positions_of = |term: &str| -> Vec<u32> {
                index
                    .postings(term)
                    .map(|l| l.positions_in(slot).to_vec())
                    .unwrap_or_default()
            };
            super::query::clause_present(clause, &positions_of)
        })
        .collect()
}

/// Slots satisfying `query`: every must clause, no must-not clause, and at least one should
/// clause when there is no must clause. An empty query matches nothing.
#[must_use]
pub fn matching_slots(index: &TextIndex, query: &TextQuery) -> RoaringBitmap {
    let mut required: Option<RoaringBitmap> = None;
    let mut optional = RoaringBitmap::new();
    let mut excluded = RoaringBitmap::new();
    for clause in &query.clauses {
        match clause.occur {
            Occur::Must => {
                let slots = clause_slots(index, clause);
                required = Some(match required {
                    Some(r) => r & slots,
                    None => slots,
                });
            }
            Occur::Should if !query.has_must() => optional |= clause_slots(index, clause),
            Occur::Should => {}
            Occur::MustNot => excluded |= clause_slots(index, clause),
        }
    }
    let mut out = required.unwrap_or(optional);
    out -= excluded;
    out
}
