//! BM25 top-10 against tantivy, in process, single thread, same terms, same documents.
//!
//! `cargo bench --features tantivy-bench --bench text_bm25`
//!
//! Data: the 65,000 glosses of `texts.jsonl` (`$PLAIT_DATASET`, default
//! `../shared/data/wordnet-minilm-384`). Plait indexes each gloss with the default text settings
//! (Unicode word tokenizer, lowercase, no stemmer, no stop words, k1 1.2, b 0.75). tantivy
//! indexes the *terms Plait's analyzer produced*, joined by spaces, through its whitespace
//! tokenizer (frequencies, no positions), so both rank exactly the same term lists; how far
//! tantivy's own `default` tokenizer (SimpleTokenizer, RemoveLong(40), LowerCaser) differs from
//! Plait's analyzer on these texts is counted and printed separately.
//!
//! Queries: the 1,000 glosses of `queries.jsonl` (not in the base), analysed the same way, as
//! two sets: `short`, the first four terms of each; `long`, every distinct term. Each query is a
//! union of its terms (Plait: should clauses; tantivy: a `BooleanQuery` of `Should`
//! `TermQuery`s, ranked with block-max WAND by `TopDocs`). Queries are built before timing; the
//! timing covers ranking only. Rounds alternate which engine goes first; QPS and the ratio are
//! taken per round and reported as median (min-max). Environment: `TEXT_BENCH_QUERIES` [1000],
//! `TEXT_BENCH_ROUNDS` [5]. A criterion pass over the same loops follows.

use std::error::Error;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use plait::columns::{FieldPath, Payload, Value};
use plait::slot_index::{SlotIndex, SlotPoint};
use plait::text::{Analyzer, TextIndex, TextQuery, TextSettings, bm25};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{TextAnalyzer, TokenizerManager, WhitespaceTokenizer};
use tantivy::{Index, IndexWriter, Searcher, Term, doc};

#[path = "wordnet_text/mod.rs"]
mod wordnet_text;

type Res<T> = Result<T, Box<dyn Error>>;

const K: usize = 10;

fn terms(analyzer: &Analyzer, text: &str) -> Vec<String> {
    analyzer.analyze(text).into_iter().map(|t| t.term).collect()
}

fn distinct(words: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in words {
        if !out.contains(w) {
            out.push(w.clone());
        }
    }
    out
}

struct Tantivy {
    searcher: Searcher,
    field: tantivy::schema::Field,
}

fn tantivy_index(docs: &[Vec<String>]) -> Res<Tantivy> {
    let mut schema = Schema::builder();
    let indexing = TextFieldIndexing::default()
        .set_tokenizer("plait_terms")
        .set_index_option(IndexRecordOption::WithFreqs);
    let field = schema.add_text_field(
        "body",
        TextOptions::default().set_indexing_options(indexing),
    );
    let index = Index::create_in_ram(schema.build());
    index.tokenizers().register(
        "plait_terms",
        TextAnalyzer::from(WhitespaceTokenizer::default()),
    );
    let mut writer: IndexWriter = index.writer_with_num_threads(1, 500_000_000)?;
    for d in docs {
        writer.add_document(doc!(field => d.join(" ")))?;
    }
    writer.commit()?;
    let searcher = index.reader()?.searcher();
    // One segment, so doc ids are insertion order, equal to Plait's slots.
    if searcher.segment_readers().len() != 1 || searcher.num_docs() != docs.len() as u64 {
        return Err("tantivy did not build one segment holding every document".into());
    }
    Ok(Tantivy { searcher, field })
}

fn tantivy_query(t: &Tantivy, words: &[String]) -> BooleanQuery {
    BooleanQuery::new(
        words
            .iter()
            .map(|w| {
                let q: Box<dyn Query> = Box::new(TermQuery::new(
                    Term::from_field_text(t.field, w),
                    IndexRecordOption::WithFreqs,
                ));
                (Occur::Should, q)
            })
            .collect(),
    )
}

fn tantivy_top(t: &Tantivy, q: &BooleanQuery) -> Res<Vec<(u32, f64)>> {
    let hits = t
        .searcher
        .search(q, &TopDocs::with_limit(K).order_by_score())?;
    Ok(hits
        .into_iter()
        .map(|(score, addr)| (addr.doc_id, f64::from(score)))
        .collect())
}

fn plait_top(index: &TextIndex, q: &TextQuery) -> Vec<(u32, f64)> {
    bm25::top_k(index, q, None, K)
        .into_iter()
        .map(|h| (h.slot, h.score))
        .collect()
}

/// Whether two top-10 lists hold the same documents; failing that, whether every document in
/// only one of them scores within 1e-4 (relative) of that list's 10th score, i.e. the lists
/// differ only in how a tie at the cut was broken.
fn compare(a: &[(u32, f64)], b: &[(u32, f64)]) -> (bool, bool) {
    let mut sa: Vec<u32> = a.iter().map(|h| h.0).collect();
    let mut sb: Vec<u32> = b.iter().map(|h| h.0).collect();
    sa.sort_unstable();
    sb.sort_unstable();
    if sa == sb {
        return (true, true);
    }
    let near_cut = |list: &[(u32, f64)], other: &[u32]| {
        let last = list.last().map_or(0.0, |h| h.1);
        list.iter()
            .filter(|h| !other.contains(&h.0))
            .all(|h| (h.1 - last).abs() <= 1e-4 * last.abs().max(1.0))
    };
    (
        false,
        a.len() == b.len() && near_cut(a, &sb) && near_cut(b, &sa),
    )
}

