//! Filtered vector search through the library (no HTTP), side by side in one run: the planner
//! (`query::filtered_nearest` through `Collection::search_planned`), a post-filter baseline
//! (unfiltered HNSW with over-fetch, then the filter), and unfiltered search; plus the
//! scan-versus-graph calibration of the planner's threshold (`Hnsw::prefers_scan`).
//!
//! `cargo bench --bench filtered_search`
//!
//! Data: the shared wordnet-minilm-384 set (65,000 x 384, cosine), every row with the payload
//! `{pos, lexname, n_lemmas, lexname_copy}` from `texts.jsonl`; `pos`/`lexname` get keyword indexes,
//! `n_lemmas` an integer index, `lexname_copy` none. Ground truth per query and filter: the exact
//! filtered top-10 by brute force over the matching rows. Environment: `PLAIT_DATASET`,
//! `FBENCH_QUERIES` [200], `FBENCH_ROUNDS` [3], `FBENCH_TARGET` [0.98].
//!
//! Method: a calibration pass finds, per method and filter, the lowest setting reaching the target
//! recall@10 (planner: `ef`; post-filter: oversampling `o`, fetching `10·o` with
//! `ef = max(10·o, unfiltered ef)`, up to a cap; unfiltered: `ef`). Then `FBENCH_ROUNDS` timed
//! rounds run the three methods interleaved at those settings, one query at a time on one
//! thread; figures are median (min-max) over the rounds.

use std::collections::BTreeMap;
use std::error::Error;
use std::io::BufRead;
use std::time::Instant;

use plait::columns::{FieldPath, Payload, Value, index::IndexSchema};
use plait::engine::{
    AckAt, Collection, CollectionConfig, Engine, EngineOptions, HnswParams, NearestParams,
    NewPoint, PointId, Projection, SearchRequest, VectorParams,
};
use plait::query::{Condition, Interval, Literal, Predicate, Strategy, filtered_nearest};
use plait::storage::wal::Durability;
use plait::vector::Metric;
use roaring::RoaringBitmap;

#[path = "fvecs/mod.rs"]
mod fvecs;

type Res<T> = Result<T, Box<dyn Error>>;

const K: usize = 10;
const EFS: [usize; 14] = [
    10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024,
];
/// The most a post-filter search fetches before giving up.
const POST_FILTER_CAP: usize = 10_240;
const OVERSAMPLING: [usize; 12] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048];

/// One filter: its name, predicate, and which rows match.
struct Filter {
    name: String,
    predicate: Predicate,
    matches: Vec<bool>,
    indexed: bool,
}

/// One filter's timed rounds: the planner's and the post-filter's passes, and the ratios taken
/// within each round.
#[derive(Default)]
struct Rounds {
    planner_over_post: Vec<f64>,
    planner_over_unfiltered: Vec<f64>,
    planner: Vec<Pass>,
    post: Vec<Pass>,
}

/// What one pass of a method over the queries gave.
#[derive(Clone, Copy)]
struct Pass {
    recall: f64,
    filled: bool,
    qps: f64,
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn keyword(field: &str, value: &str) -> Res<Predicate> {
    Ok(Predicate::Field(
        FieldPath::parse(field)?,
        Condition::Equals(Literal::String(value.to_owned())),
    ))
}

fn at_least(field: &str, n: f64) -> Res<Predicate> {
    Ok(Predicate::Field(
        FieldPath::parse(field)?,
        Condition::NumberRange(Interval {
            lower: Some((n, true)),
            upper: None,
        }),
    ))
}

fn main() -> Res<()> {
    // `cargo bench` passes `--bench`; nothing else is taken from the command line.
    let dir = fvecs::dataset_dir();
    let base = fvecs::read_fvecs(&dir.join("base.fvecs"))?;
    let mut queries = fvecs::read_fvecs(&dir.join("queries.fvecs"))?;
    queries.truncate(env_usize("FBENCH_QUERIES", 200));
    let rounds = env_usize("FBENCH_ROUNDS", 3).max(1);
    let target: f64 = std::env::var("FBENCH_TARGET")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.98);
    let n = base.len();
    let rows = read_rows(&dir.join("texts.jsonl"), n)?;

