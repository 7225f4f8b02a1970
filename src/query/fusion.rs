//! Fusion: several ranked lists of the same points (a dense search, a sparse one, BM25 text) made
//! into one ranking, as Qdrant's Query API defines it for `prefetch` branches.
//!
//! - [`Fusion::Rrf`], reciprocal rank fusion: only positions count. A point at 0-based position
//!   `p` of a list with weight `w` earns `1 / ((p + 1) / w + k - 1)`, summed over the lists it is
//!   in; with `w = 1` that is `1 / (p + k)`. Qdrant's default `k` is 2 (the `k` of the original
//!   paper, 60 with 1-based ranks, is 61 here). A weight of 3 reads as "three places of this list
//!   for one of a list of weight 1"; a weight of zero or less contributes nothing.
//! - [`Fusion::Dbsf`], distribution-based score fusion: each list's scores are mapped to `[0, 1]`
//!   between its mean minus and plus three sample standard deviations (values outside map
//!   outside; a list of one point, or of equal scores, maps to 0.5), then summed.
//! - [`Fusion::Weighted`], a Plait extension: each list's scores min–max normalised to `[0, 1]`
//!   (one point or equal scores: 1), multiplied by the list's weight, and summed. A point absent
//!   from a list earns nothing from it.
//!
//! Scores enter as "larger is better" ([`RankedList::larger_is_better`] turns a distance around)
//! and leave that way. Ties are broken by the smaller key, so a fusion is deterministic.
//!
//! Pure functions over keys and scores: no index, no I/O.

use std::collections::HashMap;
use std::hash::Hash;

/// How ranked lists become one.
#[derive(Debug, Clone, PartialEq)]
pub enum Fusion {
    /// Reciprocal rank fusion with its constant `k` (at least 1) and optional weights, one per
    /// list.
    Rrf {
        /// The rank constant.
        k: u32,
        /// One weight per list; every list weighs 1 without them.
        weights: Option<Vec<f32>>,
    },
    /// Distribution-based score fusion.
    Dbsf,
    /// Min–max normalised scores, weighted and summed.
    Weighted {
        /// One weight per list.
        weights: Vec<f32>,
    },
}

/// Qdrant's default RRF constant.
pub const DEFAULT_RRF_K: u32 = 2;

/// One ranked list: keys best first, with their scores.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedList<K> {
    /// `(key, score)`, best first.
    pub hits: Vec<(K, f32)>,
    /// Whether a larger score is better (a similarity, BM25); `false` for a distance.
    pub larger_is_better: bool,
}

/// Why lists cannot be fused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FusionError {
    /// Weights given, but not one per list.
    #[error("{weights} weights for {lists} lists: give one weight per prefetch")]
    WeightCount {
        /// Weights given.
        weights: usize,
        /// Lists to fuse.
        lists: usize,
    },
    /// A weight that is not a finite number.
    #[error("a fusion weight must be a finite number, got {0}")]
    BadWeight(f32),
    /// `k` of zero.
    #[error("the RRF constant k must be at least 1")]
    BadK,
}

impl Fusion {
    /// `lists` fused, best first, at most `limit` of them.
    ///
    /// # Errors
    /// [`FusionError`] for weights that do not match the lists, or are not finite; `k` of 0.
    pub fn fuse<K: Copy + Eq + Hash + Ord>(
        &self,
        lists: &[RankedList<K>],
        limit: usize,
    ) -> Result<Vec<(K, f32)>, FusionError> {
        let weights = self.weights(lists.len())?;
        let mut sums: HashMap<K, f64> = HashMap::new();
        for (list, weight) in lists.iter().zip(weights) {
            let scores = match self {
                Self::Rrf { k, .. } => rrf_scores(list, *k, weight),
                Self::Dbsf => distribution_scores(list),
                Self::Weighted { .. } => min_max_scores(list)
                    .into_iter()
                    .map(|s| s * f64::from(weight))
                    .collect(),
            };
            for ((key, _), score) in list.hits.iter().zip(scores) {
                *sums.entry(*key).or_default() += score;
            }
        }
        let mut fused: Vec<(K, f64)> = sums.into_iter().collect();
        fused.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        fused.truncate(limit);
        #[allow(clippy::cast_possible_truncation)] // scores are reported as f32, like every score
        Ok(fused.into_iter().map(|(k, s)| (k, s as f32)).collect())
    }

