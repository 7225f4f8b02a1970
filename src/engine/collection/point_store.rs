//! [`PointStore`]: the in-memory state of a collection: vectors by slot, ids, payloads.
//!
//! Only the collection's writer mutates it (under the write lock); readers share the read lock.
//! Every written slot is (re-)inserted into the HNSW graph in the same write-lock slice, so the
//! index always agrees with the stored points. Once the collection's quantizer is trained (see
//! `quant_trigger`), every written slot is also encoded in that same slice.
//!
//! A slot is live, a tombstone or free. Deleting a point makes its slot a tombstone: out of every
//! result at once, but still in the graph (searches route through its stale vector), so it cannot
//! be reused yet. Updating a point's vector does the same to its old slot and stores the new
//! vector in another, so that the links chosen for the old vector are repaired like a delete's. The writer's consolidation ([`super::consolidation`]) repairs the graph around a
//! set of tombstones ([`PointStore::repair`], under the read lock) and then frees them
//! ([`PointStore::release`], under the write lock); free slots are reused by the next inserts, so
//! the arena does not grow under churn.
//!
//! The collection's edges (`graph::EdgeStore`) live here too, keyed by point id (a point keeps its
//! edges when an update moves it to another slot), so one lock covers points and edges and a
//! read view sees both at the same moment. Deleting a point deletes its edges in the same call.

use std::collections::BTreeMap;
use std::io;
use std::ops::{Bound, Range};

use roaring::RoaringBitmap;

use super::sparse_space::SparseSpace;
use super::vector_space::VectorSpace;
use crate::columns::index::{FieldIndex, FieldIndexes, IndexSchema};
use crate::columns::{FieldPath, Payload, PayloadEdit};
use crate::engine::point::{PointId, PointRecord, Projection};
use crate::engine::point::{PointVectors, VectorValue};
use crate::graph::{Edge, EdgeId, EdgeStore};
use crate::slot_index::{SlotIndex, SlotPoint};
use crate::sparse::SparseVector;
use crate::text::{TextIndex, TextIndexes, TextSettings};
use crate::vector::ScoredSlot;
use crate::vector::hnsw::HnswConfig;

/// A point's vectors as the store takes them: (space number, vector prepared for its metric),
/// at most one per space, in space order.
pub type SpaceVectors = Vec<(usize, Vec<f32>)>;

/// A point's sparse vectors as the store takes them: (sparse space number, vector), at most one
/// per sparse space, in space order.
pub type SparseVectors = Vec<(usize, SparseVector)>;

/// A point as the store takes it: checked and prepared, ready to log and apply.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPoint {
    /// The id.
    pub id: PointId,
    /// The dense vectors.
    pub vectors: SpaceVectors,
    /// The sparse vectors.
    pub sparse: SparseVectors,
    /// The payload.
    pub payload: Payload,
}

impl From<(PointId, SpaceVectors, Payload)> for StoredPoint {
    /// A point without sparse vectors.
    fn from((id, vectors, payload): (PointId, SpaceVectors, Payload)) -> Self {
        Self {
            id,
            vectors,
            sparse: Vec::new(),
            payload,
        }
    }
}

/// The points of one collection.
#[derive(Debug)]
pub struct PointStore {
    /// One per declared dense vector, in declaration order (none for a collection without
    /// vectors); each has an entry for every slot.
    spaces: Vec<VectorSpace>,
    /// One per declared sparse vector, in declaration order.
    sparse: Vec<SparseSpace>,
    slot_ids: Vec<Option<PointId>>,
    payloads: Vec<Payload>,
    by_id: BTreeMap<PointId, u32>,
    /// Deleted slots the graph may still link to: not reusable until released.
    tombstones: RoaringBitmap,
    /// Released slots: no graph list names them, their vectors are garbage; reused first.
    free: Vec<u32>,
    /// Payload field indexes, maintained in the same write-lock slice as the payloads.
    fields: FieldIndexes,
    /// Full-text indexes, maintained with the payload indexes.
    texts: TextIndexes,
    /// Slots holding live points (the same set as `slot_ids` entries that are `Some`).
    live: RoaringBitmap,
    /// The edges between the points.
    edges: EdgeStore<PointId>,
}

