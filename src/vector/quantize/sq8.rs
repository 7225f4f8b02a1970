//! Scalar int8 quantization (SQ8): every component becomes one byte.
//!
//! Training takes, per dimension, the `(1 − q)/2` and `(1 + q)/2` quantiles of a sample (`q` the
//! configured `quantile`, e.g. 0.99 clips the 0.5 % tails on each side) as the range
//! `[min_i, min_i + 255·scale_i]`; a component is stored as `round((x − min_i) / scale_i)`
//! clamped to `0..=255`, and decodes to `min_i + scale_i · c` (error at most `scale_i / 2` inside
//! the range).
//!
//! Search is asymmetric: the `f32` query is transformed once, so each key is one pass over the
//! codes with a SIMD kernel ([`super::kernels`]):
//! - Cosine / Dot: `q·x ≈ Σ q_i·min_i + Σ (q_i·scale_i)·c_i`, key the negation;
//! - Euclid: `|q − x|² ≈ Σ ((q_i − min_i) − scale_i·c_i)²`;
//! - other metrics decode the code and use the metric's scalar formula (no fast path).

use super::codes::Codes;
use super::kernels::{self, U8KernelSet};
use crate::vector::{Metric, Space};

/// Trained SQ8 parameters: per-dimension offset and step.
#[derive(Debug, Clone, PartialEq)]
pub struct Sq8 {
    metric: Metric,
    min: Vec<f32>,
    scale: Vec<f32>,
}

impl Sq8 {
    /// Trains on `sample` (rows of `dim` components, back to back) with quantile `quantile` in
    /// `(0, 1]`. An empty sample gives the range `[0, 0]` (every code decodes to 0).
    #[must_use]
    pub fn train(metric: Metric, dim: usize, sample: &[f32], quantile: f32) -> Self {
        let rows = sample.len().checked_div(dim).unwrap_or(0);
        let mut min = vec![0.0f32; dim];
        let mut scale = vec![0.0f32; dim];
        if rows > 0 {
            let tail = f64::from((1.0 - quantile.clamp(0.0, 1.0)) / 2.0);
            let lo_at = ((rows - 1) as f64 * tail).round() as usize;
            let hi_at = ((rows - 1) as f64 * (1.0 - tail)).round() as usize;
            let mut column = Vec::with_capacity(rows);
            for d in 0..dim {
                column.clear();
                column.extend((0..rows).map(|r| sample[r * dim + d]));
                column.sort_unstable_by(f32::total_cmp);
                let (lo, hi) = (column[lo_at], column[hi_at.max(lo_at)]);
                min[d] = lo;
                scale[d] = (hi - lo) / 255.0;
            }
        }
        Self { metric, min, scale }
    }

    /// Parameters read back from a checkpoint.
    #[must_use]
    pub fn from_parts(metric: Metric, min: Vec<f32>, scale: Vec<f32>) -> Option<Self> {
        (min.len() == scale.len() && min.iter().chain(&scale).all(|x| x.is_finite()))
            .then_some(Self { metric, min, scale })
    }

    /// Per-dimension offsets.
    #[must_use]
    pub fn min(&self) -> &[f32] {
        &self.min
    }

    /// Per-dimension steps.
    #[must_use]
    pub fn scale(&self) -> &[f32] {
        &self.scale
    }

    /// The dimension.
    #[must_use]
    pub fn dim(&self) -> usize {
        self.min.len()
    }

    /// Bytes per code.
    #[must_use]
    pub fn code_width(&self) -> usize {
        self.dim()
    }

    /// Encodes `v` into `out` (both `dim` long).
    pub fn encode(&self, v: &[f32], out: &mut [u8]) {
        for (((o, &x), &m), &s) in out.iter_mut().zip(v).zip(&self.min).zip(&self.scale) {
            *o = if s > 0.0 {
                // Clamped into 0..=255 first, so the cast is exact.
                ((x - m) / s).round().clamp(0.0, 255.0) as u8
            } else {
                0
            };
        }
    }

    /// The approximate vector a code stands for.
    #[must_use]
    pub fn decode(&self, code: &[u8]) -> Vec<f32> {
        code.iter()
            .zip(&self.min)
            .zip(&self.scale)
            .map(|((&c, &m), &s)| m + s * f32::from(c))
            .collect()
    }

    /// The search space over `codes`.
    #[must_use]
    pub fn space<'a>(&'a self, codes: &'a Codes) -> Sq8Space<'a> {
        Sq8Space {
            sq: self,
            codes,
            kernels: kernels::selected(),
        }
    }
}

/// A query transformed for SQ8 codes.
#[derive(Debug, Clone)]
pub enum Sq8Query {
    /// Cosine / Dot: key = `−(offset + Σ w_i·c_i)`.
    Dot {
        /// `q_i · scale_i`.
        w: Vec<f32>,
        /// `Σ q_i · min_i`.
        offset: f32,
    },
    /// Euclid: key = `Σ (a_i − scale_i·c_i)²`.
    L2 {
        /// `q_i − min_i`.
        a: Vec<f32>,
    },
    /// Metrics without a fast path: decode, then the metric's key.
    Decode {
        /// The query as given.
        q: Vec<f32>,
    },
}

