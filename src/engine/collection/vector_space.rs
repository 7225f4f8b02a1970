//! [`VectorSpace`]: everything a collection keeps for one declared dense vector: the arena of
//! `f32` vectors by slot, their bit-packed form for binary metrics, the HNSW graph, the trained
//! quantizer's codes and which slots carry this vector at all.
//!
//! Every space of a store has one arena entry per slot, so slot numbers are shared across spaces
//! (and with ids, payloads and tombstones in [`super::PointStore`]); a slot whose point does not
//! carry the vector holds zeros that nothing reads, since the graph, scans and reads all go
//! through [`VectorSpace::carries`]. A space whose vector every point must carry (the unnamed
//! vector) keeps no presence bitmap, so a single-vector collection holds exactly what it held
//! before spaces existed.

use std::io;
use std::ops::Range;

use roaring::RoaringBitmap;

use crate::vector::hnsw::{Hnsw, HnswConfig};
use crate::vector::quantize::{self, QuantizationConfig, Quantized, QuantizedSearch};
use crate::vector::{
    BinarySpace, BinaryVectors, DenseVectors, FullPrecision, Metric, ScoredSlot, Space, top_k_in,
};

/// One declared dense vector of a collection, over every slot of its store.
#[derive(Debug)]
pub struct VectorSpace {
    /// The name points and queries use (`""` for the unnamed vector).
    name: String,
    vectors: DenseVectors,
    /// The bit-packed form of every slot's vector, for binary metrics (what searches read).
    binary: Option<BinaryVectors>,
    metric: Metric,
    index: Hnsw,
    quantized: Option<Quantized>,
    /// Slots (live or tombstones) holding a vector of this space; `None` when every slot that is
    /// not free does (a vector every point must carry).
    present: Option<RoaringBitmap>,
}

/// Evaluates `$body` with `$space` bound to the space a vector space measures in: the bit-packed
/// vectors for a binary metric, the `f32` vectors otherwise. (A macro, not a method taking a
/// closure, because `Space` has an associated query type and so cannot be a trait object.)
macro_rules! in_search_space {
    ($this:ident, |$space:ident| $body:expr) => {
        match $this
            .binary
            .as_ref()
            .and_then(|b| BinarySpace::new(b, $this.metric))
        {
            Some($space) => $body,
            None => {
                let $space = FullPrecision::new(&$this.vectors, $this.metric);
                $body
            }
        }
    };
}

impl VectorSpace {
    /// An empty space named `name` over the (empty) arena `vectors`, indexed for `metric`;
    /// `required` when every point carries this vector.
    #[must_use]
    pub fn new(
        name: String,
        vectors: DenseVectors,
        metric: Metric,
        hnsw: HnswConfig,
        required: bool,
    ) -> Self {
        let binary = metric
            .is_binary()
            .then(|| BinaryVectors::new(vectors.dim()));
        Self {
            name,
            vectors,
            binary,
            metric,
            index: Hnsw::new(hnsw),
            quantized: None,
            present: (!required).then(RoaringBitmap::new),
        }
    }

    /// The name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether every point carries this vector.
    #[must_use]
    pub fn required(&self) -> bool {
        self.present.is_none()
    }

    /// The metric.
    #[must_use]
    pub fn metric(&self) -> Metric {
        self.metric
    }

    /// The vector arena.
    #[must_use]
    pub fn vectors(&self) -> &DenseVectors {
        &self.vectors
    }

    /// The HNSW graph over the slots carrying this vector.
    #[must_use]
    pub fn index(&self) -> &Hnsw {
        &self.index
    }

    /// Whether `slot` holds a vector of this space (the caller knows the slot is not free).
    #[must_use]
    pub fn carries(&self, slot: u32) -> bool {
        self.present.as_ref().is_none_or(|p| p.contains(slot))
    }

    /// The slots carrying this vector, when not every slot does.
    #[must_use]
    pub fn present(&self) -> Option<&RoaringBitmap> {
        self.present.as_ref()
    }

    /// The vector in `slot`, when the slot carries one.
    #[must_use]
    pub fn get(&self, slot: u32) -> Option<&[f32]> {
        self.carries(slot).then(|| self.vectors.get(slot))
    }

