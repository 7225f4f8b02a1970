//! [`ReadView`]: one collection at one consistent moment, for query plans.
//!
//! A plan takes one view (`Collection::read`) and draws everything from it: the live set as a
//! bitmap, nearest-neighbour candidates (optionally restricted to an allowed bitmap), scores,
//! payloads and records. Every stage therefore sees the same state; no write lands between them.
//! The view holds the collection's read lock, so a plan keeps it short: no I/O, no waiting.
//!
//! Points whose expiry (`ttl_field`) has passed are hidden from every read of the view the moment
//! they expire, before the writer has deleted them through the log: a view made with
//! `with_view` answers as though they were gone (ids, payloads, vectors, counts, the live bitmap,
//! every search).
//!
//! It never mutates anything and never touches files.

use roaring::RoaringBitmap;

use super::MAX_EF;
use super::expiry::Ttl;
use super::point_store::PointStore;
use crate::columns::index::{FieldIndex, FieldIndexes};
use crate::columns::{FieldPath, Payload};
use crate::engine::config::{CollectionConfig, VectorParams};
use crate::engine::point::{PointId, PointRecord, Projection};
use crate::graph::{AdjacencyView, EdgeStore};
use crate::sparse::SparseVector;
use crate::text::TextIndex;
use crate::vector::quantize::QuantizedSearch;
use crate::vector::{Metric, ScoredSlot};

/// How to find nearest neighbours in a view.
#[derive(Debug, Clone, Copy, Default)]
pub struct NearestParams {
    /// Force a brute-force scan.
    pub exact: bool,
    /// HNSW candidate list size; the collection's `ef_construction` when absent. Clamped to
    /// [`MAX_EF`].
    pub ef: Option<usize>,
    /// Only hits at least this good (see [`crate::vector::Metric::passes_threshold`]).
    pub score_threshold: Option<f32>,
    /// How to use quantized codes, when the collection has them.
    pub quantization: QuantizedSearch,
}

/// Live points a view hides (expired, not yet deleted), with the live points it shows.
#[derive(Debug, Clone, Copy)]
struct Hidden<'a> {
    /// The hidden slots, never empty.
    slots: &'a RoaringBitmap,
    /// The store's live slots less `slots`.
    visible: &'a RoaringBitmap,
}

/// A consistent, read-only view of one collection.
#[derive(Debug, Clone, Copy)]
pub struct ReadView<'a> {
    store: &'a PointStore,
    config: &'a CollectionConfig,
    /// The vector space nearest-neighbour searches and [`ReadView::vector`] use.
    space: usize,
    /// Live points this view does not show.
    hidden: Option<Hidden<'a>>,
}

