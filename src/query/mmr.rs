//! Maximal marginal relevance: the final list of a search made diverse. From candidates that
//! already carry their relevance to the query, the most relevant is taken first; then, again and
//! again, the candidate with the best `(1 - diversity) * relevance - diversity * (its greatest
//! similarity to one already taken)`, until `limit` are taken. `diversity` 0 keeps the relevance
//! order; 1 looks at diversity alone (Qdrant's `mmr.diversity`).
//!
//! Each candidate keeps its relevance as its score (as Qdrant answers): the MMR value only
//! orders the selection. Similarities between candidates come from a closure, so the metric (and
//! where the vectors live) is the caller's; each pair is computed at most once, and the work is
//! `limit × candidates` similarities.
//!
//! Pure: no index, no I/O.

/// Most candidates MMR chooses from: each chosen point is compared with every candidate.
pub const MAX_MMR_CANDIDATES: usize = 10_000;

/// Most points MMR chooses, so that one query compares at most
/// `MAX_MMR_CHOSEN × MAX_MMR_CANDIDATES` pairs.
pub const MAX_MMR_CHOSEN: usize = 1_000;

/// `candidates` (`(key, relevance)`, any order) reordered by MMR, at most `limit`, each with its
/// relevance. `similarity(i, j)` is how alike candidates `i` and `j` are (indexes into
/// `candidates`), larger meaning more alike. Ties go to the earlier candidate.
#[must_use]
pub fn mmr<K: Copy>(
    candidates: &[(K, f32)],
    diversity: f32,
    limit: usize,
    mut similarity: impl FnMut(usize, usize) -> f32,
) -> Vec<(K, f32)> {
    let diversity = if diversity.is_finite() {
        diversity.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let relevance = 1.0 - diversity;
    let mut remaining: Vec<usize> = (0..candidates.len()).collect();
    // The greatest similarity of each candidate to the ones taken so far.
    let mut closest = vec![f32::NEG_INFINITY; candidates.len()];
    let mut taken: Vec<(K, f32)> = Vec::with_capacity(limit.min(candidates.len()));
    while taken.len() < limit && !remaining.is_empty() {
        let value = |i: usize| {
            let penalty = if closest[i] == f32::NEG_INFINITY {
                0.0
            } else {
                closest[i]
            };
            relevance * candidates[i].1 - diversity * penalty
        };
        let best_at = (0..remaining.len())
            .reduce(|best, at| {
                if taken.is_empty() {
                    // The first is the most relevant, whatever the diversity.
                    if candidates[remaining[at]].1 > candidates[remaining[best]].1 {
                        at
                    } else {
                        best
                    }
                } else if value(remaining[at]) > value(remaining[best]) {
                    at
                } else {
                    best
                }
            })
            .unwrap_or(0);
        let chosen = remaining.remove(best_at);
        taken.push(candidates[chosen]);
        for &other in &remaining {
            let s = similarity(chosen, other);
            if s > closest[other] {
                closest[other] = s;
            }
        }
    }
    taken
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Points on a line: similarity is closeness.
    fn on_line(positions: &[f32]) -> impl FnMut(usize, usize) -> f32 + '_ {
        |i, j| -(positions[i] - positions[j]).abs()
    }

    #[test]
    fn no_diversity_keeps_relevance_order() {
        let candidates = [(10, 0.5), (11, 0.9), (12, 0.7)];
        let positions = [0.0, 0.1, 0.2];
        let out = mmr(&candidates, 0.0, 3, on_line(&positions));
        assert_eq!(out, vec![(11, 0.9), (12, 0.7), (10, 0.5)]);
    }

    #[test]
    fn diversity_skips_near_duplicates_and_scores_stay_relevance() {
        // Two near-duplicates at the top, one distinct point a little less relevant.
        let candidates = [(1, 0.95), (2, 0.94), (3, 0.80)];
        let positions = [0.0, 0.01, 5.0];
        let out = mmr(&candidates, 0.5, 2, on_line(&positions));
        assert_eq!(out, vec![(1, 0.95), (3, 0.80)]);
        let out = mmr(&candidates, 0.0, 2, on_line(&positions));
        assert_eq!(out, vec![(1, 0.95), (2, 0.94)]);
    }

    #[test]
    fn each_pair_is_compared_at_most_once_and_the_limit_holds() {
        let candidates: Vec<(u32, f32)> = (0..20).map(|i| (i, 1.0 / (1.0 + i as f32))).collect();
        let mut calls = std::collections::HashSet::new();
        let out = mmr(&candidates, 0.3, 5, |i, j| {
            assert!(calls.insert((i.min(j), i.max(j))), "pair {i} {j} twice");
            0.0
        });
        assert_eq!(out.len(), 5);
        assert!(mmr(&candidates, 0.3, 0, |_, _| 0.0).is_empty());
        assert!(mmr::<u32>(&[], 0.3, 5, |_, _| 0.0).is_empty());
        // An unusable diversity is read as none.
        let plain = mmr(&candidates, f32::NAN, 3, |_, _| 1.0);
        assert_eq!(plain, candidates[..3].to_vec());
    }
}