    fn weights(&self, lists: usize) -> Result<Vec<f32>, FusionError> {
        let given = match self {
            Self::Rrf { k: 0, .. } => return Err(FusionError::BadK),
            Self::Rrf { weights, .. } => weights.as_deref(),
            Self::Dbsf => None,
            Self::Weighted { weights } => Some(weights.as_slice()),
        };
        let Some(given) = given else {
            return Ok(vec![1.0; lists]);
        };
        if given.len() != lists {
            return Err(FusionError::WeightCount {
                weights: given.len(),
                lists,
            });
        }
        if let Some(bad) = given.iter().find(|w| !w.is_finite()) {
            return Err(FusionError::BadWeight(*bad));
        }
        Ok(given.to_vec())
    }
}

/// Each position's RRF share.
fn rrf_scores<K>(list: &RankedList<K>, k: u32, weight: f32) -> Vec<f64> {
    (0..list.hits.len())
        .map(|p| {
            if weight <= 0.0 {
                0.0
            } else {
                1.0 / ((p as f64 + 1.0) / f64::from(weight) + f64::from(k) - 1.0)
            }
        })
        .collect()
}

/// The list's scores as "larger is better".
fn oriented<K>(list: &RankedList<K>) -> impl Iterator<Item = f64> + '_ {
    list.hits.iter().map(|(_, s)| {
        let s = f64::from(*s);
        if list.larger_is_better { s } else { -s }
    })
}

/// Scores mapped to `[0, 1]` between mean ± 3 sample standard deviations.
fn distribution_scores<K>(list: &RankedList<K>) -> Vec<f64> {
    let n = list.hits.len();
    if n < 2 {
        return vec![0.5; n];
    }
    let scores: Vec<f64> = oriented(list).collect();
    let mean = scores.iter().sum::<f64>() / n as f64;
    let variance = scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0);
    let deviation = variance.sqrt();
    scaled(scores, mean - 3.0 * deviation, mean + 3.0 * deviation, 0.5)
}

/// Scores mapped to `[0, 1]` between the list's worst and best.
fn min_max_scores<K>(list: &RankedList<K>) -> Vec<f64> {
    let scores: Vec<f64> = oriented(list).collect();
    let low = scores.iter().copied().fold(f64::INFINITY, f64::min);
    let high = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    scaled(scores, low, high, 1.0)
}

