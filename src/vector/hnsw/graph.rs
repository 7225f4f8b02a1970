//! The layered neighbour lists of an HNSW graph.
//!
//! Each list is a fixed block of atomics: a count followed by the neighbour ids. A writer changes a
//! list only while holding that node's stripe lock, writing the ids before the count (`Release`);
//! readers never lock: they read the count (`Acquire`) and then the ids. A reader racing a writer
//! can see a mix of old and new neighbours, which are all valid node ids, so a search stays correct
//! (it may just take a slightly different path). Capacity only grows through `&mut self`, when no
//! search or insert runs.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, AtomicU32, Ordering};

use parking_lot::{Mutex, MutexGuard};

const STRIPES: usize = 1024;

/// Neighbour lists for every node and level.
#[derive(Debug)]
pub struct Graph {
    /// Max neighbours on upper levels.
    pub m: usize,
    /// Max neighbours on level 0.
    pub m0: usize,
    levels: Vec<AtomicU8>,
    layer0: Vec<AtomicU32>,
    upper: Vec<OnceLock<Box<[AtomicU32]>>>,
    stripes: Vec<Mutex<()>>,
}

impl Graph {
    /// An empty graph.
    #[must_use]
    pub fn new(m: usize) -> Self {
        Self {
            m,
            m0: 2 * m,
            levels: Vec::new(),
            layer0: Vec::new(),
            upper: Vec::new(),
            stripes: (0..STRIPES).map(|_| Mutex::new(())).collect(),
        }
    }

    /// Node slots allocated.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.levels.len()
    }

    /// Makes room for nodes `0..n`.
    pub fn grow(&mut self, n: usize) {
        if n <= self.capacity() {
            return;
        }
        self.levels.resize_with(n, || AtomicU8::new(0));
        self.layer0
            .resize_with(n * (1 + self.m0), || AtomicU32::new(0));
        self.upper.resize_with(n, OnceLock::new);
    }

    /// The top level of `node`.
    #[must_use]
    pub fn level(&self, node: u32) -> u8 {
        self.levels
            .get(node as usize)
            .map_or(0, |l| l.load(Ordering::Acquire))
    }

    /// Locks `node` for changing its lists.
    pub fn lock(&self, node: u32) -> MutexGuard<'_, ()> {
        self.stripes[node as usize % STRIPES].lock()
    }

    /// Prepares `node` with (up to) `level` and empty lists, and returns the level it got. Call
    /// before linking it anywhere. A reused slot keeps its upper block, so a node re-inserted there
    /// may get a lower level than asked for.
    pub fn init_node(&self, node: u32, level: u8) -> u8 {
        let i = node as usize;
        let mut level = level;
        if level > 0 {
            let len = usize::from(level) * (1 + self.m);
            let block = self.upper[i].get_or_init(|| (0..len).map(|_| AtomicU32::new(0)).collect());
            level = level.min(u8::try_from(block.len() / (1 + self.m)).unwrap_or(u8::MAX));
        }
        self.levels[i].store(level, Ordering::Release);
        for l in 0..=level {
            if let Some(b) = self.try_block(node, l) {
                b[0].store(0, Ordering::Release);
            }
        }
        level
    }

    /// Empties every list of `node` and sets its level to 0, so that nothing is read through it
    /// and its slot can be initialised again like a fresh one. Its upper block stays allocated.
    pub fn clear_node(&self, node: u32) {
        let _g = self.lock(node);
        if let Some(block) = self.upper.get(node as usize).and_then(OnceLock::get) {
            for list in block.chunks(1 + self.m) {
                list[0].store(0, Ordering::Release);
            }
        }
        if let Some(b) = self.try_block(node, 0) {
            b[0].store(0, Ordering::Release);
        }
        if let Some(l) = self.levels.get(node as usize) {
            l.store(0, Ordering::Release);
        }
    }

    fn try_block(&self, node: u32, level: u8) -> Option<&[AtomicU32]> {
        if level == 0 {
            let at = node as usize * (1 + self.m0);
            return self.layer0.get(at..at + 1 + self.m0);
        }
        let block = self.upper.get(node as usize)?.get()?;
        let at = (usize::from(level) - 1) * (1 + self.m);
        block.get(at..at + 1 + self.m)
    }

    fn block(&self, node: u32, level: u8) -> &[AtomicU32] {
        self.try_block(node, level).unwrap_or(&[])
    }

    /// The neighbours of `node` at `level`, appended to `out` (which is cleared first).
    pub fn neighbors(&self, node: u32, level: u8, out: &mut Vec<u32>) {
        out.clear();
        let block = self.block(node, level);
        let Some((count, ids)) = block.split_first() else {
            return;
        };
        let n = (count.load(Ordering::Acquire) as usize).min(ids.len());
        out.extend(ids[..n].iter().map(|a| a.load(Ordering::Relaxed)));
    }

    /// Starts loading the level-0 neighbour list of `node` into the cache.
    #[inline]
    pub fn prefetch_layer0(&self, node: u32) {
        if let Some(first) = self.layer0.get(node as usize * (1 + self.m0)) {
            super::super::distance::prefetch(first.as_ptr());
        }
    }

    /// Replaces the neighbours of `node` at `level`. The caller holds the node's lock.
    pub fn set_neighbors(&self, node: u32, level: u8, ids: &[u32]) {
        let block = self.block(node, level);
        let Some((count, slots)) = block.split_first() else {
            return;
        };
        let n = ids.len().min(slots.len());
        for (slot, id) in slots.iter().zip(&ids[..n]) {
            slot.store(*id, Ordering::Relaxed);
        }
        count.store(u32::try_from(n).unwrap_or(0), Ordering::Release);
    }

    /// Max neighbours at `level`.
    #[must_use]
    pub fn max_neighbors(&self, level: u8) -> usize {
        if level == 0 { self.m0 } else { self.m }
    }

    /// Bytes held by the lists.
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        let upper: usize = self
            .upper
            .iter()
            .filter_map(OnceLock::get)
            .map(|b| b.len() * 4)
            .sum();
        self.layer0.len() * 4 + self.levels.len() * 2 + upper
    }
}
