//! Graph repair against brute force: no link to a released node survives, recall over the live
//! nodes stays close to a fresh build, released slots are reused, searches run during a repair.

use roaring::RoaringBitmap;

use super::HnswConfig;
use super::tests::{Indexed, random_vectors, recall_with_ef};
use crate::vector::{FullPrecision, Metric};

const CONFIG: HnswConfig = HnswConfig {
    m: 12,
    ef_construction: 80,
};

/// Every slot whose hash lands in the lowest 30 %: spread over the graph, levels included.
fn thirty_percent(n: u32, seed: u64) -> RoaringBitmap {
    (0..n)
        .filter(|&s| {
            let x = (u64::from(s) ^ seed).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 33;
            x % 10 < 3
        })
        .collect()
}

#[test]
fn repairing_30_percent_deleted_leaves_no_link_to_them_and_keeps_recall() {
    let n = 3000u32;
    let mut v = random_vectors(n as usize, 16, 31);
    let queries = random_vectors(50, 16, 32);
    let mut index = Indexed::new(CONFIG, Metric::Euclid);
    let nodes: Vec<u32> = (0..n).collect();
    index.insert_many(&v, &nodes);
    let mut dead = thirty_percent(n, 7);
    // The entry point is deleted too, so that it has to move.
    let entry = index.index.entry_point().unwrap_or(0);
    dead.insert(entry);
    assert!(index.index.links_to_any(&dead));
    let live = |s: u32| !dead.contains(s);
    let before = recall_with_ef(&index, &v, &queries, Metric::Euclid, 10, 64, &live);

    let space = FullPrecision::new(&v, Metric::Euclid);
    let mut repaired = 0;
    for from in (0..n).step_by(500) {
        repaired += index.index.repair(&space, &dead, from..from + 500);
    }
    assert!(repaired > 0);
    index.index.release(&dead, &live);
    assert!(
        !index.index.links_to_any(&dead),
        "a live node still links to a released one"
    );
    let new_entry = index.index.entry_point();
    assert!(
        new_entry.is_some_and(|e| !dead.contains(e)),
        "entry {new_entry:?}"
    );
    let after = recall_with_ef(&index, &v, &queries, Metric::Euclid, 10, 64, &live);

    let mut fresh = Indexed::new(CONFIG, Metric::Euclid);
    let live_nodes: Vec<u32> = (0..n).filter(|&s| live(s)).collect();
    fresh.insert_many(&v, &live_nodes);
    let fresh_recall = recall_with_ef(&fresh, &v, &queries, Metric::Euclid, 10, 64, &live);
    eprintln!("recall with tombstones {before}, repaired {after}, fresh build {fresh_recall}");
    assert!(
        after >= fresh_recall - 0.02,
        "repaired {after} vs fresh {fresh_recall}"
    );

    // The released slots take new vectors like fresh slots; recall over all of them holds up.
    let replacement = random_vectors(n as usize, 16, 33);
    let reused: Vec<u32> = dead.iter().collect();
    for &slot in &reused {
        v.set(slot, replacement.get(slot));
    }
    let space = FullPrecision::new(&v, Metric::Euclid);
    index.index.insert_many_linking(&space, &reused, &|_| true);
    let churned = recall_with_ef(&index, &v, &queries, Metric::Euclid, 10, 64, &|_| true);
    let mut fresh = Indexed::new(CONFIG, Metric::Euclid);
    fresh.insert_many(&v, &nodes);
    let fresh_recall = recall_with_ef(&fresh, &v, &queries, Metric::Euclid, 10, 64, &|_| true);
    eprintln!("after re-inserting: churned {churned}, fresh build {fresh_recall}");
    assert!(
        churned >= fresh_recall - 0.02,
        "churned {churned} vs fresh {fresh_recall}"
    );
}