    let tmp = tempfile::tempdir()?;
    let mut opts = EngineOptions::new(tmp.path().to_path_buf());
    opts.default_durability = Durability::None;
    let engine = Engine::open(opts)?;
    engine.recover_all();
    let collection = engine.create(
        "wordnet",
        CollectionConfig::single(
            VectorParams {
                dimension: base[0].len(),
                metric: Metric::Cosine,
                hnsw: HnswParams {
                    m: 16,
                    ef_construction: 200,
                    ..HnswParams::default()
                },
                quantization: None,
            },
            Durability::None,
        ),
    )?;
    for (field, schema) in [
        ("pos", IndexSchema::Keyword),
        ("lexname", IndexSchema::Keyword),
        ("n_lemmas", IndexSchema::Integer),
    ] {
        collection
            .create_field_index(FieldPath::parse(field)?, schema, AckAt::Applied)?
            .wait_blocking()?;
    }
    let started = Instant::now();
    // Every ticket is kept until its write is applied: a dropped ticket withdraws its write.
    let mut tickets = Vec::new();
    for (chunk_at, chunk) in base.chunks(1000).enumerate() {
        let points = chunk
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let row = chunk_at * 1000 + i;
                NewPoint {
                    id: PointId::Num(row as u64),
                    vector: v.clone().into(),
                    payload: rows[row].payload.clone(),
                }
            })
            .collect();
        tickets.push(collection.upsert(points, AckAt::Applied)?);
        if tickets.len() >= 8 {
            for t in tickets.drain(..) {
                t.wait_blocking()?;
            }
        }
    }
    for t in tickets {
        t.wait_blocking()?;
    }
    println!(
        "loaded {n} points (m 16, ef_construct 200, durability none) in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let lex = |name: &str| rows.iter().map(|r| r.lexname == name).collect::<Vec<_>>();
    let lemmas_at_least = |k: i64| rows.iter().map(|r| r.n_lemmas >= k).collect::<Vec<_>>();
    let filters = [
        Filter {
            name: "n_lemmas >= 10 (integer index)".into(),
            predicate: at_least("n_lemmas", 10.0)?,
            matches: lemmas_at_least(10),
            indexed: true,
        },
        Filter {
            name: "lexname = verb.social (keyword index)".into(),
            predicate: keyword("lexname", "verb.social")?,
            matches: lex("verb.social"),
            indexed: true,
        },
        Filter {
            name: "lexname = noun.artifact (keyword index)".into(),
            predicate: keyword("lexname", "noun.artifact")?,
            matches: lex("noun.artifact"),
            indexed: true,
        },
        Filter {
            name: "n_lemmas >= 2 (integer index)".into(),
            predicate: at_least("n_lemmas", 2.0)?,
            matches: lemmas_at_least(2),
            indexed: true,
        },
        Filter {
            name: "lexname_copy = verb.social (not indexed)".into(),
            predicate: keyword("lexname_copy", "verb.social")?,
            matches: lex("verb.social"),
            indexed: false,
        },
        Filter {
            name: "lexname_copy = noun.artifact (not indexed)".into(),
            predicate: keyword("lexname_copy", "noun.artifact")?,
            matches: lex("noun.artifact"),
            indexed: false,
        },
    ];

    let started = Instant::now();
    let scores = all_scores(&base, &queries);
    let everything = vec![true; n];
    let truth_unfiltered = truth(&scores, &everything);
    let truths: Vec<Vec<Vec<u32>>> = filters.iter().map(|f| truth(&scores, &f.matches)).collect();
    println!(
        "ground truth for {} queries in {:.1} s",
        queries.len(),
        started.elapsed().as_secs_f64()
    );

    // Calibration: the lowest setting reaching the target, per method and filter.
    println!("\n## calibration (one pass per setting, ascending; stops at the target)");
    let unf = |ef: usize| unfiltered_pass(&collection, &queries, ef, &truth_unfiltered);
    let (unf_ef, unf_pass) = lowest(&EFS, target, |&ef| unf(ef));
    println!(
        "unfiltered: ef {unf_ef} recall {:.4} qps {:.0}",
        unf_pass.recall, unf_pass.qps
    );
    let mut chosen = Vec::new();
    for (f, t) in filters.iter().zip(&truths) {
        let count = f.matches.iter().filter(|m| **m).count();
        println!(
            "\n### {}: {count} of {n} match, selectivity {:.4}%",
            f.name,
            100.0 * count as f64 / n as f64
        );
        let mut strategy_at = BTreeMap::new();
        let (p_ef, p) = lowest(&EFS, target, |&ef| {
            let (pass, strategies) = planner_pass(&collection, &queries, ef, &f.predicate, t);
            println!(
                "  planner ef {ef}: recall {:.4} filled {} qps {:.0} strategies {strategies:?}",
                pass.recall, pass.filled, pass.qps
            );
            strategy_at.insert(ef, strategies);
            pass
        });
        let caps: Vec<usize> = OVERSAMPLING
            .iter()
            .copied()
            .filter(|o| K * o <= POST_FILTER_CAP)
            .collect();
        let (o, post) = lowest(&caps, target, |&o| {
            let ef = (K * o).max(unf_ef);
            let pass = post_filter_pass(&collection, &queries, o, ef, &f.predicate, t);
            println!(
                "  post-filter o {o} (fetch {}, ef {ef}): recall {:.4} filled {} qps {:.0}",
                K * o,
                pass.recall,
                pass.filled,
                pass.qps
            );
            pass
        });
        if !f.indexed {
            // What the planner's other choice for a non-indexed filter would give: the graph
            // walk evaluating the predicate per candidate, without the scan fallback.
            for ef in EFS {
                let pass = predicate_walk_pass(&collection, &queries, ef, &f.predicate, t);
                println!(
                    "  forced graph_predicate walk ef {ef}: recall {:.4} filled {} qps {:.0}",
                    pass.recall, pass.filled, pass.qps
                );
                if pass.recall >= target {
                    break;
                }
            }
        }
        chosen.push((
            p_ef,
            strategy_at.remove(&p_ef).unwrap_or_default(),
            o,
            p,
            post,
        ));
    }

    // Timed rounds, interleaved.
    let mut unf_qps = Vec::new();
    let mut per_filter: Vec<Rounds> = filters.iter().map(|_| Rounds::default()).collect();
    for round in 1..=rounds {
        println!(
            "\nround {round} of {rounds}: load average {}",
            load_average()
        );
        for (i, (f, t)) in filters.iter().zip(&truths).enumerate() {
            let (p_ef, _, o, _, _) = &chosen[i];
            let u = unf(unf_ef);
            let (p, _) = planner_pass(&collection, &queries, *p_ef, &f.predicate, t);
            let post_ef = (K * o).max(unf_ef);
            let b = post_filter_pass(&collection, &queries, *o, post_ef, &f.predicate, t);
            unf_qps.push(u.qps);
            let entry = &mut per_filter[i];
            entry.planner_over_post.push(p.qps / b.qps);
            entry.planner_over_unfiltered.push(p.qps / u.qps);
            entry.planner.push(p);
            entry.post.push(b);
        }
    }

    println!(
        "\n## results: {} queries, k {K}, target recall {target}, {rounds} rounds, median (min-max)",
        queries.len()
    );
    println!(
        "unfiltered: ef {unf_ef}, recall {:.4}, QPS {}",
        unf_pass.recall,
        spread(&unf_qps)
    );
    println!(
        "\n| filter | selectivity | planner ef | strategy | planner recall | filled | planner QPS | post-filter (o, ef) | post recall | post filled | post QPS | planner/post | planner/unfiltered |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (i, f) in filters.iter().enumerate() {
        let (p_ef, strategies, o, _, _) = &chosen[i];
        let Rounds {
            planner_over_post: ratio_post,
            planner_over_unfiltered: ratio_unf,
            planner,
            post,
        } = &per_filter[i];
        let count = f.matches.iter().filter(|m| **m).count();
        println!(
            "| {} | {:.3}% | {p_ef} | {strategies:?} | {:.4} | {} | {} | {o}, {} | {:.4} | {} | {} | {} | {} |",
            f.name,
            100.0 * count as f64 / n as f64,
            planner[0].recall,
            yes(planner.iter().all(|p| p.filled)),
            spread(&planner.iter().map(|p| p.qps).collect::<Vec<_>>()),
            (K * o).max(unf_ef),
            post[0].recall,
            yes(post.iter().all(|p| p.filled)),
            spread(&post.iter().map(|p| p.qps).collect::<Vec<_>>()),
            spread_ratio(ratio_post),
            spread_ratio(ratio_unf),
        );
    }

    calibrate(&collection, &queries, &scores, &rows, rounds, target)?;
    drop(collection);
    engine.shutdown();
    Ok(())
}

