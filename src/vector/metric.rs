//! [`Metric`]: how two vectors are compared, and which way scores sort.

use super::distance::{self, BinaryKind, DenseKernel};

/// The distance metric of a collection.
///
/// Score convention (the same as Qdrant's, so existing tooling reads scores correctly):
///
/// | metric      | score                                   | better |
/// |-------------|-----------------------------------------|--------|
/// | `Cosine`    | cosine similarity in [-1, 1]            | higher |
/// | `Dot`       | dot product                             | higher |
/// | `Euclid`    | Euclidean (L2) distance                 | lower  |
/// | `Manhattan` | Manhattan (L1) distance                 | lower  |
/// | `Chebyshev` | Chebyshev (L-infinity) distance         | lower  |
/// | `Canberra`  | Canberra distance                       | lower  |
/// | `BrayCurtis`| Bray-Curtis dissimilarity in [0, 1]     | lower  |
/// | `Hamming`   | differing components (binary vectors)   | lower  |
/// | `Jaccard`   | `1 - |a∧b| / |a∨b|` (binary vectors)    | lower  |
///
/// Hamming and Jaccard collections take vectors of 0/1 components; they are bit-packed for search
/// (see [`super::BinaryVectors`]). On the `f32` form the same distances are Σ|a−b| and
/// `1 − Σmin / Σmax`, which is what [`Metric::score`] computes.
///
/// ```
/// use plait::vector::Metric;
/// assert!(Metric::Cosine.higher_is_better());
/// assert_eq!(Metric::Euclid.score(&[0.0, 0.0], &[3.0, 4.0]), 5.0);
/// ```
///
/// Cosine collections store vectors normalised to unit length at upsert time (and return them that
/// way), so a cosine score is one dot product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    /// Cosine similarity.
    Cosine,
    /// Dot product.
    Dot,
    /// Euclidean distance.
    Euclid,
    /// Manhattan distance.
    Manhattan,
    /// Chebyshev (L-infinity) distance.
    Chebyshev,
    /// Canberra distance.
    Canberra,
    /// Bray-Curtis dissimilarity.
    BrayCurtis,
    /// Hamming distance between binary vectors.
    Hamming,
    /// Jaccard distance between binary vectors.
    Jaccard,
}

impl Metric {
    /// Whether a higher score means a closer vector.
    #[must_use]
    pub fn higher_is_better(self) -> bool {
        matches!(self, Self::Cosine | Self::Dot)
    }

    /// Whether vectors must be binary (every component 0 or 1), bit-packed for search.
    #[must_use]
    pub fn is_binary(self) -> bool {
        matches!(self, Self::Hamming | Self::Jaccard)
    }

    /// The bit-packed kernel of a binary metric.
    #[must_use]
    pub fn binary_key_fn(self) -> Option<distance::BinaryKeyFn> {
        let set = distance::selected();
        match self {
            Self::Hamming => Some(set.binary_key_fn(BinaryKind::Hamming)),
            Self::Jaccard => Some(set.binary_key_fn(BinaryKind::Jaccard)),
            _ => None,
        }
    }

    /// Whether stored and query vectors are normalised to unit length first.
    #[must_use]
    pub fn normalizes(self) -> bool {
        matches!(self, Self::Cosine)
    }

    /// The score of `stored` for `query` (both already prepared, same length).
    #[must_use]
    pub fn score(self, query: &[f32], stored: &[f32]) -> f32 {
        match self {
            Self::Cosine | Self::Dot => distance::dot(query, stored),
            Self::Euclid => distance::l2_squared(query, stored).sqrt(),
            Self::Manhattan | Self::Hamming => distance::l1(query, stored),
            Self::Jaccard => distance::scalar::jaccard_dense(query, stored),
            Self::Chebyshev => distance::scalar::chebyshev(query, stored),
            Self::Canberra => distance::scalar::canberra(query, stored),
            Self::BrayCurtis => distance::scalar::bray_curtis(query, stored),
        }
    }

    /// A key that sorts better scores first when compared ascending, cheap enough for hot loops.
    /// For Euclid it skips the square root, which does not change the order.
    #[must_use]
    pub fn rank_key(self, query: &[f32], stored: &[f32]) -> f32 {
        match self {
            Self::Cosine | Self::Dot => -distance::dot(query, stored),
            Self::Euclid => distance::l2_squared(query, stored),
            Self::Manhattan | Self::Hamming => distance::l1(query, stored),
            Self::Jaccard => distance::scalar::jaccard_dense(query, stored),
            Self::Chebyshev => distance::scalar::chebyshev(query, stored),
            Self::Canberra => distance::scalar::canberra(query, stored),
            Self::BrayCurtis => distance::scalar::bray_curtis(query, stored),
        }
    }

    /// [`Metric::rank_key`] with the kernel resolved once, for hot loops.
    #[must_use]
    pub fn key_fn(self) -> distance::KeyFn {
        let set = distance::selected();
        match self {
            Self::Cosine | Self::Dot => set.key_fn(DenseKernel::Dot, true),
            Self::Euclid => set.key_fn(DenseKernel::L2Squared, false),
            Self::Manhattan | Self::Hamming => set.key_fn(DenseKernel::L1, false),
            Self::Jaccard => set.key_fn(DenseKernel::JaccardDense, false),
            Self::Chebyshev => set.key_fn(DenseKernel::Chebyshev, false),
            Self::Canberra => set.key_fn(DenseKernel::Canberra, false),
            Self::BrayCurtis => set.key_fn(DenseKernel::BrayCurtis, false),
        }
    }

    /// Turns a [`Metric::rank_key`] back into the score the API reports.
    #[must_use]
    pub fn score_from_rank_key(self, key: f32) -> f32 {
        match self {
            Self::Cosine | Self::Dot => -key,
            Self::Euclid => key.sqrt(),
            Self::Manhattan
            | Self::Chebyshev
            | Self::Canberra
            | Self::BrayCurtis
            | Self::Hamming
            | Self::Jaccard => key,
        }
    }

    /// Whether `score` passes a threshold: at least it for similarities, at most it for distances.
    #[must_use]
    pub fn passes_threshold(self, score: f32, threshold: f32) -> bool {
        if self.higher_is_better() {
            score >= threshold
        } else {
            score <= threshold
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Metric;

    #[test]
    fn key_fn_agrees_with_rank_key_and_scores_round_trip() {
        let a = [0.3f32, -1.2, 2.5, 0.0, 4.0, -0.5, 1.0, 2.0, 3.0];
        let b = [1.1f32, 0.2, -2.0, 0.7, 3.5, 0.5, -1.0, 2.0, 0.1];
        for m in [
            Metric::Cosine,
            Metric::Dot,
            Metric::Euclid,
            Metric::Manhattan,
            Metric::Chebyshev,
            Metric::Canberra,
            Metric::BrayCurtis,
            Metric::Hamming,
            Metric::Jaccard,
        ] {
            let (reference, fast) = (m.rank_key(&a, &b), m.key_fn().key(&a, &b));
            assert!(
                (reference - fast).abs() <= 1e-5 * reference.abs().max(1.0),
                "{m:?}"
            );
            let score = m.score_from_rank_key(reference);
            assert!(
                (score - m.score(&a, &b)).abs() <= 1e-4 * score.abs().max(1.0),
                "{m:?}"
            );
        }
    }
}
