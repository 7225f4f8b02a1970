//! Searching a graph on quantized codes, then re-scoring the candidates on `f32` vectors.
//!
//! The graph walk reads only codes: it collects `ceil(k · oversampling)` candidates (the search
//! list `ef` raised to at least that). With `rescore` (the default) each candidate's exact key is
//! computed from its full-precision vector and the best `k` are returned with exact scores;
//! without it the best `k` by quantized key are returned with approximate scores.

use super::{Quantized, Quantizer};
use crate::vector::hnsw::Hnsw;
use crate::vector::{DenseVectors, Metric, ScoredSlot, Space, distance_count};

/// Per-query quantization options (Qdrant's `params.quantization`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuantizedSearch {
    /// Search on `f32` vectors even where codes exist.
    pub ignore: bool,
    /// Re-score the candidates on `f32` vectors.
    pub rescore: bool,
    /// Candidates per requested hit (at least 1).
    pub oversampling: f32,
}

impl Default for QuantizedSearch {
    fn default() -> Self {
        Self {
            ignore: false,
            rescore: true,
            oversampling: 1.0,
        }
    }
}

impl QuantizedSearch {
    /// Candidates to collect for `k` hits, never more than `cap` (nor fewer than `k`).
    #[must_use]
    pub fn candidates(&self, k: usize, cap: usize) -> usize {
        let factor = if self.oversampling.is_finite() {
            f64::from(self.oversampling.max(1.0))
        } else {
            1.0
        };
        // The product is capped before the cast, so it fits.
        ((k as f64 * factor).ceil().min(cap.max(k) as f64) as usize).max(k)
    }
}

/// The `k` nearest slots accepted by `allow`, best first: the graph `index` walked on the codes
/// of `quantized` with a search list of at least `ef`, then re-scored on `vectors` when asked.
#[expect(
    clippy::too_many_arguments,
    reason = "one search with all its inputs, no state"
)]
#[must_use]
pub fn search(
    quantized: &Quantized,
    index: &Hnsw,
    vectors: &DenseVectors,
    metric: Metric,
    query: &[f32],
    k: usize,
    ef: usize,
    allow: &dyn Fn(u32) -> bool,
    params: QuantizedSearch,
) -> Vec<ScoredSlot> {
    let candidates = params.candidates(k, vectors.slots());
    let ef = ef.max(candidates);
    let found = match &quantized.quantizer {
        Quantizer::Sq8(q) => {
            let space = q.space(&quantized.codes);
            index.search(&space, &space.query(query), candidates, ef, allow)
        }
        Quantizer::Pq(q) => {
            let space = q.space(&quantized.codes);
            index.search(&space, &space.query(query), candidates, ef, allow)
        }
    };
    let mut ranked: Vec<(f32, u32)> = if params.rescore {
        let key_fn = metric.key_fn();
        distance_count::add(found.len());
        found
            .iter()
            .map(|n| (key_fn.key(query, vectors.get(n.slot)), n.slot))
            .collect()
    } else {
        found.iter().map(|n| (n.key, n.slot)).collect()
    };
    ranked.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    ranked.truncate(k);
    ranked
        .into_iter()
        .map(|(key, slot)| ScoredSlot {
            slot,
            score: metric.score_from_rank_key(key),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{QuantizedSearch, search};
    use crate::vector::hnsw::{Hnsw, HnswConfig};
    use crate::vector::quantize::{Compression, QuantizationConfig, QuantizationMethod, train};
    use crate::vector::{DenseVectors, FullPrecision, Metric, top_k};

    /// Recall@10 of searches on codes (re-scored) against exact search, per metric and quantizer:
    /// the conformance check of the whole path below the engine.
    #[test]
    fn rescored_code_search_agrees_with_exact_search() {
        let (dim, n) = (32, 1500);
        let rows: Vec<Vec<f32>> = crate::vector::test_data::uniform(77, (n + 20) * dim)
            .chunks(dim)
            .map(<[f32]>::to_vec)
            .collect();
        for metric in [Metric::Dot, Metric::Euclid, Metric::Manhattan] {
            let mut vectors = DenseVectors::new(dim);
            for r in &rows[..n] {
                vectors.push(r).unwrap_or_else(|e| panic!("{e}"));
            }
            let slots: Vec<u32> = (0..n as u32).collect();
            let mut index = Hnsw::new(HnswConfig {
                m: 16,
                ef_construction: 100,
            });
            index.insert_many(&FullPrecision::new(&vectors, metric), &slots);
            for (method, oversampling, bound) in [
                (QuantizationMethod::Scalar { quantile: 0.99 }, 2.0, 0.95),
                (
                    QuantizationMethod::Product {
                        compression: Compression::X8,
                    },
                    4.0,
                    0.8,
                ),
            ] {
                let config = QuantizationConfig {
                    method,
                    always_ram: true,
                };
                let q = train(&config, metric, &vectors, &slots);
                let params = QuantizedSearch {
                    oversampling,
                    ..QuantizedSearch::default()
                };
                let (mut hits, mut total) = (0, 0);
                for query in &rows[n..] {
                    let exact: Vec<u32> =
                        top_k(&vectors, slots.iter().copied(), query, metric, 10, None)
                            .into_iter()
                            .map(|h| h.slot)
                            .collect();
                    let found = search(
                        &q,
                        &index,
                        &vectors,
                        metric,
                        query,
                        10,
                        64,
                        &|_| true,
                        params,
                    );
                    for (a, b) in found.iter().zip(found.iter().skip(1)) {
                        let ordered = if metric.higher_is_better() {
                            a.score >= b.score
                        } else {
                            a.score <= b.score
                        };
                        assert!(ordered, "{metric:?}: results out of order");
                    }
                    hits += found.iter().filter(|h| exact.contains(&h.slot)).count();
                    total += exact.len();
                }
                let recall = hits as f64 / total as f64;
                assert!(recall >= bound, "{metric:?} {method:?}: recall@10 {recall}");
            }
        }
    }

    #[test]
    fn candidates_round_up_and_stay_bounded() {
        let p = |oversampling| QuantizedSearch {
            oversampling,
            ..QuantizedSearch::default()
        };
        assert_eq!(p(1.0).candidates(10, 1000), 10);
        assert_eq!(p(2.05).candidates(10, 1000), 21);
        assert_eq!(p(0.5).candidates(10, 1000), 10);
        assert_eq!(p(f32::NAN).candidates(10, 1000), 10);
        assert_eq!(p(1e9).candidates(10, 1000), 1000);
        assert_eq!(p(3.0).candidates(10, 5), 10);
    }
}
