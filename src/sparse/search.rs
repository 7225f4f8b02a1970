//! Dot-product top-k over a [`SparseIndex`], with **MaxScore** pruning (Turtle and Flood, 1995),
//! document at a time, as `text::bm25` ranks BM25.
//!
//! A query term `t` of weight `q_t` adds `q_t · w_{d,t}` to each document `d` holding it. Its
//! bound is the most it can add to any document: `max(0, q_t · max_t, q_t · min_t)` from the
//! list's largest and smallest weight (weights may be negative, and a document without the term
//! gets 0 from it). Terms are ordered by bound; once the k-th best score reaches the sum of the
//! smallest bounds, those terms are *non-essential*: a document holding only them cannot enter
//! the top k, so only the essential lists are walked and the others are probed (galloping
//! search) for the documents found, stopping as soon as what is left cannot lift a document past
//! the k-th score. Scores are summed in f64, in the query's term order on every path, so pruned
//! and exhaustive rankings agree exactly; ties go to the lower slot.
//!
//! With [`Modifier::Idf`] each query weight is first multiplied by
//! `ln(1 + (N - n_t + 0.5) / (n_t + 0.5))` (Qdrant's `"modifier": "idf"`), where `N` is the number
//! of slots holding at least one entry and `n_t` the number holding `t`, both taken at search
//! time. Candidates are the slots holding at least one query term of non-zero weight, among
//! `allowed` when given. The loop checks this thread's [`crate::deadline`] as it goes.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use roaring::RoaringBitmap;

use super::index::{SparseIndex, SparsePostings};
use super::vector::SparseVector;
use crate::deadline;

/// How query weights are scaled before the dot product.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Modifier {
    /// The plain dot product.
    #[default]
    None,
    /// Each query weight times its term's inverse document frequency.
    Idf,
}

/// One scored slot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SparseHit {
    /// The slot.
    pub slot: u32,
    /// Its score.
    pub score: f64,
}

impl Eq for SparseHit {}

/// Better first: higher score, then lower slot.
impl Ord for SparseHit {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then(self.slot.cmp(&other.slot))
    }
}

impl PartialOrd for SparseHit {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Inverse document frequency of a term held by `n` of `docs` documents, as BM25 defines it.
#[must_use]
pub fn idf(docs: u64, n: usize) -> f64 {
    crate::postings::idf(docs as f64, n)
}

/// One query term's postings, weight and bound.
struct Cursor<'a> {
    list: &'a SparsePostings,
    weight: f64,
    bound: f64,
    at: usize,
}

impl Cursor<'_> {
    fn current(&self) -> Option<u32> {
        self.list.slots.get(self.at).copied()
    }

    /// Moves to the first slot ≥ `slot`.
    fn seek(&mut self, slot: u32) {
        self.at = crate::postings::seek(&self.list.slots, self.at, slot);
    }

    fn score(&self, at: usize) -> f64 {
        self.weight * f64::from(self.list.weights[at])
    }
}

fn cursors<'a>(
    index: &'a SparseIndex,
    query: &SparseVector,
    modifier: Modifier,
) -> Vec<Cursor<'a>> {
    let docs = index.doc_count();
    query
        .iter()
        .filter(|&(_, q)| q != 0.0)
        .filter_map(|(term, q)| index.postings(term).map(|list| (list, q)))
        .map(|(list, q)| {
            let weight = match modifier {
                Modifier::None => f64::from(q),
                Modifier::Idf => f64::from(q) * idf(docs, list.len()),
            };
            let reach =
                (weight * f64::from(list.max_weight)).max(weight * f64::from(list.min_weight));
            Cursor {
                list,
                weight,
                bound: reach.max(0.0),
                at: 0,
            }
        })
        .collect()
}

/// Slack for rounding when comparing a bound with the k-th score: the sums on either side are
/// rounded differently, and a bound must never cut a document that really scores above it.
fn slack(magnitude: f64) -> f64 {
    magnitude * 1e-9 + f64::MIN_POSITIVE
}

fn into_sorted(heap: BinaryHeap<SparseHit>) -> Vec<SparseHit> {
    let mut hits = heap.into_vec();
    hits.sort();
    hits
}

