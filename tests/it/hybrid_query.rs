//! Multi-stage queries over `POST /collections/{name}/points/query` against the real binary:
//! `prefetch` (nested, each with its own filter and limit), fusion (RRF with `k` and weights,
//! DBSF, and the weighted extension) checked against a reference computed here from each
//! prefetch run alone, re-scoring prefetched candidates, MMR, the top-level filter reaching every
//! prefetch, MMR (also from VelesQL), and every bound one past its limit.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

const DIM: usize = 8;
const POINTS: u64 = 400;

fn unit(rng: &mut StdRng) -> Vec<f32> {
    let v: Vec<f32> = (0..DIM).map(|_| rng.random_range(-1.0..1.0)).collect();
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
    v.into_iter().map(|x| x / n).collect()
}

fn seeded() -> Result<(tempfile::TempDir, TestServer), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    s.create_collection("h", DIM, "Dot")?;
    let mut rng = StdRng::seed_from_u64(7);
    let points: Vec<Value> = (0..POINTS)
        .map(|id| {
            json!({"id": id, "vector": unit(&mut rng),
                   "payload": {"group": id % 4, "even": id % 2 == 0}})
        })
        .collect();
    let r = s.put_json(
        "/collections/h/points?wait=true",
        &json!({"points": points}),
    )?;
    assert_eq!(r.status(), 200);
    Ok((dir, s))
}

/// `(id, score)` of a query answer, best first.
fn query(s: &TestServer, body: &Value) -> Result<(u16, Value), Box<dyn std::error::Error>> {
    let r = s.post_json("/collections/h/points/query", body)?;
    Ok((r.status().as_u16(), r.json()?))
}

fn hits(answer: &Value) -> Vec<(u64, f64)> {
    answer["result"]["points"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .filter_map(|p| Some((p["id"].as_u64()?, p["score"].as_f64()?)))
                .collect()
        })
        .unwrap_or_default()
}

/// A prefetch run alone: the same query as a top-level search.
fn alone(s: &TestServer, prefetch: &Value) -> Result<Vec<(u64, f64)>, Box<dyn std::error::Error>> {
    let mut body = prefetch.clone();
    if body.get("limit").is_none() {
        body["limit"] = json!(10);
    }
    let (status, answer) = query(s, &body)?;
    assert_eq!(status, 200, "{answer}");
    Ok(hits(&answer))
}

/// Reference RRF: 1 / ((position + 1) / weight + k - 1), summed; ties to the smaller id.
fn rrf(lists: &[Vec<(u64, f64)>], k: f64, weights: &[f64]) -> Vec<(u64, f64)> {
    let mut sums: BTreeMap<u64, f64> = BTreeMap::new();
    for (list, w) in lists.iter().zip(weights) {
        for (p, (id, _)) in list.iter().enumerate() {
            *sums.entry(*id).or_default() += 1.0 / ((p as f64 + 1.0) / w + k - 1.0);
        }
    }
    let mut fused: Vec<(u64, f64)> = sums.into_iter().collect();
    fused.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    fused
}