impl PointStore {
    /// An empty store over the (empty) vector spaces `spaces`, without sparse vectors (see
    /// [`PointStore::with_sparse`]).
    #[must_use]
    pub fn new(spaces: Vec<VectorSpace>) -> Self {
        Self {
            spaces,
            sparse: Vec::new(),
            slot_ids: Vec::new(),
            payloads: Vec::new(),
            by_id: BTreeMap::new(),
            tombstones: RoaringBitmap::new(),
            free: Vec::new(),
            fields: FieldIndexes::default(),
            texts: TextIndexes::default(),
            live: RoaringBitmap::new(),
            edges: EdgeStore::default(),
        }
    }

    /// A store of one unnamed vector over the (empty) arena `vectors`, for tests.
    #[cfg(test)]
    pub(crate) fn single_for_tests(
        vectors: crate::vector::DenseVectors,
        metric: crate::vector::Metric,
        hnsw: HnswConfig,
    ) -> Self {
        Self::new(vec![VectorSpace::new(
            String::new(),
            vectors,
            metric,
            hnsw,
            true,
        )])
    }

    /// The same store with the (empty) sparse spaces `sparse`, one per declared sparse vector.
    #[must_use]
    pub fn with_sparse(mut self, sparse: Vec<SparseSpace>) -> Self {
        self.sparse = sparse;
        self
    }

    /// The sparse spaces, in declaration order.
    #[must_use]
    pub fn sparse_spaces(&self) -> &[SparseSpace] {
        &self.sparse
    }

    /// Sparse space `space`, to install stored vectors and an index.
    pub(super) fn sparse_space_mut(&mut self, space: usize) -> Option<&mut SparseSpace> {
        self.sparse.get_mut(space)
    }

    /// The edges.
    #[must_use]
    pub fn edges(&self) -> &EdgeStore<PointId> {
        &self.edges
    }

    /// Stores edges by id (replacing edges with those ids). An edge whose source or target does
    /// not exist is skipped: the writer checked both ends before logging the record, so this
    /// happens only to a record that a later version of this code would refuse, and skipping it
    /// the same way at run time and at replay keeps the two in agreement.
    pub fn upsert_edges(&mut self, edges: impl IntoIterator<Item = (EdgeId, Edge<PointId>)>) {
        for (id, edge) in edges {
            if self.by_id.contains_key(&edge.source) && self.by_id.contains_key(&edge.target) {
                self.edges.insert(id, edge);
            }
        }
    }

    /// Deletes edges by id (ids that do not exist are skipped).
    pub fn delete_edges(&mut self, ids: &[EdgeId]) {
        for &id in ids {
            self.edges.remove(id);
        }
    }

    /// Installs the edges read from a checkpoint, and the edge id counter.
    pub fn set_edges(&mut self, edges: EdgeStore<PointId>) {
        self.edges = edges;
    }

    /// The vector spaces, in declaration order.
    #[must_use]
    pub fn spaces(&self) -> &[VectorSpace] {
        &self.spaces
    }

    /// Vector space `space` (a number the collection's config produced).
    ///
    /// # Panics
    /// When `space` is not a space of this store: a caller bug, never request input.
    #[must_use]
    pub fn space(&self, space: usize) -> &VectorSpace {
        &self.spaces[space]
    }

    /// Vector space `space`, to install a decoded graph, quantizer or presence.
    pub(super) fn space_mut(&mut self, space: usize) -> &mut VectorSpace {
        &mut self.spaces[space]
    }

