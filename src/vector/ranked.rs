//! [`Ranked`]: a slot with its distance key, ordered closest first, for the heaps of every search.

use std::cmp::Ordering;

/// A slot and its key under [`super::Metric::rank_key`] (lower is closer). Ordered by key, then by
/// slot, so equal keys break ties deterministically (the lower slot first).
#[derive(Debug, Clone, Copy)]
pub struct Ranked {
    /// Distance key (lower is closer).
    pub key: f32,
    /// The slot.
    pub slot: u32,
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key
            .total_cmp(&other.key)
            .then(self.slot.cmp(&other.slot))
    }
}
