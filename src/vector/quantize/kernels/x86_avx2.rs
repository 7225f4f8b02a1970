//! AVX2 + FMA SQ8 kernels (x86-64): eight codes at a time are widened `u8 → i32 → f32`
//! (`vpmovzxbd`, `vcvtdq2ps`) and fused into four accumulators; the remainder is scalar.

use std::arch::x86_64::{
    __m256, _mm_loadl_epi64, _mm256_add_ps, _mm256_cvtepi32_ps, _mm256_cvtepu8_epi32,
    _mm256_fmadd_ps, _mm256_fnmadd_ps, _mm256_loadu_ps, _mm256_setzero_ps,
};

use crate::vector::cpu::Feature;
use crate::vector::distance::x86_avx2::hsum;

/// The features every `#[target_feature]` in this module enables, `hsum`'s included (keep them in
/// step).
pub(super) const FEATURES: &[Feature] = &[Feature::Avx2, Feature::Fma];

/// Eight codes at `p` as `f32` lanes.
///
/// # Safety
/// The CPU must support AVX2; `p..p+8` must be readable.
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn widen(p: *const u8) -> __m256 {
    // SAFETY: the caller guarantees 8 readable bytes at `p`; `_mm_loadl_epi64` reads exactly 8
    // and has no alignment requirement.
    let bytes = unsafe { _mm_loadl_epi64(p.cast()) };
    _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes))
}

/// `Σ w_i · c_i`.
///
/// # Safety
/// The CPU must support AVX2 and FMA, and `c` must be at least as long as `w`.
#[target_feature(enable = "avx2,fma")]
pub unsafe fn dot_u8(w: &[f32], c: &[u8]) -> f32 {
    let n = w.len();
    let (pw, pc) = (w.as_ptr(), c.as_ptr());
    let mut acc = [_mm256_setzero_ps(); 4];
    let mut i = 0;
    while i + 32 <= n {
        for (k, slot) in acc.iter_mut().enumerate() {
            // SAFETY: i + 8k + 8 <= i + 32 <= n <= c.len() (caller contract).
            let (x, y) = unsafe { (_mm256_loadu_ps(pw.add(i + 8 * k)), widen(pc.add(i + 8 * k))) };
            *slot = _mm256_fmadd_ps(x, y, *slot);
        }
        i += 32;
    }
    while i + 8 <= n {
        // SAFETY: i + 8 <= n <= c.len().
        let (x, y) = unsafe { (_mm256_loadu_ps(pw.add(i)), widen(pc.add(i))) };
        acc[0] = _mm256_fmadd_ps(x, y, acc[0]);
        i += 8;
    }
    let mut total = hsum(_mm256_add_ps(
        _mm256_add_ps(acc[0], acc[1]),
        _mm256_add_ps(acc[2], acc[3]),
    ));
    for j in i..n {
        total += w[j] * f32::from(c[j]);
    }
    total
}

/// `Σ (a_i − s_i · c_i)²`.
///
/// # Safety
/// The CPU must support AVX2 and FMA, and `s` and `c` must be at least as long as `a`.
#[target_feature(enable = "avx2,fma")]
pub unsafe fn l2_u8(a: &[f32], s: &[f32], c: &[u8]) -> f32 {
    let n = a.len();
    let (pa, ps, pc) = (a.as_ptr(), s.as_ptr(), c.as_ptr());
    let mut acc = [_mm256_setzero_ps(); 4];
    let mut i = 0;
    while i + 32 <= n {
        for (k, slot) in acc.iter_mut().enumerate() {
            let at = i + 8 * k;
            // SAFETY: at + 8 <= i + 32 <= n, and s, c are at least n long (caller contract).
            let (x, sc, y) = unsafe {
                (
                    _mm256_loadu_ps(pa.add(at)),
                    _mm256_loadu_ps(ps.add(at)),
                    widen(pc.add(at)),
                )
            };
            let d = _mm256_fnmadd_ps(sc, y, x);
            *slot = _mm256_fmadd_ps(d, d, *slot);
        }
        i += 32;
    }
    while i + 8 <= n {
        // SAFETY: i + 8 <= n, and s, c are at least n long.
        let (x, sc, y) = unsafe {
            (
                _mm256_loadu_ps(pa.add(i)),
                _mm256_loadu_ps(ps.add(i)),
                widen(pc.add(i)),
            )
        };
        let d = _mm256_fnmadd_ps(sc, y, x);
        acc[0] = _mm256_fmadd_ps(d, d, acc[0]);
        i += 8;
    }
    let mut total = hsum(_mm256_add_ps(
        _mm256_add_ps(acc[0], acc[1]),
        _mm256_add_ps(acc[2], acc[3]),
    ));
    for j in i..n {
        let d = a[j] - s[j] * f32::from(c[j]);
        total += d * d;
    }
    total
}