    /// A store laid out exactly as `slots` describe (slot `i` is entry `i`), with empty
    /// indexes, each slot's first-space vector written into the first (empty) space; the other
    /// spaces carry nothing until [`PointStore::restore_space`]. Install graphs with
    /// [`VectorSpace::set_index`] or [`PointStore::rebuild_indexes`].
    ///
    /// # Errors
    /// The I/O error from growing a vector arena.
    pub fn restore(
        spaces: Vec<VectorSpace>,
        slots: impl IntoIterator<Item = RestoredSlot>,
    ) -> io::Result<Self> {
        let mut store = Self::new(spaces);
        for restored in slots {
            let slot = u32::try_from(store.slot_ids.len()).unwrap_or(u32::MAX);
            let (id, vector, payload) = match restored {
                RestoredSlot::Live(id, vector, payload) => {
                    store.by_id.insert(id, slot);
                    store.live.insert(slot);
                    (Some(id), Some(vector), payload)
                }
                RestoredSlot::Tombstone(vector) => {
                    store.tombstones.insert(slot);
                    (None, Some(vector), Payload::new())
                }
                RestoredSlot::Free => {
                    store.free.push(slot);
                    (None, None, Payload::new())
                }
            };
            for (i, space) in store.spaces.iter_mut().enumerate() {
                let first = if i == 0 { vector.as_deref() } else { None };
                space.push(slot, first)?;
            }
            store.slot_ids.push(id);
            store.payloads.push(payload);
        }
        // Reuse the lowest free slots first, as before the restart.
        store.free.reverse();
        Ok(store)
    }

    /// Installs what a checkpoint stored for space `space`: the slots carrying its vector (`None`:
    /// every slot that is not free) and, unless it is the first space (whose vectors came with
    /// the slots), each carried slot's vector.
    pub fn restore_space(
        &mut self,
        space: usize,
        present: Option<&RoaringBitmap>,
        vectors: impl IntoIterator<Item = (u32, Vec<f32>)>,
    ) {
        let Some(target) = self.spaces.get_mut(space) else {
            return;
        };
        for (slot, vector) in vectors {
            target.set(slot, Some(&vector));
        }
        if let Some(present) = present {
            for slot in 0..u32::try_from(self.slot_ids.len()).unwrap_or(u32::MAX) {
                if !present.contains(slot) {
                    target.set(slot, None);
                }
            }
        }
    }

    /// Rebuilds the graphs of the spaces named in `which` (space, its build parameters) over the
    /// live slots, in parallel. When every space is rebuilt, no graph names a tombstone any more,
    /// so every tombstone becomes free.
    pub fn rebuild_indexes(&mut self, which: &[(usize, HnswConfig)]) {
        let slots: Vec<u32> = self.live_slots().collect();
        for &(space, hnsw) in which {
            if let Some(target) = self.spaces.get_mut(space) {
                target.rebuild_index(hnsw, &slots);
            }
        }
        if which.len() == self.spaces.len() {
            for space in &mut self.spaces {
                space.forget(&self.tombstones);
            }
            self.free.extend(self.tombstones.iter().rev());
            self.tombstones.clear();
        }
    }

    /// The `k` best live slots carrying a vector of `space` by brute force, best first; slots
    /// whose score fails `threshold` are skipped (`query` prepared for the space's metric).
    #[must_use]
    pub fn search_exact(
        &self,
        space: usize,
        query: &[f32],
        k: usize,
        threshold: Option<f32>,
    ) -> Vec<ScoredSlot> {
        self.spaces[space].search_exact(query, self.live_slots(), k, threshold)
    }

    /// The `k` best slots among `slots` (live ones carrying a vector of `space` only) by brute
    /// force, best first; slots whose score fails `threshold` are skipped.
    #[must_use]
    pub fn search_exact_in(
        &self,
        space: usize,
        query: &[f32],
        slots: &RoaringBitmap,
        k: usize,
        threshold: Option<f32>,
    ) -> Vec<ScoredSlot> {
        let live = slots.iter().filter(|&s| self.id_at(s).is_some());
        self.spaces[space].search_exact(query, live, k, threshold)
    }

    /// The `k` nearest live slots in `allowed` carrying a vector of `space`, through that space's
    /// graph, best first: `k` of them whenever `allowed` holds that many (the walk falls back to
    /// a scan when the allowed set is small or the walk comes back short).
    #[must_use]
    pub fn search_index_allowed(
        &self,
        space: usize,
        query: &[f32],
        k: usize,
        ef: usize,
        allowed: &RoaringBitmap,
    ) -> Vec<ScoredSlot> {
        let live = |slot: u32| self.id_at(slot).is_some();
        self.spaces[space].search_index_allowed(query, k, ef, allowed, &live)
    }

