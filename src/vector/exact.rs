//! Exact (brute-force) top-k search: the reference every approximate index is measured against.

use std::collections::BinaryHeap;

use super::ranked::Ranked;
use super::{DenseVectors, FullPrecision, Metric, Space, distance_count};
use crate::deadline;

/// A slot and its score under the collection's metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredSlot {
    /// The vector slot.
    pub slot: u32,
    /// The score (see [`Metric`] for the convention).
    pub score: f32,
}

/// The `k` best slots among `slots` for `query` (already prepared for `metric`), best first.
/// Slots whose score fails `threshold` are skipped.
#[must_use]
pub fn top_k(
    vectors: &DenseVectors,
    slots: impl Iterator<Item = u32>,
    query: &[f32],
    metric: Metric,
    k: usize,
    threshold: Option<f32>,
) -> Vec<ScoredSlot> {
    let space = FullPrecision::new(vectors, metric);
    top_k_in(&space, slots, &query.to_vec(), metric, k, threshold)
}

/// [`top_k`] in any [`Space`] whose keys follow `metric`'s [`Metric::rank_key`] (full-precision
/// or bit-packed binary vectors).
#[must_use]
pub fn top_k_in<S: Space>(
    space: &S,
    slots: impl Iterator<Item = u32>,
    query: &S::Query,
    metric: Metric,
    k: usize,
    threshold: Option<f32>,
) -> Vec<ScoredSlot> {
    let passes = |key: f32| {
        threshold.is_none_or(|t| metric.passes_threshold(metric.score_from_rank_key(key), t))
    };
    nearest_keys(space, slots, query, k, passes)
        .into_iter()
        .map(|c| ScoredSlot {
            slot: c.slot,
            score: metric.score_from_rank_key(c.key),
        })
        .collect()
}

/// The `k` slots among `slots` with the lowest keys for `query` whose key `keep` accepts, closest
/// first (ties to the lower slot): the bounded-heap scan behind every exact search.
#[must_use]
pub fn nearest_keys<S: Space>(
    space: &S,
    slots: impl Iterator<Item = u32>,
    query: &S::Query,
    k: usize,
    keep: impl Fn(f32) -> bool,
) -> Vec<Ranked> {
    if k == 0 {
        return Vec::new();
    }
    // A max-heap: the worst kept candidate is on top.
    let mut heap: BinaryHeap<Ranked> = BinaryHeap::with_capacity(k + 1);
    let mut scored = 0usize;
    for slot in slots {
        // Past the time limit the scan stops; `deadline::within` reports the query expired.
        if deadline::stop_at(scored as u64) {
            break;
        }
        scored += 1;
        let key = space.key(query, slot);
        if !keep(key) {
            continue;
        }
        let candidate = Ranked { key, slot };
        if heap.len() < k {
            heap.push(candidate);
        } else if heap.peek().is_some_and(|worst| candidate < *worst) {
            heap.pop();
            heap.push(candidate);
        }
    }
    distance_count::add(scored);
    heap.into_sorted_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_best_first_for_similarities_and_distances() {
        let mut v = DenseVectors::new(2);
        for p in [[1.0, 0.0], [0.0, 1.0], [0.7, 0.7], [-1.0, 0.0]] {
            v.push(&p).unwrap_or_else(|e| panic!("{e}"));
        }
        let dot = top_k(&v, 0..4, &[1.0, 0.1], Metric::Dot, 2, None);
        assert_eq!(dot.iter().map(|s| s.slot).collect::<Vec<_>>(), vec![0, 2]);
        let l2 = top_k(&v, 0..4, &[-0.9, 0.0], Metric::Euclid, 3, None);
        assert_eq!(l2[0].slot, 3);
        assert!((l2[0].score - 0.1).abs() < 1e-6);
        assert!(l2.windows(2).all(|w| w[0].score <= w[1].score));
        let thresholded = top_k(&v, 0..4, &[1.0, 0.0], Metric::Dot, 4, Some(0.5));
        assert_eq!(thresholded.len(), 2);
    }

    #[test]
    fn a_scan_past_its_deadline_stops_and_is_reported_expired() {
        use std::time::{Duration, Instant};

        use crate::deadline::{CHECK_EVERY, Expired, within};
        use crate::vector::distance_count;

        let v = crate::vector::test_data::random_vectors(10_000, 4, 5);
        let query = [0.5, 0.5, 0.5, 0.5];
        let (full, scored) = distance_count::counting(|| {
            within(Instant::now() + Duration::from_secs(60), || {
                top_k(&v, 0..10_000, &query, Metric::Euclid, 10, None)
            })
        });
        assert_eq!(full.map(|hits| hits.len()), Ok(10));
        assert_eq!(scored, 10_000);
        let (late, scored) = distance_count::counting(|| {
            within(Instant::now(), || {
                top_k(&v, 0..10_000, &query, Metric::Euclid, 10, None)
            })
        });
        assert_eq!(late.map(|hits| hits.len()), Err(Expired));
        assert!(scored < CHECK_EVERY, "the late scan scored {scored}");
    }
}
