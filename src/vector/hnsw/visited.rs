//! A pool of visited sets for graph searches. A set is an array of generation stamps, so clearing
//! it between searches is one increment, not a pass over the array.

use parking_lot::Mutex;

/// Marks nodes seen during one search.
#[derive(Debug)]
pub struct Visited {
    stamps: Vec<u16>,
    generation: u16,
}

impl Visited {
    fn with_capacity(n: usize) -> Self {
        Self {
            stamps: vec![0; n],
            generation: 1,
        }
    }

    /// Prepares for a new search over `n` nodes.
    fn reset(&mut self, n: usize) {
        if self.stamps.len() < n {
            self.stamps.resize(n, 0);
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.stamps.fill(0);
            self.generation = 1;
        }
    }

    /// Marks `node`; returns whether it was unmarked before.
    #[inline]
    pub fn insert(&mut self, node: u32) -> bool {
        let slot = &mut self.stamps[node as usize];
        if *slot == self.generation {
            false
        } else {
            *slot = self.generation;
            true
        }
    }
}

/// Reusable visited sets, one per concurrent search.
#[derive(Debug, Default)]
pub struct VisitedPool {
    free: Mutex<Vec<Visited>>,
}

impl VisitedPool {
    /// A cleared set for `n` nodes.
    pub fn take(&self, n: usize) -> Visited {
        let mut v = self
            .free
            .lock()
            .pop()
            .unwrap_or_else(|| Visited::with_capacity(n));
        v.reset(n);
        v
    }

    /// Returns a set to the pool.
    pub fn give(&self, v: Visited) {
        self.free.lock().push(v);
    }
}