    /// Live points carrying a vector of `space`.
    #[must_use]
    pub fn carried_len(&self, space: usize) -> usize {
        match self.spaces.get(space).and_then(VectorSpace::present) {
            None => self.len(),
            Some(present) => usize::try_from(present.intersection_len(&self.live)).unwrap_or(0),
        }
    }

    /// Bytes of `f32` vectors held in every space's arena.
    #[must_use]
    pub fn vector_bytes(&self) -> usize {
        self.spaces.iter().map(|s| s.vectors().bytes()).sum()
    }

    /// Bytes mapped and resident of every space's arena.
    #[must_use]
    pub fn vector_memory(&self) -> (usize, usize) {
        self.spaces.iter().fold((0, 0), |(m, r), s| {
            (
                m + s.vectors().mapped_bytes(),
                r + s.vectors().resident_bytes(),
            )
        })
    }

    /// Number of slots, live or free.
    #[must_use]
    pub fn slot_count(&self) -> usize {
        self.slot_ids.len()
    }

    /// Every slot in order, as a checkpoint stores it, with its first-space vector (zeros when
    /// the slot does not carry it; empty without vectors).
    pub fn iter_slots(&self) -> impl Iterator<Item = SlotImage<'_>> + '_ {
        self.slot_ids.iter().enumerate().map(|(slot, id)| {
            let slot = u32::try_from(slot).unwrap_or(u32::MAX);
            let first = self
                .spaces
                .first()
                .map_or(&[][..], |s| s.vectors().get(slot));
            match id {
                Some(id) => SlotImage::Live(*id, first, &self.payloads[slot as usize]),
                None if self.tombstones.contains(slot) => SlotImage::Tombstone(first),
                None => SlotImage::Free,
            }
        })
    }

    /// Makes room for `points` more points, so that upserting them cannot fail. The writer calls
    /// this before logging a write, so a full disk refuses the write instead of losing it.
    ///
    /// # Errors
    /// The I/O error from growing the vector arena.
    pub fn reserve(&mut self, points: usize) -> io::Result<()> {
        let new = points.saturating_sub(self.free.len());
        for space in &mut self.spaces {
            space.reserve(new)?;
        }
        Ok(())
    }

