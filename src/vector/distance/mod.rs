//! Distance kernels over `f32` slices (and bit-packed binary vectors).
//!
//! One file per instruction set: [`scalar`] (always compiled; the reference), `x86_avx2`
//! (AVX2 + FMA), `x86_avx512` (AVX-512F) and `x86_popcnt` (POPCNT, for bit-packed binary
//! vectors). The fastest set this CPU supports is chosen once, on first use, and can be pinned with
//! `PLAIT_KERNELS=scalar|avx2|avx512` (for comparisons). The kernels are `unsafe fn`s and stay
//! private: a [`KernelSet`] is built only when every CPU feature of every kernel module it draws
//! from is detected ([`required_features`], checked by `cpu::supports`), and its safe methods
//! cut both inputs to the shorter length once, so a kernel never reads out of bounds; callers
//! validate dimensions before that matters.
//!
//! ARM NEON kernels are not written: this project has no aarch64 machine (nor an aarch64 Rust
//! target it could install) to build or test them on, and aarch64 builds use the scalar kernels.

pub mod scalar;
#[cfg(target_arch = "x86_64")]
pub(crate) mod x86_avx2;
#[cfg(target_arch = "x86_64")]
mod x86_avx512;
#[cfg(target_arch = "x86_64")]
mod x86_popcnt;

use std::sync::LazyLock;

use super::cpu::{self, Feature, Isa};

/// A kernel: two slices of equal length to a number. Private: a kernel is only reachable through
/// a [`KernelSet`], which exists only once its CPU features were detected.
type Kernel = unsafe fn(&[f32], &[f32]) -> f32;

/// A kernel over bit-packed binary vectors (64 components per word).
type BinaryKernel = unsafe fn(&[u64], &[u64]) -> f32;

/// The `f32` kernels a [`KernelSet`] offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenseKernel {
    /// Dot product.
    Dot,
    /// Squared Euclidean distance.
    L2Squared,
    /// Manhattan distance.
    L1,
    /// Cosine similarity of unnormalised vectors (0 when either is zero).
    Cosine,
    /// Chebyshev (L-infinity) distance.
    Chebyshev,
    /// Canberra distance.
    Canberra,
    /// Bray-Curtis dissimilarity.
    BrayCurtis,
    /// Jaccard distance of 0/1 vectors stored as `f32` (scalar in every set: binary collections
    /// search their bit-packed form with [`BinaryKind::Jaccard`]).
    JaccardDense,
}

/// The bit-packed kernels a [`KernelSet`] offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryKind {
    /// Hamming distance (differing bits).
    Hamming,
    /// Jaccard distance.
    Jaccard,
}

/// One instruction set's kernels. The fields are private and a set is built only by
/// [`KernelSet::for_isa`] after every CPU feature its kernels use was detected, so its safe
/// methods may call them.
#[derive(Debug, Clone, Copy)]
pub struct KernelSet {
    isa: Isa,
    dot: Kernel,
    l2_squared: Kernel,
    l1: Kernel,
    cosine: Kernel,
    chebyshev: Kernel,
    canberra: Kernel,
    bray_curtis: Kernel,
    hamming: BinaryKernel,
    jaccard: BinaryKernel,
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
unsafe fn scalar_hamming(a: &[u64], b: &[u64]) -> f32 {
    scalar::hamming(a, b) as f32
}
/// See [`scalar_dot`].
unsafe fn scalar_jaccard(a: &[u64], b: &[u64]) -> f32 {
    scalar::jaccard(a, b)
}
/// See [`scalar_dot`].
unsafe fn scalar_jaccard_dense(a: &[f32], b: &[f32]) -> f32 {
    scalar::jaccard_dense(a, b)
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

const SCALAR: KernelSet = KernelSet {
    isa: Isa::Scalar,
    dot: scalar_dot,
    l2_squared: scalar_l2,
    l1: scalar_l1,
    cosine: scalar_cosine,
    chebyshev: scalar_chebyshev,
    canberra: scalar_canberra,
    bray_curtis: scalar_bray_curtis,
    hamming: scalar_hamming,
    jaccard: scalar_jaccard,
};

/// The features of every kernel module the set of `isa` draws from.
#[must_use]
pub fn required_features(isa: Isa) -> &'static [&'static [Feature]] {
    match isa {
        Isa::Scalar => &[],
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => &[x86_avx2::FEATURES, x86_popcnt::FEATURES],
        // Its Chebyshev, Canberra and Bray-Curtis are the AVX2 + FMA kernels.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => &[
            x86_avx512::FEATURES,
            x86_avx2::FEATURES,
            x86_popcnt::FEATURES,
        ],
        // No SIMD kernels are compiled: a feature no CPU reports keeps these sets unbuilt.
        #[cfg(not(target_arch = "x86_64"))]
        Isa::Avx2 | Isa::Avx512 => &[&[Feature::Avx2]],
    }
}

