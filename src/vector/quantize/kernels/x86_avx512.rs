//! AVX-512F SQ8 kernels (x86-64): sixteen codes at a time are widened `u8 → i32 → f32`
//! (`vpmovzxbd`, `vcvtdq2ps`) and fused into two accumulators; the remainder is scalar.

use std::arch::x86_64::{
    __m512, _mm_loadu_si128, _mm512_add_ps, _mm512_cvtepi32_ps, _mm512_cvtepu8_epi32,
    _mm512_fmadd_ps, _mm512_fnmadd_ps, _mm512_loadu_ps, _mm512_reduce_add_ps, _mm512_setzero_ps,
};

use crate::vector::cpu::Feature;

/// The features every `#[target_feature]` in this module enables (keep the two in step).
pub(super) const FEATURES: &[Feature] = &[Feature::Avx512f];

/// Sixteen codes at `p` as `f32` lanes.
///
/// # Safety
/// The CPU must support AVX-512F; `p..p+16` must be readable.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn widen(p: *const u8) -> __m512 {
    // SAFETY: the caller guarantees 16 readable bytes at `p`; `_mm_loadu_si128` has no alignment
    // requirement.
    let bytes = unsafe { _mm_loadu_si128(p.cast()) };
    _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(bytes))
}

/// `Σ w_i · c_i`.
///
/// # Safety
/// The CPU must support AVX-512F, and `c` must be at least as long as `w`.
#[target_feature(enable = "avx512f")]
pub unsafe fn dot_u8(w: &[f32], c: &[u8]) -> f32 {
    let n = w.len();
    let (pw, pc) = (w.as_ptr(), c.as_ptr());
    let mut acc = [_mm512_setzero_ps(); 2];
    let mut i = 0;
    while i + 32 <= n {
        for (k, slot) in acc.iter_mut().enumerate() {
            // SAFETY: i + 16k + 16 <= i + 32 <= n <= c.len() (caller contract).
            let (x, y) = unsafe {
                (
                    _mm512_loadu_ps(pw.add(i + 16 * k)),
                    widen(pc.add(i + 16 * k)),
                )
            };
            *slot = _mm512_fmadd_ps(x, y, *slot);
        }
        i += 32;
    }
    if i + 16 <= n {
        // SAFETY: i + 16 <= n <= c.len().
        let (x, y) = unsafe { (_mm512_loadu_ps(pw.add(i)), widen(pc.add(i))) };
        acc[0] = _mm512_fmadd_ps(x, y, acc[0]);
        i += 16;
    }
    let mut total = _mm512_reduce_add_ps(_mm512_add_ps(acc[0], acc[1]));
    for j in i..n {
        total += w[j] * f32::from(c[j]);
    }
    total
}

/// `Σ (a_i − s_i · c_i)²`.
///
/// # Safety
/// The CPU must support AVX-512F, and `s` and `c` must be at least as long as `a`.
#[target_feature(enable = "avx512f")]
pub unsafe fn l2_u8(a: &[f32], s: &[f32], c: &[u8]) -> f32 {
    let n = a.len();
    let (pa, ps, pc) = (a.as_ptr(), s.as_ptr(), c.as_ptr());
    let mut acc = [_mm512_setzero_ps(); 2];
    let mut i = 0;
    while i + 32 <= n {
        for (k, slot) in acc.iter_mut().enumerate() {
            let at = i + 16 * k;
            // SAFETY: at + 16 <= i + 32 <= n, and s, c are at least n long (caller contract).
            let (x, sc, y) = unsafe {
                (
                    _mm512_loadu_ps(pa.add(at)),
                    _mm512_loadu_ps(ps.add(at)),
                    widen(pc.add(at)),
                )
            };
            let d = _mm512_fnmadd_ps(sc, y, x);
            *slot = _mm512_fmadd_ps(d, d, *slot);
        }
        i += 32;
    }
    if i + 16 <= n {
        // SAFETY: i + 16 <= n, and s, c are at least n long.
        let (x, sc, y) = unsafe {
            (
                _mm512_loadu_ps(pa.add(i)),
                _mm512_loadu_ps(ps.add(i)),
                widen(pc.add(i)),
            )
        };
        let d = _mm512_fnmadd_ps(sc, y, x);
        acc[0] = _mm512_fmadd_ps(d, d, acc[0]);
        i += 16;
    }
    let mut total = _mm512_reduce_add_ps(_mm512_add_ps(acc[0], acc[1]));
    for j in i..n {
        let d = a[j] - s[j] * f32::from(c[j]);
        total += d * d;
    }
    total
}
