//! The sparse index against plain models: validation, postings agreeing with the live vectors
//! through inserts, removals and releases, images that round-trip and refuse damage, and
//! pruned top-k equal to a brute-force dot product (with and without IDF and a filter).

use std::collections::BTreeMap;

use proptest::prelude::*;
use roaring::RoaringBitmap;

use super::*;

fn sv(pairs: &[(u32, f32)]) -> SparseVector {
    let (i, v): (Vec<u32>, Vec<f32>) = pairs.iter().copied().unzip();
    SparseVector::new(i, v).expect("valid")
}

fn index_of(docs: &BTreeMap<u32, SparseVector>) -> SparseIndex {
    let mut index = SparseIndex::new();
    for (&slot, vector) in docs {
        index.insert(SparsePoint { slot, vector });
    }
    index
}

#[test]
fn validation_names_each_problem_and_sorts_unsorted_input() {
    let v = SparseVector::new(vec![9, 2, 5], vec![0.5, 1.0, -2.0]).expect("unsorted is fine");
    assert_eq!(v.indices(), [2, 5, 9]);
    assert_eq!(v.values(), [1.0, -2.0, 0.5]);
    assert_eq!(
        SparseVector::new(vec![1, 2], vec![1.0]),
        Err(SparseError::LengthMismatch {
            indices: 2,
            values: 1
        })
    );
    assert_eq!(
        SparseVector::new(vec![3, 1, 3], vec![1.0, 2.0, 3.0]),
        Err(SparseError::DuplicateIndex { index: 3 })
    );
    assert!(matches!(
        SparseVector::new(vec![1, 2], vec![1.0, f32::NAN]),
        Err(SparseError::NonFinite { index: 2, .. })
    ));
    assert!(matches!(
        SparseVector::new(vec![1], vec![f32::INFINITY]),
        Err(SparseError::NonFinite { index: 1, .. })
    ));
    assert_eq!(
        SparseVector::new(vec![u32::MAX], vec![1.0]),
        Err(SparseError::IndexOutOfRange {
            index: u32::MAX,
            max: MAX_INDEX
        })
    );
    let n = MAX_NON_ZEROS + 1;
    let too_many = (0..u32::try_from(n).expect("small")).collect();
    assert_eq!(
        SparseVector::new(too_many, vec![1.0; n]),
        Err(SparseError::TooManyEntries {
            got: n,
            max: MAX_NON_ZEROS
        })
    );
    assert!(SparseVector::new(vec![], vec![]).expect("empty").is_empty());
}

#[test]
fn remove_and_release_leave_no_trace() {
    let docs: BTreeMap<u32, SparseVector> = [
        (0, sv(&[(1, 1.0), (2, 0.5)])),
        (1, sv(&[(2, 2.0), (3, 1.0)])),
        (5, sv(&[(3, -1.0)])),
    ]
    .into();
    let mut index = index_of(&docs);
    index.remove(SparsePoint {
        slot: 1,
        vector: &docs[&1],
    });
    let mut rest = docs.clone();
    rest.remove(&1);
    assert_eq!(index, index_of(&rest));
    index.release(&RoaringBitmap::from_iter([5]));
    rest.remove(&5);
    assert_eq!(index, index_of(&rest));
    assert_eq!(index.doc_count(), 1);
    assert!(index.postings(3).is_none());
}

