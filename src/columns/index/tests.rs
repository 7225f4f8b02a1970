use std::ops::Bound;

use roaring::RoaringBitmap;

use super::*;
use crate::columns::{FieldPath, Payload};
use crate::slot_index::{SlotIndex, SlotPoint};

fn payload(json: &str) -> Payload {
    serde_json::from_str(json).expect("test payload")
}

fn index(path: &str, schema: IndexSchema, payloads: &[&str]) -> (FieldIndex, Vec<Payload>) {
    let payloads: Vec<Payload> = payloads.iter().map(|p| payload(p)).collect();
    let mut index = FieldIndex::new(FieldPath::parse(path).expect("path"), schema);
    for (slot, p) in payloads.iter().enumerate() {
        index.insert(SlotPoint {
            slot: slot as u32,
            payload: p,
        });
    }
    (index, payloads)
}

fn slots(b: &RoaringBitmap) -> Vec<u32> {
    b.iter().collect()
}

#[test]
fn keyword_index_maps_each_array_element_and_counts_wrong_types() {
    let (index, _) = index(
        "tags",
        IndexSchema::Keyword,
        &[
            r#"{"tags": ["a", "b"]}"#,
            r#"{"tags": "b"}"#,
            r#"{"tags": 7}"#,
            r#"{"tags": null}"#,
            r#"{}"#,
            r#"{"tags": ["a", 3]}"#,
        ],
    );
    assert_eq!(slots(&index.equal(&IndexKey::Text("a".into()))), [0, 5]);
    assert_eq!(slots(&index.equal(&IndexKey::Text("b".into()))), [0, 1]);
    assert_eq!(index.indexed_points(), 3);
    assert_eq!(index.wrong_type_points(), 2);
    assert_eq!(index.distinct_values(), 2);
}

