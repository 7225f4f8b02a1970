//! Asymmetric SQ8 kernels: an `f32` query (already transformed by the quantizer) against `u8`
//! codes, in one pass over the codes.
//!
//! Same contract as the `f32` kernels in [`crate::vector::distance`]: [`scalar`] is the reference
//! and always compiled, `x86_avx2` (AVX2 + FMA) and `x86_avx512` (AVX-512F) are used when the CPU
//! has every feature their kernels use (see `crate::vector::cpu`), the choice is made once and
//! honours `PLAIT_KERNELS` (`scalar`, `avx2` or `avx512`
//! pin a set when available; otherwise the fastest), and a property test compares every set with
//! scalar. The safe wrappers cut all inputs to one length.

pub mod scalar;
#[cfg(target_arch = "x86_64")]
mod x86_avx2;
#[cfg(target_arch = "x86_64")]
mod x86_avx512;

use std::sync::LazyLock;

use crate::vector::cpu::{self, Feature, Isa};

/// `Σ w_i · c_i`. Private: reachable only through a [`U8KernelSet`].
type DotKernel = unsafe fn(&[f32], &[u8]) -> f32;
/// `Σ (a_i − s_i · c_i)²`.
type L2Kernel = unsafe fn(&[f32], &[f32], &[u8]) -> f32;

/// One instruction set's SQ8 kernels. The fields are private and a set is built only by
/// [`U8KernelSet::for_isa`] after every CPU feature its kernels use was detected, so its safe
/// methods may call them.
#[derive(Debug, Clone, Copy)]
pub struct U8KernelSet {
    isa: Isa,
    dot: DotKernel,
    l2: L2Kernel,
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
    isa: Isa::Scalar,
    dot: scalar_dot,
    l2: scalar_l2,
};

/// The features of every kernel module the SQ8 set of `isa` draws from.
#[must_use]
pub fn required_features(isa: Isa) -> &'static [&'static [Feature]] {
    match isa {
        Isa::Scalar => &[],
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => &[x86_avx2::FEATURES],
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => &[x86_avx512::FEATURES],
        // No SIMD kernels are compiled: a feature no CPU reports keeps these sets unbuilt.
        #[cfg(not(target_arch = "x86_64"))]
        Isa::Avx2 | Isa::Avx512 => &[&[Feature::Avx2]],
    }
}

impl U8KernelSet {
    /// The SQ8 set of `isa`, when this CPU has every feature its kernels use.
    #[must_use]
    pub fn for_isa(isa: Isa) -> Option<Self> {
        if !cpu::supports(required_features(isa)) {
            return None;
        }
        match isa {
            Isa::Scalar => Some(SCALAR),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => Some(Self {
                isa,
                dot: x86_avx2::dot_u8,
                l2: x86_avx2::l2_u8,
            }),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => Some(Self {
                isa,
                dot: x86_avx512::dot_u8,
                l2: x86_avx512::l2_u8,
            }),
            #[cfg(not(target_arch = "x86_64"))]
            Isa::Avx2 | Isa::Avx512 => None,
        }
    }

    /// `scalar`, `avx2` or `avx512`.
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.isa.name()
    }

    /// The family this set belongs to.
    #[must_use]
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// `Σ w_i · c_i` over the common length.
    #[inline]
    #[must_use]
    pub fn dot_u8(&self, w: &[f32], c: &[u8]) -> f32 {
        let n = w.len().min(c.len());
        // SAFETY: `for_isa` built this set only after detecting every CPU feature its kernels
        // use, and both slices are cut to the same length here.
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

/// Every SQ8 kernel set this CPU can run, scalar first.
#[must_use]
pub fn available() -> Vec<U8KernelSet> {
    Isa::ALL
        .into_iter()
        .filter_map(U8KernelSet::for_isa)
        .collect()
}

static SELECTED: LazyLock<U8KernelSet> = LazyLock::new(|| {
    let chosen = cpu::choose(&available(), U8KernelSet::isa, SCALAR);
    tracing::info!(kernels = chosen.name(), "SQ8 kernels selected");
    chosen
});

/// The SQ8 kernel set in use.
#[must_use]
pub fn selected() -> &'static U8KernelSet {
    &SELECTED
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{U8KernelSet, available, required_features, scalar};
    use crate::vector::cpu::{self, Isa};

    #[test]
    fn a_set_is_built_only_when_every_feature_its_kernels_use_is_detected() {
        for isa in Isa::ALL {
            assert_eq!(
                U8KernelSet::for_isa(isa).is_some(),
                cpu::supports(required_features(isa)),
                "{}",
                isa.name()
            );
        }
        #[cfg(target_arch = "x86_64")]
        {
            use crate::vector::cpu::Feature;
            assert_eq!(
                cpu::missing(required_features(Isa::Avx2), |f| f != Feature::Fma),
                vec![Feature::Fma]
            );
        }
    }

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
                prop_assert!((d - rd).abs() <= 1e-4 * scale.max(1.0), "{} dot {} vs {}", set.name(), d, rd);
                prop_assert!((l2 - rl2).abs() <= 1e-4 * rl2.max(1.0), "{} l2 {} vs {}", set.name(), l2, rl2);
            }
        }
    }
}
