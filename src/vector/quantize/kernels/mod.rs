//! Asymmetric SQ8 kernels: an `f32` query (already transformed by the quantizer) against `u8`
//! codes, in one pass over the codes.
//!
//! Same contract as the `f32` kernels in [`crate::vector::distance`]: [`scalar`] is the reference
//! and always compiled, `x86_avx2` (AVX2 + FMA) and `x86_avx512` (AVX-512F) are used when the CPU
//! has them, the choice is made once and honours `PLAIT_KERNELS` (`scalar`, `avx2` or `avx512`
//! pin a set when available; otherwise the fastest), and a property test compares every set with
//! scalar. The safe wrappers cut all inputs to one length.

pub mod scalar;
#[cfg(target_arch = "x86_64")]
mod x86_avx2;
#[cfg(target_arch = "x86_64")]
mod x86_avx512;

use std::sync::LazyLock;

/// `Σ w_i · c_i`.
pub type DotKernel = unsafe fn(&[f32], &[u8]) -> f32;
/// `Σ (a_i − s_i · c_i)²`.
pub type L2Kernel = unsafe fn(&[f32], &[f32], &[u8]) -> f32;

/// One instruction set's SQ8 kernels.
#[derive(Debug, Clone, Copy)]
pub struct U8KernelSet {
    /// `scalar`, `avx2` or `avx512`.
    pub name: &'static str,
    /// Weighted sum of codes.
    pub dot: DotKernel,
    /// Squared distance between an offset query and scaled codes.
    pub l2: L2Kernel,
}

/// # Safety
/// None: the scalar kernels are safe for any input.
unsafe fn scalar_dot(w: &[f32], c: &[u8]) -> f32 {
    scalar::dot_u8(w, c)
}
/// See [`scalar_dot`].
unsafe fn scalar_l2(a: &[f32], s: &[f32], c: &[u8]) -> f32 {
    scalar::l2_u8(a, s, c)
}

const SCALAR: U8KernelSet = U8KernelSet {
    name: "scalar",
    dot: scalar_dot,
    l2: scalar_l2,
};

/// Every SQ8 kernel set this CPU can run, scalar first.
#[must_use]
pub fn available() -> Vec<U8KernelSet> {
    let mut sets = vec![SCALAR];
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        sets.push(U8KernelSet {
            name: "avx2",
            dot: x86_avx2::dot_u8,
            l2: x86_avx2::l2_u8,
        });
    }
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx512f") {
        sets.push(U8KernelSet {
            name: "avx512",
            dot: x86_avx512::dot_u8,
            l2: x86_avx512::l2_u8,
        });
    }
    sets
}

static SELECTED: LazyLock<U8KernelSet> = LazyLock::new(|| {
    let chosen = crate::vector::distance::choose(&available(), |s| s.name, SCALAR);
    tracing::info!(kernels = chosen.name, "SQ8 kernels selected");
    chosen
});

/// The SQ8 kernel set in use.
#[must_use]
pub fn selected() -> &'static U8KernelSet {
    &SELECTED
}

impl U8KernelSet {
    /// `Σ w_i · c_i` over the common length.
    #[inline]
    #[must_use]
    pub fn dot_u8(&self, w: &[f32], c: &[u8]) -> f32 {
        let n = w.len().min(c.len());
        // SAFETY: `available` only offers kernels whose CPU features were detected, and both
        // slices are cut to the same length here.
        unsafe { (self.dot)(&w[..n], &c[..n]) }
    }

    /// `Σ (a_i − s_i · c_i)²` over the common length.
    #[inline]
    #[must_use]
    pub fn l2_u8(&self, a: &[f32], s: &[f32], c: &[u8]) -> f32 {
        let n = a.len().min(s.len()).min(c.len());
        // SAFETY: as in `dot_u8`: detected features, equal lengths.
        unsafe { (self.l2)(&a[..n], &s[..n], &c[..n]) }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{available, scalar};

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 300,
            failure_persistence: Some(Box::new(
                proptest::test_runner::FileFailurePersistence::Direct("tests/proptest-regressions/sq8_kernels.txt"),
            )),
            ..ProptestConfig::default()
        })]

        #[test]
        fn every_sq8_kernel_set_agrees_with_scalar(
            (w, s, c) in (1usize..=1100).prop_flat_map(|n| (
                proptest::collection::vec(-10.0f32..10.0, n),
                proptest::collection::vec(0.0f32..0.1, n),
                proptest::collection::vec(any::<u8>(), n),
            ))
        ) {
            let scale: f32 = w.iter().zip(&c).map(|(x, y)| (x * f32::from(*y)).abs()).sum();
            let (rd, rl2) = (scalar::dot_u8(&w, &c), scalar::l2_u8(&w, &s, &c));
            for set in available() {
                let (d, l2) = (set.dot_u8(&w, &c), set.l2_u8(&w, &s, &c));
                prop_assert!((d - rd).abs() <= 1e-4 * scale.max(1.0), "{} dot {} vs {}", set.name, d, rd);
                prop_assert!((l2 - rl2).abs() <= 1e-4 * rl2.max(1.0), "{} l2 {} vs {}", set.name, l2, rl2);
            }
        }
    }
}
