//! Binary vectors: [`BinaryVectors`], 0/1 vectors bit-packed 64 components per word, and
//! [`BinarySpace`], the Hamming or Jaccard [`Space`] over them.
//!
//! A binary collection searches (exactly or through the graph) on the packed words, 32 times
//! smaller than the `f32` form, with POPCNT kernels. Owns packing and the packed arena; never
//! validates (see [`super::prepare`], which rejects components other than 0 and 1).

use super::distance::BinaryKeyFn;
use super::{Metric, Space};

/// Packs a 0/1 vector: bit `i % 64` of word `i / 64` is set when component `i` is non-zero.
#[must_use]
pub fn pack(v: &[f32]) -> Vec<u64> {
    let mut words = vec![0u64; v.len().div_ceil(64)];
    for (i, x) in v.iter().enumerate() {
        if *x != 0.0 {
            words[i / 64] |= 1 << (i % 64);
        }
    }
    words
}

/// Bit-packed binary vectors of one dimension, addressed by slot.
#[derive(Debug, Clone)]
pub struct BinaryVectors {
    words_per_vector: usize,
    data: Vec<u64>,
}

impl BinaryVectors {
    /// An empty arena for vectors of `dim` components.
    #[must_use]
    pub fn new(dim: usize) -> Self {
        Self {
            words_per_vector: dim.div_ceil(64).max(1),
            data: Vec::new(),
        }
    }

    /// Number of slots.
    #[must_use]
    pub fn slots(&self) -> usize {
        self.data.len() / self.words_per_vector
    }

    /// The packed vector in `slot`.
    #[must_use]
    #[inline]
    pub fn get(&self, slot: u32) -> &[u64] {
        let at = slot as usize * self.words_per_vector;
        &self.data[at..at + self.words_per_vector]
    }

    /// Stores the 0/1 vector `v` in `slot`, appending slots up to it when needed.
    pub fn set(&mut self, slot: u32, v: &[f32]) {
        let at = slot as usize * self.words_per_vector;
        if self.data.len() < at + self.words_per_vector {
            self.data.resize(at + self.words_per_vector, 0);
        }
        let packed = pack(v);
        let n = packed.len().min(self.words_per_vector);
        self.data[at..at + n].copy_from_slice(&packed[..n]);
        self.data[at + n..at + self.words_per_vector].fill(0);
    }

    /// Bytes held.
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        self.data.capacity() * std::mem::size_of::<u64>()
    }
}

/// The Hamming or Jaccard space over [`BinaryVectors`].
#[derive(Debug, Clone, Copy)]
pub struct BinarySpace<'a> {
    vectors: &'a BinaryVectors,
    key_fn: BinaryKeyFn,
}

impl<'a> BinarySpace<'a> {
    /// The space of `vectors` under `metric`, or `None` when the metric is not binary.
    #[must_use]
    pub fn new(vectors: &'a BinaryVectors, metric: Metric) -> Option<Self> {
        Some(Self {
            vectors,
            key_fn: metric.binary_key_fn()?,
        })
    }
}

impl Space for BinarySpace<'_> {
    type Query = Vec<u64>;

    fn query(&self, vector: &[f32]) -> Vec<u64> {
        pack(vector)
    }

    fn node_query(&self, node: u32) -> Vec<u64> {
        self.vectors.get(node).to_vec()
    }

    #[inline]
    fn key(&self, query: &Vec<u64>, node: u32) -> f32 {
        self.key_fn.key(query, self.vectors.get(node))
    }

    #[inline]
    fn key_between(&self, a: u32, b: u32) -> f32 {
        self.key_fn.key(self.vectors.get(a), self.vectors.get(b))
    }

    #[inline]
    fn prefetch_start(&self, node: u32) {
        super::distance::prefetch(self.vectors.get(node).as_ptr());
    }

    #[inline]
    fn prefetch_rest(&self, node: u32) {
        super::distance::prefetch_rest(self.vectors.get(node));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vector::{DenseVectors, FullPrecision};

    #[test]
    fn packed_keys_equal_the_f32_keys_for_both_metrics() {
        let dim = 130;
        let rows: Vec<Vec<f32>> = (0..40u32)
            .map(|r| {
                (0..dim)
                    .map(|i| f32::from(u8::from((i as u32 * 7 + r * 13) % 5 < 2)))
                    .collect()
            })
            .collect();
        let mut packed = BinaryVectors::new(dim);
        let mut dense = DenseVectors::new(dim);
        for (slot, row) in rows.iter().enumerate() {
            packed.set(u32::try_from(slot).unwrap_or(0), row);
            dense.push(row).unwrap_or_else(|e| panic!("{e}"));
        }
        assert_eq!(packed.slots(), 40);
        for metric in [Metric::Hamming, Metric::Jaccard] {
            let bits = BinarySpace::new(&packed, metric).unwrap_or_else(|| panic!("binary"));
            let floats = FullPrecision::new(&dense, metric);
            for q in &rows[..5] {
                let (bq, fq) = (bits.query(q), floats.query(q));
                for node in 0..40 {
                    let (b, f) = (bits.key(&bq, node), floats.key(&fq, node));
                    assert!((b - f).abs() < 1e-5, "{metric:?} node {node}: {b} vs {f}");
                }
            }
            assert!((bits.key_between(3, 9) - floats.key_between(3, 9)).abs() < 1e-5);
        }
        assert!(BinarySpace::new(&packed, Metric::Cosine).is_none());
    }
}
