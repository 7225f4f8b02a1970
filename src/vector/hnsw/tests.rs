//! HNSW against brute force: recall on random data, deletes through `allow`, re-insertion.

use proptest::prelude::*;

use super::{Hnsw, HnswConfig};
use crate::vector::{DenseVectors, FullPrecision, Metric, ScoredSlot, top_k};

/// An index with the metric its full-precision space uses, so tests read like callers.
pub(super) struct Indexed {
    pub(super) index: Hnsw,
    pub(super) metric: Metric,
}

impl Indexed {
    pub(super) fn new(config: HnswConfig, metric: Metric) -> Self {
        Self {
            index: Hnsw::new(config),
            metric,
        }
    }

    pub(super) fn insert_many(&mut self, v: &DenseVectors, nodes: &[u32]) {
        let space = FullPrecision::new(v, self.metric);
        self.index.insert_many(&space, nodes);
    }

    pub(super) fn search(
        &self,
        v: &DenseVectors,
        query: &[f32],
        k: usize,
        ef: usize,
        allow: &dyn Fn(u32) -> bool,
    ) -> Vec<ScoredSlot> {
        let space = FullPrecision::new(v, self.metric);
        self.index
            .search(&space, &query.to_vec(), k, ef, allow)
            .into_iter()
            .map(|n| ScoredSlot {
                slot: n.slot,
                score: self.metric.score_from_rank_key(n.key),
            })
            .collect()
    }
}

pub(super) use crate::vector::test_data::random_vectors;

fn recall(
    index: &Indexed,
    v: &DenseVectors,
    queries: &DenseVectors,
    metric: Metric,
    k: usize,
    live: &dyn Fn(u32) -> bool,
) -> f64 {
    recall_with_ef(index, v, queries, metric, k, 64, live)
}

pub(super) fn recall_with_ef(
    index: &Indexed,
    v: &DenseVectors,
    queries: &DenseVectors,
    metric: Metric,
    k: usize,
    ef: usize,
    live: &dyn Fn(u32) -> bool,
) -> f64 {
    let slots = u32::try_from(v.slots()).unwrap_or(0);
    let mut hits = 0usize;
    let mut total = 0usize;
    for q in 0..u32::try_from(queries.slots()).unwrap_or(0) {
        let query = queries.get(q);
        let exact = top_k(v, (0..slots).filter(|s| live(*s)), query, metric, k, None);
        let approx = index.search(v, query, k, ef, live);
        for r in &approx {
            assert!(live(r.slot), "a deleted slot was returned");
        }
        let mut seen = std::collections::HashSet::new();
        assert!(
            approx.iter().all(|r| seen.insert(r.slot)),
            "duplicate results"
        );
        assert!(
            approx
                .windows(2)
                .all(|w| w[0].score >= w[1].score || !metric.higher_is_better())
        );
        hits += exact
            .iter()
            .filter(|e| approx.iter().any(|a| a.slot == e.slot))
            .count();
        total += exact.len();
    }
    if total == 0 {
        1.0
    } else {
        hits as f64 / total as f64
    }
}

