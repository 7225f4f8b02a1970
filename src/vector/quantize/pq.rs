//! Product quantization (PQ): a vector is cut into `m` subvectors of `sub_dim` components (the
//! last one shorter when `sub_dim` does not divide the dimension), and each subvector is stored
//! as the one-byte index of its nearest centroid among 256 trained for that subspace by k-means.
//!
//! Search uses asymmetric distance computation (ADC): per query, a table of the partial key
//! between each query subvector and each of the 256 centroids of its subspace (`dim × 256`
//! operations once); a node's key is then `m` table lookups summed. That decomposition holds for
//! Cosine / Dot (partial dot products), Euclid (partial squared distances) and Manhattan; the
//! other metrics decode the code and use the metric's scalar formula.

use rayon::prelude::*;

use super::codes::Codes;
use super::kmeans;
use crate::vector::{Metric, Space};

/// Centroids per subspace (one byte per subvector).
pub const CENTROIDS: usize = 256;
/// Lloyd iterations while training.
const ITERATIONS: usize = 10;
/// Seed of the initial centroids (fixed: training is deterministic).
const SEED: u64 = 0x5eed_c0de_b00c_0001;

/// Trained PQ parameters: one codebook per subspace.
#[derive(Debug, Clone, PartialEq)]
pub struct Pq {
    metric: Metric,
    dim: usize,
    sub_dim: usize,
    /// Subspace `j`'s 256 centroids start at `j · 256 · sub_dim` (every earlier subspace is full).
    centroids: Vec<f32>,
}

impl Pq {
    /// Trains codebooks for subvectors of `sub_dim` components on `sample` (rows of `dim`
    /// components, back to back), one subspace per rayon task on the current pool.
    #[must_use]
    pub fn train(metric: Metric, dim: usize, sub_dim: usize, sample: &[f32]) -> Self {
        let sub_dim = sub_dim.clamp(1, dim.max(1));
        let m = dim.div_ceil(sub_dim);
        let rows = sample.len().checked_div(dim).unwrap_or(0);
        let books: Vec<Vec<f32>> = (0..m)
            .into_par_iter()
            .map(|j| {
                let (start, len) = (j * sub_dim, sub_dim.min(dim - j * sub_dim));
                let sub: Vec<f32> = (0..rows)
                    .flat_map(|r| sample[r * dim + start..][..len].iter().copied())
                    .collect();
                kmeans::train(&sub, len, CENTROIDS, ITERATIONS, SEED ^ j as u64)
            })
            .collect();
        Self {
            metric,
            dim,
            sub_dim,
            centroids: books.concat(),
        }
    }

    /// Parameters read back from a checkpoint.
    #[must_use]
    pub fn from_parts(
        metric: Metric,
        dim: usize,
        sub_dim: usize,
        centroids: Vec<f32>,
    ) -> Option<Self> {
        (sub_dim >= 1
            && sub_dim <= dim
            && centroids.len() == CENTROIDS * dim
            && centroids.iter().all(|x| x.is_finite()))
        .then_some(Self {
            metric,
            dim,
            sub_dim,
            centroids,
        })
    }

    /// The dimension.
    #[must_use]
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Components per subvector (the last subvector may be shorter).
    #[must_use]
    pub fn sub_dim(&self) -> usize {
        self.sub_dim
    }

    /// Every codebook, subspace after subspace.
    #[must_use]
    pub fn centroids(&self) -> &[f32] {
        &self.centroids
    }

    /// Number of subspaces: bytes per code.
    #[must_use]
    pub fn code_width(&self) -> usize {
        self.dim.div_ceil(self.sub_dim)
    }

    /// Subspace `j`'s first component, length and codebook.
    fn subspace(&self, j: usize) -> (usize, usize, &[f32]) {
        let start = j * self.sub_dim;
        let len = self.sub_dim.min(self.dim - start);
        (
            start,
            len,
            &self.centroids[j * CENTROIDS * self.sub_dim..][..CENTROIDS * len],
        )
    }

    /// Encodes `v` into `out` (`code_width` long): the nearest centroid of each subvector.
    pub fn encode(&self, v: &[f32], out: &mut [u8]) {
        for (j, o) in out.iter_mut().enumerate().take(self.code_width()) {
            let (start, len, book) = self.subspace(j);
            // A codebook has 256 entries, so the index fits a byte.
            *o = kmeans::nearest(book, len, &v[start..start + len]).0 as u8;
        }
    }

    /// The approximate vector a code stands for.
    #[must_use]
    pub fn decode(&self, code: &[u8]) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.dim);
        for (j, &c) in code.iter().enumerate().take(self.code_width()) {
            let (_, len, book) = self.subspace(j);
            out.extend_from_slice(&book[usize::from(c) * len..][..len]);
        }
        out
    }

    /// The search space over `codes`.
    #[must_use]
    pub fn space<'a>(&'a self, codes: &'a Codes) -> PqSpace<'a> {
        PqSpace { pq: self, codes }
    }
}