/// The scan-versus-graph crossover: for lexnames of rising frequency, the allow-listed graph walk
/// (at its lowest `ef` reaching the target) against the exact scan of the allowed points.
fn calibrate(
    collection: &Collection,
    queries: &[Vec<f32>],
    scores: &[Vec<f32>],
    rows: &[Row],
    rounds: usize,
    target: f64,
) -> Res<()> {
    let n = rows.len();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for r in rows {
        *counts.entry(r.lexname.as_str()).or_default() += 1;
    }
    let mut by_count: Vec<(&str, usize)> = counts.into_iter().collect();
    by_count.sort_by_key(|(_, c)| *c);
    let wanted = [600usize, 1300, 2000, 3000, 4500, 6500];
    let mut picked: Vec<(String, Vec<bool>)> = Vec::new();
    for w in wanted {
        if let Some((name, _)) = by_count.iter().min_by_key(|(_, c)| c.abs_diff(w)) {
            let label = format!("lexname = {name}");
            if !picked.iter().any(|(l, _)| *l == label) {
                picked.push((label, rows.iter().map(|r| r.lexname == *name).collect()));
            }
        }
    }
    picked.push((
        "pos = adjective".into(),
        rows.iter().map(|r| r.pos == "adjective").collect(),
    ));
    picked.push((
        "lexname in (noun.artifact, noun.person)".into(),
        rows.iter()
            .map(|r| r.lexname == "noun.artifact" || r.lexname == "noun.person")
            .collect(),
    ));
    picked.push((
        "n_lemmas >= 3".into(),
        rows.iter().map(|r| r.n_lemmas >= 3).collect(),
    ));
    picked.push((
        "n_lemmas >= 2".into(),
        rows.iter().map(|r| r.n_lemmas >= 2).collect(),
    ));
    picked.push((
        "pos = noun".into(),
        rows.iter().map(|r| r.pos == "noun").collect(),
    ));
    println!(
        "\n## scan-vs-graph calibration (allowed set given as a bitmap; QPS median (min-max) over {rounds} rounds)"
    );
    println!(
        "| filter | allowed | graph ef (lowest reaching {target}) | graph recall | graph filled | graph QPS | scan QPS | graph/scan | prefers_scan at that ef |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (name, matches) in picked {
        let count = matches.iter().filter(|m| **m).count();
        let t = truth(scores, &matches);
        let allowed: RoaringBitmap = collection.read(|view| {
            (0..matches.len() as u64)
                .filter(|r| matches[*r as usize])
                .filter_map(|r| view.slot_of(PointId::Num(r)))
                .collect()
        });
        let (ef, _) = lowest(&EFS, target, |&ef| {
            allowed_pass(collection, queries, ef, false, &allowed, &t)
        });
        let mut graph = Vec::new();
        let mut scan = Vec::new();
        for _ in 0..rounds {
            graph.push(allowed_pass(collection, queries, ef, false, &allowed, &t));
            scan.push(allowed_pass(collection, queries, ef, true, &allowed, &t));
        }
        let ratios: Vec<f64> = graph
            .iter()
            .zip(&scan)
            .map(|(g, s)| g.qps / s.qps)
            .collect();
        let prefers = collection.read(|view| view.prefers_scan(count as u64, ef.max(K)));
        println!(
            "| {name} | {count} ({:.3}%) | {ef} | {:.4} | {} | {} | {} | {} | {} |",
            100.0 * count as f64 / n as f64,
            graph[0].recall,
            yes(graph.iter().all(|p| p.filled)),
            spread(&graph.iter().map(|p| p.qps).collect::<Vec<_>>()),
            spread(&scan.iter().map(|p| p.qps).collect::<Vec<_>>()),
            spread_ratio(&ratios),
            if prefers { "scan" } else { "graph" },
        );
    }
    Ok(())
}

