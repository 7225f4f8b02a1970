//! POPCNT kernels (x86-64) for bit-packed binary vectors: the scalar loops, inlined into functions
//! compiled with POPCNT so that `count_ones` is one `popcnt` instruction instead of a
//! bit-twiddling sequence (POPCNT is not part of the x86-64 baseline the crate compiles for).

use super::scalar;
use crate::vector::cpu::Feature;

/// The features every `#[target_feature]` in this module enables (keep the two in step).
pub(super) const FEATURES: &[Feature] = &[Feature::Popcnt];

/// Hamming distance (number of differing bits).
///
/// # Safety
/// The CPU must support POPCNT.
#[target_feature(enable = "popcnt")]
pub unsafe fn hamming(a: &[u64], b: &[u64]) -> f32 {
    scalar::hamming(a, b) as f32
}

/// Jaccard distance `1 - |a & b| / |a | b|` (0 for two empty sets).
///
/// # Safety
/// The CPU must support POPCNT.
#[target_feature(enable = "popcnt")]
pub unsafe fn jaccard(a: &[u64], b: &[u64]) -> f32 {
    scalar::jaccard(a, b)
}