    /// Appends slot `slot` (the next one) holding `vector`, or zeros when the point does not carry
    /// this vector.
    ///
    /// # Errors
    /// The I/O error from growing the arena.
    pub fn push(&mut self, slot: u32, vector: Option<&[f32]>) -> io::Result<()> {
        let zeros;
        let v = match vector {
            Some(v) => v,
            None => {
                zeros = vec![0.0; self.vectors.dim()];
                &zeros
            }
        };
        let pushed = self.vectors.push(v)?;
        debug_assert_eq!(
            pushed, slot,
            "every space of a store has one entry per slot"
        );
        self.mark(slot, vector);
        Ok(())
    }

    /// Writes `vector` (or nothing, when the point does not carry this vector) into the reused
    /// slot `slot`.
    pub fn set(&mut self, slot: u32, vector: Option<&[f32]>) {
        if let Some(v) = vector {
            self.vectors.set(slot, v);
        }
        self.mark(slot, vector);
    }

    /// Records whether `slot` carries a vector, and packs it for binary metrics.
    fn mark(&mut self, slot: u32, vector: Option<&[f32]>) {
        if let Some(present) = &mut self.present {
            if vector.is_some() {
                present.insert(slot);
            } else {
                present.remove(slot);
            }
        }
        if let (Some(binary), Some(v)) = (&mut self.binary, vector) {
            binary.set(slot, v);
        }
    }

    /// Makes room for `slots` more slots.
    ///
    /// # Errors
    /// The I/O error from growing the arena.
    pub fn reserve(&mut self, slots: usize) -> io::Result<()> {
        self.vectors.reserve(slots)
    }

    /// Installs a graph decoded from a checkpoint.
    pub fn set_index(&mut self, index: Hnsw) {
        self.index = index;
    }

    /// Replaces the graph with a new one over those of `live` that carry this vector.
    pub fn rebuild_index(&mut self, hnsw: HnswConfig, live: &[u32]) {
        self.index = Hnsw::new(hnsw);
        self.insert_into_index(live, &RoaringBitmap::new());
    }

    /// Encodes the written `slots` (when trained) and inserts those carrying this vector into the
    /// graph on rayon's global pool; no new link points at a tombstone.
    pub fn index_written(&mut self, slots: &[u32], tombstones: &RoaringBitmap) {
        if let Some(q) = &mut self.quantized {
            for &slot in slots {
                if self.present.as_ref().is_none_or(|p| p.contains(slot)) {
                    q.encode_slot(slot, self.vectors.get(slot));
                }
            }
        }
        self.insert_into_index(slots, tombstones);
    }

    fn insert_into_index(&mut self, slots: &[u32], tombstones: &RoaringBitmap) {
        let carried: Vec<u32>;
        let slots = match &self.present {
            None => slots,
            Some(p) => {
                carried = slots.iter().copied().filter(|&s| p.contains(s)).collect();
                &carried
            }
        };
        let linkable = |n: u32| !tombstones.contains(n);
        in_search_space!(self, |space| self
            .index
            .insert_many_linking(&space, slots, &linkable));
    }

    /// The `k` best of `live` (those carrying this vector) by brute force, best first; slots
    /// whose score fails `threshold` are skipped (`query` prepared for the metric).
    #[must_use]
    pub fn search_exact(
        &self,
        query: &[f32],
        live: impl Iterator<Item = u32>,
        k: usize,
        threshold: Option<f32>,
    ) -> Vec<ScoredSlot> {
        let carried = live.filter(|&s| self.carries(s));
        in_search_space!(self, |space| top_k_in(
            &space,
            carried,
            &space.query(query),
            self.metric,
            k,
            threshold,
        ))
    }

    /// The `k` nearest slots accepted by `allow` through the graph, best first.
    #[must_use]
    pub fn search_index(
        &self,
        query: &[f32],
        k: usize,
        ef: usize,
        allow: &dyn Fn(u32) -> bool,
    ) -> Vec<ScoredSlot> {
        let found = in_search_space!(self, |space| self.index.search(
            &space,
            &space.query(query),
            k,
            ef,
            allow
        ));
        self.scored(found)
    }

    /// The `k` nearest slots in `allowed` that `live` accepts, through the graph, falling back to
    /// a scan when the allowed set is small or the walk comes back short.
    #[must_use]
    pub fn search_index_allowed(
        &self,
        query: &[f32],
        k: usize,
        ef: usize,
        allowed: &RoaringBitmap,
        live: &dyn Fn(u32) -> bool,
    ) -> Vec<ScoredSlot> {
        let carried = |slot: u32| live(slot) && self.carries(slot);
        let found = in_search_space!(self, |space| self.index.search_allowed(
            &space,
            &space.query(query),
            k,
            ef,
            allowed,
            &carried
        ));
        self.scored(found)
    }