#[test]
fn ordered_indexes_answer_ranges_including_inverted_and_empty_ones() {
    let (ints, _) = index(
        "n",
        IndexSchema::Integer,
        &[
            r#"{"n": 1}"#,
            r#"{"n": 5}"#,
            r#"{"n": [9, 2]}"#,
            r#"{"n": 2.5}"#,
        ],
    );
    let k = IndexKey::Int;
    assert_eq!(
        slots(&ints.range(Bound::Included(&k(2)), Bound::Included(&k(5)))),
        [1, 2]
    );
    assert_eq!(
        slots(&ints.range(Bound::Excluded(&k(5)), Bound::Unbounded)),
        [2]
    );
    assert!(
        ints.range(Bound::Included(&k(5)), Bound::Included(&k(1)))
            .is_empty()
    );
    assert!(
        ints.range(Bound::Excluded(&k(5)), Bound::Excluded(&k(5)))
            .is_empty()
    );
    assert_eq!(ints.wrong_type_points(), 1);

    let (floats, _) = index(
        "x",
        IndexSchema::Float,
        &[r#"{"x": -0.0}"#, r#"{"x": 0}"#, r#"{"x": 0.5}"#],
    );
    let f = |x| IndexKey::Float(Float::new(x));
    assert_eq!(slots(&floats.equal(&f(0.0))), [0, 1]);
    assert_eq!(
        slots(&floats.range(Bound::Excluded(&f(0.0)), Bound::Unbounded)),
        [2]
    );

    let (times, _) = index(
        "t",
        IndexSchema::Datetime,
        &[
            r#"{"t": "2024-01-01T00:00:00Z"}"#,
            r#"{"t": "2024-06-01"}"#,
            r#"{"t": "not a date"}"#,
        ],
    );
    let june = IndexKey::Int(crate::columns::parse_datetime("2024-03-01").expect("date"));
    assert_eq!(
        slots(&times.range(Bound::Included(&june), Bound::Unbounded)),
        [1]
    );
    assert_eq!(times.wrong_type_points(), 1);
}

#[test]
fn remove_and_release_forget_a_slot_before_it_is_reused() {
    let (mut index, payloads) = index(
        "k",
        IndexSchema::Keyword,
        &[r#"{"k": "x"}"#, r#"{"k": "x"}"#, r#"{"k": 1}"#],
    );
    index.remove(SlotPoint {
        slot: 0,
        payload: &payloads[0],
    });
    assert_eq!(slots(&index.equal(&IndexKey::Text("x".into()))), [1]);
    let mut dead = RoaringBitmap::new();
    dead.insert(1);
    dead.insert(2);
    index.release(&dead);
    assert!(index.postings().next().is_none());
    assert_eq!(index.indexed_points(), 0);
    assert_eq!(index.wrong_type_points(), 0);
}

#[test]
fn images_round_trip_and_damage_is_detected() {
    let mut set = FieldIndexes::default();
    let payloads: Vec<Payload> = [
        r#"{"k": "a", "n": 1, "f": 1.5, "b": true, "u": "67e55044-10b1-426f-9247-bb680e5fe0c8", "t": "2024-01-01"}"#,
        r#"{"k": ["a", "b"], "n": -4, "f": 2, "b": false, "t": "2025-01-01T10:00:00+01:00"}"#,
    ]
    .iter()
    .map(|p| payload(p))
    .collect();
    for (field, schema) in [
        ("k", IndexSchema::Keyword),
        ("n", IndexSchema::Integer),
        ("f", IndexSchema::Float),
        ("b", IndexSchema::Bool),
        ("u", IndexSchema::Uuid),
        ("t", IndexSchema::Datetime),
    ] {
        let mut points = payloads
            .iter()
            .enumerate()
            .map(|(slot, payload)| SlotPoint {
                slot: slot as u32,
                payload,
            });
        let mut index = FieldIndex::new(FieldPath::parse(field).expect("path"), schema);
        index.rebuild(&mut points);
        set.install(index);
    }
    let bytes = set.encode();
    let decoded = FieldIndexes::decode(&bytes).expect("decodes");
    let mut back = FieldIndexes::default();
    for index in decoded {
        back.install(index);
    }
    assert_eq!(back, set);
    for cut in [0, 3, bytes.len() / 2, bytes.len() - 1] {
        assert!(FieldIndexes::decode(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(FieldIndexes::decode(&longer).is_err());
}

#[test]
fn stats_count_missing_points_array_entries_and_keep_the_histogram_exact_through_changes() {
    let (mut index, payloads) = index(
        "n",
        IndexSchema::Integer,
        &[
            r#"{"n": [1, 2, 2]}"#,
            r#"{"n": 3}"#,
            r#"{"n": "three"}"#,
            r#"{"n": null}"#,
            r#"{"n": []}"#,
            r#"{}"#,
        ],
    );
    let live: RoaringBitmap = (0..6).collect();
    let stats = index.stats(&live);
    assert_eq!(stats.distinct_values, 3);
    assert_eq!(stats.indexed_points, 2);
    assert_eq!(stats.wrong_type_points, 1);
    assert_eq!(stats.missing_points, 3);
    assert_eq!(stats.entries, 3, "the repeated 2 is one entry");
    let total: u64 = stats.histogram.iter().map(|b| b.count).sum();
    assert_eq!(total, 3);

    // Many changes later (bounds redrawn on the way), the counts still sum to the postings.
    let many: Vec<Payload> = (0..5_000)
        .map(|i| payload(&format!(r#"{{"n": {}}}"#, (i * 37) % 1000)))
        .collect();
    for (i, p) in many.iter().enumerate() {
        index.insert(SlotPoint {
            slot: 10 + i as u32,
            payload: p,
        });
    }
    for (i, p) in many.iter().enumerate().step_by(3) {
        index.remove(SlotPoint {
            slot: 10 + i as u32,
            payload: p,
        });
    }
    index.remove(SlotPoint {
        slot: 0,
        payload: &payloads[0],
    });
    let stats = index.stats(&RoaringBitmap::new());
    let total: u64 = stats.histogram.iter().map(|b| b.count).sum();
    assert_eq!(total, stats.entries);
    let exact = index
        .range(
            Bound::Included(&IndexKey::Int(100)),
            Bound::Excluded(&IndexKey::Int(300)),
        )
        .len();
    let estimate = index.estimate_range(
        Bound::Included(&IndexKey::Int(100)),
        Bound::Excluded(&IndexKey::Int(300)),
    );
    let depth = stats.entries / crate::columns::index::BUCKETS as u64 + 1;
    assert!(
        estimate.abs_diff(exact) <= 2 * depth,
        "{estimate} vs {exact}"
    );
}