#[test]
fn inserts_during_a_round_never_link_to_its_tombstones() {
    let n = 2000u32;
    let mut v = random_vectors(n as usize + 300, 16, 41);
    let mut index = Indexed::new(CONFIG, Metric::Euclid);
    let nodes: Vec<u32> = (0..n).collect();
    index.insert_many(&v, &nodes);
    let dead = thirty_percent(n, 3);
    let space = FullPrecision::new(&v, Metric::Euclid);
    index.index.repair(&space, &dead, 0..n / 2);
    // New nodes and an update arrive halfway through the round.
    let more: Vec<u32> = (n..n + 300)
        .chain([1])
        .filter(|s| !dead.contains(*s))
        .collect();
    let replacement = random_vectors(1, 16, 42);
    v.set(1, replacement.get(0));
    let space = FullPrecision::new(&v, Metric::Euclid);
    index
        .index
        .insert_many_linking(&space, &more, &|s| !dead.contains(s));
    index.index.repair(&space, &dead, n / 2..n);
    index.index.release(&dead, &|s| !dead.contains(s));
    assert!(!index.index.links_to_any(&dead));
}

#[test]
fn searches_during_a_repair_return_valid_results() {
    let n = 3000u32;
    let v = random_vectors(n as usize, 16, 51);
    let queries = random_vectors(40, 16, 52);
    let mut index = Indexed::new(CONFIG, Metric::Euclid);
    let nodes: Vec<u32> = (0..n).collect();
    index.insert_many(&v, &nodes);
    let dead = thirty_percent(n, 11);
    let live = |s: u32| !dead.contains(s);
    let done = std::sync::atomic::AtomicBool::new(false);
    let searches = std::thread::scope(|scope| {
        let searcher = scope.spawn(|| {
            let mut count = 0usize;
            // At least one pass over the queries, and on until the repair is over.
            while count < 40 || !done.load(std::sync::atomic::Ordering::Acquire) {
                let q = queries.get(u32::try_from(count % 40).unwrap_or(0));
                let hits = index.search(&v, q, 10, 64, &live);
                assert_eq!(hits.len(), 10, "too few results during the repair");
                assert!(
                    hits.iter().all(|h| live(h.slot)),
                    "a deleted node was returned"
                );
                assert!(
                    hits.windows(2).all(|w| w[0].score <= w[1].score),
                    "unsorted"
                );
                let mut slots: Vec<u32> = hits.iter().map(|h| h.slot).collect();
                slots.sort_unstable();
                slots.dedup();
                assert_eq!(slots.len(), 10, "duplicate results");
                count += 1;
            }
            count
        });
        let space = FullPrecision::new(&v, Metric::Euclid);
        for from in (0..n).step_by(100) {
            index.index.repair(&space, &dead, from..from + 100);
        }
        done.store(true, std::sync::atomic::Ordering::Release);
        searcher.join()
    });
    assert!(searches.is_ok_and(|c| c >= 40));
    index.index.release(&dead, &live);
    assert!(!index.index.links_to_any(&dead));
    let r = recall_with_ef(&index, &v, &queries, Metric::Euclid, 10, 64, &live);
    assert!(r >= 0.9, "recall after the repair {r}");
}

#[test]
fn releasing_every_node_leaves_an_empty_graph_that_takes_new_nodes() {
    let n = 300u32;
    let v = random_vectors(n as usize, 8, 61);
    let mut index = Indexed::new(CONFIG, Metric::Euclid);
    let nodes: Vec<u32> = (0..n).collect();
    index.insert_many(&v, &nodes);
    let dead: RoaringBitmap = (0..n).collect();
    let space = FullPrecision::new(&v, Metric::Euclid);
    assert_eq!(index.index.repair(&space, &dead, 0..n), 0);
    index.index.release(&dead, &|s| !dead.contains(s));
    assert_eq!(index.index.entry_point(), None);
    assert!(index.search(&v, v.get(0), 5, 16, &|_| true).is_empty());
    let image = index.index.encode();
    let back = super::Hnsw::decode(&image, CONFIG, n as usize);
    assert!(back.is_ok_and(|b| b.entry_point().is_none()));
    index.insert_many(&v, &nodes);
    let r = recall_with_ef(&index, &v, &v, Metric::Euclid, 1, 16, &|_| true);
    assert!(r >= 0.95, "recall after refilling {r}");
}
