//! Sparse top-10 in process, single thread: the pruned inverted index (MaxScore, plain dot
//! product and with the IDF modifier) against a brute-force dot product over every vector, and
//! against the BM25 text index on the same terms.
//!
//! `cargo bench --bench sparse_topk`
//!
//! Data: the 65,000 glosses of `texts.jsonl` (`$PLAIT_DATASET`, default
//! `../shared/data/wordnet-minilm-384`) through the text index's default analyzer (Unicode words,
//! lowercase, no stemmer, no stop words). Each distinct term gets a dimension index (first seen,
//! first numbered), and each gloss the sparse vector of its term counts, so the sparse and the
//! text index hold exactly the same terms. Queries: the 1,000 glosses of `queries.jsonl`,
//! analysed the same way, as `short` (first four terms) and `long` (every distinct term); the
//! sparse query gives each term weight 1, the text query is the union of the terms. Terms absent
//! from the base are dropped from the sparse query (they match nothing either way). Rounds
//! rotate the order of the methods; figures are median (min-max) QPS over the rounds.
//! Environment: `TEXT_BENCH_QUERIES` [1000], `TEXT_BENCH_ROUNDS` [5]. A criterion pass over the
//! same loops follows.

use std::collections::{BinaryHeap, HashMap};
use std::error::Error;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use plait::columns::{FieldPath, Payload, Value};
use plait::slot_index::{SlotIndex, SlotPoint};
use plait::sparse::{Modifier, SparseHit, SparseIndex, SparsePoint, SparseVector};
use plait::text::{Analyzer, TextIndex, TextQuery, TextSettings, bm25};

#[path = "wordnet_text/mod.rs"]
mod wordnet_text;

type Res<T> = Result<T, Box<dyn Error>>;

const K: usize = 10;

/// One timed method: its label and a run over every query.
type Method<'a> = (&'static str, Box<dyn Fn() + 'a>);

/// The `K` best slots by a dot product with every vector (the ones sharing no term with the
/// query score 0 with these non-negative weights and are not candidates).
fn brute_force(vectors: &[SparseVector], query: &SparseVector) -> Vec<SparseHit> {
    let mut heap: BinaryHeap<SparseHit> = BinaryHeap::with_capacity(K + 1);
    for (slot, v) in vectors.iter().enumerate() {
        let score = v.dot(query);
        if score <= 0.0 {
            continue;
        }
        let hit = SparseHit {
            slot: slot as u32,
            score,
        };
        if heap.len() < K {
            heap.push(hit);
        } else if heap.peek().is_some_and(|worst| hit < *worst) {
            heap.pop();
            heap.push(hit);
        }
    }
    let mut hits = heap.into_vec();
    hits.sort();
    hits
}