/// Reference DBSF: scores mapped between mean ± 3 sample deviations, summed.
fn dbsf(lists: &[Vec<(u64, f64)>]) -> Vec<(u64, f64)> {
    let mut sums: BTreeMap<u64, f64> = BTreeMap::new();
    for list in lists {
        let n = list.len() as f64;
        let mean = list.iter().map(|h| h.1).sum::<f64>() / n;
        let sd = (list.iter().map(|h| (h.1 - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        for (id, score) in list {
            *sums.entry(*id).or_default() += (score - (mean - 3.0 * sd)) / (6.0 * sd);
        }
    }
    let mut fused: Vec<(u64, f64)> = sums.into_iter().collect();
    fused.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    fused
}

fn assert_same_ranking(got: &[(u64, f64)], want: &[(u64, f64)], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: {got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!((g.1 - w.1).abs() < 1e-4, "{what}: {got:?} vs {want:?}");
    }
    // Equal scores may be ordered either way by float rounding; the sets by score must agree.
    let ids = |l: &[(u64, f64)]| l.iter().map(|h| h.0).collect::<BTreeSet<_>>();
    assert_eq!(ids(got), ids(want), "{what}");
}

#[test]
fn fusions_equal_a_reference_over_the_prefetches_run_alone() -> TestResult {
    let (_dir, s) = seeded()?;
    let mut rng = StdRng::seed_from_u64(99);
    for case in 0..20 {
        let a = json!({"query": unit(&mut rng), "limit": 15,
                       "filter": {"must": [{"key": "group", "match": {"any": [0, 1]}}]}});
        let b = json!({"query": unit(&mut rng), "limit": 12});
        let (la, lb) = (alone(&s, &a)?, alone(&s, &b)?);
        assert_eq!(
            la.len(),
            15,
            "a prefetch's limit is filled under its filter"
        );
        let lists = [la, lb];
        let check = |fusion: Value, want: Vec<(u64, f64)>| -> TestResult {
            let (status, answer) = query(
                &s,
                &json!({"prefetch": [a, b], "query": fusion, "limit": 10}),
            )?;
            assert_eq!(status, 200, "{answer}");
            let want: Vec<(u64, f64)> = want.into_iter().take(10).collect();
            assert_same_ranking(&hits(&answer), &want, &format!("case {case}: {fusion}"));
            Ok(())
        };
        check(json!({"fusion": "rrf"}), rrf(&lists, 2.0, &[1.0, 1.0]))?;
        check(
            json!({"rrf": {"k": 60, "weights": [3.0, 0.5]}}),
            rrf(&lists, 60.0, &[3.0, 0.5]),
        )?;
        check(json!({"fusion": "dbsf"}), dbsf(&lists))?;
    }
    Ok(())
}

#[test]
fn filters_reach_every_stage_and_nested_prefetches_rescore_their_candidates() -> TestResult {
    let (_dir, s) = seeded()?;
    let mut rng = StdRng::seed_from_u64(5);
    let (q1, q2, q3) = (unit(&mut rng), unit(&mut rng), unit(&mut rng));
    // The top-level filter applies inside the prefetches: every fused point is even, and the
    // limit is filled.
    let (status, answer) = query(
        &s,
        &json!({
            "prefetch": [{"query": q1, "limit": 20}, {"query": q2, "limit": 20}],
            "query": {"fusion": "rrf"},
            "filter": {"must": [{"key": "even", "match": {"value": true}}]},
            "limit": 25,
            "with_payload": true,
        }),
    )?;
    assert_eq!(status, 200, "{answer}");
    let points = answer["result"]["points"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(points.len(), 25);
    assert!(
        points.iter().all(|p| p["payload"]["even"] == true),
        "{answer}"
    );
    // A nearest query over prefetches re-scores exactly what they found: it equals the exact
    // nearest among the union of their results, scored by the outer vector.
    let inner = [
        json!({"query": q1, "limit": 30, "filter": {"must": [{"key": "group", "match": {"value": 2}}]}}),
        json!({"prefetch": {"query": q2, "limit": 40}, "query": q3, "limit": 25}),
    ];
    let mut union = BTreeSet::new();
    for p in &inner {
        let (status, answer) = query(&s, p)?;
        assert_eq!(status, 200, "{answer}");
        union.extend(hits(&answer).into_iter().map(|h| h.0));
    }
    let (status, answer) = query(&s, &json!({"prefetch": inner, "query": q1, "limit": 10}))?;
    assert_eq!(status, 200, "{answer}");
    let got = hits(&answer);
    let all: Value = s
        .post_json(
            "/collections/h/points/scroll",
            &json!({"limit": POINTS, "with_vector": true}),
        )?
        .json()?;
    let vectors: HashMap<u64, Vec<f64>> = all["result"]["points"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .filter_map(|p| {
                    let v = p["vector"]
                        .as_array()?
                        .iter()
                        .filter_map(Value::as_f64)
                        .collect();
                    Some((p["id"].as_u64()?, v))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut want: Vec<(u64, f64)> = union
        .iter()
        .map(|id| {
            let dot = vectors[id]
                .iter()
                .zip(&q1)
                .map(|(a, b)| a * f64::from(*b))
                .sum::<f64>();
            (*id, dot)
        })
        .collect();
    want.sort_by(|a, b| b.1.total_cmp(&a.1));
    want.truncate(10);
    assert_same_ranking(&got, &want, "re-scored prefetches");
    // Pages of a fusion: offset skips into the same ranking.
    let body = |offset: u64| {
        json!({"prefetch": [{"query": q1, "limit": 30}, {"query": q2, "limit": 30}],
               "query": {"fusion": "dbsf"}, "limit": 5, "offset": offset})
    };
    let (_, first) = query(&s, &body(0))?;
    let (_, second) = query(&s, &body(5))?;
    let (_, both) = query(
        &s,
        &json!({"prefetch": [{"query": q1, "limit": 30}, {"query": q2, "limit": 30}],
                "query": {"fusion": "dbsf"}, "limit": 10}),
    )?;
    let paged: Vec<u64> = hits(&first)
        .into_iter()
        .chain(hits(&second))
        .map(|h| h.0)
        .collect();
    assert_eq!(
        paged,
        hits(&both).into_iter().map(|h| h.0).collect::<Vec<_>>()
    );
    Ok(())
}

#[test]
fn mmr_trades_near_duplicates_for_diversity_and_keeps_similarity_scores() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    s.create_collection("m", 2, "Cosine")?;
    let points = json!({"points": [
        {"id": 1, "vector": [1.0, 0.0]},
        {"id": 2, "vector": [1.0, 0.01]},
        {"id": 3, "vector": [1.0, 0.02]},
        {"id": 4, "vector": [0.6, 0.8]},
    ]});
    assert_eq!(
        s.put_json("/collections/m/points?wait=true", &points)?
            .status(),
        200
    );
    let ask = |diversity: f64| -> Result<Vec<(u64, f64)>, Box<dyn std::error::Error>> {
        let r = s.post_json(
            "/collections/m/points/query",
            &json!({"query": {"nearest": [1.0, 0.0],
                              "mmr": {"diversity": diversity, "candidates_limit": 4}},
                    "limit": 2}),
        )?;
        assert_eq!(r.status(), 200);
        Ok(hits(&r.json()?))
    };
    // The same through VelesQL: `WITH (mmr = ..., mmr_candidates = ...)`.
    let sql = |with: &str| -> Result<(u16, Value), Box<dyn std::error::Error>> {
        let r = s.post_json(
            "/query",
            &json!({"query": format!("SELECT id, score FROM m WHERE vector NEAR [1, 0] LIMIT 2 {with}")}),
        )?;
        Ok((r.status().as_u16(), r.json()?))
    };
    let (status, body) = sql("WITH (mmr = 0.8, mmr_candidates = 4)")?;
    assert_eq!(status, 200, "{body}");
    let rows = body["result"]["statements"][0]["rows"].clone();
    assert_eq!(rows[0][0], 1, "{body}");
    assert_eq!(rows[1][0], 4, "{body}");
    // MMR compares each row with every candidate: its rows are bounded apart.
    let r = s.post_json(
        "/query",
        &json!({"query": "SELECT id FROM m WHERE vector NEAR [1, 0] LIMIT 1000 OFFSET 1 WITH (mmr = 0.5)"}),
    )?;
    assert_eq!(r.status(), 422);
    let body: Value = r.json()?;
    assert_eq!(
        body["result"]["statements"][0]["error"]["code"], "too_many_rows",
        "{body}"
    );
    let (status, body) = sql("WITH (mmr = 0)")?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["statements"][0]["rows"][1][0], 2, "{body}");
    for bad in [
        "WITH (mmr = 1.5)",
        "WITH (mmr = 0.5, mmr_candidates = 10001)",
    ] {
        let (status, body) = sql(bad)?;
        assert_eq!(status, 422, "{bad}: {body}");
        assert_eq!(
            body["result"]["statements"][0]["error"]["code"], "invalid_setting",
            "{bad}: {body}"
        );
    }
    let plain = ask(0.0)?;
    assert_eq!(plain.iter().map(|h| h.0).collect::<Vec<_>>(), vec![1, 2]);
    let diverse = ask(0.8)?;
    assert_eq!(diverse.iter().map(|h| h.0).collect::<Vec<_>>(), vec![1, 4]);
    // Scores stay the similarity to the query.
    assert!((diverse[1].1 - 0.6).abs() < 1e-5, "{diverse:?}");
    Ok(())
}

#[test]
fn bad_multi_stage_queries_are_refused_with_the_reason() -> TestResult {
    let (_dir, s) = seeded()?;
    let v = vec![0.5f32; DIM];
    let nested = |depth: usize| {
        let mut p = json!({"query": v, "limit": 5});
        for _ in 1..depth {
            p = json!({"prefetch": p, "query": v, "limit": 5});
        }
        p
    };
    // Eight levels run; nine are refused.
    let (status, answer) = query(&s, &json!({"prefetch": nested(8), "query": v}))?;
    assert_eq!(status, 200, "{answer}");
    let many = |n: usize| vec![json!({"query": v, "limit": 2}); n];
    let (status, _) = query(
        &s,
        &json!({"prefetch": many(64), "query": {"fusion": "rrf"}}),
    )?;
    assert_eq!(status, 200);
    let cases: Vec<(Value, u16, &str)> = vec![
        (json!({"prefetch": nested(9), "query": v}), 422, "8 levels"),
        (
            json!({"prefetch": many(65), "query": {"fusion": "rrf"}}),
            422,
            "64 prefetches",
        ),
        (
            json!({"prefetch": many(2), "query": {"rrf": {"weights": [1.0]}}}),
            422,
            "weight",
        ),
        (json!({"query": {"fusion": "rrf"}}), 422, "prefetch"),
        (
            json!({"prefetch": {"limit": 3}, "query": v}),
            422,
            "needs a `query`",
        ),
        (
            json!({"prefetch": {"query": v, "limit": 100_001}, "query": v}),
            422,
            "limit",
        ),
        (
            json!({"query": {"nearest": v, "mmr": {"candidates_limit": 10_001}}}),
            422,
            "candidates_limit",
        ),
        (
            json!({"query": {"nearest": v, "mmr": {"candidates_limit": 2_000}}, "limit": 1_001}),
            422,
            "with `mmr`",
        ),
        (
            json!({"query": {"nearest": v, "mmr": {"diversity": 1.5}}}),
            422,
            "diversity",
        ),
        (
            json!({"prefetch": {"query": [1.0, 2.0], "limit": 3}, "query": v}),
            400,
            "dimension",
        ),
        (
            json!({"prefetch": {"query": v, "lookup_from": {"collection": "x"}}, "query": v}),
            422,
            "lookup_from",
        ),
        (json!({"prefetch": 7, "query": v}), 400, "invalid type"),
    ];
    for (body, status, says) in cases {
        let (got, answer) = query(&s, &body)?;
        assert_eq!(got, status, "{body}: {answer}");
        let message = answer["status"]["error"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{body}: {message}");
    }
    Ok(())
}

#[test]
fn a_text_prefetch_fuses_with_a_dense_one_and_ranks_within_prefetched_candidates() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    s.create_collection("t", DIM, "Dot")?;
    let words = [
        "red", "green", "blue", "apple", "river", "stone", "cloud", "night",
    ];
    let mut rng = StdRng::seed_from_u64(3);
    let points: Vec<Value> = (0..200u64)
        .map(|id| {
            let body: Vec<&str> = (0..rng.random_range(2..7))
                .map(|_| words[rng.random_range(0..words.len())])
                .collect();
            json!({"id": id, "vector": unit(&mut rng),
                   "payload": {"body": body.join(" "), "group": id % 3}})
        })
        .collect();
    let r = s.put_json(
        "/collections/t/points?wait=true",
        &json!({"points": points}),
    )?;
    assert_eq!(r.status(), 200);
    let r = s.put_json(
        "/collections/t/index?wait=true",
        &json!({"field_name": "body", "field_schema": {"type": "text"}}),
    )?;
    assert_eq!(r.status(), 200);
    let ask = |body: Value| -> Result<Vec<(u64, f64)>, Box<dyn std::error::Error>> {
        let r = s.post_json("/collections/t/points/query", &body)?;
        let status = r.status().as_u16();
        let answer: Value = r.json()?;
        assert_eq!(status, 200, "{body}: {answer}");
        Ok(hits(&answer))
    };
    let dense = json!({"query": unit(&mut rng), "limit": 12});
    let text = json!({"query": {"text": {"field": "body", "query": "apple river"}}, "limit": 12,
                      "filter": {"must": [{"key": "group", "match": {"any": [0, 1]}}]}});
    let lists = [ask(dense.clone())?, ask(text.clone())?];
    assert_eq!(
        lists[1].len(),
        12,
        "the text prefetch fills its limit under its filter"
    );
    let fused = ask(json!({"prefetch": [dense, text], "query": {"fusion": "rrf"}, "limit": 10}))?;
    let want: Vec<(u64, f64)> = rrf(&lists, 2.0, &[1.0, 1.0]).into_iter().take(10).collect();
    assert_same_ranking(&fused, &want, "dense + text RRF");
    // A text query over a dense prefetch ranks only what the prefetch found, by BM25.
    let candidates = ask(json!({"query": unit(&mut rng), "limit": 40}))?;
    let ids: Vec<u64> = candidates.iter().map(|h| h.0).collect();
    let within = ask(json!({
        "prefetch": {"query": unit(&mut rng), "limit": 40,
                     "filter": {"must": [{"has_id": ids}]}},
        "query": {"text": {"field": "body", "query": "stone"}}, "limit": 50
    }))?;
    let all_stone = ask(json!({
        "query": {"text": {"field": "body", "query": "stone"}}, "limit": 200,
        "filter": {"must": [{"has_id": ids}]}
    }))?;
    assert_same_ranking(&within, &all_stone, "BM25 among prefetched candidates");
    // A text query on a field without a text index is refused by name.
    let r = s.post_json(
        "/collections/t/points/query",
        &json!({"prefetch": {"query": {"text": {"field": "nope", "query": "x"}}}, "query": {"fusion": "rrf"}}),
    )?;
    assert_eq!(r.status(), 422);
    Ok(())
}
