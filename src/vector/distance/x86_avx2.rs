//! AVX2 + FMA kernels (x86-64). Four 8-lane accumulators hide FMA latency; the remainder below 8
//! components is summed in scalar code.

use std::arch::x86_64::{
    __m256, _mm_add_ps, _mm_add_ss, _mm_cvtss_f32, _mm_movehl_ps, _mm_shuffle_ps, _mm256_add_ps,
    _mm256_and_ps, _mm256_castps256_ps128, _mm256_castsi256_ps, _mm256_extractf128_ps,
    _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_set1_epi32, _mm256_setzero_ps, _mm256_sub_ps,
};
use std::arch::x86_64::{
    _CMP_GT_OQ, _mm256_cmp_ps, _mm256_div_ps, _mm256_max_ps, _mm256_storeu_ps,
};

use crate::vector::cpu::Feature;

/// The features every `#[target_feature]` in this module enables (keep the two in step).
pub(crate) const FEATURES: &[Feature] = &[Feature::Avx2, Feature::Fma];

/// The sum of the eight lanes of `v` (shared with the SQ8 kernels).
#[inline]
#[target_feature(enable = "avx2,fma")]
pub(crate) fn hsum(v: __m256) -> f32 {
    let lo = _mm256_castps256_ps128(v);
    let hi = _mm256_extractf128_ps::<1>(v);
    let s = _mm_add_ps(lo, hi);
    let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    let s = _mm_add_ss(s, _mm_shuffle_ps::<0b01>(s, s));
    _mm_cvtss_f32(s)
}

/// Generates a kernel that accumulates `$step(acc, x, y)` over 8-lane chunks.
macro_rules! kernel {
    ($(#[$doc:meta])* $name:ident, |$acc:ident, $x:ident, $y:ident| $step:expr, |$tx:ident, $ty:ident| $tail:expr) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// The CPU must support AVX2 and FMA, and `b` must be at least as long as `a`.
        #[target_feature(enable = "avx2,fma")]
        pub unsafe fn $name(a: &[f32], b: &[f32]) -> f32 {
            let n = a.len();
            let (pa, pb) = (a.as_ptr(), b.as_ptr());
            let mut acc: [_; 4] = [_mm256_setzero_ps(); 4];
            let mut i = 0;
            while i + 32 <= n {
                for (k, slot) in acc.iter_mut().enumerate() {
                    // SAFETY: i + 8k + 8 <= i + 32 <= n, and b.len() >= n (caller contract).
                    let ($x, $y) = unsafe {
                        (_mm256_loadu_ps(pa.add(i + 8 * k)), _mm256_loadu_ps(pb.add(i + 8 * k)))
                    };
                    let $acc = *slot;
                    *slot = $step;
                }
                i += 32;
            }
            while i + 8 <= n {
                // SAFETY: i + 8 <= n, and b.len() >= n (caller contract).
                let ($x, $y) = unsafe { (_mm256_loadu_ps(pa.add(i)), _mm256_loadu_ps(pb.add(i))) };
                let $acc = acc[0];
                acc[0] = $step;
                i += 8;
            }
            let sum = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
            let mut total = hsum(sum);
            for j in i..n {
                let ($tx, $ty) = (a[j], b[j]);
                total += $tail;
            }
            total
        }
    };
}

kernel!(
    /// Dot product.
    dot,
    |acc, x, y| _mm256_fmadd_ps(x, y, acc),
    |x, y| x * y
);

kernel!(
    /// Squared Euclidean distance.
    l2_squared,
    |acc, x, y| {
        let d = _mm256_sub_ps(x, y);
        _mm256_fmadd_ps(d, d, acc)
    },
    |x, y| (x - y) * (x - y)
);

kernel!(
    /// Manhattan distance.
    l1,
    |acc, x, y| {
        let abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fff_ffff));
        _mm256_add_ps(acc, _mm256_and_ps(_mm256_sub_ps(x, y), abs_mask))
    },
    |x, y| (x - y).abs()
);

