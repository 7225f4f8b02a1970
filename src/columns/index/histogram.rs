//! [`Histogram`]: an equi-depth histogram of an ordered index's postings, which estimates how
//! many slots a key range holds without walking (or unioning) the postings in it: the planner's
//! cardinality statistic for ranges.
//!
//! Bucket bounds are derived from the postings (each bucket holds about the same number of
//! entries) and the per-bucket counts are then kept exact as keys come and go. The bounds are
//! derived again when the number of entries has doubled or halved since they were drawn, so the
//! work is amortised O(1) per change and the buckets stay about equally deep. An estimate is off
//! by at most the two buckets the range's ends fall in (counted half each).

use std::collections::BTreeMap;
use std::ops::Bound;

use roaring::RoaringBitmap;

use super::schema::IndexKey;

/// Buckets drawn when the bounds are derived.
pub const BUCKETS: usize = 64;

/// Equi-depth histogram over an index's (key, slot) entries.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Histogram {
    /// Inclusive upper key of every bucket but the last, ascending; the last bucket is unbounded.
    uppers: Vec<IndexKey>,
    /// Entries in each bucket (`uppers.len() + 1` of them).
    counts: Vec<u64>,
    /// Entries in all buckets.
    total: u64,
    /// `total` when the bounds were derived.
    derived_at: u64,
}

/// One bucket, as statistics report it.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    /// The largest key the bucket holds (`None` for the last, unbounded one).
    pub upper: Option<IndexKey>,
    /// Entries (slot, key) in the bucket.
    pub count: u64,
}

impl Histogram {
    /// A histogram of `postings` with freshly derived bounds.
    #[must_use]
    pub fn derive(postings: &BTreeMap<IndexKey, RoaringBitmap>) -> Self {
        let total: u64 = postings.values().map(RoaringBitmap::len).sum();
        let depth = total.div_ceil(BUCKETS as u64).max(1);
        let mut uppers = Vec::new();
        let mut counts = Vec::new();
        let mut filled = 0u64;
        let mut last = None;
        for (key, slots) in postings {
            filled += slots.len();
            last = Some(key);
            if filled >= depth {
                uppers.push(key.clone());
                counts.push(filled);
                filled = 0;
            }
        }
        // The last bucket is unbounded: fold a full final bucket into it so that a key above
        // every bound lands in a bucket that exists.
        if filled == 0
            && let (Some(_), Some(count)) = (last, counts.pop())
        {
            uppers.pop();
            filled = count;
        }
        counts.push(filled);
        Self {
            uppers,
            counts,
            total,
            derived_at: total,
        }
    }

    /// Records one more entry for `key`.
    pub fn add(&mut self, key: &IndexKey) {
        let bucket = self.bucket_of(key);
        if let Some(count) = self.counts.get_mut(bucket) {
            *count += 1;
        } else {
            self.counts.push(1);
        }
        self.total += 1;
    }

    /// Records one entry fewer for `key`.
    pub fn remove(&mut self, key: &IndexKey) {
        let bucket = self.bucket_of(key);
        if let Some(count) = self.counts.get_mut(bucket) {
            *count = count.saturating_sub(1);
        }
        self.total = self.total.saturating_sub(1);
    }

    /// Whether the entry count moved so far from the one the bounds were drawn for that the
    /// buckets are no longer about equally deep (doubled, or halved).
    #[must_use]
    pub fn stale(&self) -> bool {
        self.total > 2 * self.derived_at.max(8) || self.total < self.derived_at / 2
    }