fn main() -> Res<()> {
    let dir = wordnet_text::dataset_dir();
    let texts = wordnet_text::read_texts(&dir.join("texts.jsonl"))?;
    let query_texts = wordnet_text::read_texts(&dir.join("queries.jsonl"))?;
    let settings = TextSettings::default();
    let analyzer = Analyzer::new(&settings);
    let docs: Vec<Vec<String>> = texts.iter().map(|t| terms(&analyzer, t)).collect();

    let started = Instant::now();
    let mut plait = TextIndex::new(FieldPath::parse("body")?, settings.clone());
    for (slot, text) in texts.iter().enumerate() {
        let mut payload = Payload::new();
        payload.insert("body".into(), Value::String(text.clone()));
        plait.insert(SlotPoint {
            slot: u32::try_from(slot)?,
            payload: &payload,
        });
    }
    let plait_build = started.elapsed();
    let started = Instant::now();
    let tantivy = tantivy_index(&docs)?;
    let tantivy_build = started.elapsed();
    println!(
        "{} documents, {} terms; build: Plait {:.2} s, tantivy {:.2} s (one thread)",
        texts.len(),
        plait.term_count(),
        plait_build.as_secs_f64(),
        tantivy_build.as_secs_f64()
    );
    tokenizer_difference(&texts, &docs)?;

    let n = wordnet_text::query_count(query_texts.len());
    let analysed: Vec<Vec<String>> = query_texts[..n]
        .iter()
        .map(|t| terms(&analyzer, t))
        .filter(|t| !t.is_empty())
        .collect();
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
        let pq: Vec<TextQuery> = queries
            .iter()
            .map(|w| TextQuery::parse(plait.analyzer(), &w.join(" ")))
            .collect();
        let tq: Vec<BooleanQuery> = queries.iter().map(|w| tantivy_query(&tantivy, w)).collect();
        let (mut same, mut same_but_ties) = (0, 0);
        for (p, t) in pq.iter().zip(&tq) {
            let (exact, ties) = compare(&plait_top(&plait, p), &tantivy_top(&tantivy, t)?);
            same += usize::from(exact);
            same_but_ties += usize::from(ties);
        }
        let mean_terms = queries.iter().map(Vec::len).sum::<usize>() as f64 / queries.len() as f64;
        println!(
            "[{name}] {} queries, {mean_terms:.1} terms each; same top-10 set: {same} ({:.1} %), \
             same up to ties at the 10th score: {same_but_ties} ({:.1} %)",
            queries.len(),
            100.0 * same as f64 / queries.len() as f64,
            100.0 * same_but_ties as f64 / queries.len() as f64
        );
        let run_plait = || {
            for q in &pq {
                black_box(bm25::top_k(&plait, q, None, K));
            }
        };
        let run_tantivy = || -> Res<()> {
            for q in &tq {
                black_box(tantivy_top(&tantivy, q)?);
            }
            Ok(())
        };
        let plait_pass = || -> Res<()> {
            run_plait();
            Ok(())
        };
        let (mut plait_qps, mut tantivy_qps, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
        let qps = |d: Duration| queries.len() as f64 / d.as_secs_f64();
        for round in 0..wordnet_text::rounds() {
            let (p, t) = if round % 2 == 0 {
                let p = timed(plait_pass)?;
                (p, timed(run_tantivy)?)
            } else {
                let t = timed(run_tantivy)?;
                (timed(plait_pass)?, t)
            };
            plait_qps.push(qps(p));
            tantivy_qps.push(qps(t));
            ratio.push(qps(p) / qps(t));
        }
        for (label, values) in [
            ("Plait QPS", &plait_qps),
            ("tantivy QPS", &tantivy_qps),
            ("Plait/tantivy", &ratio),
        ] {
            let (median, min, max) = wordnet_text::spread(values);
            println!("[{name}] {label}: {median:.2} ({min:.2}-{max:.2})");
        }
        criterion.bench_function(&format!("bm25_top10_{name}/plait"), |b| b.iter(run_plait));
        criterion.bench_function(&format!("bm25_top10_{name}/tantivy"), |b| {
            b.iter(|| run_tantivy().map_err(|e| e.to_string()))
        });
    }
    criterion.final_summary();
    Ok(())
}

fn timed(work: impl FnOnce() -> Res<()>) -> Res<Duration> {
    let started = Instant::now();
    work()?;
    Ok(started.elapsed())
}

/// Counts documents whose terms under tantivy's `default` tokenizer differ from Plait's.
fn tokenizer_difference(texts: &[String], docs: &[Vec<String>]) -> Res<()> {
    let mut analyzer = TokenizerManager::default()
        .get("default")
        .ok_or("tantivy has no default tokenizer")?;
    let mut differ = 0;
    let mut example = None;
    for (text, ours) in texts.iter().zip(docs) {
        let mut theirs = Vec::new();
        let mut stream = analyzer.token_stream(text);
        while stream.advance() {
            theirs.push(stream.token().text.clone());
        }
        if &theirs != ours {
            differ += 1;
            example.get_or_insert_with(|| (ours.clone(), theirs));
        }
    }
    println!(
        "tantivy's default tokenizer gives other terms than Plait's analyzer for {differ} of {} \
         documents ({:.1} %); first: {example:?}",
        texts.len(),
        100.0 * differ as f64 / texts.len() as f64
    );
    Ok(())
}