impl SparseIndex {
    /// The `k` best slots for `query` among `allowed` (every slot when `None`), best first,
    /// with MaxScore pruning. Stops early (with a partial list) once this thread's deadline has
    /// passed; [`crate::deadline::within`] then reports it.
    #[must_use]
    pub fn top_k(
        &self,
        query: &SparseVector,
        modifier: Modifier,
        allowed: Option<&RoaringBitmap>,
        k: usize,
    ) -> Vec<SparseHit> {
        if k == 0 {
            return Vec::new();
        }
        let mut terms = cursors(self, query, modifier);
        let m = terms.len();
        // Visiting order: lowest bound first; `prefix[i]` bounds what terms `order[..=i]` add.
        let mut order: Vec<usize> = (0..m).collect();
        order.sort_by(|&a, &b| terms[a].bound.total_cmp(&terms[b].bound));
        let prefix: Vec<f64> = order
            .iter()
            .scan(0.0, |sum, &i| {
                *sum += terms[i].bound;
                Some(*sum)
            })
            .collect();
        let mut heap: BinaryHeap<SparseHit> = BinaryHeap::with_capacity(k + 1);
        let mut threshold = f64::NEG_INFINITY;
        let mut first_essential = 0;
        let mut contrib = vec![0.0f64; m];
        let mut visited = 0u64;
        while let Some(slot) = order[first_essential..]
            .iter()
            .filter_map(|&i| terms[i].current())
            .min()
        {
            visited += 1;
            if deadline::stop_at(visited) {
                break;
            }
            let wanted = allowed.is_none_or(|a| a.contains(slot));
            contrib.fill(0.0);
            let (mut partial, mut magnitude) = (0.0f64, 0.0f64);
            for &i in &order[first_essential..] {
                let t = &mut terms[i];
                if t.current() == Some(slot) {
                    if wanted {
                        let s = t.score(t.at);
                        contrib[i] = s;
                        partial += s;
                        magnitude += s.abs();
                    }
                    t.at += 1;
                }
            }
            if !wanted {
                continue;
            }
            let mut pruned = false;
            for pos in (0..first_essential).rev() {
                let reach = partial + prefix[pos];
                if heap.len() == k
                    && reach + slack(magnitude + prefix[pos] + threshold.abs()) < threshold
                {
                    pruned = true;
                    break;
                }
                let i = order[pos];
                let t = &mut terms[i];
                t.seek(slot);
                if t.current() == Some(slot) {
                    let s = t.score(t.at);
                    contrib[i] = s;
                    partial += s;
                    magnitude += s.abs();
                }
            }
            if pruned {
                continue;
            }
            let hit = SparseHit {
                slot,
                score: contrib.iter().sum(),
            };
            if heap.len() < k {
                heap.push(hit);
            } else if hit.score > threshold {
                heap.pop();
                heap.push(hit);
            } else {
                continue;
            }
            if heap.len() == k {
                // The heap's greatest element is its worst hit.
                threshold = heap.peek().map_or(f64::NEG_INFINITY, |h| h.score);
                while first_essential < m
                    && prefix[first_essential] + slack(prefix[first_essential]) < threshold
                {
                    first_essential += 1;
                }
            }
        }
        into_sorted(heap)
    }

    /// Every candidate slot among `allowed`, scored, best first: the reference the pruned
    /// [`SparseIndex::top_k`] must agree with.
    #[must_use]
    pub fn score_all(
        &self,
        query: &SparseVector,
        modifier: Modifier,
        allowed: Option<&RoaringBitmap>,
    ) -> Vec<SparseHit> {
        let terms = cursors(self, query, modifier);
        let mut candidates = RoaringBitmap::new();
        for t in &terms {
            candidates.extend(t.list.slots.iter().copied());
        }
        let mut hits: Vec<SparseHit> = candidates
            .iter()
            .filter(|&slot| allowed.is_none_or(|a| a.contains(slot)))
            .map(|slot| SparseHit {
                slot,
                score: terms
                    .iter()
                    .map(|t| {
                        t.list
                            .slots
                            .binary_search(&slot)
                            .map_or(0.0, |at| t.score(at))
                    })
                    .sum(),
            })
            .collect();
        hits.sort();
        hits
    }
}
