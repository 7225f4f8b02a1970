//! Reference SQ8 kernels in plain Rust (every CPU; what the SIMD kernels are tested against).

/// `Σ w_i · c_i`.
#[must_use]
pub fn dot_u8(w: &[f32], c: &[u8]) -> f32 {
    w.iter().zip(c).map(|(x, &y)| x * f32::from(y)).sum()
}

/// `Σ (a_i − s_i · c_i)²`.
#[must_use]
pub fn l2_u8(a: &[f32], s: &[f32], c: &[u8]) -> f32 {
    a.iter()
        .zip(s)
        .zip(c)
        .map(|((x, sc), &y)| {
            let d = x - sc * f32::from(y);
            d * d
        })
        .sum()
}