    /// Inserts or replaces points (vectors already prepared), then indexes every written slot. A
    /// replaced point moves to another slot and leaves a tombstone behind.
    ///
    /// # Errors
    /// The I/O error from growing the vector arena (never after a [`PointStore::reserve`] for
    /// these points); the points before the failure are stored and indexed.
    pub fn upsert_many(
        &mut self,
        points: impl IntoIterator<Item = impl Into<StoredPoint>>,
    ) -> io::Result<()> {
        let mut slots = Vec::new();
        let mut failed = None;
        for point in points {
            let StoredPoint {
                id,
                vectors,
                sparse,
                payload,
            } = point.into();
            match self.store_point(id, &vectors, sparse, payload) {
                Ok(slot) => slots.push(slot),
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        // A point written twice in one batch retired its first slot: index only the last.
        slots.retain(|&slot| !self.tombstones.contains(slot));
        for space in &mut self.spaces {
            space.index_written(&slots, &self.tombstones);
        }
        failed.map_or(Ok(()), Err)
    }

    /// Deleted slots the graph may still link to.
    #[must_use]
    pub fn tombstones(&self) -> &RoaringBitmap {
        &self.tombstones
    }

    /// Repairs the graph lists of the slots in `range` around the tombstones in `dead` (see
    /// `Hnsw::repair`); returns how many slots had a list rebuilt. Runs under the read lock, so
    /// searches go on meanwhile.
    #[must_use]
    pub fn repair(&self, dead: &RoaringBitmap, range: Range<u32>) -> usize {
        self.spaces
            .iter()
            .map(|s| s.repair(dead, range.clone()))
            .max()
            .unwrap_or(0)
    }

    /// Frees the tombstones in `dead` once [`PointStore::repair`] has covered every slot: the graph
    /// lets go of them (`Hnsw::release`) and they go on the free list.
    pub fn release(&mut self, dead: &RoaringBitmap) {
        let slot_ids = &self.slot_ids;
        for space in &mut self.spaces {
            space.release(dead, &|n| {
                slot_ids.get(n as usize).is_some_and(Option::is_some)
            });
        }
        for index in self.fields.slot_indexes_mut() {
            index.release(dead);
        }
        for index in self.texts.slot_indexes_mut() {
            index.release(dead);
        }
        for space in &mut self.sparse {
            space.release(dead);
        }
        for slot in dead.iter().rev() {
            if self.tombstones.remove(slot) {
                self.free.push(slot);
            }
        }
    }

    /// Live points.
    #[must_use]
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether there are no live points.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Slots holding live points, in slot order (sequential memory access for scans).
    pub fn live_slots(&self) -> impl Iterator<Item = u32> + '_ {
        self.slot_ids
            .iter()
            .enumerate()
            .filter(|(_, id)| id.is_some())
            .map(|(slot, _)| u32::try_from(slot).unwrap_or(u32::MAX))
    }

    /// Puts the point in a free slot or a new one, without indexing it, and returns the slot.
    /// An existing point's old slot becomes a tombstone, as if deleted: the links into it were
    /// chosen for its old vectors, so re-inserting new ones in place would leave them pointing
    /// at the wrong neighbourhood; as a tombstone it keeps routing until consolidation repairs
    /// those links. ([`PointStore::upsert_many`] indexes.)
    fn store_point(
        &mut self,
        id: PointId,
        vectors: &SpaceVectors,
        mut sparse: SparseVectors,
        payload: Payload,
    ) -> io::Result<u32> {
        if let Some(&old) = self.by_id.get(&id) {
            self.retire(old);
        }
        let vector_of = |space: usize| {
            vectors
                .iter()
                .find(|(s, _)| *s == space)
                .map(|(_, v)| v.as_slice())
        };
        let slot = if let Some(slot) = self.free.pop() {
            for (i, space) in self.spaces.iter_mut().enumerate() {
                space.set(slot, vector_of(i));
            }
            self.slot_ids[slot as usize] = Some(id);
            self.payloads[slot as usize] = payload;
            slot
        } else {
            let slot = u32::try_from(self.slot_ids.len()).unwrap_or(u32::MAX);
            for (i, space) in self.spaces.iter_mut().enumerate() {
                space.push(slot, vector_of(i))?;
            }
            self.slot_ids.push(Some(id));
            self.payloads.push(payload);
            slot
        };
        self.by_id.insert(id, slot);
        self.live.insert(slot);
        self.index_payload(slot, true);
        for (i, space) in self.sparse.iter_mut().enumerate() {
            let carried = sparse
                .iter()
                .position(|(s, _)| *s == i)
                .map(|at| sparse.swap_remove(at).1);
            space.put(slot, carried);
        }
        Ok(slot)
    }

    /// Tells every payload index that the point in `slot` arrives (`true`) or leaves (`false`).
    fn index_payload(&mut self, slot: u32, arrives: bool) {
        let Some(payload) = self.payloads.get(slot as usize) else {
            return;
        };
        let point = SlotPoint { slot, payload };
        for index in self
            .fields
            .slot_indexes_mut()
            .chain(self.texts.slot_indexes_mut())
        {
            if arrives {
                index.insert(point);
            } else {
                index.remove(point);
            }
        }
    }

    /// Deletes a point and every edge at it; returns whether it existed.
    pub fn delete(&mut self, id: PointId) -> bool {
        let Some(slot) = self.by_id.remove(&id) else {
            return false;
        };
        self.retire(slot);
        self.edges.remove_node(id);
        true
    }

    /// Turns a live slot into a tombstone (the caller updates `by_id`).
    fn retire(&mut self, slot: u32) {
        self.index_payload(slot, false);
        for space in &mut self.sparse {
            space.take(slot);
        }
        self.live.remove(slot);
        self.slot_ids[slot as usize] = None;
        self.payloads[slot as usize] = Payload::new();
        self.tombstones.insert(slot);
    }

    /// Changes part of the payload of point `id`; returns whether it exists. The vector and the
    /// graph are untouched.
    pub fn edit_payload(&mut self, id: PointId, edit: &PayloadEdit) -> bool {
        let Some(&slot) = self.by_id.get(&id) else {
            return false;
        };
        self.index_payload(slot, false);
        edit.apply(&mut self.payloads[slot as usize]);
        self.index_payload(slot, true);
        true
    }

    /// Slots holding live points.
    #[must_use]
    pub fn live_bitmap(&self) -> &RoaringBitmap {
        &self.live
    }

    /// The payload field indexes.
    #[must_use]
    pub fn field_indexes(&self) -> &FieldIndexes {
        &self.fields
    }

    /// A new index of payload field `path` as `schema` over every live point, or `None` when the
    /// field is already indexed so. Built under the read lock (searches go on); install it with
    /// [`PointStore::install_field_index`], replacing an index of the field with another schema.
    #[must_use]
    pub fn build_field_index(&self, path: &FieldPath, schema: IndexSchema) -> Option<FieldIndex> {
        if self.fields.get(path).is_some_and(|i| i.schema() == schema) {
            return None;
        }
        let mut index = FieldIndex::new(path.clone(), schema);
        index.rebuild(&mut live_points(&self.slot_ids, &self.payloads));
        Some(index)
    }

    /// Installs an index built by [`PointStore::build_field_index`] since the last write (a
    /// field has one index: a text index of the field is dropped).
    pub fn install_field_index(&mut self, index: FieldIndex) {
        self.texts.drop_index(index.path());
        self.fields.install(index);
    }

    /// Drops the index of payload field `path`, payload or text; returns whether there was one.
    pub fn drop_field_index(&mut self, path: &FieldPath) -> bool {
        let text = self.texts.drop_index(path);
        self.fields.drop_index(path) || text
    }

    /// The full-text indexes.
    #[must_use]
    pub fn text_indexes(&self) -> &TextIndexes {
        &self.texts
    }

    /// A new text index of payload field `path` over every live point, or `None` when the
    /// field already has one with these settings. Built under the read lock, like
    /// [`PointStore::build_field_index`].
    #[must_use]
    pub fn build_text_index(&self, path: &FieldPath, settings: &TextSettings) -> Option<TextIndex> {
        if self
            .texts
            .get(path)
            .is_some_and(|i| i.settings() == settings)
        {
            return None;
        }
        let mut index = TextIndex::new(path.clone(), settings.clone());
        index.rebuild(&mut live_points(&self.slot_ids, &self.payloads));
        Some(index)
    }

    /// Installs a text index built by [`PointStore::build_text_index`] since the last write,
    /// dropping a payload index of the same field. Dropping bumps the payload indexes'
    /// generation, so cached plans that chose another way to answer the field are replaced.
    pub fn install_text_index(&mut self, index: TextIndex) {
        self.fields.drop_index(index.path());
        self.texts.install(index);
    }

    /// Installs text indexes read from a checkpoint image.
    pub fn set_text_indexes(&mut self, texts: TextIndexes) {
        self.texts = texts;
    }

    /// Installs payload field indexes read from a checkpoint image.
    pub fn set_field_indexes(&mut self, fields: FieldIndexes) {
        self.fields = fields;
    }

    /// The slot of point `id`, when it exists.
    #[must_use]
    pub fn slot_of(&self, id: PointId) -> Option<u32> {
        self.by_id.get(&id).copied()
    }

    /// The payload stored in `slot` (empty for a tombstone or a free slot).
    #[must_use]
    pub fn payload_at(&self, slot: u32) -> Option<&Payload> {
        self.payloads.get(slot as usize)
    }

    /// The point in `slot` as the projection asks.
    #[must_use]
    pub fn record_at(&self, slot: u32, id: PointId, projection: &Projection) -> PointRecord {
        PointRecord {
            id,
            payload: projection.payload.select(&self.payloads[slot as usize]),
            vector: projection
                .with_vector
                .then(|| self.vectors_at(slot, projection)),
        }
    }

    /// The vectors `slot` carries, as `projection` names them: the bare vector of a collection
    /// of one unnamed vector, the named vectors otherwise.
    fn vectors_at(&self, slot: u32, projection: &Projection) -> PointVectors {
        if let [only] = self.spaces.as_slice()
            && only.required()
            && self.sparse.is_empty()
        {
            return PointVectors::Unnamed(only.vectors().get(slot).to_vec());
        }
        let wanted = |name: &str| {
            projection
                .vector_names
                .as_ref()
                .is_none_or(|names| names.iter().any(|n| n == name))
        };
        let dense = self
            .spaces
            .iter()
            .filter(|s| wanted(s.name()))
            .filter_map(|s| {
                Some((
                    s.name().to_owned(),
                    VectorValue::Dense(s.get(slot)?.to_vec()),
                ))
            });
        let sparse = self
            .sparse
            .iter()
            .filter(|s| wanted(s.name()))
            .filter_map(|s| {
                Some((
                    s.name().to_owned(),
                    VectorValue::Sparse(s.get(slot)?.clone()),
                ))
            });
        PointVectors::Named(dense.chain(sparse).collect())
    }

    /// The id stored in `slot`, when live.
    #[must_use]
    pub fn id_at(&self, slot: u32) -> Option<PointId> {
        self.slot_ids.get(slot as usize).copied().flatten()
    }

    /// Looks up a point.
    #[must_use]
    pub fn get(&self, id: PointId, projection: &Projection) -> Option<PointRecord> {
        let &slot = self.by_id.get(&id)?;
        Some(self.record_at(slot, id, projection))
    }

    /// Live points in id order from `from` (inclusive), with their slots.
    pub fn ids_from(&self, from: Option<PointId>) -> impl Iterator<Item = (PointId, u32)> + '_ {
        let start = from.map_or(Bound::Unbounded, Bound::Included);
        self.by_id
            .range((start, Bound::Unbounded))
            .map(|(&id, &slot)| (id, slot))
    }