impl KernelSet {
    /// The set of `isa`, when this CPU has every feature its kernels use.
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
                dot: x86_avx2::dot,
                l2_squared: x86_avx2::l2_squared,
                l1: x86_avx2::l1,
                cosine: x86_avx2::cosine,
                chebyshev: x86_avx2::chebyshev,
                canberra: x86_avx2::canberra,
                bray_curtis: x86_avx2::bray_curtis,
                hamming: x86_popcnt::hamming,
                jaccard: x86_popcnt::jaccard,
            }),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => Some(Self {
                isa,
                dot: x86_avx512::dot,
                l2_squared: x86_avx512::l2_squared,
                l1: x86_avx512::l1,
                cosine: x86_avx512::cosine,
                // Not bound by vector width: the AVX2 + FMA kernels, whose features are required.
                chebyshev: x86_avx2::chebyshev,
                canberra: x86_avx2::canberra,
                bray_curtis: x86_avx2::bray_curtis,
                hamming: x86_popcnt::hamming,
                jaccard: x86_popcnt::jaccard,
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

    /// `kernel` of this set as a key, negated when higher kernel values mean closer.
    #[must_use]
    pub fn key_fn(&self, kernel: DenseKernel, negate: bool) -> KeyFn {
        let kernel = match kernel {
            DenseKernel::Dot => self.dot,
            DenseKernel::L2Squared => self.l2_squared,
            DenseKernel::L1 => self.l1,
            DenseKernel::Cosine => self.cosine,
            DenseKernel::Chebyshev => self.chebyshev,
            DenseKernel::Canberra => self.canberra,
            DenseKernel::BrayCurtis => self.bray_curtis,
            DenseKernel::JaccardDense => scalar_jaccard_dense,
        };
        KeyFn { kernel, negate }
    }

    /// `kernel` of this set over the common length of `a` and `b`.
    #[must_use]
    pub fn eval(&self, kernel: DenseKernel, a: &[f32], b: &[f32]) -> f32 {
        self.key_fn(kernel, false).key(a, b)
    }

    /// The bit-packed `kind` of this set as a key.
    #[must_use]
    pub fn binary_key_fn(&self, kind: BinaryKind) -> BinaryKeyFn {
        let kernel = match kind {
            BinaryKind::Hamming => self.hamming,
            BinaryKind::Jaccard => self.jaccard,
        };
        BinaryKeyFn { kernel }
    }
}

/// Every kernel set this CPU can run, scalar first.
#[must_use]
pub fn available() -> Vec<KernelSet> {
    Isa::ALL
        .into_iter()
        .filter_map(KernelSet::for_isa)
        .collect()
}

static SELECTED: LazyLock<KernelSet> = LazyLock::new(|| {
    let chosen = cpu::choose(&available(), KernelSet::isa, SCALAR);
    tracing::info!(kernels = chosen.name(), "distance kernels selected");
    chosen
});

/// The kernel set in use.
#[must_use]
pub fn selected() -> &'static KernelSet {
    &SELECTED
}

/// A kernel resolved once (for a whole search or build) with the sign that turns it into a
/// "lower is closer" key, so hot loops make one indirect call per distance and nothing else.
/// Only a [`KernelSet`] makes one.
#[derive(Debug, Clone, Copy)]
pub struct KeyFn {
    kernel: Kernel,
    negate: bool,
}

impl KeyFn {
    /// The key of `b` for `a`; the slices must have equal length.
    #[inline]
    #[must_use]
    pub fn key(&self, a: &[f32], b: &[f32]) -> f32 {
        let v = run(self.kernel, a, b);
        if self.negate { -v } else { v }
    }
}

/// [`KeyFn`] for bit-packed binary vectors (both distances: lower is closer).
#[derive(Debug, Clone, Copy)]
pub struct BinaryKeyFn {
    kernel: BinaryKernel,
}

