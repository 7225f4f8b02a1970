//! Search restricted to an allow-list: a roaring bitmap of slots (what a payload filter selects).
//!
//! The result holds `k` allowed points whenever `k` allowed live points exist. A small allow-list
//! is scanned exactly (cheaper than walking the graph past all the points it rejects); a large one
//! is searched through the graph with the bitmap as the acceptance test, and if the beam still
//! comes back short (a selective filter in a poorly connected region), the allowed slots are
//! scanned exactly instead. The choice uses the expected number of distance evaluations: about
//! `ef · m0 / s` for a graph search at selectivity `s = allowed / nodes`, against `allowed` for
//! the scan.

use roaring::RoaringBitmap;

use super::Hnsw;

/// What one node visited by a graph walk costs, in nodes scored by a scan. A walk reads vectors
/// and neighbour lists at random; a scan streams them through the distance kernel. Calibrated on
/// the 65,000-point wordnet set (`cargo bench --bench filtered_search`, docs/benchmarks.md): the
/// measured scan/walk crossover at recall 0.98 lies between 6,442 and 10,102 allowed points at
/// `ef` 16 to 24, where a factor of 1 put the boundary at 5,768 (ef 16, too low) and 2 puts it
/// at 8,157 (ef 16) and 9,991 (ef 24).
pub const WALK_COST: f64 = 2.0;
use crate::vector::Space;
use crate::vector::exact::nearest_keys;
use crate::vector::ranked::Ranked;

impl Hnsw {
    /// About how many nodes a walk with beam `ef` visits (and scores) while it collects allowed
    /// ones, when `allowed` of the graph's nodes are: `ef · m0 / s` at selectivity
    /// `s = allowed / nodes`.
    #[must_use]
    #[expect(clippy::cast_precision_loss, reason = "an estimate")]
    pub fn walk_visits(&self, allowed: u64, ef: usize) -> f64 {
        let nodes = self.graph.capacity().max(1) as f64;
        ef as f64 * self.graph.m0 as f64 * nodes / (allowed.max(1) as f64)
    }

    /// Whether scanning `allowed` slots exactly is expected to cost less than a graph walk with
    /// beam `ef` that skips the others: `allowed` scored points against [`Hnsw::walk_visits`]
    /// visited ones, each visit weighted [`WALK_COST`] scored points. That is, scan when
    /// `allowed² <= WALK_COST · ef · m0 · nodes`.
    #[must_use]
    #[expect(clippy::cast_precision_loss, reason = "an estimate")]
    pub fn prefers_scan(&self, allowed: u64, ef: usize) -> bool {
        allowed as f64 <= WALK_COST * self.walk_visits(allowed, ef)
    }

    /// The `k` nearest slots in `allowed` that `live` accepts, closest first, with their keys.
    pub fn search_allowed<S: Space>(
        &self,
        space: &S,
        query: &S::Query,
        k: usize,
        ef: usize,
        allowed: &RoaringBitmap,
        live: &dyn Fn(u32) -> bool,
    ) -> Vec<Ranked> {
        if k == 0 || allowed.is_empty() {
            return Vec::new();
        }
        let ef = ef.max(k);
        if !self.prefers_scan(allowed.len(), ef) {
            let accept = |slot: u32| allowed.contains(slot) && live(slot);
            let found = self.search(space, query, k, ef, &accept);
            if found.len() >= k {
                return found;
            }
        }
        let in_graph = u32::try_from(self.graph.capacity()).unwrap_or(u32::MAX);
        scan_allowed(space, query, k, allowed, &|slot| {
            slot < in_graph && live(slot)
        })
    }
}

/// Exact top-`k` over the allowed live slots.
fn scan_allowed<S: Space>(
    space: &S,
    query: &S::Query,
    k: usize,
    allowed: &RoaringBitmap,
    live: &dyn Fn(u32) -> bool,
) -> Vec<Ranked> {
    nearest_keys(space, allowed.iter().filter(|s| live(*s)), query, k, |_| {
        true
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use roaring::RoaringBitmap;

    use crate::vector::hnsw::{Hnsw, HnswConfig};
    use crate::vector::test_data::random_vectors;
    use crate::vector::{FullPrecision, Metric, Space, top_k};

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 64,
            failure_persistence: Some(Box::new(
                proptest::test_runner::FileFailurePersistence::Direct("tests/proptest-regressions/allow_list.txt"),
            )),
            ..ProptestConfig::default()
        })]

        #[test]
        fn returns_k_allowed_live_points_whenever_they_exist(
            n in 50usize..1500, k in 1usize..30, seed in 0u64..10_000,
            keep_per_mille in 1u32..1000, delete_every in 3u32..9, ef in 10usize..80,
        ) {
            let dim = 8;
            let v = random_vectors(n, dim, seed);
            let mut index = Hnsw::new(HnswConfig { m: 8, ef_construction: 48 });
            let space = FullPrecision::new(&v, Metric::Euclid);
            let nodes: Vec<u32> = (0..u32::try_from(n).unwrap_or(0)).collect();
            // One thread: the same graph for the same case, so a failure replays.
            let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("a one-thread pool");
            one.install(|| index.insert_many(&space, &nodes));
            // A pseudo-random allow-list of the chosen selectivity, plus slots past the end.
            let mut allowed: RoaringBitmap = nodes
                .iter()
                .copied()
                .filter(|s| (s.wrapping_mul(2_654_435_761) ^ seed as u32) % 1000 < keep_per_mille)
                .collect();
            allowed.insert_range(10_000..10_010);
            let live = |s: u32| !s.is_multiple_of(delete_every);
            let eligible: Vec<u32> = allowed.iter().filter(|&s| (s as usize) < n && live(s)).collect();
            let queries = random_vectors(4, dim, seed + 1);
            for q in 0..4 {
                let query = space.query(queries.get(q));
                let found = index.search_allowed(&space, &query, k, ef, &allowed, &live);
                prop_assert_eq!(found.len(), k.min(eligible.len()));
                prop_assert!(found.iter().all(|r| eligible.contains(&r.slot)));
                prop_assert!(found.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
                let exact = top_k(&v, eligible.iter().copied(), queries.get(q), Metric::Euclid, k, None);
                let hits = exact.iter().filter(|e| found.iter().any(|f| f.slot == e.slot)).count();
                prop_assert!(hits * 10 >= exact.len() * 7, "recall {} of {}", hits, exact.len());
            }
        }
    }
}