    fn scored(&self, found: Vec<crate::vector::Ranked>) -> Vec<ScoredSlot> {
        found
            .into_iter()
            .map(|n| ScoredSlot {
                slot: n.slot,
                score: self.metric.score_from_rank_key(n.key),
            })
            .collect()
    }

    /// The trained quantizer and codes, if any.
    #[must_use]
    pub fn quantized(&self) -> Option<&Quantized> {
        self.quantized.as_ref()
    }

    /// Installs a trained quantizer whose codes cover every slot carrying this vector.
    pub fn set_quantized(&mut self, quantized: Quantized) {
        self.quantized = Some(quantized);
    }

    /// Trains a quantizer on the vectors of `live` slots that carry this vector.
    #[must_use]
    pub fn train(&self, config: &QuantizationConfig, live: &[u32]) -> Quantized {
        let carried: Vec<u32> = live.iter().copied().filter(|&s| self.carries(s)).collect();
        quantize::train(config, self.metric, &self.vectors, &carried)
    }

    /// Like [`VectorSpace::search_index`], but walking the graph on the quantized codes and
    /// re-scoring as `params` ask; `None` while no quantizer is trained.
    #[must_use]
    pub fn search_quantized(
        &self,
        query: &[f32],
        k: usize,
        ef: usize,
        allow: &dyn Fn(u32) -> bool,
        params: QuantizedSearch,
    ) -> Option<Vec<ScoredSlot>> {
        let quantized = self.quantized.as_ref()?;
        Some(quantize::search(
            quantized,
            &self.index,
            &self.vectors,
            self.metric,
            query,
            k,
            ef,
            allow,
            params,
        ))
    }

    /// Repairs the graph lists of the slots in `range` around the tombstones in `dead`.
    #[must_use]
    pub fn repair(&self, dead: &RoaringBitmap, range: Range<u32>) -> usize {
        in_search_space!(self, |space| self.index.repair(&space, dead, range))
    }

    /// Lets go of the tombstones in `dead`: the graph forgets them and they carry nothing.
    pub fn release(&mut self, dead: &RoaringBitmap, entry_ok: &dyn Fn(u32) -> bool) {
        self.index.release(dead, entry_ok);
        if let Some(present) = &mut self.present {
            *present -= dead;
        }
    }

    /// Forgets every slot of `freed` (a graph rebuild made every tombstone free).
    pub fn forget(&mut self, freed: &RoaringBitmap) {
        if let Some(present) = &mut self.present {
            *present -= freed;
        }
    }

    /// Bytes of quantized codes held (0 before training or without quantization).
    #[must_use]
    pub fn code_bytes(&self) -> usize {
        self.quantized.as_ref().map_or(0, Quantized::code_bytes)
    }

    /// Approximate heap bytes (graph, codes, packed binary vectors, presence bitmap).
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        self.index.heap_bytes()
            + self.code_bytes()
            + self.binary.as_ref().map_or(0, BinaryVectors::heap_bytes)
            + self
                .present
                .as_ref()
                .map_or(0, RoaringBitmap::serialized_size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A vector every point carries keeps no presence bitmap, so a collection of one unnamed
    /// vector holds per point exactly what it held before named vectors; an optional (named)
    /// vector records which slots carry it.
    #[test]
    fn only_an_optional_vector_pays_for_a_presence_bitmap() -> std::io::Result<()> {
        let hnsw = HnswConfig {
            m: 8,
            ef_construction: 32,
        };
        let mut required = VectorSpace::new(
            String::new(),
            DenseVectors::new(2),
            Metric::Euclid,
            hnsw,
            true,
        );
        let mut optional = VectorSpace::new(
            "image".into(),
            DenseVectors::new(2),
            Metric::Euclid,
            hnsw,
            false,
        );
        for slot in 0..100u32 {
            required.push(slot, Some(&[slot as f32, 1.0]))?;
            optional.push(slot, (slot % 2 == 0).then_some(&[slot as f32, 1.0][..]))?;
        }
        assert!(required.present().is_none());
        assert!((0..100).all(|s| required.carries(s)));
        assert_eq!(optional.present().map(RoaringBitmap::len), Some(50));
        assert!(optional.carries(4) && !optional.carries(5));
        assert_eq!(optional.get(5), None);
        assert_eq!(required.heap_bytes(), required.index().heap_bytes());
        Ok(())
    }
}
