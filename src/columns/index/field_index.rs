//! [`FieldIndex`]: the secondary index of one payload field: each indexed value maps to the
//! bitmap of slots holding it, in key order, so equality is one lookup and a range is a union of
//! the bitmaps in a key range.
//!
//! A field holding an array indexes each element. Values of another type than the schema's are
//! stored and returned but not indexed; the slots holding any are counted
//! ([`FieldIndex::wrong_type_points`]) so that the collection info shows them.

use std::collections::BTreeMap;
use std::ops::Bound;

use roaring::RoaringBitmap;

use super::histogram::{Bucket, Histogram};
use super::schema::{IndexKey, IndexSchema};
use crate::columns::{FieldPath, Value};
use crate::slot_index::{SlotIndex, SlotPoint};

/// The index of one payload field.
#[derive(Debug, Clone)]
pub struct FieldIndex {
    pub(super) path: FieldPath,
    pub(super) schema: IndexSchema,
    pub(super) postings: BTreeMap<IndexKey, RoaringBitmap>,
    /// Slots with at least one indexed value.
    pub(super) indexed: RoaringBitmap,
    /// Slots holding at least one value of another type.
    pub(super) wrong_type: RoaringBitmap,
    /// Range statistics (ordered schemas only; empty otherwise).
    pub(super) histogram: Histogram,
}

/// Two indexes are equal when they index the same values of the same field: the histogram is
/// derived data whose bounds depend on the order of past changes.
impl PartialEq for FieldIndex {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path
            && self.schema == other.schema
            && self.postings == other.postings
            && self.indexed == other.indexed
            && self.wrong_type == other.wrong_type
    }
}

/// What the planner (and a user) can know about an indexed field without reading payloads.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldStats {
    /// Distinct indexed values.
    pub distinct_values: u64,
    /// Points with at least one indexed value.
    pub indexed_points: u64,
    /// Points holding a value of another type (stored, not indexed).
    pub wrong_type_points: u64,
    /// Live points where the field is missing, `null` or an empty array.
    pub missing_points: u64,
    /// Indexed (point, value) entries: more than `indexed_points` when arrays hold several.
    pub entries: u64,
    /// Equi-depth histogram of the values (ordered schemas), lowest first.
    pub histogram: Vec<Bucket>,
}

impl FieldIndex {
    /// An empty index of `path` for values of type `schema`.
    #[must_use]
    pub fn new(path: FieldPath, schema: IndexSchema) -> Self {
        Self {
            path,
            schema,
            postings: BTreeMap::new(),
            indexed: RoaringBitmap::new(),
            wrong_type: RoaringBitmap::new(),
            histogram: Histogram::default(),
        }
    }

    /// Statistics of the field among the `live` slots.
    #[must_use]
    pub fn stats(&self, live: &RoaringBitmap) -> FieldStats {
        let present = &self.indexed | &self.wrong_type;
        FieldStats {
            distinct_values: self.postings.len() as u64,
            indexed_points: self.indexed.len(),
            wrong_type_points: self.wrong_type.len(),
            missing_points: live.len().saturating_sub(present.intersection_len(live)),
            entries: self.postings.values().map(RoaringBitmap::len).sum(),
            histogram: if self.schema.is_ordered() {
                self.histogram.buckets()
            } else {
                Vec::new()
            },
        }
    }

    /// About how many slots hold a key between `lower` and `upper`, without touching the
    /// postings' bitmaps: from the histogram for ordered schemas (off by at most two buckets),
    /// by summing posting sizes otherwise.
    #[must_use]
    pub fn estimate_range(&self, lower: Bound<&IndexKey>, upper: Bound<&IndexKey>) -> u64 {
        if self.schema.is_ordered() {
            self.histogram.estimate(lower, upper)
        } else {
            self.postings_in(lower, upper).map(|(_, s)| s.len()).sum()
        }
    }

    /// Number of slots holding `key`.
    #[must_use]
    pub fn count_equal(&self, key: &IndexKey) -> u64 {
        self.postings.get(key).map_or(0, RoaringBitmap::len)
    }

    /// The histogram drawn again from the postings (after a rebuild, a decode or a release).
    pub(super) fn redraw_histogram(&mut self) {
        self.histogram = if self.schema.is_ordered() {
            Histogram::derive(&self.postings)
        } else {
            Histogram::default()
        };
    }

    /// The indexed field.
    #[must_use]
    pub fn path(&self) -> &FieldPath {
        &self.path
    }

    /// The type of values indexed.
    #[must_use]
    pub fn schema(&self) -> IndexSchema {
        self.schema
    }

    /// Number of points with at least one indexed value.
    #[must_use]
    pub fn indexed_points(&self) -> u64 {
        self.indexed.len()
    }

