//! Consolidation: turning a collection's tombstones into free slots in the background.
//!
//! A delete leaves a tombstone (see [`PointStore`]). Once a collection holds at least
//! [`MIN_TOMBSTONES`] tombstones and they are at least [`TOMBSTONE_PERCENT`] % of its slots, its
//! writer starts a [`Consolidation`] over the tombstones of that moment and advances it one slice
//! at a time whenever its command queue is empty: each slice repairs the graph lists of
//! [`REPAIR_SLICE`] slots under the store's *read* lock (searches go on), and the last step frees
//! the tombstones under the write lock (a few microseconds per slot). A write that arrives waits
//! for at most one slice. Deletes made meanwhile wait for the next round.
//!
//! Why these numbers: one round reads every slot and rebuilds the lists of most of them (at 5 %
//! deleted, about 80 % of nodes have a deleted neighbour among 32), so its cost is the graph size;
//! starting at 5 % spreads that over at least 1/20 of the slots' worth of deletes, while
//! keeping the stale share of the graph (and of the arena) small. Below 64 tombstones a round is
//! not worth waking for.
//!
//! Never writes the WAL or files: a checkpoint taken mid-round stores the tombstones with their
//! vectors and the partly repaired graph, which is a valid graph; recovery repairs them again.

use std::time::Instant;

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