/// Runs `plan` on a view of `store` that hides the points whose expiry under `ttl` has passed.
pub(super) fn with_view<R>(
    store: &PointStore,
    config: &CollectionConfig,
    ttl: Option<&Ttl>,
    plan: impl FnOnce(&ReadView<'_>) -> R,
) -> R {
    let expired = ttl
        .map(|ttl| ttl.expired(store))
        .filter(|slots| !slots.is_empty());
    let visible = expired.as_ref().map(|slots| store.live_bitmap() - slots);
    let hidden = expired
        .as_ref()
        .zip(visible.as_ref())
        .map(|(slots, visible)| Hidden { slots, visible });
    plan(&ReadView::new(store, config, hidden))
}

impl<'a> ReadView<'a> {
    fn new(
        store: &'a PointStore,
        config: &'a CollectionConfig,
        hidden: Option<Hidden<'a>>,
    ) -> Self {
        let space = config.search_space(None).unwrap_or(0);
        Self {
            store,
            config,
            space,
            hidden,
        }
    }

    /// Whether the live slot `slot` is hidden from this view.
    fn hides(&self, slot: u32) -> bool {
        self.hidden.is_some_and(|h| h.slots.contains(slot))
    }

    /// Whether this view hides live points (expired, not yet deleted): graph walks, which read
    /// the adjacency rather than the view, must then check each node they reach.
    #[must_use]
    pub fn hides_points(&self) -> bool {
        self.hidden.is_some()
    }

    /// `allowed`, or when there is none and this view hides points, the points it shows: what
    /// an index search that reads postings rather than the view must be restricted to.
    #[must_use]
    pub fn restrict<'b>(&'b self, allowed: Option<&'b RoaringBitmap>) -> Option<&'b RoaringBitmap> {
        match (allowed, self.hidden) {
            (Some(allowed), _) => Some(allowed),
            (None, Some(h)) => Some(h.visible),
            (None, None) => None,
        }
    }

    /// The same view, searching vector space `space` (from
    /// [`super::Collection::search_space`]).
    #[must_use]
    pub fn in_space(&self, space: usize) -> Self {
        Self { space, ..*self }
    }

    /// The collection's settings.
    #[must_use]
    pub fn config(&self) -> &'a CollectionConfig {
        self.config
    }

    /// The settings of the space searched, when the collection has vectors.
    fn params(&self) -> Option<&'a VectorParams> {
        self.config.vectors.get(self.space).map(|v| &v.params)
    }

    /// The searched space's distance metric (Euclid for a collection without vectors, which
    /// has nothing to measure).
    #[must_use]
    pub fn metric(&self) -> Metric {
        self.params().map_or(Metric::Euclid, |p| p.metric)
    }

    /// The searched space's vector dimension (0 without vectors).
    #[must_use]
    pub fn dimension(&self) -> usize {
        self.params().map_or(0, |p| p.dimension)
    }

    /// The stored vector of the searched space of the live point in `slot` (as prepared for the
    /// metric: unit length for cosine), when it carries one.
    #[must_use]
    pub fn vector(&self, slot: u32) -> Option<&'a [f32]> {
        self.id_at(slot)?;
        self.store.spaces().get(self.space)?.get(slot)
    }

    /// Live points.
    #[must_use]
    pub fn len(&self) -> usize {
        match self.hidden {
            None => self.store.len(),
            Some(h) => usize::try_from(h.visible.len()).unwrap_or(usize::MAX),
        }
    }

    /// Whether there are no live points.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The slots of every live point.
    #[must_use]
    pub fn live(&self) -> &'a RoaringBitmap {
        self.hidden
            .map_or_else(|| self.store.live_bitmap(), |h| h.visible)
    }

    /// Every live point as (slot, id, payload), in slot order (sequential memory for scans).
    pub fn points(&self) -> impl Iterator<Item = (u32, PointId, &'a Payload)> + 'a {
        let (store, view) = (self.store, *self);
        store.live_slots().filter_map(move |slot| {
            let id = view.id_at(slot)?;
            Some((slot, id, store.payload_at(slot)?))
        })
    }

    /// Live points in id order from `from` (inclusive), with their slots.
    pub fn ids_from(&self, from: Option<PointId>) -> impl Iterator<Item = (PointId, u32)> + 'a {
        let view = *self;
        self.store
            .ids_from(from)
            .filter(move |&(_, slot)| !view.hides(slot))
    }

    /// Up to `limit` points in id order starting at `from` (inclusive), as `projection` asks,
    /// and the id that starts the next page, if any.
    #[must_use]
    pub fn scroll(
        &self,
        from: Option<PointId>,
        limit: usize,
        projection: &Projection,
    ) -> (Vec<PointRecord>, Option<PointId>) {
        let mut ids = self.ids_from(from);
        let page = ids
            .by_ref()
            .take(limit)
            .map(|(id, slot)| self.store.record_at(slot, id, projection))
            .collect();
        (page, ids.next().map(|(id, _)| id))
    }

    /// The slot of point `id`, when it exists.
    #[must_use]
    pub fn slot_of(&self, id: PointId) -> Option<u32> {
        self.store.slot_of(id).filter(|&slot| !self.hides(slot))
    }

    /// The id in `slot`, when it is live.
    #[must_use]
    pub fn id_at(&self, slot: u32) -> Option<PointId> {
        self.store.id_at(slot).filter(|_| !self.hides(slot))
    }

    /// The payload of the live point in `slot`.
    #[must_use]
    pub fn payload(&self, slot: u32) -> Option<&'a Payload> {
        self.id_at(slot)?;
        self.store.payload_at(slot)
    }

    /// The edges between the points.
    #[must_use]
    pub fn edges(&self) -> &'a EdgeStore<PointId> {
        self.store.edges()
    }

    /// The adjacency as traversals read it (built on the first traversal after a write).
    #[must_use]
    pub fn graph(&self) -> AdjacencyView<'a, PointId> {
        self.store.edges().view()
    }

    /// The index of payload field `path`, when it is indexed.
    #[must_use]
    pub fn field_index(&self, path: &FieldPath) -> Option<&'a FieldIndex> {
        self.store.field_indexes().get(path)
    }

    /// The text index of payload field `path`, when it has one.
    #[must_use]
    pub fn text_index(&self, path: &FieldPath) -> Option<&'a TextIndex> {
        self.store.text_indexes().get(path)
    }

    /// Every payload field index.
    #[must_use]
    pub fn field_indexes(&self) -> &'a FieldIndexes {
        self.store.field_indexes()
    }

    /// Number of slots, live or not: every slot number is below it.
    #[must_use]
    pub fn slot_count(&self) -> usize {
        self.store.slot_count()
    }

    /// The live point in `slot`, as `projection` asks.
    #[must_use]
    pub fn record(&self, slot: u32, projection: &Projection) -> Option<PointRecord> {
        let id = self.id_at(slot)?;
        Some(self.store.record_at(slot, id, projection))
    }

    /// The `k` best live points for the sparse vector `query` in sparse space `space` (from
    /// `CollectionConfig::sparse_space`), by dot product with the space's modifier, best first,
    /// among `allowed` when given; only points sharing a term with the query are candidates.
    /// Hits failing `score_threshold` (a dot product: larger is better) are dropped.
    #[must_use]
    pub fn sparse_nearest(
        &self,
        space: usize,
        query: &SparseVector,
        k: usize,
        allowed: Option<&RoaringBitmap>,
        score_threshold: Option<f32>,
    ) -> Vec<ScoredSlot> {
        let Some(space) = self.store.sparse_spaces().get(space) else {
            return Vec::new();
        };
        let mut hits = space.search(query, k, self.restrict(allowed));
        if let Some(t) = score_threshold {
            hits.retain(|h| h.score >= t);
        }
        hits
    }

    /// The sparse vector of sparse space `space` of the live point in `slot`, when it carries
    /// one.
    #[must_use]
    pub fn sparse_vector(&self, space: usize, slot: u32) -> Option<&'a SparseVector> {
        self.id_at(slot)?;
        self.store.sparse_spaces().get(space)?.get(slot)
    }

    /// The HNSW beam size a search with `params` and `k` uses.
    #[must_use]
    pub fn beam(&self, k: usize, params: &NearestParams) -> usize {
        params
            .ef
            .unwrap_or(self.params().map_or(0, |p| p.hnsw.ef_construction))
            .clamp(1, MAX_EF)
            .max(k)
    }

    /// Whether searches here are exact anyway (asked, or at most `full_scan_threshold` points).
    #[must_use]
    pub fn searches_exactly(&self, params: &NearestParams) -> bool {
        params.exact
            || self.store.carried_len(self.space)
                <= self
                    .params()
                    .map_or(usize::MAX, |p| p.hnsw.full_scan_threshold)
    }

    /// Whether a graph walk restricted to `allowed` points should rather be an exact scan of
    /// them (see `Hnsw::prefers_scan`).
    #[must_use]
    pub fn prefers_scan(&self, allowed: u64, ef: usize) -> bool {
        self.store
            .spaces()
            .get(self.space)
            .is_none_or(|s| s.index().prefers_scan(allowed, ef))
    }

    /// About how many points a graph walk with beam `ef` visits while collecting `allowed`
    /// points' worth of matches (see `Hnsw::walk_visits`).
    #[must_use]
    pub fn walk_visits(&self, allowed: u64, ef: usize) -> f64 {
        self.store
            .spaces()
            .get(self.space)
            .map_or(0.0, |s| s.index().walk_visits(allowed, ef))
    }

    /// Up to `k` nearest live points that `accept` takes, through the graph (on quantized codes
    /// when trained, unless ignored), checking `accept` on each candidate the walk meets. Fewer
    /// than `k` may come back when accepted points are rare; the caller then scans instead.
    #[must_use]
    pub fn nearest_where(
        &self,
        query: &[f32],
        k: usize,
        params: NearestParams,
        accept: &dyn Fn(u32) -> bool,
    ) -> Vec<ScoredSlot> {
        let store = self.store;
        let Some(space) = store.spaces().get(self.space) else {
            return Vec::new();
        };
        let ef = self.beam(k, &params);
        let allow = |slot: u32| self.id_at(slot).is_some() && accept(slot);
        let quantized = if params.quantization.ignore {
            None
        } else {
            space.search_quantized(query, k, ef, &allow, params.quantization)
        };
        let mut hits = quantized.unwrap_or_else(|| space.search_index(query, k, ef, &allow));
        if let Some(t) = params.score_threshold {
            let metric = space.metric();
            hits.retain(|h| metric.passes_threshold(h.score, t));
        }
        hits
    }

    /// The `k` nearest live points to `query` (already prepared for the metric), best first,
    /// within `allowed` when given. Exact at or below the collection's `full_scan_threshold` or
    /// when asked; through the graph (on quantized codes when trained, unless ignored) otherwise.
    /// With `allowed`, `k` hits come back whenever `allowed` holds `k` live points that pass the
    /// threshold.
    #[must_use]
    pub fn nearest(
        &self,
        query: &[f32],
        k: usize,
        params: NearestParams,
        allowed: Option<&RoaringBitmap>,
    ) -> Vec<ScoredSlot> {
        let store = self.store;
        let Some(space) = store.spaces().get(self.space) else {
            return Vec::new();
        };
        let threshold = params.score_threshold;
        let allowed = self.restrict(allowed);
        if self.searches_exactly(&params) {
            return match allowed {
                None => store.search_exact(self.space, query, k, threshold),
                Some(allowed) => store.search_exact_in(self.space, query, allowed, k, threshold),
            };
        }
        let ef = self.beam(k, &params);
        let mut hits = match allowed {
            None => {
                let live = |slot: u32| self.id_at(slot).is_some();
                let quantized = if params.quantization.ignore {
                    None
                } else {
                    space.search_quantized(query, k, ef, &live, params.quantization)
                };
                quantized.unwrap_or_else(|| space.search_index(query, k, ef, &live))
            }
            Some(allowed) => store.search_index_allowed(self.space, query, k, ef, allowed),
        };
        if let Some(t) = threshold {
            let metric = space.metric();
            hits.retain(|h| metric.passes_threshold(h.score, t));
        }
        hits
    }
}
