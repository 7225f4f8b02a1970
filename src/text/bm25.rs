//! BM25 ranking over a [`TextIndex`], as Lucene and tantivy define it:
//!
//! ```text
//! idf(t)      = ln(1 + (N - n_t + 0.5) / (n_t + 0.5))
//! score(d, t) = idf(t) · tf · (k1 + 1) / (tf + k1 · (1 - b + b · dl / avgdl))
//! ```
//!
//! where `N` is the number of documents of the field (slots with at least one term), `n_t` the
//! number holding `t`, `tf` its frequency in `d`, `dl` the length of `d` in terms and `avgdl`
//! the mean length. A document's score is the sum over the distinct terms of the query's must
//! and should clauses that it holds (a phrase clause scores as its terms). Lengths are exact,
//! not quantised to a byte as Lucene's norms are.
//!
//! Top-k uses **MaxScore** (Turtle and Flood, 1995), document at a time: each term has an upper
//! bound on what it can add to a document (from its largest frequency and the shortest document
//! length). Terms are ordered by bound; once the k-th best score reaches the sum of the smallest
//! bounds, those terms are *non-essential*: a document appearing only in their lists cannot
//! enter the top k, so only the essential lists are walked, and the others are probed (binary
//! search) for the documents found, stopping as soon as the bound left cannot lift a document
//! past the k-th score. Scores are summed in one fixed term order on every path, so pruned and
//! exhaustive rankings agree exactly; ties go to the lower slot.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use roaring::RoaringBitmap;

use super::index::{PostingList, TextIndex};
use super::matching::matching_slots;
use super::query::{Occur, TextQuery};

/// One scored slot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// The slot.
    pub slot: u32,
    /// Its BM25 score.
    pub score: f64,
}

impl Eq for Hit {}

/// Better first: higher score, then lower slot.
impl Ord for Hit {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then(self.slot.cmp(&other.slot))
    }
}

impl PartialOrd for Hit {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The collection statistics one query scores with.
#[derive(Debug, Clone, Copy)]
pub struct Bm25 {
    k1: f64,
    b: f64,
    docs: f64,
    avgdl: f64,
}

impl Bm25 {
    /// The statistics of `index` now.
    #[must_use]
    pub fn of(index: &TextIndex) -> Self {
        let docs = index.doc_count() as f64;
        Self {
            k1: index.settings().k1,
            b: index.settings().b,
            docs,
            avgdl: if docs > 0.0 {
                index.total_len() as f64 / docs
            } else {
                1.0
            },
        }
    }

    /// Inverse document frequency of a term held by `n` documents.
    #[must_use]
    pub fn idf(&self, n: usize) -> f64 {
        crate::postings::idf(self.docs, n)
    }

    /// What a term of weight `idf` adds to a document of length `dl` holding it `tf` times.
    #[must_use]
    pub fn term_score(&self, idf: f64, tf: u32, dl: u32) -> f64 {
        let tf = f64::from(tf);
        let norm = self.k1 * (1.0 - self.b + self.b * f64::from(dl) / self.avgdl);
        idf * tf * (self.k1 + 1.0) / (tf + norm)
    }
}

/// One query term's postings, weight and bound.
struct TermCursor<'a> {
    list: &'a PostingList,
    idf: f64,
    bound: f64,
    at: usize,
}

impl TermCursor<'_> {
    fn current(&self) -> Option<u32> {
        self.list.slots.get(self.at).copied()
    }

    /// Moves to the first slot ≥ `slot`.
    fn seek(&mut self, slot: u32) {
        self.at = crate::postings::seek(&self.list.slots, self.at, slot);
    }
}

/// The restriction a query imposes beyond "holds a scoring term": `None` when a document holding
/// any scoring term qualifies.
fn restriction(index: &TextIndex, query: &TextQuery) -> Option<RoaringBitmap> {
    let simple = query
        .clauses
        .iter()
        .all(|c| c.occur == Occur::Should && !c.is_phrase());
    (!simple).then(|| matching_slots(index, query))
}

