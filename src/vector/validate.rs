//! Validation and preparation of incoming vectors: dimension, finiteness, normalisation.

use super::Metric;

/// Why a vector was rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VectorError {
    /// The vector has the wrong number of components.
    #[error("vector has {got} dimensions, the collection expects {expected}")]
    DimensionMismatch {
        /// The collection's dimension.
        expected: usize,
        /// The vector's length.
        got: usize,
    },
    /// A component is NaN or infinite.
    #[error("vector component {index} is not a finite number")]
    NotFinite {
        /// Index of the first bad component.
        index: usize,
    },
    /// A binary metric needs every component to be 0 or 1.
    #[error(
        "vector component {index} is {value}; this collection's metric takes binary vectors (every component 0 or 1)"
    )]
    NotBinary {
        /// Index of the first bad component.
        index: usize,
        /// Its value.
        value: f32,
    },
    /// The vector is so long that a score between it and another accepted vector could overflow
    /// `f32` (and be answered as `null`).
    #[error(
        "vector is too long: its squared length is {norm_squared:e}, the limit is {MAX_NORM_SQUARED:e} so that every score stays a finite number"
    )]
    TooLong {
        /// Its squared L2 norm.
        norm_squared: f64,
    },
    /// A zero vector cannot be compared by cosine.
    #[error("a zero vector has no direction, so cosine similarity is undefined for it")]
    ZeroNorm,
}

/// Largest squared L2 norm a stored or query vector may have. For two vectors within it,
/// `|a·b| <= |a||b| <= MAX` and `|a - b|² <= (|a| + |b|)² <= 4·MAX`, so Dot and squared Euclid stay
/// within `f32::MAX / 2`, leaving a factor of 2 for the rounding of `f32` accumulation; L1, L∞,
/// Canberra and Bray-Curtis stay finite a fortiori.
pub const MAX_NORM_SQUARED: f64 = f32::MAX as f64 / 8.0;

/// Checks `v` and prepares it for storage or search under `metric` (normalising for cosine).
///
/// # Errors
/// [`VectorError`] describing the first problem found.
pub fn prepare(v: &[f32], dim: usize, metric: Metric) -> Result<Vec<f32>, VectorError> {
    if v.len() != dim {
        return Err(VectorError::DimensionMismatch {
            expected: dim,
            got: v.len(),
        });
    }
    if let Some(index) = v.iter().position(|x| !x.is_finite()) {
        return Err(VectorError::NotFinite { index });
    }
    if metric.is_binary()
        && let Some(index) = v.iter().position(|x| *x != 0.0 && *x != 1.0)
    {
        return Err(VectorError::NotBinary {
            index,
            value: v[index],
        });
    }
    if metric.is_binary() {
        // -0.0 is stored as 0.0, so the packed and the f32 forms agree bit for bit.
        return Ok(v
            .iter()
            .map(|x| if *x == 0.0 { 0.0 } else { 1.0 })
            .collect());
    }
    let norm_squared = v.iter().map(|x| f64::from(*x) * f64::from(*x)).sum::<f64>();
    if !metric.normalizes() {
        if norm_squared > MAX_NORM_SQUARED {
            return Err(VectorError::TooLong { norm_squared });
        }
        return Ok(v.to_vec());
    }
    let norm = norm_squared.sqrt();
    if norm == 0.0 || !norm.is_finite() {
        return Err(VectorError::ZeroNorm);
    }
    #[expect(
        clippy::cast_possible_truncation,
        reason = "the result is stored as f32 by design"
    )]
    Ok(v.iter().map(|x| (f64::from(*x) / norm) as f32).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_vectors_and_normalises_cosine() {
        assert_eq!(
            prepare(&[1.0], 2, Metric::Dot),
            Err(VectorError::DimensionMismatch {
                expected: 2,
                got: 1
            })
        );
        assert_eq!(
            prepare(&[1.0, f32::NAN], 2, Metric::Dot),
            Err(VectorError::NotFinite { index: 1 })
        );
        assert_eq!(
            prepare(&[f32::INFINITY, 0.0], 2, Metric::Euclid),
            Err(VectorError::NotFinite { index: 0 })
        );
        assert_eq!(
            prepare(&[0.0, 0.0], 2, Metric::Cosine),
            Err(VectorError::ZeroNorm)
        );
        let v = prepare(&[3.0, 4.0], 2, Metric::Cosine).unwrap_or_default();
        assert!((v[0] - 0.6).abs() < 1e-6 && (v[1] - 0.8).abs() < 1e-6);
        assert_eq!(
            prepare(&[1.0, 0.5], 2, Metric::Hamming),
            Err(VectorError::NotBinary {
                index: 1,
                value: 0.5
            })
        );
        assert!(prepare(&[1.0, 0.0, -0.0], 3, Metric::Jaccard).is_ok());
        // Overflowing squares must not turn a finite vector into a zero or NaN norm.
        assert!(prepare(&[f32::MAX, f32::MAX], 2, Metric::Cosine).is_ok());
    }

    #[test]
    fn vectors_whose_scores_could_overflow_are_refused_at_the_bound() {
        #[expect(
            clippy::cast_possible_truncation,
            reason = "the bound is within f32 range"
        )]
        let at = MAX_NORM_SQUARED.sqrt() as f32;
        // The f32 nearest the bound may round up past it; step down to the last one inside.
        let at = if f64::from(at) * f64::from(at) > MAX_NORM_SQUARED {
            f32::from_bits(at.to_bits() - 1)
        } else {
            at
        };
        let past = f32::from_bits(at.to_bits() + 1);
        for metric in [Metric::Dot, Metric::Euclid, Metric::Manhattan] {
            assert!(prepare(&[at, 0.0], 2, metric).is_ok(), "{metric:?}");
            assert!(
                matches!(
                    prepare(&[past, 0.0], 2, metric),
                    Err(VectorError::TooLong { .. })
                ),
                "{metric:?}"
            );
        }
        let a = [at, 0.0];
        let b = [-at, 0.0];
        assert!(Metric::Dot.score(&a, &a).is_finite());
        assert!(Metric::Euclid.score(&a, &b).is_finite());
    }
}
