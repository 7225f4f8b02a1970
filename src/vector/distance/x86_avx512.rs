//! AVX-512F kernels (x86-64). Four 16-lane accumulators; the remainder is handled with a masked
//! load, so there is no scalar tail.

use std::arch::x86_64::{
    __m512, _mm512_abs_ps, _mm512_add_ps, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_maskz_loadu_ps,
    _mm512_reduce_add_ps, _mm512_setzero_ps, _mm512_sub_ps,
};

use crate::vector::cpu::Feature;

/// The features every `#[target_feature]` in this module enables (keep the two in step).
pub(super) const FEATURES: &[Feature] = &[Feature::Avx512f];

macro_rules! kernel {
    ($(#[$doc:meta])* $name:ident, |$acc:ident, $x:ident, $y:ident| $step:expr) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// The CPU must support AVX-512F, and `b` must be at least as long as `a`.
        #[target_feature(enable = "avx512f")]
        pub unsafe fn $name(a: &[f32], b: &[f32]) -> f32 {
            let n = a.len();
            let (pa, pb) = (a.as_ptr(), b.as_ptr());
            let mut acc: [__m512; 4] = [_mm512_setzero_ps(); 4];
            let mut i = 0;
            while i + 64 <= n {
                for (k, slot) in acc.iter_mut().enumerate() {
                    // SAFETY: i + 16k + 16 <= i + 64 <= n, and b.len() >= n (caller contract).
                    let ($x, $y) = unsafe {
                        (_mm512_loadu_ps(pa.add(i + 16 * k)), _mm512_loadu_ps(pb.add(i + 16 * k)))
                    };
                    let $acc = *slot;
                    *slot = $step;
                }
                i += 64;
            }
            while i + 16 <= n {
                // SAFETY: i + 16 <= n, and b.len() >= n (caller contract).
                let ($x, $y) = unsafe { (_mm512_loadu_ps(pa.add(i)), _mm512_loadu_ps(pb.add(i))) };
                let $acc = acc[0];
                acc[0] = $step;
                i += 16;
            }
            if i < n {
                let mask: u16 = (1u16 << (n - i)) - 1;
                // SAFETY: the mask enables only lanes i..n, all in bounds of both slices; masked-off
                // lanes are not read.
                let ($x, $y) = unsafe {
                    (_mm512_maskz_loadu_ps(mask, pa.add(i)), _mm512_maskz_loadu_ps(mask, pb.add(i)))
                };
                let $acc = acc[1];
                acc[1] = $step;
            }
            _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3])))
        }
    };
}

kernel!(
    /// Dot product.
    dot,
    |acc, x, y| _mm512_fmadd_ps(x, y, acc)
);

kernel!(
    /// Squared Euclidean distance.
    l2_squared,
    |acc, x, y| {
        let d = _mm512_sub_ps(x, y);
        _mm512_fmadd_ps(d, d, acc)
    }
);

kernel!(
    /// Manhattan distance.
    l1,
    |acc, x, y| _mm512_add_ps(acc, _mm512_abs_ps(_mm512_sub_ps(x, y)))
);

/// Cosine similarity in one pass (dot product and both squared norms together); 0 when either
/// vector is zero.
///
/// # Safety
/// The CPU must support AVX-512F, and `b` must be at least as long as `a`.
#[target_feature(enable = "avx512f")]
pub unsafe fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len();
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    let (mut ab, mut aa, mut bb) = (
        [_mm512_setzero_ps(); 2],
        [_mm512_setzero_ps(); 2],
        [_mm512_setzero_ps(); 2],
    );
    let mut i = 0;
    while i + 32 <= n {
        for k in 0..2 {
            // SAFETY: i + 16k + 16 <= i + 32 <= n, and b.len() >= n (caller contract).
            let (x, y) = unsafe {
                (
                    _mm512_loadu_ps(pa.add(i + 16 * k)),
                    _mm512_loadu_ps(pb.add(i + 16 * k)),
                )
            };
            ab[k] = _mm512_fmadd_ps(x, y, ab[k]);
            aa[k] = _mm512_fmadd_ps(x, x, aa[k]);
            bb[k] = _mm512_fmadd_ps(y, y, bb[k]);
        }
        i += 32;
    }
    while i < n {
        let left = (n - i).min(16);
        let mask: u16 = if left == 16 {
            u16::MAX
        } else {
            (1u16 << left) - 1
        };
        // SAFETY: the mask enables only lanes i..i+left, all in bounds of both slices.
        let (x, y) = unsafe {
            (
                _mm512_maskz_loadu_ps(mask, pa.add(i)),
                _mm512_maskz_loadu_ps(mask, pb.add(i)),
            )
        };
        ab[0] = _mm512_fmadd_ps(x, y, ab[0]);
        aa[0] = _mm512_fmadd_ps(x, x, aa[0]);
        bb[0] = _mm512_fmadd_ps(y, y, bb[0]);
        i += left;
    }
    let dot = _mm512_reduce_add_ps(_mm512_add_ps(ab[0], ab[1]));
    let den = (_mm512_reduce_add_ps(_mm512_add_ps(aa[0], aa[1]))
        * _mm512_reduce_add_ps(_mm512_add_ps(bb[0], bb[1])))
    .sqrt();
    if den > 0.0 { dot / den } else { 0.0 }
}