    /// Number of points whose field holds a value of another type (stored, not indexed).
    #[must_use]
    pub fn wrong_type_points(&self) -> u64 {
        self.wrong_type.len()
    }

    /// Number of distinct indexed values.
    #[must_use]
    pub fn distinct_values(&self) -> usize {
        self.postings.len()
    }

    /// Slots with at least one indexed value.
    #[must_use]
    pub fn indexed_slots(&self) -> &RoaringBitmap {
        &self.indexed
    }

    /// Slots whose field holds a value of another type (stored, not indexed).
    #[must_use]
    pub fn wrong_type_slots(&self) -> &RoaringBitmap {
        &self.wrong_type
    }

    /// Slots holding `key`.
    #[must_use]
    pub fn equal(&self, key: &IndexKey) -> RoaringBitmap {
        self.postings.get(key).cloned().unwrap_or_default()
    }

    /// Slots holding any of `keys`.
    #[must_use]
    pub fn any_of<'k>(&self, keys: impl IntoIterator<Item = &'k IndexKey>) -> RoaringBitmap {
        let mut out = RoaringBitmap::new();
        for key in keys {
            if let Some(slots) = self.postings.get(key) {
                out |= slots;
            }
        }
        out
    }

    /// Slots holding a key between `lower` and `upper`.
    #[must_use]
    pub fn range(&self, lower: Bound<&IndexKey>, upper: Bound<&IndexKey>) -> RoaringBitmap {
        let mut out = RoaringBitmap::new();
        let mut single: Vec<u32> = Vec::new();
        for (_, posting) in self.postings_in(lower, upper) {
            // Many tiny postings (distinct floats, instants) are cheaper gathered and sorted once
            // than unioned one by one; large ones are cheaper as bitmap unions.
            if posting.len() <= 4 {
                single.extend(posting.iter());
            } else {
                out |= posting;
            }
        }
        if !single.is_empty() {
            single.sort_unstable();
            single.dedup();
            out |= RoaringBitmap::from_sorted_iter(single).unwrap_or_default();
        }
        out
    }

    /// The indexed keys between `lower` and `upper` with the slots holding them, in key order
    /// (nothing for an empty or inverted range).
    pub fn postings_in<'a>(
        &'a self,
        lower: Bound<&IndexKey>,
        upper: Bound<&IndexKey>,
    ) -> Box<dyn DoubleEndedIterator<Item = (&'a IndexKey, &'a RoaringBitmap)> + 'a> {
        if let (
            Bound::Included(lo) | Bound::Excluded(lo),
            Bound::Included(hi) | Bound::Excluded(hi),
        ) = (lower, upper)
        {
            let both_excluded = matches!((lower, upper), (Bound::Excluded(_), Bound::Excluded(_)));
            if lo > hi || (lo == hi && both_excluded) {
                return Box::new(std::iter::empty());
            }
        }
        Box::new(self.postings.range::<IndexKey, _>((lower, upper)))
    }

    /// Every indexed key with the slots holding it, in key order.
    pub fn postings(&self) -> impl DoubleEndedIterator<Item = (&IndexKey, &RoaringBitmap)> {
        self.postings.iter()
    }

    /// Calls `visit` with the index key of each value the field holds in `point`, and reports
    /// whether any value had another type.
    fn for_each_key(&self, point: SlotPoint<'_>, visit: &mut dyn FnMut(IndexKey)) -> bool {
        let mut wrong = false;
        let schema = self.schema;
        self.path.for_each_value(point.payload, &mut |value| {
            if matches!(value, Value::Null) {
                return;
            }
            match schema.key_of(value) {
                Some(key) => visit(key),
                None => wrong = true,
            }
        });
        wrong
    }
}

impl SlotIndex for FieldIndex {
    fn insert(&mut self, point: SlotPoint<'_>) {
        let mut keys = Vec::new();
        let wrong = self.for_each_key(point, &mut |k| keys.push(k));
        if !keys.is_empty() {
            self.indexed.insert(point.slot);
        }
        let ordered = self.schema.is_ordered();
        for key in keys {
            if ordered {
                self.histogram.add(&key);
            }
            if !self
                .postings
                .entry(key.clone())
                .or_default()
                .insert(point.slot)
                && ordered
            {
                // An array holding the value twice: one entry.
                self.histogram.remove(&key);
            }
        }
        if wrong {
            self.wrong_type.insert(point.slot);
        }
        if ordered && self.histogram.stale() {
            self.redraw_histogram();
        }
    }