#[test]
fn image_round_trips_and_every_cut_is_refused() {
    let docs: BTreeMap<u32, SparseVector> = [
        (0, sv(&[(1, 1.0), (7, 0.25)])),
        (3, sv(&[(1, -2.0)])),
        (4, sv(&[])),
    ]
    .into();
    let index = index_of(&docs);
    let mut bytes = Vec::new();
    index.encode(&mut bytes);
    bytes.extend_from_slice(b"next");
    let (back, rest) = image::decode(&bytes).expect("decode");
    assert_eq!(back, index);
    assert_eq!(rest, b"next");
    let image_len = bytes.len() - 4;
    for cut in 0..image_len {
        assert!(image::decode(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    let mut other_version = bytes.clone();
    other_version[4] = 9;
    assert_eq!(
        image::decode(&other_version).map(|_| ()),
        Err(SparseImageError::Version(9))
    );
}

#[test]
fn idf_modifier_favours_rare_terms() {
    // Term 1 is everywhere, term 2 in one slot: with equal weights the plain dot product ties,
    // IDF ranks the rare term's slot first.
    let docs: BTreeMap<u32, SparseVector> = [
        (0, sv(&[(1, 1.0)])),
        (1, sv(&[(1, 1.0)])),
        (2, sv(&[(2, 1.0)])),
    ]
    .into();
    let index = index_of(&docs);
    let q = sv(&[(1, 1.0), (2, 1.0)]);
    let plain: Vec<u32> = index
        .top_k(&q, Modifier::None, None, 3)
        .iter()
        .map(|h| h.slot)
        .collect();
    assert_eq!(plain, [0, 1, 2]);
    let hits = index.top_k(&q, Modifier::Idf, None, 3);
    assert_eq!(hits[0].slot, 2);
    assert!((hits[0].score - idf(3, 1)).abs() < 1e-12);
}

#[test]
fn a_passed_deadline_stops_the_search() {
    let docs: BTreeMap<u32, SparseVector> = (0..10_000).map(|s| (s, sv(&[(1, 1.0)]))).collect();
    let index = index_of(&docs);
    let q = sv(&[(1, 1.0)]);
    let done = crate::deadline::within(std::time::Instant::now(), || {
        index.top_k(&q, Modifier::None, None, 10)
    });
    assert_eq!(done, Err(crate::deadline::Expired));
}

/// A brute-force dot product straight from the definition, over the live vectors.
fn reference(
    docs: &BTreeMap<u32, SparseVector>,
    query: &SparseVector,
    modifier: Modifier,
    allowed: Option<&RoaringBitmap>,
) -> Vec<(u32, f64)> {
    let n_docs = docs.values().filter(|v| !v.is_empty()).count() as f64;
    let mut out = Vec::new();
    for (&slot, v) in docs {
        if allowed.is_some_and(|a| !a.contains(slot)) {
            continue;
        }
        let mut score = 0.0;
        let mut hit = false;
        for (term, q) in query.iter() {
            let Some(at) = v.indices().iter().position(|&i| i == term) else {
                continue;
            };
            if q == 0.0 {
                continue;
            }
            hit = true;
            let n = docs
                .values()
                .filter(|d| d.indices().contains(&term))
                .count() as f64;
            let w = match modifier {
                Modifier::None => 1.0,
                Modifier::Idf => (1.0 + (n_docs - n + 0.5) / (n + 0.5)).ln(),
            };
            score += f64::from(q) * w * f64::from(v.values()[at]);
        }
        if hit {
            out.push((slot, score));
        }
    }
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

fn weight() -> impl Strategy<Value = f32> {
    // Small integers make ties; the range makes negative contributions.
    prop_oneof![(-2i8..6).prop_map(f32::from), -2.0f32..5.0]
}

fn vector() -> impl Strategy<Value = SparseVector> {
    // Skewed terms: low indices are common, so lists differ greatly in length and bound.
    prop::collection::btree_map(
        (0u32..24, 0u32..24).prop_map(|(a, b)| a.min(b)),
        weight(),
        0..8,
    )
    .prop_map(|m| {
        let (i, v): (Vec<u32>, Vec<f32>) = m.into_iter().unzip();
        SparseVector::new(i, v).expect("generated vectors are valid")
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn pruned_top_k_equals_brute_force(
        docs in prop::collection::vec(vector(), 1..80),
        query in vector(),
        removed in prop::collection::vec(0usize..80, 0..10),
        k in 1usize..12,
        filter_every in 1u32..4,
        idf_on in any::<bool>(),
    ) {
        let mut live: BTreeMap<u32, SparseVector> = docs
            .into_iter()
            .enumerate()
            .map(|(i, v)| (u32::try_from(i).expect("small"), v))
            .collect();
        let mut index = index_of(&live);
        for r in removed {
            let slot = u32::try_from(r).expect("small");
            if let Some(v) = live.remove(&slot) {
                index.remove(SparsePoint { slot, vector: &v });
            }
        }
        prop_assert_eq!(&index, &index_of(&live));
        let modifier = if idf_on { Modifier::Idf } else { Modifier::None };
        let allowed: RoaringBitmap = (0..80).filter(|s| s % filter_every == 0).collect();
        for filter in [None, Some(&allowed)] {
            let all = index.score_all(&query, modifier, filter);
            let want = reference(&live, &query, modifier, filter);
            prop_assert_eq!(all.len(), want.len());
            for (hit, (slot, score)) in all.iter().zip(&want) {
                // Same order up to rounding: equal scores within 1e-5, and a slot mismatch only
                // between (near) ties.
                prop_assert!((hit.score - score).abs() <= 1e-5, "{} vs {}", hit.score, score);
                if hit.slot != *slot {
                    let other = want.iter().find(|w| w.0 == hit.slot).map_or(f64::NAN, |w| w.1);
                    prop_assert!((other - score).abs() <= 1e-5);
                }
            }
            let exhaustive: Vec<SparseHit> = all.into_iter().take(k).collect();
            prop_assert_eq!(index.top_k(&query, modifier, filter, k), exhaustive);
        }
    }

    #[test]
    fn images_round_trip(docs in prop::collection::vec(vector(), 0..40)) {
        let live: BTreeMap<u32, SparseVector> = docs
            .into_iter()
            .enumerate()
            .map(|(i, v)| (u32::try_from(i).expect("small") * 3, v))
            .collect();
        let index = index_of(&live);
        let mut bytes = Vec::new();
        index.encode(&mut bytes);
        let (back, rest) = image::decode(&bytes).expect("decode");
        prop_assert!(rest.is_empty());
        prop_assert_eq!(&back, &index);
        let mut rebuilt = SparseIndex::new();
        rebuilt.rebuild(&mut live.iter().map(|(&slot, vector)| SparsePoint { slot, vector }));
        prop_assert_eq!(&rebuilt, &index);
    }

    #[test]
    fn damaged_images_are_errors_not_panics(
        bytes in prop::collection::vec(any::<u8>(), 0..256),
        flip in any::<prop::sample::Index>(),
        docs in prop::collection::vec(vector(), 1..10),
    ) {
        // Random bytes, with and without a valid header in front.
        let _ = image::decode(&bytes);
        let mut headed = b"SPIX\x01\x00".to_vec();
        headed.extend_from_slice(&bytes);
        let _ = image::decode(&headed);
        // A valid image with one byte changed decodes to something consistent or fails.
        let live: BTreeMap<u32, SparseVector> = docs
            .into_iter()
            .enumerate()
            .map(|(i, v)| (u32::try_from(i).expect("small"), v))
            .collect();
        let mut image_bytes = Vec::new();
        index_of(&live).encode(&mut image_bytes);
        let at = flip.index(image_bytes.len());
        image_bytes[at] ^= 0x5a;
        if let Ok((index, _)) = image::decode(&image_bytes) {
            let q = SparseVector::new((0..24).collect(), vec![1.0; 24]).expect("valid");
            let _ = index.top_k(&q, Modifier::Idf, None, 5);
        }
    }
}

/// `sparse/` sits below the engine: it names no module of Plait but the leaves `deadline` and
/// `postings`, and itself, so the engine depends on it and never the reverse.
#[test]
fn sparse_imports_only_leaves() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/sparse");
    let allowed = ["crate::deadline", "crate::postings", "crate::sparse"];
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
