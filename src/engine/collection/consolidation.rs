//! Consolidation: turning a collection's tombstones into free slots in the background.
//!
//! A delete leaves a tombstone (see [`PointStore`]). Once a collection holds at least
//! [`MIN_TOMBSTONES`] tombstones and they are at least [`TOMBSTONE_PERCENT`] % of its slots, its
//! writer starts a [`Consolidation`] over the tombstones of that moment and advances it one slice
//! at a time whenever its command queue is empty: each slice repairs the graph lists of
//! [`REPAIR_SLICE`] slots under the store's *read* lock (searches go on), and the last step frees
//! the tombstones under the write lock (a few microseconds per slot). A write that arrives waits
//! for at most one slice; when writes never stop, the writer still runs one slice per
//! [`MAX_DELAY`]. Deletes made meanwhile wait for the next round.
//!
//! Why these numbers: one round reads every slot and rebuilds the lists of most of them (at 5 %
//! deleted, about 80 % of nodes have a deleted neighbour among 32), so its cost is the graph size;
//! starting at 5 % spreads that over at least 1/20 of the slots' worth of deletes, while
//! keeping the stale share of the graph (and of the arena) small. Below 64 tombstones a round is
//! not worth waking for.
//!
//! Never writes the WAL or files: a checkpoint taken mid-round stores the tombstones with their
//! vectors and the partly repaired graph, which is a valid graph; recovery repairs them again.

use std::time::{Duration, Instant};

use parking_lot::RwLock;
use roaring::RoaringBitmap;

use super::point_store::PointStore;
use crate::metrics;

/// Fewest tombstones that start a round.
pub const MIN_TOMBSTONES: u64 = 64;
/// Share of the slots, in percent, that tombstones must reach to start a round.
pub const TOMBSTONE_PERCENT: u64 = 5;
/// Slots whose lists one slice repairs (one read-lock hold).
pub const REPAIR_SLICE: u32 = 512;

/// Longest a due round waits for an empty queue before the writer runs a slice anyway, so that a
/// steady stream of writes cannot starve the repair: at most one slice per this interval (a slice
/// is a few tens of milliseconds of repair, so writes keep most of the writer's time).
pub const MAX_DELAY: Duration = Duration::from_millis(250);

/// Whether `store` has enough tombstones to start a round.
#[must_use]
pub fn due(store: &PointStore) -> bool {
    let tombstones = store.tombstones().len();
    tombstones >= MIN_TOMBSTONES
        && tombstones * 100 >= store.slot_count() as u64 * TOMBSTONE_PERCENT
}

/// One round in progress: the tombstones it frees and how far the repair has come.
#[derive(Debug)]
pub struct Consolidation {
    dead: RoaringBitmap,
    next: u32,
    end: u32,
    repaired: usize,
    started: Instant,
}

impl Consolidation {
    /// A round over the current tombstones of `store`. Slots added later never link to them
    /// (inserts skip tombstones), so the repair covers only the slots that exist now.
    #[must_use]
    pub fn start(store: &PointStore) -> Self {
        Self {
            dead: store.tombstones().clone(),
            next: 0,
            end: u32::try_from(store.slot_count()).unwrap_or(u32::MAX),
            repaired: 0,
            started: Instant::now(),
        }
    }

    /// Advances the round by one slice; returns whether it is finished (its tombstones freed).
    pub fn step(&mut self, store: &RwLock<PointStore>, collection: &str) -> bool {
        if self.next < self.end {
            let to = self.next.saturating_add(REPAIR_SLICE).min(self.end);
            let repaired = store.read().repair(&self.dead, self.next..to);
            metrics::HNSW_REPAIRED_NODES.inc_by(repaired as u64);
            self.repaired += repaired;
            self.next = to;
            return false;
        }
        store.write().release(&self.dead);
        metrics::HNSW_REPAIRS.inc();
        tracing::info!(
            collection,
            freed = self.dead.len(),
            repaired = self.repaired,
            elapsed_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "graph repaired around deleted points; their slots are free"
        );
        true
    }
}

#[cfg(test)]
mod tests {
    use parking_lot::RwLock;

    use super::{Consolidation, due};
    use crate::columns::Payload;
    use crate::engine::collection::point_store::{PointStore, SlotImage, SpaceVectors};
    use crate::engine::point::PointId;
    use crate::vector::hnsw::HnswConfig;
    use crate::vector::{DenseVectors, Metric};