    fn remove(&mut self, point: SlotPoint<'_>) {
        let mut keys = Vec::new();
        self.for_each_key(point, &mut |k| keys.push(k));
        let ordered = self.schema.is_ordered();
        for key in keys {
            if let Some(slots) = self.postings.get_mut(&key) {
                if slots.remove(point.slot) && ordered {
                    self.histogram.remove(&key);
                }
                if slots.is_empty() {
                    self.postings.remove(&key);
                }
            }
        }
        self.indexed.remove(point.slot);
        self.wrong_type.remove(point.slot);
        if ordered && self.histogram.stale() {
            self.redraw_histogram();
        }
    }

    fn release(&mut self, slots: &RoaringBitmap) {
        // A released slot held a tombstone, which `remove` already took out; anything still
        // here would name the wrong point once the slot is reused, so clear it regardless.
        if self.indexed.is_disjoint(slots) && self.wrong_type.is_disjoint(slots) {
            return;
        }
        self.postings.retain(|_, posting| {
            *posting -= slots;
            !posting.is_empty()
        });
        self.indexed -= slots;
        self.wrong_type -= slots;
        self.redraw_histogram();
    }

    fn rebuild(&mut self, points: &mut dyn Iterator<Item = SlotPoint<'_>>) {
        self.postings.clear();
        self.indexed.clear();
        self.wrong_type.clear();
        for point in points {
            self.insert(point);
        }
        self.redraw_histogram();
    }

    fn encode(&self, out: &mut Vec<u8>) {
        super::image::encode(self, out);
    }

    fn heap_bytes(&self) -> usize {
        let entries: usize = self
            .postings
            .iter()
            .map(|(key, slots)| {
                let text = match key {
                    IndexKey::Text(s) if s.capacity() > 0 => s.capacity() + ALLOCATION_OVERHEAD,
                    _ => 0,
                };
                // A map entry lives in a node about two-thirds full.
                let entry =
                    (std::mem::size_of::<IndexKey>() + std::mem::size_of::<RoaringBitmap>()) * 3
                        / 2;
                entry + text + bitmap_heap_bytes(slots)
            })
            .sum();
        entries
            + bitmap_heap_bytes(&self.indexed)
            + bitmap_heap_bytes(&self.wrong_type)
            + self.histogram.heap_bytes()
    }
}

/// What the allocator adds to each allocation (header and rounding), as glibc's malloc does on
/// 64-bit targets: about 16 bytes.
const ALLOCATION_OVERHEAD: usize = 16;

/// Bytes a roaring bitmap holds on the heap: its container list and each container's store (an
/// array of 16-bit values, a 8 KiB bitset, or runs), with the allocator's overhead per allocation.
/// A posting with one slot still costs a container list and an array store: about 100 bytes,
/// which is what a field with a distinct value per point pays per point.
fn bitmap_heap_bytes(bitmap: &RoaringBitmap) -> usize {
    /// A container in roaring 0.12: a 16-bit key and a store enum over a `Vec` or a boxed
    /// bitset, 32 or 40 bytes on 64-bit targets depending on the enum's layout; the larger.
    const CONTAINER: usize = 40;
    let st = bitmap.statistics();
    if st.n_containers == 0 {
        return 0;
    }
    let n = |x: u32| x as usize;
    let stores = n(st.n_array_containers) + n(st.n_bitset_containers) + n(st.n_run_containers);
    // roaring 0.12 reports an array's capacity times 4 bytes (values are 2) and a bitset's size
    // in bits; convert both to bytes.
    let arrays = usize::try_from(st.n_bytes_array_containers / 2).unwrap_or(usize::MAX);
    let runs = usize::try_from(st.n_bytes_run_containers).unwrap_or(usize::MAX);
    let bitsets = n(st.n_bitset_containers) * 8192;
    n(st.n_containers) * CONTAINER
        + ALLOCATION_OVERHEAD
        + arrays
        + runs
        + bitsets
        + stores * ALLOCATION_OVERHEAD
}

#[cfg(test)]
mod memory_tests {
    use super::*;

    /// Pins the figures the accounting takes from roaring's statistics (which report an array's
    /// capacity in 4-byte units and a bitset in bits): a roaring upgrade that changes them
    /// fails here instead of silently changing `plait_payload_index_bytes`.
    #[test]
    fn bitmap_accounting_counts_containers_stores_and_allocations() {
        assert_eq!(bitmap_heap_bytes(&RoaringBitmap::new()), 0);
        let one: RoaringBitmap = [7u32].into_iter().collect();
        let cap = one.statistics().n_bytes_array_containers / 4;
        assert_eq!(bitmap_heap_bytes(&one), 40 + 16 + 2 * cap as usize + 16);
        let mut dense = RoaringBitmap::new();
        for x in 0..10_000u32 {
            dense.insert(x * 3);
        }
        assert_eq!(dense.statistics().n_bitset_containers, 1);
        assert_eq!(bitmap_heap_bytes(&dense), 40 + 16 + 8192 + 16);
    }
}