/// A graph walk accepting only `allowed` slots (`scan` false; no fallback, so it may come back
/// short) or an exact scan of `allowed` (`scan` true), straight on the read view.
fn allowed_pass(
    collection: &Collection,
    queries: &[Vec<f32>],
    ef: usize,
    scan: bool,
    allowed: &RoaringBitmap,
    truth: &[Vec<u32>],
) -> Pass {
    let params = NearestParams {
        exact: scan,
        ef: Some(ef),
        score_threshold: None,
        quantization: Default::default(),
    };
    let started = Instant::now();
    let found: Vec<Vec<u32>> = queries
        .iter()
        .map(|q| {
            collection.read(|view| {
                let hits = if scan {
                    view.nearest(&normalized(q), K, params, Some(allowed))
                } else {
                    // The allow-list walk itself, without its own scan choice and fallback.
                    view.nearest_where(&normalized(q), K, params, &|s| allowed.contains(s))
                };
                hits.into_iter()
                    .filter_map(|h| match view.id_at(h.slot) {
                        Some(PointId::Num(id)) => u32::try_from(id).ok(),
                        _ => None,
                    })
                    .collect()
            })
        })
        .collect();
    finish(started, &found, truth)
}

fn request(query: &[f32], limit: usize, ef: usize) -> SearchRequest {
    SearchRequest {
        vector: query.to_vec(),
        using: None,
        limit,
        offset: 0,
        score_threshold: None,
        projection: Projection::default(),
        ef: Some(ef),
        exact: false,
        quantization: Default::default(),
    }
}

