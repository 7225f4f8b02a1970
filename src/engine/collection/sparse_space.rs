//! [`SparseSpace`]: everything a collection keeps for one declared sparse vector: the vector
//! of each live slot carrying it (the primary data, written into checkpoints) and its inverted
//! index (`sparse::SparseIndex`, a derived image).
//!
//! Unlike a dense space it keeps nothing for tombstones: a sparse index has no graph that
//! routes through deleted points, so a point's sparse vector leaves the index in the same
//! write-lock slice that retires its slot ([`SparseSpace::take`]) and the slot's later reuse
//! needs nothing from it. The store calls it beside the payload indexes, in WAL order.
//!
//! It owns no file and never touches storage.

use std::collections::HashMap;

use roaring::RoaringBitmap;

use crate::sparse::{Modifier, SparseIndex, SparsePoint, SparseVector};
use crate::vector::ScoredSlot;

/// One declared sparse vector of a collection.
#[derive(Debug)]
pub struct SparseSpace {
    name: String,
    modifier: Modifier,
    /// The vector of each live slot carrying this sparse vector.
    vectors: HashMap<u32, SparseVector>,
    index: SparseIndex,
}

impl SparseSpace {
    /// An empty space.
    #[must_use]
    pub fn new(name: String, modifier: Modifier) -> Self {
        Self {
            name,
            modifier,
            vectors: HashMap::new(),
            index: SparseIndex::new(),
        }
    }

    /// The name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How query weights are scaled.
    #[must_use]
    pub fn modifier(&self) -> Modifier {
        self.modifier
    }

    /// The vector of the live point in `slot`, when it carries one.
    #[must_use]
    pub fn get(&self, slot: u32) -> Option<&SparseVector> {
        self.vectors.get(&slot)
    }

    /// Live points carrying this vector.
    #[must_use]
    pub fn carried_len(&self) -> usize {
        self.vectors.len()
    }

    /// The inverted index.
    #[must_use]
    pub fn index(&self) -> &SparseIndex {
        &self.index
    }

    /// A live point arrives in `slot`, carrying `vector` or not.
    pub fn put(&mut self, slot: u32, vector: Option<SparseVector>) {
        self.take(slot);
        if let Some(vector) = vector {
            self.index.insert(SparsePoint {
                slot,
                vector: &vector,
            });
            self.vectors.insert(slot, vector);
        }
    }

    /// The live point in `slot` leaves it: its vector leaves the index.
    pub fn take(&mut self, slot: u32) {
        if let Some(vector) = self.vectors.remove(&slot) {
            self.index.remove(SparsePoint {
                slot,
                vector: &vector,
            });
        }
    }

    /// `slots` are free for reuse: nothing about them may remain.
    pub fn release(&mut self, slots: &RoaringBitmap) {
        // A released slot was retired first (`take`), so this finds nothing unless a caller
        // skipped that; it costs one lookup per released slot, not a pass over every vector.
        for slot in slots {
            self.vectors.remove(&slot);
        }
        self.index.release(slots);
    }

    /// Installs the vectors a checkpoint stored, without indexing them (install an index with
    /// [`SparseSpace::set_index`] or [`SparseSpace::rebuild_index`]).
    pub fn restore(&mut self, vectors: Vec<(u32, SparseVector)>) {
        self.vectors = vectors.into_iter().collect();
    }

    /// Installs an index decoded from a checkpoint image.
    pub fn set_index(&mut self, index: SparseIndex) {
        self.index = index;
    }

    /// Whether `index` holds exactly the stored vectors (checked before a decoded image is
    /// trusted: same slots, and each slot's number of entries).
    #[must_use]
    pub fn agrees_with(&self, index: &SparseIndex) -> bool {
        let carried: RoaringBitmap = self
            .vectors
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(&slot, _)| slot)
            .collect();
        if carried != *index.doc_slots() {
            return false;
        }
        let stored: usize = self.vectors.values().map(SparseVector::len).sum();
        stored == index.posting_count()
    }

    /// Indexes the stored vectors again.
    pub fn rebuild_index(&mut self) {
        let mut slots: Vec<(&u32, &SparseVector)> = self.vectors.iter().collect();
        slots.sort_unstable_by_key(|(slot, _)| **slot);
        let mut points = slots
            .into_iter()
            .map(|(&slot, vector)| SparsePoint { slot, vector });
        self.index.rebuild(&mut points);
    }

    /// The stored vectors in slot order, as a checkpoint writes them.
    #[must_use]
    pub fn sorted(&self) -> Vec<(u32, &SparseVector)> {
        let mut out: Vec<(u32, &SparseVector)> =
            self.vectors.iter().map(|(&s, v)| (s, v)).collect();
        out.sort_unstable_by_key(|(slot, _)| *slot);
        out
    }

    /// The `k` best slots for `query` by dot product (with the space's modifier), among
    /// `allowed` when given, best first. Only slots sharing a term of non-zero weight with the
    /// query are candidates, as in Qdrant.
    #[must_use]
    pub fn search(
        &self,
        query: &SparseVector,
        k: usize,
        allowed: Option<&RoaringBitmap>,
    ) -> Vec<ScoredSlot> {
        self.index
            .top_k(query, self.modifier, allowed, k)
            .into_iter()
            .map(|hit| ScoredSlot {
                slot: hit.slot,
                #[expect(
                    clippy::cast_possible_truncation,
                    reason = "scores go out as f32, as every score does"
                )]
                score: hit.score as f32,
            })
            .collect()
    }

    /// Approximate heap bytes (stored vectors and index).
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        let entry = std::mem::size_of::<(u32, SparseVector)>() + 1;
        self.vectors.capacity() * entry
            + self
                .vectors
                .values()
                .map(SparseVector::heap_bytes)
                .sum::<usize>()
            + self.index.heap_bytes()
    }
}
