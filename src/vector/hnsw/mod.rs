//! HNSW: a hierarchical navigable small-world graph for approximate nearest-neighbour search.
//!
//! The index stores only the graph; nodes are the caller's slot numbers and every distance comes
//! from a [`Space`] passed to each call (full-precision vectors, compressed codes or bit-packed
//! binary vectors), so one graph can be built on one representation and searched on another.
//! Inserts may run in parallel (each node's lists are guarded by a striped lock, see [`graph`]); a
//! search reads without locks.
//!
//! Deletes are two-phase. A deleted node first stays in the graph as a tombstone: it keeps routing
//! searches, the caller's `allow` predicate keeps it out of results, and inserts never choose it
//! as a neighbour ([`Hnsw::insert_many_linking`]). Later the caller repairs the
//! graph around a set of tombstones (`repair`: every list naming one is rebuilt from its live
//! neighbours and the tombstones' own neighbours, searches keep running) and releases them
//! ([`Hnsw::release`]: lists cleared, entry point moved), after which the slots may be inserted
//! again like fresh ones. Re-inserting a node (same slot, new vector) keeps the links other nodes
//! chose for its old vector, so callers move an updated point to a new slot and tombstone the old
//! one instead.
//!
//! Never owns vectors, ids, payloads or files.

mod allow_list;
mod graph;
mod persist;
mod repair;
mod visited;

use std::collections::BinaryHeap;

use parking_lot::Mutex;
use rayon::prelude::*;

pub use self::persist::GraphDecodeError;

use self::graph::Graph;
use self::visited::VisitedPool;
use super::ranked::Ranked as Near;
use super::{Space, distance_count};
use crate::deadline;

/// Candidates the beam search expands between two looks at the clock: each scores up to `2m`
/// neighbours, so about a thousand distances.
const EXPANSIONS_PER_CLOCK_LOOK: u64 = 32;

/// Build parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HnswConfig {
    /// Links per node on upper levels (twice as many on level 0).
    pub m: usize,
    /// Candidate list size while inserting.
    pub ef_construction: usize,
}

/// An HNSW index over slot numbers.
#[derive(Debug)]
pub struct Hnsw {
    graph: Graph,
    ef_construction: usize,
    level_mult: f64,
    /// The entry point and its level.
    entry: Mutex<Option<(u32, u8)>>,
    visited: VisitedPool,
}

impl Hnsw {
    /// An empty index.
    #[must_use]
    pub fn new(config: HnswConfig) -> Self {
        let m = config.m.max(2);
        Self {
            graph: Graph::new(m),
            ef_construction: config.ef_construction.max(1),
            level_mult: 1.0 / (m as f64).ln(),
            entry: Mutex::new(None),
            visited: VisitedPool::default(),
        }
    }