fn cursors<'a>(index: &'a TextIndex, query: &TextQuery, bm25: &Bm25) -> Vec<TermCursor<'a>> {
    let min_len = if index.min_len == u32::MAX {
        1
    } else {
        index.min_len.max(1)
    };
    query
        .scoring_terms()
        .into_iter()
        .filter_map(|term| index.postings(term))
        .map(|list| {
            let idf = bm25.idf(list.len());
            // Slack for rounding: the bound must never fall below a real contribution.
            let bound = bm25.term_score(idf, list.max_tf, min_len) * (1.0 + 1e-9) + 1e-12;
            TermCursor {
                list,
                idf,
                bound,
                at: 0,
            }
        })
        .collect()
}

fn allowed_by(slot: u32, a: Option<&RoaringBitmap>, b: Option<&RoaringBitmap>) -> bool {
    a.is_none_or(|a| a.contains(slot)) && b.is_none_or(|b| b.contains(slot))
}

fn into_sorted(heap: BinaryHeap<Hit>) -> Vec<Hit> {
    let mut hits = heap.into_vec();
    hits.sort();
    hits
}

/// The `k` best slots for `query` among `allowed` (every slot when `None`), best first, with
/// MaxScore pruning.
#[must_use]
pub fn top_k(
    index: &TextIndex,
    query: &TextQuery,
    allowed: Option<&RoaringBitmap>,
    k: usize,
) -> Vec<Hit> {
    if k == 0 || query.is_empty() {
        return Vec::new();
    }
    let bm25 = Bm25::of(index);
    let restrict = restriction(index, query);
    let mut terms = cursors(index, query, &bm25);
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
    let mut heap: BinaryHeap<Hit> = BinaryHeap::with_capacity(k + 1);
    let mut threshold = f64::NEG_INFINITY;
    let mut first_essential = 0;
    let mut contrib = vec![0.0f64; m];
    while let Some(slot) = order[first_essential..]
        .iter()
        .filter_map(|&i| terms[i].current())
        .min()
    {
        contrib.fill(0.0);
        let wanted = allowed_by(slot, allowed, restrict.as_ref());
        let mut partial = 0.0;
        for &i in &order[first_essential..] {
            let t = &mut terms[i];
            if t.current() == Some(slot) {
                if wanted {
                    let tf = t.list.tfs[t.at];
                    let s = bm25.term_score(t.idf, tf, index.doc_len(slot));
                    contrib[i] = s;
                    partial += s;
                }
                t.at += 1;
            }
        }
        if !wanted {
            continue;
        }
        let mut pruned = false;
        for pos in (0..first_essential).rev() {
            if heap.len() == k && partial + prefix[pos] <= threshold {
                pruned = true;
                break;
            }
            let i = order[pos];
            let t = &mut terms[i];
            t.seek(slot);
            if t.current() == Some(slot) {
                let s = bm25.term_score(t.idf, t.list.tfs[t.at], index.doc_len(slot));
                contrib[i] = s;
                partial += s;
            }
        }
        if pruned {
            continue;
        }
        let hit = Hit {
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
            while first_essential < m && prefix[first_essential] <= threshold {
                first_essential += 1;
            }
        }
    }
    into_sorted(heap)
}

/// Every slot matching `query` among `allowed`, scored, best first: the reference the pruned
/// [`top_k`] must agree with, and the path for callers who want all matches.
#[must_use]
pub fn score_all(
    index: &TextIndex,
    query: &TextQuery,
    allowed: Option<&RoaringBitmap>,
) -> Vec<Hit> {
    if query.is_empty() {
        return Vec::new();
    }
    let bm25 = Bm25::of(index);
    let restrict = restriction(index, query);
    let terms = cursors(index, query, &bm25);
    let mut candidates = RoaringBitmap::new();
    for t in &terms {
        candidates |= t.list.bitmap();
    }
    let mut hits: Vec<Hit> = candidates
        .iter()
        .filter(|&slot| allowed_by(slot, allowed, restrict.as_ref()))
        .map(|slot| Hit {
            slot,
            score: terms
                .iter()
                .map(|t| match t.list.slots.binary_search(&slot) {
                    Ok(at) => bm25.term_score(t.idf, t.list.tfs[at], index.doc_len(slot)),
                    Err(_) => 0.0,
                })
                .sum(),
        })
        .collect();
    hits.sort();
    hits
}
