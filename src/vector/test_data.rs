//! Reproducible pseudo-random vectors for the vector layer's unit tests (compiled for tests only).
//!
//! One 64-bit linear congruential generator; each value is uniform in [-0.5, 0.5). Tests choose
//! the starting state, so every test sees the same data on every run and platform.

use super::DenseVectors;

/// `count` values from the generator started at `state`.
pub(crate) fn uniform(state: u64, count: usize) -> Vec<f32> {
    let mut state = state;
    (0..count)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 40) as f32) / (1u64 << 24) as f32 - 0.5
        })
        .collect()
}

/// `n` vectors of `dim` components for `seed` (the seed is scrambled into the starting state).
pub(crate) fn random_vectors(n: usize, dim: usize, seed: u64) -> DenseVectors {
    let state = seed
        .wrapping_mul(2_862_933_555_777_941_757)
        .wrapping_add(3_037_000_493);
    let mut v = DenseVectors::new(dim);
    for row in uniform(state, n * dim).chunks(dim.max(1)) {
        v.push(row).unwrap_or_else(|e| panic!("{e}"));
    }
    v
}