/// A query prepared for PQ codes.
#[derive(Debug, Clone)]
pub enum PqQuery {
    /// Partial keys: entry `j · 256 + c` is the key between query subvector `j` and centroid `c`.
    Table(Vec<f32>),
    /// Metrics that do not decompose over subspaces: decode, then the metric's key.
    Decode(Vec<f32>),
}

/// PQ codes as a [`Space`].
#[derive(Debug, Clone, Copy)]
pub struct PqSpace<'a> {
    pq: &'a Pq,
    codes: &'a Codes,
}

impl Space for PqSpace<'_> {
    type Query = PqQuery;

    fn query(&self, q: &[f32]) -> PqQuery {
        let partial: fn(&[f32], &[f32]) -> f32 = match self.pq.metric {
            Metric::Cosine | Metric::Dot => {
                |a, b| -a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>()
            }
            Metric::Euclid => |a, b| a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum(),
            Metric::Manhattan => |a, b| a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum(),
            Metric::Chebyshev
            | Metric::Canberra
            | Metric::BrayCurtis
            | Metric::Hamming
            | Metric::Jaccard => {
                return PqQuery::Decode(q.to_vec());
            }
        };
        let m = self.pq.code_width();
        let mut table = Vec::with_capacity(m * CENTROIDS);
        for j in 0..m {
            let (start, len, book) = self.pq.subspace(j);
            let sub = &q[start..start + len];
            table.extend(book.chunks_exact(len).map(|c| partial(sub, c)));
        }
        PqQuery::Table(table)
    }

    fn node_query(&self, node: u32) -> PqQuery {
        self.query(&self.pq.decode(self.codes.get(node)))
    }

    #[inline]
    fn key(&self, query: &PqQuery, node: u32) -> f32 {
        let code = self.codes.get(node);
        match query {
            PqQuery::Table(table) => code
                .iter()
                .zip(table.chunks_exact(CENTROIDS))
                .map(|(&c, row)| row[usize::from(c)])
                .sum(),
            PqQuery::Decode(q) => self.pq.metric.rank_key(q, &self.pq.decode(code)),
        }
    }

    fn key_between(&self, a: u32, b: u32) -> f32 {
        let (x, y) = (
            self.pq.decode(self.codes.get(a)),
            self.pq.decode(self.codes.get(b)),
        );
        self.pq.metric.rank_key(&x, &y)
    }

    #[inline]
    fn prefetch_start(&self, node: u32) {
        self.codes.prefetch_start(node);
    }

    #[inline]
    fn prefetch_rest(&self, node: u32) {
        self.codes.prefetch_rest(node);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: usize, dim: usize, seed: u64) -> Vec<f32> {
        crate::vector::test_data::uniform(seed, n * dim)
    }

    #[test]
    fn adc_key_equals_decode_then_distance() {
        // 10 does not divide by 4: the last subspace has 2 components.
        let dim = 10;
        let data = rows(600, dim, 5);
        let query = rows(1, dim, 9);
        for metric in [
            Metric::Dot,
            Metric::Euclid,
            Metric::Manhattan,
            Metric::Chebyshev,
        ] {
            let pq = Pq::train(metric, dim, 4, &data);
            assert_eq!(pq.code_width(), 3);
            let mut codes = Codes::new(pq.code_width());
            let mut code = vec![0u8; pq.code_width()];
            for (slot, v) in data.chunks_exact(dim).enumerate() {
                pq.encode(v, &mut code);
                codes.set(u32::try_from(slot).unwrap_or(0), &code);
            }
            let space = pq.space(&codes);
            let q = space.query(&query);
            for slot in 0..600u32 {
                let expected = metric.rank_key(&query, &pq.decode(codes.get(slot)));
                let got = space.key(&q, slot);
                assert!(
                    (got - expected).abs() <= 1e-4 * expected.abs().max(1.0),
                    "{metric:?} slot {slot}: {got} vs {expected}"
                );
            }
        }
    }

    #[test]
    fn reconstruction_beats_the_mean() {
        // With 256 centroids per 2-d subspace on 600 points the reconstruction error must be far
        // below the variance (what a single centroid, the mean, would give).
        let dim = 8;
        let data = rows(600, dim, 17);
        let pq = Pq::train(Metric::Euclid, dim, 2, &data);
        let mut code = vec![0u8; pq.code_width()];
        let (mut err, mut var) = (0.0f32, 0.0f32);
        for v in data.chunks_exact(dim) {
            pq.encode(v, &mut code);
            let back = pq.decode(&code);
            err += v
                .iter()
                .zip(&back)
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f32>();
            var += v.iter().map(|a| a * a).sum::<f32>();
        }
        assert!(err < 0.1 * var, "error {err} vs variance {var}");
    }
}