    /// Bytes of quantized codes held (0 before training or without quantization).
    #[must_use]
    pub fn code_bytes(&self) -> usize {
        self.spaces.iter().map(VectorSpace::code_bytes).sum()
    }

    /// Approximate bytes of heap memory held (the graph, ids, payload slots, codes and packed
    /// binary vectors; `f32` vectors are mapped, see [`DenseVectors::mapped_bytes`] and
    /// [`DenseVectors::resident_bytes`]).
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        self.spaces
            .iter()
            .map(VectorSpace::heap_bytes)
            .sum::<usize>()
            + self.slot_ids.capacity() * std::mem::size_of::<Option<PointId>>()
            + self.by_id.len() * (std::mem::size_of::<PointId>() + 4) * 2
            + self.fields.heap_bytes().map(|(_, b)| b).sum::<usize>()
            + self.texts.heap_bytes().map(|(_, b)| b).sum::<usize>()
            + self
                .sparse
                .iter()
                .map(SparseSpace::heap_bytes)
                .sum::<usize>()
            + self.edges.heap_bytes()
    }
}

/// Every live point of a store as the payload indexes see it.
fn live_points<'a>(
    slot_ids: &'a [Option<PointId>],
    payloads: &'a [Payload],
) -> impl Iterator<Item = SlotPoint<'a>> + 'a {
    slot_ids
        .iter()
        .zip(payloads)
        .enumerate()
        .filter(|(_, (id, _))| id.is_some())
        .map(|(slot, (_, payload))| SlotPoint {
            slot: u32::try_from(slot).unwrap_or(u32::MAX),
            payload,
        })
}

/// One slot as a checkpoint writes it.
#[derive(Debug, Clone, Copy)]
pub enum SlotImage<'a> {
    /// A live point.
    Live(PointId, &'a [f32], &'a Payload),
    /// A deleted point the graph may still route through: its vector is needed.
    Tombstone(&'a [f32]),
    /// A released slot: nothing but its number.
    Free,
}

/// One slot as a checkpoint reads it back.
#[derive(Debug, Clone)]
pub enum RestoredSlot {
    /// A live point.
    Live(PointId, Vec<f32>, Payload),
    /// A tombstone with its stale vector.
    Tombstone(Vec<f32>),
    /// A released slot.
    Free,
}
