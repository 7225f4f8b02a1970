//! The text index against plain models: postings agree with the payloads through inserts,
//! removals and releases, images round-trip, and BM25 (pruned and exhaustive) equals a
//! straightforward scorer written here.

use std::collections::{BTreeMap, HashMap};

use proptest::prelude::*;
use roaring::RoaringBitmap;

use super::*;
use crate::columns::{FieldPath, Payload, Value};
use crate::slot_index::{SlotIndex, SlotPoint};

fn body(value: Value) -> Payload {
    let mut p = Payload::new();
    p.insert("body".into(), value);
    p
}

fn text(s: &str) -> Payload {
    body(Value::String(s.into()))
}

fn index_of(docs: &[(u32, Payload)]) -> TextIndex {
    let mut index = TextIndex::new(
        FieldPath::parse("body").expect("path"),
        TextSettings::default(),
    );
    for (slot, payload) in docs {
        index.insert(SlotPoint {
            slot: *slot,
            payload,
        });
    }
    index
}

fn slots(index: &TextIndex, query: &TextQuery) -> Vec<u32> {
    matching_slots(index, query).iter().collect()
}

#[test]
fn arrays_are_one_document_and_phrases_do_not_cross_elements() {
    let docs = [
        (
            0,
            body(Value::Array(vec![
                Value::String("red apple".into()),
                Value::String("green pear".into()),
            ])),
        ),
        (1, text("apple green")),
        (2, body(Value::Int(7))),
    ];
    let index = index_of(&docs);
    let a = index.analyzer();
    assert_eq!(index.doc_len(0), 4);
    assert_eq!(index.doc_count(), 2);
    assert_eq!(index.wrong_type_slots().iter().collect::<Vec<_>>(), [2]);
    assert_eq!(slots(&index, &TextQuery::phrase(a, "apple green")), [1]);
    assert_eq!(slots(&index, &TextQuery::phrase(a, "green pear")), [0]);
    assert_eq!(slots(&index, &TextQuery::all_of(a, "apple green")), [0, 1]);
    assert_eq!(slots(&index, &TextQuery::parse(a, "apple -red")), [1]);
    assert!(slots(&index, &TextQuery::all_of(a, "apple banana")).is_empty());
}

#[test]
fn remove_and_release_leave_no_trace() {
    let docs = [
        (0, text("one two")),
        (1, text("two three")),
        (5, text("three")),
    ];
    let mut index = index_of(&docs);
    index.remove(SlotPoint {
        slot: 1,
        payload: &docs[1].1,
    });
    let fresh = index_of(&[docs[0].clone(), docs[2].clone()]);
    assert_eq!(index, fresh);
    let mut gone = RoaringBitmap::new();
    gone.insert(5);
    index.release(&gone);
    assert_eq!(index, index_of(&[docs[0].clone()]));
    assert_eq!(index.total_len(), 2);
}

#[test]
fn image_round_trips_and_damage_is_detected() {
    let docs = [
        (0, text("the quick brown fox")),
        (3, text("quick quick")),
        (4, body(Value::Bool(true))),
    ];
    let index = index_of(&docs);
    let mut set = TextIndexes::default();
    set.install(index.clone());
    let bytes = set.encode();
    let back = TextIndexes::decode(&bytes).expect("decode");
    assert_eq!(back, vec![index]);
    for cut in 0..bytes.len() {
        assert!(TextIndexes::decode(&bytes[..cut]).is_err(), "cut at {cut}");
    }
}

#[test]
fn rebuild_equals_incremental_inserts() {
    let docs = [(2, text("alpha beta")), (0, text("beta gamma beta"))];
    let index = index_of(&docs);
    let mut rebuilt = TextIndex::new(
        FieldPath::parse("body").expect("path"),
        TextSettings::default(),
    );
    rebuilt.rebuild(&mut docs.iter().map(|(slot, payload)| SlotPoint {
        slot: *slot,
        payload,
    }));
    assert_eq!(rebuilt, index);
}

#[test]
fn must_clauses_restrict_ranking_and_not_clauses_exclude() {
    let docs = [
        (0, text("cat dog")),
        (1, text("cat")),
        (2, text("dog dog dog")),
        (3, text("bird")),
    ];
    let index = index_of(&docs);
    let a = index.analyzer();
    let ranked = |q: &str| -> Vec<u32> {
        bm25::top_k(&index, &TextQuery::parse(a, q), None, 10)
            .into_iter()
            .map(|h| h.slot)
            .collect()
    };
    assert_eq!(ranked("+cat dog"), [0, 1]);
    assert_eq!(ranked("dog -cat"), [2]);
    assert_eq!(ranked("\"cat dog\""), [0]);
    assert_eq!(ranked("fish"), Vec::<u32>::new());
}