fn ids(points: &[plait::engine::ScoredPoint]) -> Vec<u32> {
    points
        .iter()
        .filter_map(|p| match p.record.id {
            PointId::Num(id) => u32::try_from(id).ok(),
            PointId::Uuid(_) => None,
        })
        .collect()
}

fn unfiltered_pass(
    collection: &Collection,
    queries: &[Vec<f32>],
    ef: usize,
    truth: &[Vec<u32>],
) -> Pass {
    let started = Instant::now();
    let found: Vec<Vec<u32>> = queries
        .iter()
        .map(|q| {
            let hits = collection
                .search_planned(&request(q, K, ef), |view, query, k, params| {
                    view.nearest(query, k, params, None)
                })
                .unwrap_or_default();
            ids(&hits)
        })
        .collect();
    finish(started, &found, truth)
}

/// The planner; also the strategies it chose, with how many queries chose each.
fn planner_pass(
    collection: &Collection,
    queries: &[Vec<f32>],
    ef: usize,
    predicate: &Predicate,
    truth: &[Vec<u32>],
) -> (Pass, BTreeMap<String, usize>) {
    let mut chose: Vec<(Strategy, bool)> = Vec::with_capacity(queries.len());
    let started = Instant::now();
    let found: Vec<Vec<u32>> = queries
        .iter()
        .map(|q| {
            let hits = collection
                .search_planned(&request(q, K, ef), |view, query, k, params| {
                    let (hits, explain) = filtered_nearest(view, query, k, params, Some(predicate));
                    chose.push((explain.strategy, explain.fell_back));
                    hits
                })
                .unwrap_or_default();
            ids(&hits)
        })
        .collect();
    let pass = finish(started, &found, truth);
    let mut strategies = BTreeMap::new();
    for (s, fell_back) in chose {
        let name = if fell_back {
            format!("{}+fell_back", s.name())
        } else {
            s.name().to_owned()
        };
        *strategies.entry(name).or_default() += 1;
    }
    (pass, strategies)
}

/// The graph walk checking the predicate on each candidate's payload (`ReadView::nearest_where`),
/// with no fallback: it may come back short.
fn predicate_walk_pass(
    collection: &Collection,
    queries: &[Vec<f32>],
    ef: usize,
    predicate: &Predicate,
    truth: &[Vec<u32>],
) -> Pass {
    let started = Instant::now();
    let found: Vec<Vec<u32>> = queries
        .iter()
        .map(|q| {
            let hits = collection
                .search_planned(&request(q, K, ef), |view, query, k, params| {
                    let accept = |slot: u32| match (view.id_at(slot), view.payload(slot)) {
                        (Some(id), Some(payload)) => predicate.matches(id, payload),
                        _ => false,
                    };
                    view.nearest_where(query, k, params, &accept)
                })
                .unwrap_or_default();
            ids(&hits)
        })
        .collect();
    finish(started, &found, truth)
}

/// Unfiltered HNSW fetching `K * oversampling` with beam `ef`, then the predicate on each hit's
/// payload, keeping the first `K` that pass.
fn post_filter_pass(
    collection: &Collection,
    queries: &[Vec<f32>],
    oversampling: usize,
    ef: usize,
    predicate: &Predicate,
    truth: &[Vec<u32>],
) -> Pass {
    let started = Instant::now();
    let found: Vec<Vec<u32>> = queries
        .iter()
        .map(|q| {
            let hits = collection
                .search_planned(
                    &request(q, K * oversampling, ef),
                    |view, query, k, params| {
                        view.nearest(query, k, params, None)
                            .into_iter()
                            .filter(|h| match (view.id_at(h.slot), view.payload(h.slot)) {
                                (Some(id), Some(payload)) => predicate.matches(id, payload),
                                _ => false,
                            })
                            .take(K)
                            .collect()
                    },
                )
                .unwrap_or_default();
            ids(&hits)
        })
        .collect();
    finish(started, &found, truth)
}