kernel!(
    /// Canberra distance: the sum of `|x - y| / (|x| + |y|)`, 0/0 terms counted as 0.
    canberra,
    |acc, x, y| {
        let abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fff_ffff));
        let num = _mm256_and_ps(_mm256_sub_ps(x, y), abs_mask);
        let den = _mm256_add_ps(_mm256_and_ps(x, abs_mask), _mm256_and_ps(y, abs_mask));
        // Lanes with a zero denominator divide to NaN and are masked to 0.
        let nonzero = _mm256_cmp_ps::<_CMP_GT_OQ>(den, _mm256_setzero_ps());
        _mm256_add_ps(acc, _mm256_and_ps(_mm256_div_ps(num, den), nonzero))
    },
    |x, y| {
        let den = x.abs() + y.abs();
        if den > 0.0 { (x - y).abs() / den } else { 0.0 }
    }
);

kernel!(
    /// The L1 norm of `a + b` (the Bray-Curtis denominator).
    l1_of_sum,
    |acc, x, y| {
        let abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fff_ffff));
        _mm256_add_ps(acc, _mm256_and_ps(_mm256_add_ps(x, y), abs_mask))
    },
    |x, y| (x + y).abs()
);

/// Bray-Curtis dissimilarity: `sum |x - y| / sum |x + y|` (0 when both vectors are zero).
///
/// # Safety
/// The CPU must support AVX2 and FMA, and `b` must be at least as long as `a`.
#[target_feature(enable = "avx2,fma")]
pub unsafe fn bray_curtis(a: &[f32], b: &[f32]) -> f32 {
    // SAFETY: the caller's contract is these kernels' contract.
    let (num, den) = unsafe { (l1(a, b), l1_of_sum(a, b)) };
    if den > 0.0 { num / den } else { 0.0 }
}

/// Chebyshev (L-infinity) distance: the largest `|x - y|`.
///
/// # Safety
/// The CPU must support AVX2 and FMA, and `b` must be at least as long as `a`.
#[target_feature(enable = "avx2,fma")]
pub unsafe fn chebyshev(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len();
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    let abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fff_ffff));
    let mut acc = [_mm256_setzero_ps(); 2];
    let mut i = 0;
    while i + 16 <= n {
        for (k, slot) in acc.iter_mut().enumerate() {
            // SAFETY: i + 8k + 8 <= i + 16 <= n, and b.len() >= n (caller contract).
            let (x, y) = unsafe {
                (
                    _mm256_loadu_ps(pa.add(i + 8 * k)),
                    _mm256_loadu_ps(pb.add(i + 8 * k)),
                )
            };
            *slot = _mm256_max_ps(*slot, _mm256_and_ps(_mm256_sub_ps(x, y), abs_mask));
        }
        i += 16;
    }
    let mut lanes = [0.0f32; 8];
    // SAFETY: `lanes` holds exactly eight f32, what one unaligned 256-bit store writes.
    unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), _mm256_max_ps(acc[0], acc[1])) };
    let mut max = lanes.iter().copied().fold(0.0, f32::max);
    for j in i..n {
        max = max.max((a[j] - b[j]).abs());
    }
    max
}

/// Cosine similarity in one pass (dot product and both squared norms together); 0 when either
/// vector is zero.
///
/// # Safety
/// The CPU must support AVX2 and FMA, and `b` must be at least as long as `a`.
#[target_feature(enable = "avx2,fma")]
pub unsafe fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len();
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    let (mut ab, mut aa, mut bb) = (
        [_mm256_setzero_ps(); 2],
        [_mm256_setzero_ps(); 2],
        [_mm256_setzero_ps(); 2],
    );
    let mut i = 0;
    while i + 16 <= n {
        for k in 0..2 {
            // SAFETY: i + 8k + 8 <= i + 16 <= n, and b.len() >= n (caller contract).
            let (x, y) = unsafe {
                (
                    _mm256_loadu_ps(pa.add(i + 8 * k)),
                    _mm256_loadu_ps(pb.add(i + 8 * k)),
                )
            };
            ab[k] = _mm256_fmadd_ps(x, y, ab[k]);
            aa[k] = _mm256_fmadd_ps(x, x, aa[k]);
            bb[k] = _mm256_fmadd_ps(y, y, bb[k]);
        }
        i += 16;
    }
    let (mut dot, mut na, mut nb) = (
        hsum(_mm256_add_ps(ab[0], ab[1])),
        hsum(_mm256_add_ps(aa[0], aa[1])),
        hsum(_mm256_add_ps(bb[0], bb[1])),
    );
    for j in i..n {
        dot += a[j] * b[j];
        na += a[j] * a[j];
        nb += b[j] * b[j];
    }
    let den = (na * nb).sqrt();
    if den > 0.0 { dot / den } else { 0.0 }
}