/// The reference scorer: BM25 straight from the definition, over the raw word lists.
fn reference(
    docs: &BTreeMap<u32, Vec<String>>,
    query: &[String],
    k1: f64,
    b: f64,
) -> HashMap<u32, f64> {
    let n_docs = docs.values().filter(|d| !d.is_empty()).count() as f64;
    let total: usize = docs.values().map(Vec::len).sum();
    let avgdl = total as f64 / n_docs;
    let mut distinct: Vec<&String> = Vec::new();
    for t in query {
        if !distinct.contains(&t) {
            distinct.push(t);
        }
    }
    let mut out = HashMap::new();
    for (&slot, words) in docs {
        let mut score = 0.0;
        let mut hit = false;
        for term in &distinct {
            let tf = words.iter().filter(|w| w == term).count() as f64;
            if tf == 0.0 {
                continue;
            }
            hit = true;
            let n = docs.values().filter(|d| d.contains(term)).count() as f64;
            let idf = (1.0 + (n_docs - n + 0.5) / (n + 0.5)).ln();
            let dl = words.len() as f64;
            score += idf * tf * (k1 + 1.0) / (tf + k1 * (1.0 - b + b * dl / avgdl));
        }
        if hit {
            out.insert(slot, score);
        }
    }
    out
}

const VOCAB: [&str; 12] = [
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
    "lambda", "mu",
];

fn words() -> impl Strategy<Value = Vec<String>> {
    // Skewed choice: low indexes are common, so terms have very different frequencies.
    prop::collection::vec(
        (0usize..VOCAB.len(), 0usize..VOCAB.len()).prop_map(|(a, b)| VOCAB[a.min(b)].to_owned()),
        1..12,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn bm25_equals_the_reference_and_pruning_loses_nothing(
        docs in prop::collection::vec(words(), 1..60),
        query in prop::collection::vec((0usize..VOCAB.len()).prop_map(|i| VOCAB[i].to_owned()), 1..5),
        k in 1usize..12,
        filter_every in 1u32..4,
    ) {
        let by_slot: BTreeMap<u32, Vec<String>> = docs
            .iter()
            .enumerate()
            .map(|(i, d)| (u32::try_from(i).expect("small"), d.clone()))
            .collect();
        let payloads: Vec<(u32, Payload)> = by_slot
            .iter()
            .map(|(s, d)| (*s, text(&d.join(" "))))
            .collect();
        let index = index_of(&payloads);
        let q = TextQuery::parse(index.analyzer(), &query.join(" "));
        let expected = reference(&by_slot, &query, DEFAULT_K1, DEFAULT_B);

        let all = bm25::score_all(&index, &q, None);
        prop_assert_eq!(all.len(), expected.len());
        for hit in &all {
            let want = expected[&hit.slot];
            prop_assert!((hit.score - want).abs() <= 1e-5, "slot {}: {} vs {}", hit.slot, hit.score, want);
        }

        let allowed: RoaringBitmap = (0..u32::try_from(docs.len()).expect("small"))
            .filter(|s| s % filter_every == 0)
            .collect();
        for filter in [None, Some(&allowed)] {
            let exhaustive: Vec<Hit> = bm25::score_all(&index, &q, filter).into_iter().take(k).collect();
            let pruned = bm25::top_k(&index, &q, filter, k);
            prop_assert_eq!(pruned, exhaustive);
        }
    }
}

/// `text/` sits beside `columns/`: it names no module of Plait but `columns`, `slot_index` and
/// the leaf `postings` (and itself), so the engine and the query layer depend on it and never the
/// reverse.
#[test]
fn text_imports_only_columns_slot_index_and_postings() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/text");
    let allowed = [
        "crate::columns",
        "crate::postings",
        "crate::slot_index",
        "crate::text",
    ];
    let mut offenders = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        let text = std::fs::read_to_string(&path)?;
        for (i, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            // Spelled in two parts so this file does not match itself.
            for (at, _) in code.match_indices(concat!("crate", "::")) {
                if !allowed.iter().any(|a| code[at..].starts_with(a)) {
                    offenders.push(format!("{}:{}: {code}", path.display(), i + 1));
                }
            }
        }
    }
    assert!(offenders.is_empty(), "{}", offenders.join("\n"));
    Ok(())
}