    fn vector(i: u64) -> Vec<f32> {
        let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..16)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 40) as f32 / (1u64 << 24) as f32 - 0.5
            })
            .collect()
    }

    fn points(ids: std::ops::Range<u64>) -> Vec<(PointId, SpaceVectors, Payload)> {
        ids.map(|i| (PointId::Num(i), vec![(0, vector(i))], Payload::new()))
            .collect()
    }

    #[test]
    fn a_round_frees_the_tombstones_and_inserts_reuse_their_slots() {
        let config = HnswConfig {
            m: 8,
            ef_construction: 64,
        };
        let mut store = PointStore::single_for_tests(DenseVectors::new(16), Metric::Euclid, config);
        store
            .upsert_many(points(0..1000))
            .unwrap_or_else(|e| panic!("{e}"));
        for i in (0..1000).step_by(3) {
            assert!(store.delete(PointId::Num(i)));
        }
        assert!(due(&store));
        let dead = store.tombstones().clone();
        assert_eq!(dead.len(), 334);
        assert!(store.space(0).index().links_to_any(&dead));
        let lock = RwLock::new(store);
        let mut round = Consolidation::start(&lock.read());
        // New points arrive in the middle of the round; they must not link to its tombstones.
        assert!(!round.step(&lock, "t"));
        lock.write()
            .upsert_many(points(1000..1100))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut steps = 1;
        while !round.step(&lock, "t") {
            steps += 1;
        }
        assert!(steps >= 2, "1000 slots take two slices of 512");
        let mut store = lock.into_inner();
        assert!(store.tombstones().is_empty());
        assert!(!store.space(0).index().links_to_any(&dead));
        assert!(!due(&store));
        let free = store
            .iter_slots()
            .filter(|s| matches!(s, SlotImage::Free))
            .count();
        assert_eq!(free, 334);
        store
            .upsert_many(points(2000..2334))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            store.slot_count(),
            1100,
            "inserts did not reuse the freed slots"
        );
        assert_eq!(store.len(), 1100);
        // Every live point is found by its own vector.
        let live: Vec<u32> = store.live_slots().collect();
        let found = live
            .iter()
            .filter(|&&slot| {
                let hits =
                    store
                        .space(0)
                        .search_index(store.space(0).vectors().get(slot), 1, 32, &|s| {
                            store.id_at(s).is_some()
                        });
                hits.first().is_some_and(|h| h.slot == slot)
            })
            .count();
        assert!(found * 100 >= live.len() * 99, "{found} of {}", live.len());
    }

    #[test]
    fn an_update_retires_its_old_slot_and_a_round_repairs_the_links_into_it() {
        let config = HnswConfig {
            m: 8,
            ef_construction: 64,
        };
        let mut store = PointStore::single_for_tests(DenseVectors::new(16), Metric::Euclid, config);
        store
            .upsert_many(points(0..1000))
            .unwrap_or_else(|e| panic!("{e}"));
        // New vectors for 100 existing ids, the last one written twice in the batch.
        let moved = |i: u64| (PointId::Num(i), vec![(0, vector(i + 5000))], Payload::new());
        let mut batch: Vec<_> = (0..100).map(moved).collect();
        batch.push(moved(99));
        store.upsert_many(batch).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(store.len(), 1000);
        let dead = store.tombstones().clone();
        assert_eq!(
            dead.len(),
            101,
            "each old place and the duplicate's first become tombstones"
        );
        assert!(store.space(0).index().links_to_any(&dead));
        assert!(due(&store));
        let lock = RwLock::new(store);
        let mut round = Consolidation::start(&lock.read());
        while !round.step(&lock, "t") {}
        let store = lock.into_inner();
        assert!(!store.space(0).index().links_to_any(&dead));
        // Approximate search over a graph built in parallel: allow a miss or two, as the
        // recall test above does, but no more.
        let found = (0..100)
            .filter(|&i| {
                let query = vector(i + 5000);
                let hits = store
                    .space(0)
                    .search_index(&query, 1, 32, &|s| store.id_at(s).is_some());
                hits.first().and_then(|h| store.id_at(h.slot)) == Some(PointId::Num(i))
            })
            .count();
        assert!(
            found >= 98,
            "only {found} of 100 updated points found at their new vectors"
        );
    }
}
