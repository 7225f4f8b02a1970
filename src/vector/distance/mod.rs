//! Distance kernels over `f32` slices.
//!
//! Today only the portable scalar kernels exist, written with independent accumulators so the
//! compiler can vectorise them. The safe wrappers here check lengths once; kernels assume equal
//! lengths.

mod scalar;

/// Dot product. Panics in debug builds if lengths differ; callers validate dimensions first.
#[must_use]
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    scalar::dot(a, b)
}

/// Squared Euclidean distance.
#[must_use]
#[inline]
pub fn l2_squared(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    scalar::l2_squared(a, b)
}

/// Manhattan (L1) distance.
#[must_use]
#[inline]
pub fn l1(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    scalar::l1(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive_dot(a: &[f32], b: &[f32]) -> f64 {
        a.iter()
            .zip(b)
            .map(|(x, y)| f64::from(*x) * f64::from(*y))
            .sum()
    }

    #[test]
    fn kernels_agree_with_naive_sums_at_odd_lengths() {
        for dim in [1usize, 3, 7, 8, 9, 15, 16, 17, 33, 100, 384, 1023] {
            let a: Vec<f32> = (0..dim)
                .map(|i| ((i * 7 % 13) as f32) * 0.1 - 0.5)
                .collect();
            let b: Vec<f32> = (0..dim)
                .map(|i| ((i * 5 % 11) as f32) * 0.2 - 1.0)
                .collect();
            let d = f64::from(dot(&a, &b));
            assert!(
                (d - naive_dot(&a, &b)).abs() < 1e-3 * (1.0 + d.abs()),
                "dot dim {dim}"
            );
            let l2: f64 = a
                .iter()
                .zip(&b)
                .map(|(x, y)| f64::from(x - y).powi(2))
                .sum();
            assert!(
                (f64::from(l2_squared(&a, &b)) - l2).abs() < 1e-3 * (1.0 + l2),
                "l2 {dim}"
            );
            let l1n: f64 = a
                .iter()
                .zip(&b)
                .map(|(x, y)| f64::from((x - y).abs()))
                .sum();
            assert!(
                (f64::from(l1(&a, &b)) - l1n).abs() < 1e-3 * (1.0 + l1n),
                "l1 {dim}"
            );
        }
    }
}