impl BinaryKeyFn {
    /// The key of `b` for `a`.
    #[inline]
    #[must_use]
    pub fn key(&self, a: &[u64], b: &[u64]) -> f32 {
        let n = a.len().min(b.len());
        // SAFETY: the kernel came from a `KernelSet`, which `for_isa` builds only after detecting
        // every CPU feature its kernels use, and both slices are cut to the same length here.
        unsafe { (self.kernel)(&a[..n], &b[..n]) }
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

/// Starts loading every cache line of `data` after its first (which the caller prefetched
/// earlier): the graph walk is bound by memory latency, not arithmetic.
#[inline]
pub fn prefetch_rest<T>(data: &[T]) {
    let per_line = (64 / std::mem::size_of::<T>().max(1)).max(1);
    for line in (per_line..data.len()).step_by(per_line) {
        prefetch(data.as_ptr().wrapping_add(line));
    }
}

/// Calls a kernel taken from a [`KernelSet`] on the common length of both slices.
#[inline]
fn run(kernel: Kernel, a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    // SAFETY: every `Kernel` value outside this module's private constants comes from a
    // `KernelSet`, which `for_isa` builds only after detecting every CPU feature its kernels use,
    // and both slices are cut to the same length here.
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
                let k = |kernel| set.eval(kernel, &a, &b);
                let (d, l2, l1, cos) = (
                    k(DenseKernel::Dot),
                    k(DenseKernel::L2Squared),
                    k(DenseKernel::L1),
                    k(DenseKernel::Cosine),
                );
                let (cheb, canb, bray) = (
                    k(DenseKernel::Chebyshev),
                    k(DenseKernel::Canberra),
                    k(DenseKernel::BrayCurtis),
                );
                let rcheb = scalar::chebyshev(&a, &b);
                let name = set.name();
                prop_assert!(cheb == rcheb, "{} chebyshev {} vs {}", name, cheb, rcheb);
                let rcanb = scalar::canberra(&a, &b);
                prop_assert!(close(canb, rcanb, rcanb), "{} canberra {} vs {}", name, canb, rcanb);
                let rbray = scalar::bray_curtis(&a, &b);
                prop_assert!((bray - rbray).abs() <= 1e-4, "{} bray-curtis {} vs {}", name, bray, rbray);
                let (rd, rl2, rl1) = (scalar::dot(&a, &b), scalar::l2_squared(&a, &b), scalar::l1(&a, &b));
                let rcos = scalar::cosine(&a, &b);
                prop_assert!((cos - rcos).abs() <= 1e-4, "{} cosine {} vs {}", name, cos, rcos);
                prop_assert!(close(d, rd, abs_dot), "{} dot {} vs {}", name, d, rd);
                prop_assert!(close(l2, rl2, rl2), "{} l2 {} vs {}", name, l2, rl2);
                prop_assert!(close(l1, rl1, rl1), "{} l1 {} vs {}", name, l1, rl1);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 200,
            failure_persistence: Some(Box::new(
                proptest::test_runner::FileFailurePersistence::Direct("tests/proptest-regressions/distance_binary.txt"),
            )),
            ..ProptestConfig::default()
        })]

        #[test]
        fn every_binary_kernel_agrees_with_scalar_and_the_dense_formulas(
            (a, b) in (1usize..=1100).prop_flat_map(|bits| (
                proptest::collection::vec(proptest::bool::ANY, bits),
                proptest::collection::vec(proptest::bool::ANY, bits),
            ))
        ) {
            let pack = |v: &[bool]| {
                let mut words = vec![0u64; v.len().div_ceil(64)];
                for (i, bit) in v.iter().enumerate() {
                    if *bit {
                        words[i / 64] |= 1 << (i % 64);
                    }
                }
                words
            };
            let dense = |v: &[bool]| v.iter().map(|b| f32::from(u8::from(*b))).collect::<Vec<f32>>();
            let (pa, pb) = (pack(&a), pack(&b));
            let (da, db) = (dense(&a), dense(&b));
            let hamming = scalar::hamming(&pa, &pb) as f32;
            prop_assert_eq!(hamming, scalar::l1(&da, &db));
            prop_assert!((scalar::jaccard(&pa, &pb) - scalar::jaccard_dense(&da, &db)).abs() <= 1e-6);
            for set in available() {
                let h = set.binary_key_fn(BinaryKind::Hamming).key(&pa, &pb);
                let j = set.binary_key_fn(BinaryKind::Jaccard).key(&pa, &pb);
                prop_assert_eq!(h, hamming, "{} hamming", set.name());
                prop_assert_eq!(j, scalar::jaccard(&pa, &pb), "{} jaccard", set.name());
            }
        }
    }

    #[test]
    fn a_set_is_built_only_when_every_feature_its_kernels_use_is_detected() {
        for isa in Isa::ALL {
            let required = required_features(isa);
            assert_eq!(
                KernelSet::for_isa(isa).is_some(),
                cpu::supports(required),
                "{}",
                isa.name()
            );
        }
        // The AVX-512 set reuses AVX2 + FMA kernels and the POPCNT ones: a CPU with AVX-512F but
        // without FMA (or AVX2, or POPCNT) must not get it.
        #[cfg(target_arch = "x86_64")]
        for absent in [Feature::Fma, Feature::Avx2, Feature::Popcnt] {
            assert_eq!(
                cpu::missing(required_features(Isa::Avx512), |f| f != absent),
                vec![absent]
            );
        }
        #[cfg(target_arch = "x86_64")]
        assert_eq!(
            cpu::missing(required_features(Isa::Avx2), |f| f != Feature::Popcnt),
            vec![Feature::Popcnt]
        );
        assert!(KernelSet::for_isa(Isa::Scalar).is_some());
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