fn finish(started: Instant, found: &[Vec<u32>], truth: &[Vec<u32>]) -> Pass {
    let qps = found.len() as f64 / started.elapsed().as_secs_f64();
    let mut hits = 0usize;
    let mut expected = 0usize;
    let mut filled = true;
    for (f, t) in found.iter().zip(truth) {
        hits += f.iter().filter(|id| t.contains(id)).count();
        expected += t.len();
        filled &= f.len() >= t.len();
    }
    Pass {
        recall: hits as f64 / expected.max(1) as f64,
        filled,
        qps,
    }
}

/// The first setting whose pass reaches the target, or the one with the best recall (the last
/// setting on ties) when none does.
fn lowest<T: Copy>(settings: &[T], target: f64, mut run: impl FnMut(&T) -> Pass) -> (T, Pass) {
    let mut best: Option<(T, Pass)> = None;
    for s in settings {
        let pass = run(s);
        if pass.recall >= target {
            return (*s, pass);
        }
        if best.is_none_or(|(_, b)| pass.recall >= b.recall) {
            best = Some((*s, pass));
        }
    }
    best.unwrap_or_else(|| {
        (
            settings[0],
            Pass {
                recall: 0.0,
                filled: false,
                qps: 0.0,
            },
        )
    })
}

fn normalized(v: &[f32]) -> Vec<f32> {
    let norm = v
        .iter()
        .map(|x| x * x)
        .sum::<f32>()
        .sqrt()
        .max(f32::MIN_POSITIVE);
    v.iter().map(|x| x / norm).collect()
}

/// Cosine similarity of every query with every base vector (both normalized), in f32.
fn all_scores(base: &[Vec<f32>], queries: &[Vec<f32>]) -> Vec<Vec<f32>> {
    let base: Vec<Vec<f32>> = base.iter().map(|v| normalized(v)).collect();
    queries
        .iter()
        .map(|q| {
            let q = normalized(q);
            base.iter()
                .map(|b| b.iter().zip(&q).map(|(x, y)| x * y).sum())
                .collect()
        })
        .collect()
}

/// The exact top-`K` matching rows per query, best first (ties to the lower id).
fn truth(scores: &[Vec<f32>], matches: &[bool]) -> Vec<Vec<u32>> {
    scores
        .iter()
        .map(|s| {
            let mut rows: Vec<u32> = (0..s.len() as u32)
                .filter(|&r| matches[r as usize])
                .collect();
            let k = K.min(rows.len());
            if k > 0 && k < rows.len() {
                rows.select_nth_unstable_by(k - 1, |a, b| {
                    s[*b as usize].total_cmp(&s[*a as usize]).then(a.cmp(b))
                });
            }
            rows.truncate(k);
            rows.sort_by(|a, b| s[*b as usize].total_cmp(&s[*a as usize]).then(a.cmp(b)));
            rows
        })
        .collect()
}

/// One row's metadata and the payload stored with it.
struct Row {
    pos: String,
    lexname: String,
    n_lemmas: i64,
    payload: Payload,
}

fn read_rows(path: &std::path::Path, n: usize) -> Res<Vec<Row>> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut rows = Vec::with_capacity(n);
    for line in std::io::BufReader::new(file).lines().take(n) {
        let v: serde_json::Value = serde_json::from_str(&line?)?;
        let text = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_owned();
        let (pos, lexname) = (text("pos"), text("lexname"));
        let n_lemmas = v
            .get("n_lemmas")
            .and_then(serde_json::Value::as_i64)
            .unwrap_or(0);
        let mut payload = Payload::new();
        payload.insert("pos".into(), Value::String(pos.clone()));
        payload.insert("lexname".into(), Value::String(lexname.clone()));
        payload.insert("n_lemmas".into(), Value::Int(n_lemmas));
        payload.insert("lexname_copy".into(), Value::String(lexname.clone()));
        rows.push(Row {
            pos: pos.clone(),
            lexname,
            n_lemmas,
            payload,
        });
    }
    if rows.len() != n {
        return Err(format!("{} has {} rows, {n} wanted", path.display(), rows.len()).into());
    }
    Ok(rows)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s.get(s.len() / 2).copied().unwrap_or(f64::NAN)
}

fn spread(v: &[f64]) -> String {
    let (lo, hi) = v
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), x| {
            (l.min(*x), h.max(*x))
        });
    format!("{:.0} ({lo:.0}-{hi:.0})", median(v))
}

fn spread_ratio(v: &[f64]) -> String {
    let (lo, hi) = v
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), x| {
            (l.min(*x), h.max(*x))
        });
    format!("{:.2} ({lo:.2}-{hi:.2})", median(v))
}
