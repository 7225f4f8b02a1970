//! Distance kernels over `f32` slices (and bit-packed binary vectors).
//!
//! One file per instruction set: [`scalar`] (always compiled; the reference), `x86_avx2`
//! (AVX2 + FMA) and `x86_avx512` (AVX-512F). The fastest set this CPU supports is chosen once, on
//! first use, and can be pinned with `PLAIT_KERNELS=scalar|avx2|avx512` (for comparisons). The safe
//! functions here cut both inputs to the shorter length once, so a kernel never reads out of
//! bounds; callers validate dimensions before that matters.
//!
//! ARM NEON kernels are not written yet: this project has no aarch64 machine to test them on, and
//! aarch64 builds use the scalar kernels.

pub mod scalar;
#[cfg(target_arch = "x86_64")]
mod x86_avx2;
#[cfg(target_arch = "x86_64")]
mod x86_avx512;

use std::sync::LazyLock;

/// A kernel: two slices of equal length to a number.
pub type Kernel = unsafe fn(&[f32], &[f32]) -> f32;

/// One instruction set's kernels.
#[derive(Debug, Clone, Copy)]
pub struct KernelSet {
    /// `scalar`, `avx2` or `avx512`.
    pub name: &'static str,
    /// Dot product.
    pub dot: Kernel,
    /// Squared Euclidean distance.
    pub l2_squared: Kernel,
    /// Manhattan distance.
    pub l1: Kernel,
    /// Cosine similarity of unnormalised vectors (0 when either is zero).
    pub cosine: Kernel,
}

/// The scalar set, wrapped to the kernel signature.
///
/// # Safety
/// None beyond the signature: the scalar kernels are safe for any input.
unsafe fn scalar_dot(a: &[f32], b: &[f32]) -> f32 {
    scalar::dot(a, b)
}
/// See [`scalar_dot`].
unsafe fn scalar_l2(a: &[f32], b: &[f32]) -> f32 {
    scalar::l2_squared(a, b)
}
/// See [`scalar_dot`].
unsafe fn scalar_l1(a: &[f32], b: &[f32]) -> f32 {
    scalar::l1(a, b)
}
/// See [`scalar_dot`].
unsafe fn scalar_cosine(a: &[f32], b: &[f32]) -> f32 {
    scalar::cosine(a, b)
}

/// See [`scalar_dot`].
unsafe fn scalar_chebyshev(a: &[f32], b: &[f32]) -> f32 {
    scalar::chebyshev(a, b)
}
/// See [`scalar_dot`].
unsafe fn scalar_canberra(a: &[f32], b: &[f32]) -> f32 {
    scalar::canberra(a, b)
}
/// See [`scalar_dot`].
unsafe fn scalar_bray_curtis(a: &[f32], b: &[f32]) -> f32 {
    scalar::bray_curtis(a, b)
}

/// Kernels that exist only in scalar form so far (every CPU uses these).
pub(crate) const SCALAR_ONLY_CHEBYSHEV: Kernel = scalar_chebyshev;
/// See [`SCALAR_ONLY_CHEBYSHEV`].
pub(crate) const SCALAR_ONLY_CANBERRA: Kernel = scalar_canberra;
/// See [`SCALAR_ONLY_CHEBYSHEV`].
pub(crate) const SCALAR_ONLY_BRAY_CURTIS: Kernel = scalar_bray_curtis;

const SCALAR: KernelSet = KernelSet {
    name: "scalar",
    dot: scalar_dot,
    l2_squared: scalar_l2,
    l1: scalar_l1,
    cosine: scalar_cosine,
};

/// Every kernel set this CPU can run, scalar first.
#[must_use]
pub fn available() -> Vec<KernelSet> {
    let mut sets = vec![SCALAR];
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            sets.push(KernelSet {
                name: "avx2",
                dot: x86_avx2::dot,
                l2_squared: x86_avx2::l2_squared,
                l1: x86_avx2::l1,
                cosine: x86_avx2::cosine,
            });
        }
        if is_x86_feature_detected!("avx512f") {
            sets.push(KernelSet {
                name: "avx512",
                dot: x86_avx512::dot,
                l2_squared: x86_avx512::l2_squared,
                l1: x86_avx512::l1,
                cosine: x86_avx512::cosine,
            });
        }
    }
    sets
}

static SELECTED: LazyLock<KernelSet> = LazyLock::new(|| {
    let sets = available();
    let wanted = std::env::var("PLAIT_KERNELS").ok();
    let chosen = wanted
        .as_deref()
        .and_then(|w| sets.iter().find(|s| s.name == w))
        .or_else(|| sets.last())
        .copied()
        .unwrap_or(SCALAR);
    tracing::info!(kernels = chosen.name, "distance kernels selected");
    chosen
});

/// The kernel set in use.
#[must_use]
pub fn selected() -> &'static KernelSet {
    &SELECTED
}

/// A kernel resolved once (for a whole search or build) with the sign that turns it into a
/// "lower is closer" key, so hot loops make one indirect call per distance and nothing else.
#[derive(Debug, Clone, Copy)]
pub struct KeyFn {
    kernel: Kernel,
    negate: bool,
}