    /// Bytes held on the heap (bounds and counts).
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        self.uppers.capacity() * std::mem::size_of::<IndexKey>()
            + self
                .uppers
                .iter()
                .map(|k| match k {
                    IndexKey::Text(s) => s.capacity(),
                    _ => 0,
                })
                .sum::<usize>()
            + self.counts.capacity() * std::mem::size_of::<u64>()
    }

    /// Entries in all buckets (the sum of the postings' lengths).
    #[must_use]
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The buckets, lowest keys first.
    #[must_use]
    pub fn buckets(&self) -> Vec<Bucket> {
        self.counts
            .iter()
            .enumerate()
            .map(|(i, &count)| Bucket {
                upper: self.uppers.get(i).cloned(),
                count,
            })
            .collect()
    }

    /// About how many entries have a key between `lower` and `upper`: whole buckets inside the
    /// range count fully, the (at most two) buckets an end falls in count half.
    #[must_use]
    pub fn estimate(&self, lower: Bound<&IndexKey>, upper: Bound<&IndexKey>) -> u64 {
        let first = match lower {
            Bound::Unbounded => 0,
            Bound::Included(k) | Bound::Excluded(k) => self.bucket_of(k),
        };
        let last = match upper {
            Bound::Unbounded => self.counts.len().saturating_sub(1),
            Bound::Included(k) | Bound::Excluded(k) => self.bucket_of(k),
        };
        if first > last {
            return 0;
        }
        let mut sum = 0u64;
        for bucket in first..=last {
            let count = self.counts.get(bucket).copied().unwrap_or(0);
            let cut_below = bucket == first && !matches!(lower, Bound::Unbounded);
            let cut_above = bucket == last && !matches!(upper, Bound::Unbounded);
            sum += if cut_below || cut_above {
                count.div_ceil(2)
            } else {
                count
            };
        }
        sum
    }

    /// The bucket `key` falls in: the first whose upper key is at least `key`.
    fn bucket_of(&self, key: &IndexKey) -> usize {
        self.uppers.partition_point(|upper| upper < key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn postings(values: impl IntoIterator<Item = i64>) -> BTreeMap<IndexKey, RoaringBitmap> {
        let mut out: BTreeMap<IndexKey, RoaringBitmap> = BTreeMap::new();
        for (slot, v) in values.into_iter().enumerate() {
            out.entry(IndexKey::Int(v))
                .or_default()
                .insert(u32::try_from(slot).expect("slot"));
        }
        out
    }

    fn exact(
        p: &BTreeMap<IndexKey, RoaringBitmap>,
        lo: Bound<&IndexKey>,
        hi: Bound<&IndexKey>,
    ) -> u64 {
        p.range::<IndexKey, _>((lo, hi)).map(|(_, s)| s.len()).sum()
    }

    #[test]
    fn estimates_ranges_within_two_buckets_of_the_truth() {
        // Skewed values: many small ones, a long tail.
        let values: Vec<i64> = (0..10_000i64).map(|i| (i * i) % 7919).collect();
        let p = postings(values);
        let h = Histogram::derive(&p);
        assert_eq!(h.total(), 10_000);
        assert!(h.buckets().len() <= BUCKETS);
        let depth = 10_000 / BUCKETS as u64 + 1;
        for (lo, hi) in [
            (0, 100),
            (50, 4000),
            (3000, 3001),
            (7000, 9000),
            (-5, 20_000),
        ] {
            let (lo, hi) = (IndexKey::Int(lo), IndexKey::Int(hi));
            let truth = exact(&p, Bound::Included(&lo), Bound::Excluded(&hi));
            let got = h.estimate(Bound::Included(&lo), Bound::Excluded(&hi));
            assert!(
                got.abs_diff(truth) <= 2 * depth,
                "{lo:?}..{hi:?}: {got} vs {truth}"
            );
        }
        assert_eq!(h.estimate(Bound::Unbounded, Bound::Unbounded), 10_000);
    }

    #[test]
    fn counts_follow_changes_and_bounds_are_redrawn_when_the_size_doubles() {
        let mut h = Histogram::derive(&BTreeMap::new());
        assert_eq!(h.estimate(Bound::Unbounded, Bound::Unbounded), 0);
        for v in 0..100i64 {
            h.add(&IndexKey::Int(v));
        }
        assert_eq!(h.total(), 100);
        assert!(h.stale(), "a histogram drawn empty is stale once filled");
        let p = postings(0..100);
        let mut h = Histogram::derive(&p);
        assert!(!h.stale());
        h.remove(&IndexKey::Int(3));
        h.add(&IndexKey::Int(1_000));
        assert_eq!(h.total(), 100);
        assert_eq!(
            h.estimate(Bound::Excluded(&IndexKey::Int(200)), Bound::Unbounded),
            h.buckets().last().map_or(0, |b| b.count).div_ceil(2)
        );
        for _ in 0..60 {
            h.remove(&IndexKey::Int(50));
        }
        assert!(h.stale(), "halved");
    }
}