fn main() -> Res<()> {
    let dir = wordnet_text::dataset_dir();
    let texts = wordnet_text::read_texts(&dir.join("texts.jsonl"))?;
    let query_texts = wordnet_text::read_texts(&dir.join("queries.jsonl"))?;
    let settings = TextSettings::default();
    let analyzer = Analyzer::new(&settings);
    let terms = |text: &str| -> Vec<String> {
        analyzer.analyze(text).into_iter().map(|t| t.term).collect()
    };

    let mut vocab: HashMap<String, u32> = HashMap::new();
    let mut vectors = Vec::with_capacity(texts.len());
    for text in &texts {
        let mut counts: HashMap<u32, f32> = HashMap::new();
        for term in terms(text) {
            let next = u32::try_from(vocab.len())?;
            *counts
                .entry(*vocab.entry(term).or_insert(next))
                .or_default() += 1.0;
        }
        let (i, v) = counts.into_iter().unzip();
        vectors.push(SparseVector::new(i, v)?);
    }
    let started = Instant::now();
    let mut sparse = SparseIndex::new();
    for (slot, vector) in vectors.iter().enumerate() {
        sparse.insert(SparsePoint {
            slot: u32::try_from(slot)?,
            vector,
        });
    }
    let sparse_build = started.elapsed();
    let mut text = TextIndex::new(FieldPath::parse("body")?, settings.clone());
    for (slot, t) in texts.iter().enumerate() {
        let mut payload = Payload::new();
        payload.insert("body".into(), Value::String(t.clone()));
        text.insert(SlotPoint {
            slot: u32::try_from(slot)?,
            payload: &payload,
        });
    }
    println!(
        "{} vectors, {} dimensions, {} postings; sparse index built in {:.2} s, {:.1} MiB heap",
        vectors.len(),
        vocab.len(),
        vectors.iter().map(SparseVector::len).sum::<usize>(),
        sparse_build.as_secs_f64(),
        sparse.heap_bytes() as f64 / (1024.0 * 1024.0)
    );

    let n = wordnet_text::query_count(query_texts.len());
    let analysed: Vec<Vec<String>> = query_texts[..n]
        .iter()
        .map(|t| terms(t))
        .filter(|t| !t.is_empty())
        .collect();
    let distinct = |words: &[String]| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for w in words {
            if !out.contains(w) {
                out.push(w.clone());
            }
        }
        out
    };
    let sets: [(&str, Vec<Vec<String>>); 2] = [
        (
            "short",
            analysed
                .iter()
                .map(|t| distinct(&t[..t.len().min(4)]))
                .collect(),
        ),
        ("long", analysed.iter().map(|t| distinct(t)).collect()),
    ];
    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    for (name, queries) in &sets {
        let sq: Vec<SparseVector> = queries
            .iter()
            .map(|words| {
                let ids: Vec<u32> = words.iter().filter_map(|w| vocab.get(w).copied()).collect();
                let ones = vec![1.0; ids.len()];
                SparseVector::new(ids, ones)
            })
            .collect::<Result<_, _>>()?;
        let tq: Vec<TextQuery> = queries
            .iter()
            .map(|w| TextQuery::parse(text.analyzer(), &w.join(" ")))
            .collect();
        let same = sq
            .iter()
            .filter(|q| sparse.top_k(q, Modifier::None, None, K) == brute_force(&vectors, q))
            .count();
        println!(
            "[{name}] {} queries; pruned top-10 equal to brute force on {same}",
            sq.len()
        );
        let methods: [Method<'_>; 4] = [
            (
                "sparse MaxScore",
                Box::new(|| {
                    for q in &sq {
                        black_box(sparse.top_k(q, Modifier::None, None, K));
                    }
                }),
            ),
            (
                "sparse MaxScore + IDF",
                Box::new(|| {
                    for q in &sq {
                        black_box(sparse.top_k(q, Modifier::Idf, None, K));
                    }
                }),
            ),
            (
                "sparse brute force",
                Box::new(|| {
                    for q in &sq {
                        black_box(brute_force(&vectors, q));
                    }
                }),
            ),
            (
                "text BM25 (MaxScore)",
                Box::new(|| {
                    for q in &tq {
                        black_box(bm25::top_k(&text, q, None, K));
                    }
                }),
            ),
        ];
        let mut qps: Vec<Vec<f64>> = vec![Vec::new(); methods.len()];
        for round in 0..wordnet_text::rounds() {
            for step in 0..methods.len() {
                let m = (round + step) % methods.len();
                let started = Instant::now();
                (methods[m].1)();
                qps[m].push(sq.len() as f64 / started.elapsed().as_secs_f64());
            }
        }
        for ((label, _), values) in methods.iter().zip(&qps) {
            let (median, min, max) = wordnet_text::spread(values);
            println!("[{name}] {label}: {median:.1} QPS ({min:.1}-{max:.1})");
        }
        for (label, run) in &methods {
            criterion.bench_function(&format!("sparse_top10_{name}/{label}"), |b| b.iter(run));
        }
    }
    criterion.final_summary();
    Ok(())
}
