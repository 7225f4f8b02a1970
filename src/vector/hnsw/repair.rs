//! Graph repair after deletes (consolidation, as in FreshDiskANN and hnswlib): unlinks a set of
//! dead nodes from the graph so that their slots can be reused like fresh ones.
//!
//! [`Hnsw::repair`] rebuilds, for every other node in a range, each list that names a dead node:
//! the candidates are the node's own neighbours that are not dead plus the not-dead neighbours of
//! its dead neighbours (the paths a search used to take through them), pruned with the insert
//! heuristic ([`Hnsw::select`]) to the level's maximum; each neighbour gained that way is offered
//! the reverse link, as an insert would (it may have lost its way back through the dead node). It
//! takes `&self`, runs in parallel and rewrites each list under the node's stripe lock, so searches
//! keep running throughout; the caller runs it in bounded slices. [`Hnsw::release`] then (with `&mut self`, so no search is walking a
//! dead node) moves the entry point off the dead nodes and clears their lists.
//!
//! Never decides which nodes are dead or when to repair: that is the caller's (the collection's
//! writer, see `engine::collection::consolidation`).

use std::ops::Range;

use rayon::prelude::*;
use roaring::RoaringBitmap;

use super::{Hnsw, Near, Space};

/// Fewest nodes one rayon task repairs (most nodes need only a scan of their lists).
const CHUNK: usize = 16;

impl Hnsw {
    /// Rebuilds every list of the nodes in `range` (those not in `dead`) that names a node in
    /// `dead`, in parallel on the current rayon pool, and returns how many nodes had a list rebuilt. Nodes past the
    /// graph's capacity are skipped. Afterwards no node in `range` links to a dead node, provided
    /// no insert chose a dead node as a neighbour meanwhile (inserts must exclude them, see
    /// [`Hnsw::insert_many_linking`]).
    pub fn repair<S: Space>(&self, space: &S, dead: &RoaringBitmap, range: Range<u32>) -> usize {
        let end = range
            .end
            .min(u32::try_from(self.graph.capacity()).unwrap_or(u32::MAX));
        if dead.is_empty() || range.start >= end {
            return 0;
        }
        (range.start..end)
            .into_par_iter()
            .with_min_len(CHUNK)
            .map_init(Scratch::default, |scratch, node| {
                !dead.contains(node) && self.repair_node(space, dead, node, scratch)
            })
            .filter(|&rebuilt| rebuilt)
            .count()
    }

    /// Rebuilds the lists of `node` that name a dead node; returns whether any did.
    fn repair_node<S: Space>(
        &self,
        space: &S,
        dead: &RoaringBitmap,
        node: u32,
        s: &mut Scratch,
    ) -> bool {
        let mut changed = false;
        for level in 0..=self.graph.level(node) {
            // Read, rebuild and write under the node's lock, so that a reverse link added by
            // another thread meanwhile is neither lost nor written back over the repaired list.
            let guard = self.graph.lock(node);
            self.graph.neighbors(node, level, &mut s.list);
            if !s.list.iter().any(|&n| dead.contains(n)) {
                continue;
            }
            changed = true;
            s.ids.clear();
            for &n in &s.list {
                if dead.contains(n) {
                    self.graph.neighbors(n, level, &mut s.via);
                    s.ids
                        .extend(s.via.iter().filter(|&&v| v != node && !dead.contains(v)));
                } else {
                    s.ids.push(n);
                }
            }
            s.ids.sort_unstable();
            s.ids.dedup();
            s.near.clear();
            s.near.extend(s.ids.iter().map(|&n| Near {
                key: space.key_between(node, n),
                slot: n,
            }));
            s.near.sort_unstable();
            s.kept.clear();
            s.kept.extend(
                self.select(space, &s.near, self.graph.max_neighbors(level))
                    .iter()
                    .map(|c| c.slot),
            );
            self.graph.set_neighbors(node, level, &s.kept);
            drop(guard);
            // A neighbour reached through a dead node may have lost its way back too: offer it
            // the reverse link, as an insert does (pruned by the same heuristic when full).
            for i in 0..s.kept.len() {
                let new = s.kept[i];
                if !s.list.contains(&new) {
                    self.link(space, new, node, level, &mut s.via);
                }
            }
        }
        changed
    }

    /// Detaches the `dead` nodes after [`Hnsw::repair`] has run over every other node: when the
    /// entry point is dead it moves to a node accepted by `entry_ok` on the highest level there is
    /// one (none when there is none: the graph is then empty for searches), and every dead node's
    /// lists are cleared and its level set to 0, so that its slot can be inserted again like a
    /// fresh one. `&mut self`: no search may be walking a dead node while its lists are cleared.
    pub fn release(&mut self, dead: &RoaringBitmap, entry_ok: &dyn Fn(u32) -> bool) {
        let entry = *self.entry.get_mut();
        if let Some((e, _)) = entry
            && dead.contains(e)
        {
            let capacity = u32::try_from(self.graph.capacity()).unwrap_or(u32::MAX);
            let best = (0..capacity)
                .filter(|&n| !dead.contains(n) && entry_ok(n))
                .map(|n| (self.graph.level(n), std::cmp::Reverse(n)))
                .max();
            *self.entry.get_mut() = best.map(|(level, std::cmp::Reverse(n))| (n, level));
        }
        for node in dead {
            if (node as usize) < self.graph.capacity() {
                self.graph.clear_node(node);
            }
        }
    }

    /// Whether any node outside `dead` links to a node in `dead`, on any level (for tests and
    /// checks).
    #[must_use]
    pub fn links_to_any(&self, dead: &RoaringBitmap) -> bool {
        let mut list = Vec::new();
        let capacity = u32::try_from(self.graph.capacity()).unwrap_or(u32::MAX);
        (0..capacity).filter(|&n| !dead.contains(n)).any(|n| {
            (0..=self.graph.level(n)).any(|level| {
                self.graph.neighbors(n, level, &mut list);
                list.iter().any(|&m| dead.contains(m))
            })
        })
    }

    /// The entry point, if any (for tests and checks).
    #[must_use]
    pub fn entry_point(&self) -> Option<u32> {
        self.entry.lock().map(|(node, _)| node)
    }
}

/// Buffers reused across the nodes one repair task handles.
#[derive(Default)]
struct Scratch {
    list: Vec<u32>,
    via: Vec<u32>,
    ids: Vec<u32>,
    near: Vec<Near>,
    kept: Vec<u32>,
}