    /// Bytes held by the graph.
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        self.graph.heap_bytes()
    }

    /// A deterministic level for `node`: `floor(-ln(u) * mL)` with `u` from a hash of the slot.
    fn level_for(&self, node: u32) -> u8 {
        let mut x = u64::from(node).wrapping_add(0x9E37_79B9_7F4A_7C15);
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^= x >> 31;
        let u = ((x >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
        let level = (-u.ln() * self.level_mult).floor();
        level.clamp(0.0, 31.0) as u8
    }

    /// Inserts (or re-inserts) `nodes`, in parallel on the current rayon pool (the caller picks
    /// the thread count with `ThreadPool::install`). Their vectors must be in `space` already.
    pub fn insert_many<S: Space>(&mut self, space: &S, nodes: &[u32]) {
        self.insert_many_linking(space, nodes, &|_| true);
    }

    /// [`Hnsw::insert_many`], choosing as neighbours only nodes accepted by `linkable` (the caller
    /// rejects tombstones, so that a repair in progress is not undone); the others still route.
    pub fn insert_many_linking<S: Space>(
        &mut self,
        space: &S,
        nodes: &[u32],
        linkable: &(dyn Fn(u32) -> bool + Sync),
    ) {
        let Some(&max) = nodes.iter().max() else {
            return;
        };
        self.graph.grow(max as usize + 1);
        let this = &*self;
        // The first node goes alone so that the others have an entry point to start from.
        let mut rest = nodes;
        if this.entry.lock().is_none()
            && let Some((&first, others)) = nodes.split_first()
        {
            this.insert_one(space, first, linkable);
            rest = others;
        }
        // One insert is a graph search and a few list rewrites: work enough for one task each.
        rest.par_iter()
            .for_each(|&node| this.insert_one(space, node, linkable));
    }

    fn insert_one<S: Space>(&self, space: &S, node: u32, linkable: &dyn Fn(u32) -> bool) {
        let query = space.node_query(node);
        let wanted = self.level_for(node);
        let mut entry_guard = self.entry.lock();
        // Re-inserting the entry point (its slot was reused or its vector replaced) clears its
        // lists; the walk then starts from one of its former neighbours instead.
        let former_neighbor = match *entry_guard {
            Some((e, _)) if e == node => {
                let mut v = Vec::new();
                self.graph.neighbors(node, 0, &mut v);
                v.first().copied()
            }
            _ => None,
        };
        let level = self.graph.init_node(node, wanted);
        let Some((mut entry, mut top)) = *entry_guard else {
            *entry_guard = Some((node, level));
            return;
        };
        if entry == node {
            let Some(start) = former_neighbor else {
                // The only node in the graph.
                *entry_guard = Some((node, level));
                return;
            };
            entry = start;
            top = top.min(self.graph.level(start));
            // The node stays the entry point, at its new level.
            *entry_guard = Some((node, level));
        }
        // Hold the entry lock through an insert that raises the top level, so that no other
        // insert starts from a level that is being built.
        let raises = level > top;
        let held = if raises {
            Some(entry_guard)
        } else {
            drop(entry_guard);
            None
        };
        let mut cur = Near {
            key: space.key(&query, entry),
            slot: entry,
        };
        let mut level_at = top;
        while level_at > level {
            cur = self.greedy(space, &query, cur, level_at);
            level_at -= 1;
        }
        let mut scratch = Vec::new();
        let mut eps = vec![cur];
        for l in (0..=level.min(top)).rev() {
            let found = self.search_layer(space, &query, &eps, self.ef_construction, l, &|n| {
                n != node && linkable(n)
            });
            let chosen = self.select(space, &found, self.graph.m);
            {
                let _g = self.graph.lock(node);
                let ids: Vec<u32> = chosen.iter().map(|c| c.slot).collect();
                self.graph.set_neighbors(node, l, &ids);
            }
            for c in &chosen {
                self.link(space, c.slot, node, l, &mut scratch);
            }
            // With nothing linkable found here, the next level starts from the same place.
            if !found.is_empty() {
                eps = found;
            }
        }
        if let Some(mut guard) = held {
            *guard = Some((node, level));
        }
    }

    /// Adds `new` to the neighbours of `node` at `level`, pruning with the heuristic when full.
    fn link<S: Space>(&self, space: &S, node: u32, new: u32, level: u8, scratch: &mut Vec<u32>) {
        let max = self.graph.max_neighbors(level);
        let _g = self.graph.lock(node);
        self.graph.neighbors(node, level, scratch);
        if scratch.contains(&new) {
            return;
        }
        scratch.push(new);
        if scratch.len() <= max {
            self.graph.set_neighbors(node, level, scratch);
            return;
        }
        let mut candidates: Vec<Near> = scratch
            .iter()
            .map(|&n| Near {
                key: space.key_between(node, n),
                slot: n,
            })
            .collect();
        candidates.sort_unstable();
        let kept: Vec<u32> = self
            .select(space, &candidates, max)
            .iter()
            .map(|c| c.slot)
            .collect();
        self.graph.set_neighbors(node, level, &kept);
    }

    /// The neighbour-selection heuristic: take candidates closest first, skipping any that is
    /// closer to an already chosen neighbour than to the base. `sorted` is ascending by key.
    fn select<S: Space>(&self, space: &S, sorted: &[Near], m: usize) -> Vec<Near> {
        let mut out: Vec<Near> = Vec::with_capacity(m);
        for c in sorted {
            if out.len() >= m {
                break;
            }
            if out
                .iter()
                .all(|s| space.key_between(c.slot, s.slot) > c.key)
            {
                out.push(*c);
            }
        }
        out
    }

    fn greedy<S: Space>(&self, space: &S, query: &S::Query, start: Near, level: u8) -> Near {
        let mut cur = start;
        let mut neighbors = Vec::new();
        loop {
            let mut changed = false;
            self.graph.neighbors(cur.slot, level, &mut neighbors);
            distance_count::add(neighbors.len());
            for &n in &neighbors {
                let key = space.key(query, n);
                if key < cur.key {
                    cur = Near { key, slot: n };
                    changed = true;
                }
            }
            if !changed {
                return cur;
            }
        }
    }

    /// Beam search on one level. Returns up to `ef` nodes accepted by `allow`, closest first.
    fn search_layer<S: Space>(
        &self,
        space: &S,
        query: &S::Query,
        entry: &[Near],
        ef: usize,
        level: u8,
        allow: &dyn Fn(u32) -> bool,
    ) -> Vec<Near> {
        // A list longer than the graph finds nothing more, and `ef` sizes an allocation: clamping
        // it here keeps any caller's `ef` (up to `usize::MAX`) from aborting the process.
        let ef = ef.clamp(1, self.graph.capacity().max(1));
        let mut visited = self.visited.take(self.graph.capacity());
        let mut candidates: BinaryHeap<std::cmp::Reverse<Near>> = BinaryHeap::new();
        let mut results: BinaryHeap<Near> = BinaryHeap::with_capacity(ef + 1);
        for e in entry {
            if visited.insert(e.slot) {
                candidates.push(std::cmp::Reverse(*e));
                if allow(e.slot) {
                    results.push(*e);
                }
            }
        }
        while results.len() > ef {
            results.pop();
        }
        let mut neighbors = Vec::new();
        let mut expanded = 0u64;
        while let Some(std::cmp::Reverse(c)) = candidates.pop() {
            if results.len() >= ef && results.peek().is_some_and(|w| c.key > w.key) {
                break;
            }
            // A query past its time limit stops here; `deadline::within` then reports it
            // expired, so this partial list is never an answer.
            expanded += 1;
            if expanded.is_multiple_of(EXPANSIONS_PER_CLOCK_LOOK) && deadline::passed() {
                break;
            }
            if level == 0
                && let Some(std::cmp::Reverse(next)) = candidates.peek()
            {
                self.graph.prefetch_layer0(next.slot);
            }
            self.graph.neighbors(c.slot, level, &mut neighbors);
            // Keep only unvisited neighbours and start loading their vectors before scoring the
            // first one: the graph walk is bound by memory latency, not arithmetic.
            neighbors.retain(|&n| visited.insert(n));
            distance_count::add(neighbors.len());
            for &n in &neighbors {
                space.prefetch_start(n);
            }
            for (i, &n) in neighbors.iter().enumerate() {
                if let Some(&ahead) = neighbors.get(i + 1) {
                    space.prefetch_rest(ahead);
                }
                let key = space.key(query, n);
                let worst = results.peek().map_or(f32::INFINITY, |w| w.key);
                if results.len() < ef || key < worst {
                    let near = Near { key, slot: n };
                    candidates.push(std::cmp::Reverse(near));
                    if allow(n) {
                        results.push(near);
                        if results.len() > ef {
                            results.pop();
                        }
                    }
                }
            }
        }
        self.visited.give(visited);
        results.into_sorted_vec()
    }

    /// The `k` nearest allowed nodes to `query` (prepared by `space`) with their keys, closest
    /// first, searching with a candidate list of `ef` (at least `k`).
    pub fn search<S: Space>(
        &self,
        space: &S,
        query: &S::Query,
        k: usize,
        ef: usize,
        allow: &dyn Fn(u32) -> bool,
    ) -> Vec<Near> {
        let Some((entry, top)) = *self.entry.lock() else {
            return Vec::new();
        };
        if k == 0 {
            return Vec::new();
        }
        distance_count::add(1);
        let mut cur = Near {
            key: space.key(query, entry),
            slot: entry,
        };
        for level in (1..=top).rev() {
            cur = self.greedy(space, query, cur, level);
        }
        let mut found = self.search_layer(space, query, &[cur], ef.max(k), 0, allow);
        found.truncate(k);
        found
    }
}

#[cfg(test)]
mod repair_tests;
#[cfg(test)]
mod tests;
