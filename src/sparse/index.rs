//! [`SparseIndex`]: the inverted index of one sparse vector of a collection. Each dimension
//! index (a *term*) maps to a [`SparsePostings`] list: the slots holding the term, ascending,
//! with their weights and the list's largest and smallest weight, the bounds top-k pruning
//! needs ([`super::search`]).
//!
//! It follows [`crate::slot_index::SlotIndex`]'s life cycle method for method (insert, remove,
//! release, rebuild, encode, heap bytes) but does not implement the trait: a sparse vector comes
//! with the point, not from its payload, and `SlotPoint` carries only the payload. Its own
//! [`SparsePoint`] pairs a slot with the vector, so the writer calls it beside the payload
//! indexes, in the same WAL order and write-lock slice, and keeps the vectors themselves in the
//! point store (`remove` is handed the vector the slot held, as `SlotIndex::remove` is handed
//! the payload).

use std::collections::HashMap;

use roaring::RoaringBitmap;

use super::vector::SparseVector;

/// One live point as the sparse index sees it.
#[derive(Debug, Clone, Copy)]
pub struct SparsePoint<'a> {
    /// Where the point is stored.
    pub slot: u32,
    /// Its sparse vector.
    pub vector: &'a SparseVector,
}

/// The slots holding one term, ascending, with their weights.
#[derive(Debug, Clone)]
pub struct SparsePostings {
    pub(super) slots: Vec<u32>,
    pub(super) weights: Vec<f32>,
    /// At least the largest weight in the list, and `min_weight` at most the smallest (kept on
    /// removal: a loose bound only costs pruning, never correctness).
    pub(super) max_weight: f32,
    pub(super) min_weight: f32,
}

/// Equal when they hold the same slots with the same weights, whatever their (loose) bounds.
impl PartialEq for SparsePostings {
    fn eq(&self, other: &Self) -> bool {
        self.slots == other.slots && self.weights == other.weights
    }
}

impl SparsePostings {
    fn empty() -> Self {
        Self {
            slots: Vec::new(),
            weights: Vec::new(),
            max_weight: f32::NEG_INFINITY,
            min_weight: f32::INFINITY,
        }
    }

    /// Number of slots holding the term.
    #[must_use]
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether no slot holds the term.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The slots holding the term, ascending.
    #[must_use]
    pub fn slots(&self) -> &[u32] {
        &self.slots
    }

    /// The weights, paired with [`SparsePostings::slots`].
    #[must_use]
    pub fn weights(&self) -> &[f32] {
        &self.weights
    }

    fn put(&mut self, slot: u32, weight: f32) {
        self.max_weight = self.max_weight.max(weight);
        self.min_weight = self.min_weight.min(weight);
        // Writes mostly land in new, higher slots: append without a search then.
        if self.slots.last().is_none_or(|&last| last < slot) {
            self.slots.push(slot);
            self.weights.push(weight);
            return;
        }
        match self.slots.binary_search(&slot) {
            Ok(at) => self.weights[at] = weight,
            Err(at) => {
                self.slots.insert(at, slot);
                self.weights.insert(at, weight);
            }
        }
    }

    fn take(&mut self, slot: u32) {
        if let Ok(at) = self.slots.binary_search(&slot) {
            self.slots.remove(at);
            self.weights.remove(at);
        }
    }

    pub(super) fn derive_bounds(&mut self) {
        self.max_weight = self
            .weights
            .iter()
            .copied()
            .fold(f32::NEG_INFINITY, f32::max);
        self.min_weight = self.weights.iter().copied().fold(f32::INFINITY, f32::min);
    }
}

/// The inverted index of one sparse vector name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseIndex {
    pub(super) postings: HashMap<u32, SparsePostings>,
    /// Slots holding at least one entry: the IDF modifier's `N`.
    pub(super) docs: RoaringBitmap,
}

impl SparseIndex {
    /// An empty index.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The postings of `term`, if any slot holds it.
    #[must_use]
    pub fn postings(&self, term: u32) -> Option<&SparsePostings> {
        self.postings.get(&term)
    }

    /// Number of distinct terms.
    #[must_use]
    pub fn term_count(&self) -> usize {
        self.postings.len()
    }

    /// Postings in every list together: the entries of every indexed vector.
    #[must_use]
    pub fn posting_count(&self) -> usize {
        self.postings.values().map(SparsePostings::len).sum()
    }

    /// Slots holding at least one entry.
    #[must_use]
    pub fn doc_slots(&self) -> &RoaringBitmap {
        &self.docs
    }

    /// Number of slots holding at least one entry.
    #[must_use]
    pub fn doc_count(&self) -> u64 {
        self.docs.len()
    }

    /// A live point with `point.vector` now occupies `point.slot`.
    pub fn insert(&mut self, point: SparsePoint<'_>) {
        for (term, weight) in point.vector.iter() {
            self.postings
                .entry(term)
                .or_insert_with(SparsePostings::empty)
                .put(point.slot, weight);
        }
        if !point.vector.is_empty() {
            self.docs.insert(point.slot);
        }
    }

    /// The live point in `point.slot`, with the vector it was inserted with, leaves the slot.
    pub fn remove(&mut self, point: SparsePoint<'_>) {
        for term in point.vector.indices() {
            if let Some(list) = self.postings.get_mut(term) {
                list.take(point.slot);
                if list.is_empty() {
                    self.postings.remove(term);
                }
            }
        }
        self.docs.remove(point.slot);
    }

    /// `slots` are free for reuse: forget everything about them.
    pub fn release(&mut self, slots: &RoaringBitmap) {
        // A released slot held a tombstone that `remove` already took out; sweep anyway when
        // one is still known, because the next point stored there is another point.
        if self.docs.is_disjoint(slots) {
            return;
        }
        self.postings.retain(|_, list| {
            let mut keep = 0;
            for at in 0..list.slots.len() {
                if !slots.contains(list.slots[at]) {
                    list.slots[keep] = list.slots[at];
                    list.weights[keep] = list.weights[at];
                    keep += 1;
                }
            }
            list.slots.truncate(keep);
            list.weights.truncate(keep);
            !list.is_empty()
        });
        self.docs -= slots;
    }

    /// Forgets everything and indexes `points` (every live point holding this vector).
    pub fn rebuild(&mut self, points: &mut dyn Iterator<Item = SparsePoint<'_>>) {
        self.postings.clear();
        self.docs.clear();
        for point in points {
            self.insert(point);
        }
        for list in self.postings.values_mut() {
            list.derive_bounds();
        }
    }

    /// Appends the index's checkpoint image to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        super::image::encode(self, out);
    }

    /// Approximate bytes of heap memory held.
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        let lists: usize = self
            .postings
            .values()
            .map(|l| l.slots.capacity() * 4 + l.weights.capacity() * 4)
            .sum();
        // The map's entries, each with hashbrown's control byte.
        let entry = std::mem::size_of::<(u32, SparsePostings)>() + 1;
        lists + self.postings.capacity() * entry + self.docs.serialized_size()
    }
}
