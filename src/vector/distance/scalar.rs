//! Portable kernels: the reference every SIMD kernel is tested against, and the fallback on CPUs
//! without one. Eight independent accumulators over 8-wide chunks let LLVM keep them in vector
//! registers. No `mul_add`: without FMA in the compile target it becomes a slow library call.

const LANES: usize = 8;

#[inline]
fn reduce(acc: [f32; LANES]) -> f32 {
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]))
}

/// Sum of `f(x, y)` over paired components, with lane-wise accumulation.
#[inline]
fn lane_sum(a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> f32) -> f32 {
    let mut acc = [0.0f32; LANES];
    let (ca, ra) = a.as_chunks::<LANES>();
    let (cb, rb) = b.as_chunks::<LANES>();
    for (x, y) in ca.iter().zip(cb) {
        for i in 0..LANES {
            acc[i] += f(x[i], y[i]);
        }
    }
    let tail: f32 = ra.iter().zip(rb).map(|(x, y)| f(*x, *y)).sum();
    reduce(acc) + tail
}

/// Dot product.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    lane_sum(a, b, |x, y| x * y)
}

/// Squared Euclidean distance.
#[inline]
pub fn l2_squared(a: &[f32], b: &[f32]) -> f32 {
    lane_sum(a, b, |x, y| (x - y) * (x - y))
}

/// Manhattan (L1) distance.
#[inline]
pub fn l1(a: &[f32], b: &[f32]) -> f32 {
    lane_sum(a, b, |x, y| (x - y).abs())
}

/// Chebyshev (L-infinity) distance.
#[inline]
pub fn chebyshev(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// Canberra distance: sum of `|x - y| / (|x| + |y|)`, with 0/0 terms counted as 0.
#[inline]
pub fn canberra(a: &[f32], b: &[f32]) -> f32 {
    lane_sum(a, b, |x, y| {
        let den = x.abs() + y.abs();
        if den > 0.0 { (x - y).abs() / den } else { 0.0 }
    })
}

/// Bray-Curtis dissimilarity: `sum |x - y| / sum |x + y|` (0 when both vectors are zero).
#[inline]
pub fn bray_curtis(a: &[f32], b: &[f32]) -> f32 {
    let num = l1(a, b);
    let den = lane_sum(a, b, |x, y| (x + y).abs());
    if den > 0.0 { num / den } else { 0.0 }
}

/// Hamming distance between bit-packed binary vectors: the number of differing bits.
#[inline(always)]
pub fn hamming(a: &[u64], b: &[u64]) -> u32 {
    a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum()
}

/// Jaccard distance of two vectors of 0/1 components stored as `f32` (`1 - Σmin / Σmax`, which is
/// the set formula for 0/1 values; 0 when both are empty).
#[inline]
pub fn jaccard_dense(a: &[f32], b: &[f32]) -> f32 {
    let (mut inter, mut union) = (0.0f32, 0.0f32);
    for (x, y) in a.iter().zip(b) {
        inter += x.min(*y);
        union += x.max(*y);
    }
    if union == 0.0 {
        0.0
    } else {
        1.0 - inter / union
    }
}

/// Jaccard distance between bit-packed binary vectors: `1 - |a & b| / |a | b|` (0 for two empty
/// sets).
#[inline(always)]
pub fn jaccard(a: &[u64], b: &[u64]) -> f32 {
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

/// Cosine similarity of two vectors of any length (0 when either is zero).
#[inline]
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let den = (dot(a, a) * dot(b, b)).sqrt();
    if den > 0.0 { dot(a, b) / den } else { 0.0 }
}