/// `scores` mapped linearly so that `low` is 0 and `high` is 1; every score is `flat` when the
/// two meet.
fn scaled(scores: Vec<f64>, low: f64, high: f64, flat: f64) -> Vec<f64> {
    scores
        .into_iter()
        .map(|s| {
            if high > low {
                (s - low) / (high - low)
            } else {
                flat
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn list(hits: &[(u32, f32)]) -> RankedList<u32> {
        RankedList {
            hits: hits.to_vec(),
            larger_is_better: true,
        }
    }

    fn close(a: f32, b: f64) -> bool {
        (f64::from(a) - b).abs() < 1e-5
    }

    #[test]
    fn rrf_sums_reciprocal_positions_with_qdrants_constant() {
        let a = list(&[(1, 0.9), (2, 0.8), (3, 0.1)]);
        let b = list(&[(3, 12.0), (1, 7.0)]);
        let fused = Fusion::Rrf {
            k: DEFAULT_RRF_K,
            weights: None,
        }
        .fuse(&[a, b], 10)
        .unwrap_or_default();
        // 1: 1/2 + 1/3; 3: 1/4 + 1/2; 2: 1/3.
        assert_eq!(
            fused.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            vec![1, 3, 2]
        );
        assert!(close(fused[0].1, 0.5 + 1.0 / 3.0));
        assert!(close(fused[1].1, 0.25 + 0.5));
        assert!(close(fused[2].1, 1.0 / 3.0));
    }

    #[test]
    fn rrf_weights_stretch_positions_and_zero_silences_a_list() {
        let a = list(&[(1, 0.0), (2, 0.0)]);
        let b = list(&[(2, 0.0), (1, 0.0)]);
        let weighted = Fusion::Rrf {
            k: DEFAULT_RRF_K,
            weights: Some(vec![3.0, 1.0]),
        }
        .fuse(&[a.clone(), b.clone()], 10)
        .unwrap_or_default();
        // 1: 1/(1/3 + 1) + 1/(2 + 1); 2: 1/(2/3 + 1) + 1/(1 + 1): the weight reads a list's
        // positions as if three times nearer the top.
        assert_eq!(weighted[0].0, 2);
        assert!(close(weighted[0].1, 0.6 + 0.5));
        assert!(close(weighted[1].1, 0.75 + 1.0 / 3.0));
        let silenced = Fusion::Rrf {
            k: 60,
            weights: Some(vec![0.0, 1.0]),
        }
        .fuse(&[a, b], 10)
        .unwrap_or_default();
        assert_eq!(silenced[0].0, 2, "only the second list counts");
    }

    #[test]
    fn dbsf_maps_each_list_by_its_own_spread() {
        // Equal spreads on different scales (cosine vs BM25) weigh the same.
        let dense = list(&[(1, 0.9), (2, 0.8), (3, 0.7)]);
        let text = list(&[(3, 30.0), (2, 20.0), (1, 10.0)]);
        let fused = Fusion::Dbsf.fuse(&[dense, text], 10).unwrap_or_default();
        assert_eq!(fused.len(), 3);
        for (_, score) in &fused {
            assert!(close(*score, 1.0), "{fused:?}");
        }
        // One point: 0.5. Distances are turned around first.
        let single = Fusion::Dbsf
            .fuse(&[list(&[(7, 3.0)])], 10)
            .unwrap_or_default();
        assert_eq!(single, vec![(7, 0.5)]);
        let distances = RankedList {
            hits: vec![(1, 0.1), (2, 0.5), (3, 0.9)],
            larger_is_better: false,
        };
        let fused = Fusion::Dbsf.fuse(&[distances], 10).unwrap_or_default();
        assert_eq!(fused[0].0, 1);
        assert!(fused[0].1 > fused[1].1 && fused[1].1 > fused[2].1);
        // mean 0.5, sample deviation 0.4: the nearest maps to (0.4 + 1.2) / 2.4.
        assert!(close(fused[0].1, (0.4 + 1.2) / 2.4));
    }

    #[test]
    fn weighted_fusion_normalises_then_weighs() {
        let dense = list(&[(1, 0.95), (2, 0.5)]);
        let text = list(&[(2, 8.0), (3, 4.0)]);
        let fused = Fusion::Weighted {
            weights: vec![0.7, 0.3],
        }
        .fuse(&[dense, text], 10)
        .unwrap_or_default();
        assert_eq!(fused[0], (1, 0.7));
        assert_eq!(fused[1].0, 2);
        assert!(close(fused[1].1, 0.3));
        assert_eq!(fused[2], (3, 0.0));
    }

    #[test]
    fn bad_weights_and_k_are_refused() {
        let lists = [list(&[(1, 1.0)]), list(&[(1, 1.0)])];
        assert_eq!(
            Fusion::Weighted { weights: vec![1.0] }.fuse(&lists, 10),
            Err(FusionError::WeightCount {
                weights: 1,
                lists: 2
            })
        );
        assert!(matches!(
            Fusion::Weighted {
                weights: vec![1.0, f32::NAN]
            }
            .fuse(&lists, 10),
            Err(FusionError::BadWeight(_))
        ));
        assert_eq!(
            Fusion::Rrf {
                k: 0,
                weights: None
            }
            .fuse(&lists, 10),
            Err(FusionError::BadK)
        );
    }

    proptest! {
        /// Every fused key comes from some list and appears once, the scores descend, and the
        /// limit holds.
        #[test]
        fn fused_lists_are_a_deduplicated_descending_union(
            lists in prop::collection::vec(
                prop::collection::vec((0u32..50, -10.0f32..10.0), 0..30), 1..4),
            limit in 0usize..40,
            which in 0usize..3,
        ) {
            let lists: Vec<RankedList<u32>> = lists.into_iter().map(|mut hits| {
                hits.sort_by(|a, b| b.1.total_cmp(&a.1));
                hits.dedup_by_key(|h| h.0);
                RankedList { hits, larger_is_better: true }
            }).collect();
            let fusion = match which {
                0 => Fusion::Rrf { k: DEFAULT_RRF_K, weights: None },
                1 => Fusion::Dbsf,
                _ => Fusion::Weighted { weights: vec![1.0; lists.len()] },
            };
            let fused = fusion.fuse(&lists, limit).unwrap_or_default();
            let union: std::collections::BTreeSet<u32> =
                lists.iter().flat_map(|l| l.hits.iter().map(|h| h.0)).collect();
            prop_assert_eq!(fused.len(), union.len().min(limit));
            let mut seen = std::collections::BTreeSet::new();
            for w in fused.windows(2) {
                prop_assert!(w[0].1 >= w[1].1);
            }
            for (k, s) in &fused {
                prop_assert!(union.contains(k));
                prop_assert!(seen.insert(*k));
                prop_assert!(s.is_finite());
            }
        }
    }
}
