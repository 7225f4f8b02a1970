//! [`Space`]: what a graph index measures distances in, and [`FullPrecision`], the `f32` space.
//!
//! The HNSW graph stores only neighbour ids; every distance it needs goes through a `Space`. The
//! same graph can therefore be built on full-precision vectors and later searched on compressed
//! codes (see [`super::quantize`]), or built over bit-packed binary vectors. A space never changes
//! the vectors it reads.

use super::distance::{KeyFn, prefetch, prefetch_rest};
use super::{DenseVectors, Metric};

/// Distances between a prepared query and stored nodes, and between two stored nodes. Keys follow
/// [`Metric::rank_key`]: lower is closer.
pub trait Space: Sync {
    /// A query prepared for this space (scaled, quantized or packed as the space needs).
    type Query: Sync;

    /// Prepares a query vector (already validated and normalised for the metric).
    fn query(&self, vector: &[f32]) -> Self::Query;

    /// The stored node `node` as a query (for inserting it).
    fn node_query(&self, node: u32) -> Self::Query;

    /// The key of `node` for `query`.
    fn key(&self, query: &Self::Query, node: u32) -> f32;

    /// The key between two stored nodes (for the neighbour-selection heuristic).
    fn key_between(&self, a: u32, b: u32) -> f32;

    /// Starts loading the first cache line of `node`'s stored form.
    fn prefetch_start(&self, node: u32);

    /// Starts loading the rest of `node`'s stored form (after [`Space::prefetch_start`]).
    fn prefetch_rest(&self, node: u32);
}

/// The `f32` vectors of a [`DenseVectors`] under one metric, with the kernel resolved once.
#[derive(Debug, Clone, Copy)]
pub struct FullPrecision<'a> {
    vectors: &'a DenseVectors,
    key_fn: KeyFn,
}

impl<'a> FullPrecision<'a> {
    /// The space of `vectors` under `metric`.
    #[must_use]
    pub fn new(vectors: &'a DenseVectors, metric: Metric) -> Self {
        Self {
            vectors,
            key_fn: metric.key_fn(),
        }
    }
}

impl Space for FullPrecision<'_> {
    type Query = Vec<f32>;

    fn query(&self, vector: &[f32]) -> Vec<f32> {
        vector.to_vec()
    }

    fn node_query(&self, node: u32) -> Vec<f32> {
        self.vectors.get(node).to_vec()
    }

    #[inline]
    fn key(&self, query: &Vec<f32>, node: u32) -> f32 {
        self.key_fn.key(query, self.vectors.get(node))
    }

    #[inline]
    fn key_between(&self, a: u32, b: u32) -> f32 {
        self.key_fn.key(self.vectors.get(a), self.vectors.get(b))
    }

    #[inline]
    fn prefetch_start(&self, node: u32) {
        prefetch(self.vectors.get(node).as_ptr());
    }

    #[inline]
    fn prefetch_rest(&self, node: u32) {
        prefetch_rest(self.vectors.get(node));
    }
}