/// SQ8 codes as a [`Space`].
#[derive(Debug, Clone, Copy)]
pub struct Sq8Space<'a> {
    sq: &'a Sq8,
    codes: &'a Codes,
    kernels: &'static U8KernelSet,
}

impl Space for Sq8Space<'_> {
    type Query = Sq8Query;

    fn query(&self, q: &[f32]) -> Sq8Query {
        match self.sq.metric {
            Metric::Cosine | Metric::Dot => Sq8Query::Dot {
                w: q.iter().zip(&self.sq.scale).map(|(x, s)| x * s).collect(),
                offset: q.iter().zip(&self.sq.min).map(|(x, m)| x * m).sum(),
            },
            Metric::Euclid => Sq8Query::L2 {
                a: q.iter().zip(&self.sq.min).map(|(x, m)| x - m).collect(),
            },
            Metric::Manhattan
            | Metric::Chebyshev
            | Metric::Canberra
            | Metric::BrayCurtis
            | Metric::Hamming
            | Metric::Jaccard => Sq8Query::Decode { q: q.to_vec() },
        }
    }

    fn node_query(&self, node: u32) -> Sq8Query {
        self.query(&self.sq.decode(self.codes.get(node)))
    }

    #[inline]
    fn key(&self, query: &Sq8Query, node: u32) -> f32 {
        let code = self.codes.get(node);
        match query {
            Sq8Query::Dot { w, offset } => -(offset + self.kernels.dot_u8(w, code)),
            Sq8Query::L2 { a } => self.kernels.l2_u8(a, &self.sq.scale, code),
            Sq8Query::Decode { q } => self.sq.metric.rank_key(q, &self.sq.decode(code)),
        }
    }

    fn key_between(&self, a: u32, b: u32) -> f32 {
        let (x, y) = (
            self.sq.decode(self.codes.get(a)),
            self.sq.decode(self.codes.get(b)),
        );
        self.sq.metric.rank_key(&x, &y)
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

    /// Values in [-2, 2).
    fn rows(n: usize, dim: usize, seed: u64) -> Vec<f32> {
        crate::vector::test_data::uniform(seed, n * dim)
            .into_iter()
            .map(|x| x * 4.0)
            .collect()
    }

    #[test]
    fn decode_is_within_half_a_step_inside_the_range() {
        let dim = 13;
        let data = rows(500, dim, 7);
        let sq = Sq8::train(Metric::Euclid, dim, &data, 1.0);
        let mut code = vec![0u8; dim];
        for v in data.chunks_exact(dim) {
            sq.encode(v, &mut code);
            let back = sq.decode(&code);
            for d in 0..dim {
                assert!(
                    (back[d] - v[d]).abs() <= sq.scale()[d] / 2.0 + 1e-6,
                    "dim {d}: {} vs {}",
                    back[d],
                    v[d]
                );
            }
        }
    }

    #[test]
    fn quantile_clips_outliers_and_clamps_codes() {
        let dim = 1;
        let mut data: Vec<f32> = (0..1000).map(|i| i as f32 / 1000.0).collect();
        data[0] = -1000.0;
        data[999] = 1000.0;
        let sq = Sq8::train(Metric::Euclid, dim, &data, 0.99);
        assert!(sq.min()[0] > -1.0, "outlier not clipped: {}", sq.min()[0]);
        let mut code = [0u8];
        sq.encode(&[1000.0], &mut code);
        assert_eq!(code[0], 255);
        sq.encode(&[-1000.0], &mut code);
        assert_eq!(code[0], 0);
    }

    #[test]
    fn asymmetric_keys_equal_decode_then_distance() {
        let dim = 37;
        let data = rows(200, dim, 3);
        let query = &rows(1, dim, 11);
        for metric in [Metric::Dot, Metric::Euclid, Metric::Manhattan] {
            let sq = Sq8::train(metric, dim, &data, 0.99);
            let mut codes = Codes::new(dim);
            let mut code = vec![0u8; dim];
            for (slot, v) in data.chunks_exact(dim).enumerate() {
                sq.encode(v, &mut code);
                codes.set(u32::try_from(slot).unwrap_or(0), &code);
            }
            let space = sq.space(&codes);
            let q = space.query(query);
            for slot in 0..200u32 {
                let expected = metric.rank_key(query, &sq.decode(codes.get(slot)));
                let got = space.key(&q, slot);
                assert!(
                    (got - expected).abs() <= 1e-3 * expected.abs().max(1.0),
                    "{metric:?} slot {slot}: {got} vs {expected}"
                );
            }
        }
    }
}