#[test]
fn recall_is_high_on_random_data_for_every_metric() {
    for metric in [
        Metric::Dot,
        Metric::Euclid,
        Metric::Manhattan,
        Metric::Chebyshev,
        Metric::Canberra,
        Metric::BrayCurtis,
    ] {
        let v = random_vectors(3000, 24, 1);
        let queries = random_vectors(50, 24, 2);
        let mut index = Indexed::new(
            HnswConfig {
                m: 16,
                ef_construction: 100,
            },
            metric,
        );
        let nodes: Vec<u32> = (0..3000).collect();
        index.insert_many(&v, &nodes);
        // Chebyshev distances concentrate on random data, so the graph needs a wider beam.
        let ef = if metric == Metric::Chebyshev { 256 } else { 64 };
        let r = recall_with_ef(&index, &v, &queries, metric, 10, ef, &|_| true);
        assert!(r >= 0.95, "{metric:?} recall {r} at ef {ef}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct("tests/proptest-regressions/hnsw.txt"),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn results_are_valid_sorted_unique_and_never_deleted(
        n in 1usize..400, dim in 1usize..12, k in 1usize..20, seed in 0u64..1000, delete_every in 2u32..7,
    ) {
        let v = random_vectors(n, dim, seed);
        let queries = random_vectors(8, dim, seed + 1);
        let mut index = Indexed::new(HnswConfig { m: 8, ef_construction: 64 }, Metric::Euclid);
        let nodes: Vec<u32> = (0..u32::try_from(n).unwrap_or(0)).collect();
        index.insert_many(&v, &nodes);
        let live = |s: u32| !s.is_multiple_of(delete_every);
        // `recall` asserts the hard invariants; recall itself is judged on average below.
        let r = recall(&index, &v, &queries, Metric::Euclid, k, &live);
        prop_assert!(r >= 0.5, "recall {}", r);
    }
}

#[test]
fn mean_recall_at_10_over_256_small_random_cases_with_deletes() {
    let mut sum = 0.0;
    let cases = 256u64;
    for case in 0..cases {
        let n = 20 + (case as usize * 37) % 600;
        let dim = 2 + (case as usize * 7) % 30;
        let v = random_vectors(n, dim, case);
        let queries = random_vectors(10, dim, case + 10_000);
        let mut index = Indexed::new(
            HnswConfig {
                m: 12,
                ef_construction: 100,
            },
            Metric::Euclid,
        );
        let nodes: Vec<u32> = (0..u32::try_from(n).unwrap_or(0)).collect();
        index.insert_many(&v, &nodes);
        let delete_every = 2 + (case % 5) as u32;
        let live = |s: u32| !s.is_multiple_of(delete_every);
        sum += recall(&index, &v, &queries, Metric::Euclid, 10, &live);
    }
    let mean = sum / cases as f64;
    assert!(mean >= 0.95, "mean recall@10 {mean}");
}

#[test]
fn a_graph_image_round_trips_and_damage_is_rejected() {
    let v = random_vectors(800, 16, 5);
    let queries = random_vectors(20, 16, 6);
    let config = HnswConfig {
        m: 8,
        ef_construction: 64,
    };
    let mut index = Indexed::new(config, Metric::Euclid);
    let nodes: Vec<u32> = (0..800).collect();
    index.insert_many(&v, &nodes);
    let bytes = index.index.encode();
    let back = Indexed {
        index: Hnsw::decode(&bytes, config, 800).unwrap_or_else(|e| panic!("{e}")),
        metric: Metric::Euclid,
    };
    assert_eq!(back.index.encode(), bytes);
    for q in 0..20 {
        let a = index.search(&v, queries.get(q), 10, 40, &|_| true);
        let b = back.search(&v, queries.get(q), 10, 40, &|_| true);
        assert_eq!(a, b);
    }
    assert!(Hnsw::decode(&bytes, config, 801).is_err());
    assert!(Hnsw::decode(&bytes, HnswConfig { m: 16, ..config }, 800).is_err());
    for cut in [0, 4, 17, bytes.len() / 2, bytes.len() - 1] {
        assert!(
            Hnsw::decode(&bytes[..cut], config, 800).is_err(),
            "cut {cut}"
        );
    }
    // An out-of-range neighbour id is rejected, never followed.
    let mut bad = bytes.clone();
    let first_neighbour = 17 + 1 + 4;
    bad[first_neighbour..first_neighbour + 4].copy_from_slice(&5000u32.to_le_bytes());
    assert!(Hnsw::decode(&bad, config, 800).is_err());
}

#[test]
fn re_inserting_every_node_with_new_vectors_keeps_recall() {
    // Slots reused or vectors replaced, the entry point included.
    let mut v = random_vectors(2000, 16, 11);
    let queries = random_vectors(30, 16, 12);
    let mut index = Indexed::new(
        HnswConfig {
            m: 12,
            ef_construction: 80,
        },
        Metric::Euclid,
    );
    let nodes: Vec<u32> = (0..2000).collect();
    index.insert_many(&v, &nodes);
    let replacement = random_vectors(2000, 16, 13);
    for slot in 0..2000u32 {
        v.set(slot, replacement.get(slot));
    }
    index.insert_many(&v, &nodes);
    let r = recall(&index, &v, &queries, Metric::Euclid, 10, &|_| true);
    assert!(r >= 0.9, "recall after re-inserting everything {r}");
}

#[test]
fn replacing_the_entry_points_vector_keeps_the_graph_searchable() {
    let mut v = random_vectors(2000, 16, 21);
    let queries = random_vectors(30, 16, 22);
    let mut index = Indexed::new(
        HnswConfig {
            m: 12,
            ef_construction: 80,
        },
        Metric::Euclid,
    );
    let nodes: Vec<u32> = (0..2000).collect();
    index.insert_many(&v, &nodes);
    let entry = index.index.entry.lock().map(|(node, _)| node).unwrap_or(0);
    let fresh = random_vectors(1, 16, 23);
    v.set(entry, fresh.get(0));
    index.insert_many(&v, &[entry]);
    let r = recall(&index, &v, &queries, Metric::Euclid, 10, &|_| true);
    assert!(r >= 0.9, "recall after replacing the entry point {r}");
}

#[test]
fn any_ef_up_to_usize_max_searches_the_whole_graph_without_allocating_by_it() {
    let v = random_vectors(200, 8, 3);
    let mut index = Indexed::new(
        HnswConfig {
            m: 8,
            ef_construction: 32,
        },
        Metric::Euclid,
    );
    let nodes: Vec<u32> = (0..200).collect();
    // One thread: a deterministic graph in which every node is reachable (a parallel build may
    // leave one unreachable, and then no `ef` finds it).
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-thread pool");
    one.install(|| index.insert_many(&v, &nodes));
    let query = random_vectors(1, 8, 4);
    let query = query.get(0);
    // `ef` sizes the beam's heap; past the graph's size it must be clamped, not allocated.
    let wide = index.search(&v, query, 10, usize::MAX, &|_| true);
    let exact = top_k(&v, 0..200, query, Metric::Euclid, 10, None);
    assert_eq!(
        wide.iter().map(|h| h.slot).collect::<Vec<_>>(),
        exact.iter().map(|h| h.slot).collect::<Vec<_>>()
    );
    assert_eq!(index.search(&v, query, 10, 0, &|_| true).len(), 10);
}

#[test]
fn a_walk_past_its_deadline_stops_early_and_is_reported_expired() {
    use std::time::{Duration, Instant};

    use crate::deadline::{Expired, within};
    use crate::vector::distance_count;

    let v = random_vectors(3_000, 8, 11);
    let mut index = Indexed::new(
        HnswConfig {
            m: 8,
            ef_construction: 32,
        },
        Metric::Euclid,
    );
    let nodes: Vec<u32> = (0..3_000).collect();
    index.insert_many(&v, &nodes);
    let query = random_vectors(1, 8, 12);
    let query = query.get(0);
    // A wide beam over the whole graph scores thousands of vectors when given the time...
    let (full, counted) = distance_count::counting(|| {
        within(Instant::now() + Duration::from_secs(60), || {
            index.search(&v, query, 10, 3_000, &|_| true)
        })
    });
    assert_eq!(full.map(|hits| hits.len()), Ok(10));
    assert!(counted > 2_000, "the unhurried walk scored {counted}");
    // ...and stops within a few dozen expansions once its deadline has passed.
    let (late, counted) = distance_count::counting(|| {
        within(Instant::now(), || {
            index.search(&v, query, 10, 3_000, &|_| true)
        })
    });
    assert_eq!(late.map(|hits| hits.len()), Err(Expired));
    assert!(counted < 1_000, "the late walk scored {counted}");
}
