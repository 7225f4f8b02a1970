//! [`SlotIndex`]: the interface every per-slot secondary index implements (payload field indexes
//! today; full text, sparse vectors and graph adjacency later), so that the collection's single
//! writer maintains all of them the same way, in WAL order, inside the write-lock slice that
//! changes the point: an index never disagrees with the stored payloads.
//!
//! The life of a slot as an index sees it: [`SlotIndex::insert`] when a live point lands in it
//! (a new point, an update that moved the point there, or the result of a payload edit);
//! [`SlotIndex::remove`] with the same payload when the point leaves it (a delete, an update
//! that moved the point elsewhere, or just before a payload edit); [`SlotIndex::release`] when
//! the slot is freed for reuse after graph repair, at which point no state about it may remain,
//! because the next point stored there is another point. Checkpoints write every index's image
//! for the same WAL sequence number as the points ([`SlotIndex::encode`]); an image that is
//! missing, damaged or for another sequence number is replaced by [`SlotIndex::rebuild`] from the
//! stored points.
//!
//! This module defines the contract only; it owns no index and never touches storage.

use std::fmt;

use roaring::RoaringBitmap;

use crate::columns::Payload;

/// One live point as an index sees it.
#[derive(Debug, Clone, Copy)]
pub struct SlotPoint<'a> {
    /// Where the point is stored.
    pub slot: u32,
    /// Its payload.
    pub payload: &'a Payload,
}

/// A secondary index over the slots of one collection.
pub trait SlotIndex: Send + Sync + fmt::Debug {
    /// A live point now occupies `point.slot`.
    fn insert(&mut self, point: SlotPoint<'_>);

    /// The live point in `point.slot`, with the payload it was inserted with, leaves the slot.
    fn remove(&mut self, point: SlotPoint<'_>);

    /// `slots` are free for reuse: forget everything about them.
    fn release(&mut self, slots: &RoaringBitmap);

    /// Forgets everything and indexes `points` (every live point of the collection).
    fn rebuild(&mut self, points: &mut dyn Iterator<Item = SlotPoint<'_>>);

    /// Appends the index's checkpoint image to `out`.
    fn encode(&self, out: &mut Vec<u8>);

    /// Approximate bytes of heap memory held.
    fn heap_bytes(&self) -> usize;
}
