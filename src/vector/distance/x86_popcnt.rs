//! POPCNT kernels (x86-64) for bit-packed binary vectors: the same loops as the scalar ones,
//! compiled so that `count_ones` is one `popcnt` instruction instead of a bit-twiddling sequence
//! (POPCNT is not part of the x86-64 baseline the rest of the crate compiles for).

/// Hamming distance (number of differing bits).
///
/// # Safety
/// The CPU must support POPCNT; `b` must be at least as long as `a`.
#[target_feature(enable = "popcnt")]
pub unsafe fn hamming(a: &[u64], b: &[u64]) -> f32 {
    let mut differ = 0u32;
    for (x, y) in a.iter().zip(b) {
        differ += (x ^ y).count_ones();
    }
    differ as f32
}

/// Jaccard distance `1 - |a & b| / |a | b|` (0 for two empty sets).
///
/// # Safety
/// The CPU must support POPCNT; `b` must be at least as long as `a`.
#[target_feature(enable = "popcnt")]
pub unsafe fn jaccard(a: &[u64], b: &[u64]) -> f32 {
    let (mut inter, mut union) = (0u32, 0u32);
    for (x, y) in a.iter().zip(b) {
        inter += (x & y).count_ones();
        union += (x | y).count_ones();
    }
    if union == 0 {
        0.0
    } else {
        1.0 - inter as f32 / union as f32
    }
}
