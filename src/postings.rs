//! What the ranked indexes (`text/`, `sparse/`) share about their posting lists: moving a cursor
//! along a sorted list of slots, and BM25's inverse document frequency, which Qdrant's sparse
//! `idf` modifier also uses. A leaf: it imports nothing from Plait.

/// The position of the first slot ≥ `slot` in the sorted `slots`, searching from `at` (galloping,
/// then binary search, so a cursor that skips far pays a logarithm, one that steps pays little).
#[must_use]
pub fn seek(slots: &[u32], at: usize, slot: u32) -> usize {
    if at >= slots.len() || slots[at] >= slot {
        return at;
    }
    let mut at = at;
    let mut step = 1;
    let mut hi = at + 1;
    while hi < slots.len() && slots[hi] < slot {
        at = hi;
        hi += step;
        step *= 2;
    }
    let hi = hi.min(slots.len());
    at + slots[at..hi].partition_point(|&s| s < slot)
}

/// Inverse document frequency of a term held by `n` of `docs` documents, as Lucene's BM25
/// defines it: ln(1 + (N - n + 0.5) / (n + 0.5)).
#[must_use]
pub fn idf(docs: f64, n: usize) -> f64 {
    let n = n as f64;
    (1.0 + (docs - n + 0.5) / (n + 0.5)).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seek_finds_the_first_slot_not_below_the_target_from_any_start() {
        let slots: Vec<u32> = (0..200).map(|i| i * 3).collect();
        for start in [0, 1, 7, 150, 199, 200] {
            for target in 0..610 {
                let want = if start >= slots.len() || slots[start] >= target {
                    start
                } else {
                    slots.partition_point(|&s| s < target)
                };
                assert_eq!(
                    seek(&slots, start, target),
                    want,
                    "start {start} target {target}"
                );
            }
        }
    }

    #[test]
    fn idf_is_lucenes() {
        assert!((idf(10.0, 1) - (1.0f64 + 9.5 / 1.5).ln()).abs() < 1e-12);
        assert!(idf(10.0, 10) > 0.0);
    }
}