impl KeyFn {
    /// A key from `kernel`, negated when higher kernel values mean closer.
    #[must_use]
    pub fn new(kernel: Kernel, negate: bool) -> Self {
        Self { kernel, negate }
    }

    /// The key of `b` for `a`; the slices must have equal length.
    #[inline]
    #[must_use]
    pub fn key(&self, a: &[f32], b: &[f32]) -> f32 {
        let v = run(self.kernel, a, b);
        if self.negate { -v } else { v }
    }
}

/// Hints the CPU to start loading the cache line at `ptr`.
#[inline]
pub fn prefetch<T>(ptr: *const T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: prefetching is a hint; it never faults, even for an invalid address, and SSE
        // is part of the x86-64 baseline.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(ptr.cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = ptr;
}

#[inline]
fn run(kernel: Kernel, a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    // SAFETY: `available` only offers kernels whose CPU features were detected, and both slices
    // are cut to the same length here.
    unsafe { kernel(&a[..n], &b[..n]) }
}

/// Dot product.
#[must_use]
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    run(SELECTED.dot, a, b)
}

/// Squared Euclidean distance.
#[must_use]
#[inline]
pub fn l2_squared(a: &[f32], b: &[f32]) -> f32 {
    run(SELECTED.l2_squared, a, b)
}

/// Manhattan (L1) distance.
#[must_use]
#[inline]
pub fn l1(a: &[f32], b: &[f32]) -> f32 {
    run(SELECTED.l1, a, b)
}

/// Cosine similarity of unnormalised vectors, in one pass (0 when either is zero).
#[must_use]
#[inline]
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    run(SELECTED.cosine, a, b)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn close(x: f32, reference: f32, scale: f32) -> bool {
        (x - reference).abs() <= 1e-4 * scale.max(1.0)
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 300,
            failure_persistence: Some(Box::new(
                proptest::test_runner::FileFailurePersistence::Direct("tests/proptest-regressions/distance.txt"),
            )),
            ..ProptestConfig::default()
        })]

        #[test]
        fn every_kernel_set_agrees_with_scalar(
            (a, b) in (1usize..=1100).prop_flat_map(|n| (
                proptest::collection::vec(-10.0f32..10.0, n),
                proptest::collection::vec(-10.0f32..10.0, n),
            ))
        ) {
            let abs_dot: f32 = a.iter().zip(&b).map(|(x, y)| (x * y).abs()).sum();
            for set in available() {
                // SAFETY: `available` returned the set, so the CPU supports it; lengths are equal.
                let (d, l2, l1, cos) = unsafe {
                    ((set.dot)(&a, &b), (set.l2_squared)(&a, &b), (set.l1)(&a, &b), (set.cosine)(&a, &b))
                };
                let (rd, rl2, rl1) = (scalar::dot(&a, &b), scalar::l2_squared(&a, &b), scalar::l1(&a, &b));
                let rcos = scalar::cosine(&a, &b);
                prop_assert!((cos - rcos).abs() <= 1e-4, "{} cosine {} vs {}", set.name, cos, rcos);
                prop_assert!(close(d, rd, abs_dot), "{} dot {} vs {}", set.name, d, rd);
                prop_assert!(close(l2, rl2, rl2), "{} l2 {} vs {}", set.name, l2, rl2);
                prop_assert!(close(l1, rl1, rl1), "{} l1 {} vs {}", set.name, l1, rl1);
            }
        }
    }

    #[test]
    fn scalar_kernels_match_their_definitions() {
        let a = [1.0f32, -2.0, 0.0, 4.0];
        let b = [2.0f32, 1.0, 0.0, -4.0];
        assert!((scalar::dot(&a, &b) - (2.0 - 2.0 - 16.0)).abs() < 1e-6);
        assert!((scalar::l2_squared(&a, &b) - (1.0 + 9.0 + 64.0)).abs() < 1e-6);
        assert!((scalar::l1(&a, &b) - 12.0).abs() < 1e-6);
        assert!((scalar::chebyshev(&a, &b) - 8.0).abs() < 1e-6);
        let canberra = 1.0 / 3.0 + 3.0 / 3.0 + 0.0 + 8.0 / 8.0;
        assert!((scalar::canberra(&a, &b) - canberra).abs() < 1e-6);
        let bray = 12.0 / (3.0 + 1.0 + 0.0 + 0.0);
        assert!((scalar::bray_curtis(&a, &b) - bray).abs() < 1e-6);
        assert!((cosine(&[1.0, 0.0], &[2.0, 0.0]) - 1.0).abs() < 1e-6);
        let (x, y) = ([0b1011u64, 0], [0b0110u64, 1]);
        assert_eq!(scalar::hamming(&x, &y), 4);
        assert!((scalar::jaccard(&x, &y) - (1.0 - 1.0 / 5.0)).abs() < 1e-6);
        assert_eq!(scalar::jaccard(&[0], &[0]), 0.0);
    }
}
