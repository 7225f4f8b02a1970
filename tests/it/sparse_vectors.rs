//! Sparse vectors, in Qdrant's shapes: a collection declares them under `sparse_vectors` (with an
//! optional IDF modifier) beside its dense vectors; points carry any subset; a sparse query
//! (`points/query` with `using`, bare or under `nearest`, and `points/search` with a named sparse
//! vector) returns the exact top k by dot product, filtered before ranking; prefetch branches mix
//! dense and sparse under a fusion. Everything survives a clean restart, a checkpoint and a
//! `kill -9`, and bad sparse input is refused naming what is wrong.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

const POINTS: u64 = 600;
const VOCABULARY: u64 = 60;

/// A deterministic pseudo-random stream.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// Point `i`'s sparse vector (`None` for every seventh point): a few terms of a small
/// vocabulary, weights in (0, 2], unsorted on the wire.
fn sparse(i: u64) -> Option<BTreeMap<u32, f32>> {
    if i % 7 == 3 {
        return None;
    }
    let mut terms = BTreeMap::new();
    let n = 1 + mix(i) % 6;
    for k in 0..n {
        let term = (mix(i * 31 + k) % VOCABULARY) as u32;
        let weight = 0.05 + (mix(i * 17 + k) % 1000) as f32 / 520.0;
        terms.insert(term, weight);
    }
    Some(terms)
}

fn wire(v: &BTreeMap<u32, f32>) -> Value {
    // Reversed, so the server must sort them.
    let (indices, values): (Vec<u32>, Vec<f32>) = v.iter().rev().map(|(i, w)| (*i, *w)).unzip();
    json!({"indices": indices, "values": values})
}

fn point(i: u64) -> Value {
    let mut vector = serde_json::Map::new();
    let a = i as f32 * 0.41;
    vector.insert(
        "dense".into(),
        json!([a.cos(), a.sin(), 0.5, (i % 5) as f32]),
    );
    if let Some(s) = sparse(i) {
        vector.insert("words".into(), wire(&s));
        vector.insert("weighted".into(), wire(&s));
    }
    let words = ["alpha", "beta", "gamma", "delta"];
    let body = format!(
        "{} {}",
        words[(i % 4) as usize],
        words[(mix(i) % 4) as usize]
    );
    json!({"id": i, "vector": vector, "payload": {"group": i % 3, "body": body}})
}

fn create(s: &TestServer, name: &str) -> TestResult {
    let r = s.put_json(
        &format!("/collections/{name}"),
        &json!({
            "vectors": {"dense": {"size": 4, "distance": "Cosine"}},
            "sparse_vectors": {
                "words": {"index": {"on_disk": false, "full_scan_threshold": 5000}},
                "weighted": {"modifier": "idf"}
            }
        }),
    )?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    let points: Vec<Value> = (0..POINTS).map(point).collect();
    let r = s.put_json(
        &format!("/collections/{name}/points?wait=true"),
        &json!({ "points": points }),
    )?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    Ok(())
}

/// The expected ranking: every stored point sharing a term with `query`, by dot product
/// (times IDF with `idf`), best first, ties to the lower id; only points `keep` accepts.
fn expected(
    stored: &HashMap<u64, BTreeMap<u32, f32>>,
    query: &BTreeMap<u32, f32>,
    idf: bool,
    keep: &dyn Fn(u64) -> bool,
    k: usize,
) -> Vec<(u64, f64)> {
    let n_docs = stored.values().filter(|v| !v.is_empty()).count() as f64;
    let weight = |term: u32, q: f32| {
        let q = f64::from(q);
        if !idf {
            return q;
        }
        let n = stored.values().filter(|v| v.contains_key(&term)).count() as f64;
        q * (1.0 + (n_docs - n + 0.5) / (n + 0.5)).ln()
    };
    let mut hits: Vec<(u64, f64)> = stored
        .iter()
        .filter(|(id, v)| keep(**id) && query.keys().any(|t| v.contains_key(t)))
        .map(|(id, v)| {
            let score = query
                .iter()
                .filter_map(|(t, q)| v.get(t).map(|w| weight(*t, *q) * f64::from(*w)))
                .sum();
            (*id, score)
        })
        .collect();
    hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    hits.truncate(k);
    hits
}

fn hits(body: &Value) -> Vec<(u64, f64)> {
    let list = body["result"]["points"]
        .as_array()
        .or_else(|| body["result"].as_array())
        .cloned()
        .unwrap_or_default();
    list.iter()
        .map(|p| {
            (
                p["id"].as_u64().unwrap_or(u64::MAX),
                p["score"].as_f64().unwrap_or(f64::NAN),
            )
        })
        .collect()
}

/// Same ids in the same order (ties may swap only where scores are equal to rounding), and
/// scores equal to f32 rounding.
fn assert_same(got: &[(u64, f64)], want: &[(u64, f64)], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: {got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g.1 - w.1).abs() <= 1e-4 * w.1.abs().max(1.0),
            "{what}: score {g:?} vs {w:?}"
        );
        if g.0 != w.0 {
            let tied = want.iter().any(|x| x.0 == g.0 && (x.1 - w.1).abs() <= 1e-4);
            assert!(tied, "{what}: {got:?} vs {want:?}");
        }
    }
}

fn query_sparse(terms: &[(u32, f32)]) -> BTreeMap<u32, f32> {
    terms.iter().copied().collect()
}

fn stored_all() -> HashMap<u64, BTreeMap<u32, f32>> {
    (0..POINTS)
        .filter_map(|i| sparse(i).map(|s| (i, s)))
        .collect()
}

fn check_rankings(
    s: &TestServer,
    name: &str,
    stored: &HashMap<u64, BTreeMap<u32, f32>>,
) -> TestResult {
    let queries = [
        query_sparse(&[(3, 1.0), (17, 0.5)]),
        query_sparse(&[(0, 2.0), (1, 1.0), (2, 0.25), (59, 1.5)]),
        query_sparse(&[(41, 1.0)]),
    ];
    for (qi, q) in queries.iter().enumerate() {
        for (using, idf) in [("words", false), ("weighted", true)] {
            let want = expected(stored, q, idf, &|_| true, 10);
            let r = s.post_json(
                &format!("/collections/{name}/points/query"),
                &json!({"query": wire(q), "using": using, "limit": 10}),
            )?;
            assert_eq!(r.status(), 200, "{}", r.text()?);
            assert_same(&hits(&r.json()?), &want, &format!("query {qi} {using}"));
            // The same under `nearest`, and through `points/search`.
            let r = s.post_json(
                &format!("/collections/{name}/points/query"),
                &json!({"query": {"nearest": wire(q)}, "using": using, "limit": 10}),
            )?;
            assert_same(&hits(&r.json()?), &want, &format!("nearest {qi} {using}"));
            let r = s.post_json(
                &format!("/collections/{name}/points/search"),
                &json!({"vector": {"name": using, "vector": wire(q)}, "limit": 10}),
            )?;
            assert_eq!(r.status(), 200);
            assert_same(&hits(&r.json()?), &want, &format!("search {qi} {using}"));
            // Filtered before ranking: the limit is filled from the matching points.
            let want = expected(stored, q, idf, &|id| id % 3 == 1, 25);
            let r = s.post_json(
                &format!("/collections/{name}/points/query"),
                &json!({
                    "query": wire(q), "using": using, "limit": 25,
                    "filter": {"must": [{"key": "group", "match": {"value": 1}}]}
                }),
            )?;
            assert_same(&hits(&r.json()?), &want, &format!("filtered {qi} {using}"));
        }
    }
    Ok(())
}

#[test]
fn sparse_queries_return_the_exact_top_k_filtered_and_with_idf() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    create(&s, "sp")?;
    check_rankings(&s, "sp", &stored_all())?;
    // The collection describes its sparse vectors.
    let info: Value = s.get("/collections/sp")?.json()?;
    assert_eq!(
        info["result"]["config"]["params"]["sparse_vectors"],
        json!({"weighted": {"modifier": "idf"}, "words": {"modifier": "none"}})
    );
    // A point reads back with its sparse vectors sorted by index.
    let r: Value = s
        .post_json(
            "/collections/sp/points",
            &json!({"ids": [5], "with_vector": true}),
        )?
        .json()?;
    let want = sparse(5).ok_or("point 5 has a sparse vector")?;
    let got = &r["result"][0]["vector"]["words"];
    assert_eq!(got["indices"], json!(want.keys().collect::<Vec<_>>()));
    let values: Vec<f64> = got["values"]
        .as_array()
        .ok_or("values")?
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    assert_eq!(values.len(), want.len());
    assert!(
        values
            .iter()
            .zip(want.values())
            .all(|(g, w)| (g - f64::from(*w)).abs() < 1e-6),
        "{values:?} vs {want:?}"
    );
    let r: Value = s
        .post_json(
            "/collections/sp/points",
            &json!({"ids": [3], "with_vector": ["weighted", "dense"]}),
        )?
        .json()?;
    let only = r["result"][0]["vector"].as_object().ok_or("vector map")?;
    assert!(
        only.contains_key("dense") && !only.contains_key("weighted") && !only.contains_key("words")
    );
    Ok(())
}

#[test]
fn dense_and_sparse_prefetches_fuse_by_rrf() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    create(&s, "hy")?;
    let sparse_q = wire(&query_sparse(&[(3, 1.0), (5, 1.0), (8, 0.5)]));
    let dense_q = json!([1.0, 0.2, 0.5, 1.0]);
    let branch = |query: &Value, using: &str| -> Result<Vec<u64>, Box<dyn std::error::Error>> {
        let r: Value = s
            .post_json(
                "/collections/hy/points/query",
                &json!({"query": query, "using": using, "limit": 20}),
            )?
            .json()?;
        Ok(hits(&r).into_iter().map(|h| h.0).collect())
    };
    let (dense_ids, sparse_ids) = (branch(&dense_q, "dense")?, branch(&sparse_q, "words")?);
    // RRF with Qdrant's k = 2: 1 / (rank + 2) summed over the lists, rank from 0.
    let mut fused: HashMap<u64, f64> = HashMap::new();
    for list in [&dense_ids, &sparse_ids] {
        for (rank, id) in list.iter().enumerate() {
            *fused.entry(*id).or_default() += 1.0 / (rank as f64 + 2.0);
        }
    }
    let mut want: Vec<(u64, f64)> = fused.into_iter().collect();
    want.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    want.truncate(10);
    let r: Value = s
        .post_json(
            "/collections/hy/points/query",
            &json!({
                "prefetch": [
                    {"query": dense_q, "using": "dense", "limit": 20},
                    {"query": sparse_q, "using": "words", "limit": 20}
                ],
                "query": {"fusion": "rrf"},
                "limit": 10
            }),
        )?
        .json()?;
    assert_same(&hits(&r), &want, "rrf of dense and sparse");
    Ok(())
}

#[test]
fn sparse_vectors_survive_updates_restarts_checkpoints_and_kill_9() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    create(&s, "dur")?;
    let mut stored = stored_all();
    // Replace some points' sparse vectors, drop one's, delete others.
    let mut replaced: Vec<Value> = Vec::new();
    for i in 0..40u64 {
        let terms: BTreeMap<u32, f32> = [(3, 1.5 + i as f32), (50, 0.5)].into_iter().collect();
        stored.insert(i, terms.clone());
        replaced.push(json!({"id": i, "vector": {"dense": [1.0, 0.0, 0.0, 0.0], "words": wire(&terms), "weighted": wire(&terms)}, "payload": {"group": i % 3}}));
    }
    stored.remove(&45);
    replaced.push(
        json!({"id": 45, "vector": {"dense": [1.0, 0.0, 0.0, 0.0]}, "payload": {"group": 0}}),
    );
    let r = s.put_json(
        "/collections/dur/points?wait=true",
        &json!({"points": replaced}),
    )?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    let deleted: Vec<u64> = (100..160).collect();
    for id in &deleted {
        stored.remove(id);
    }
    let r = s.post_json(
        "/collections/dur/points/delete?wait=true",
        &json!({"points": deleted}),
    )?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    check_rankings(&s, "dur", &stored)?;
    // A clean stop writes a checkpoint (and the sparse index image); reopening reads them.
    s.terminate()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    check_rankings(&s, "dur", &stored)?;
    assert!(
        !s.log_text().contains("sparse indexes rebuilt"),
        "the sparse index image was used"
    );
    // Writes after the checkpoint, then kill -9: the WAL replays them.
    let more: Vec<Value> = (POINTS..POINTS + 50)
        .map(|i| {
            let terms: BTreeMap<u32, f32> = [(41, 0.1 * (i - POINTS + 1) as f32)].into_iter().collect();
            stored.insert(i, terms.clone());
            json!({"id": i, "vector": {"dense": [0.0, 1.0, 0.0, 0.0], "words": wire(&terms), "weighted": wire(&terms)}, "payload": {"group": i % 3}})
        })
        .collect();
    let r = s.put_json(
        "/collections/dur/points?wait=true",
        &json!({"points": more}),
    )?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    s.kill9()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    check_rankings(&s, "dur", &stored)?;
    // A damaged sparse index image is rebuilt from the stored vectors, with the same answers.
    s.terminate()?;
    let image = dir
        .path()
        .join("collections")
        .join("dur")
        .join("sparse.plait");
    let mut bytes = std::fs::read(&image)?;
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&image, bytes)?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    check_rankings(&s, "dur", &stored)?;
    assert!(
        s.log_text().contains("sparse indexes rebuilt"),
        "{}",
        s.log_text()
    );
    Ok(())
}

#[test]
fn bad_sparse_input_is_refused_naming_the_problem() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    create(&s, "bad")?;
    let upsert = |vector: Value| -> Result<(u16, String), Box<dyn std::error::Error>> {
        let r = s.put_json(
            "/collections/bad/points?wait=true",
            &json!({"points": [{"id": 1, "vector": vector}]}),
        )?;
        Ok((r.status().as_u16(), r.text()?))
    };
    let many: Vec<u32> = (0..65_537).collect();
    for (vector, says) in [
        (
            json!({"words": {"indices": [1, 1], "values": [1, 2]}}),
            "more than once",
        ),
        (
            json!({"words": {"indices": [1, 2], "values": [1]}}),
            "pair up",
        ),
        (
            json!({"words": {"indices": [1], "values": [1e39]}}),
            "finite",
        ),
        (
            json!({"words": {"indices": [4294967295u64], "values": [1]}}),
            "out of range",
        ),
        (
            json!({"words": {"indices": many, "values": vec![1.0; 65_537]}}),
            "at most 65536",
        ),
        (json!({"nope": {"indices": [1], "values": [1]}}), "nope"),
        (json!({"dense": {"indices": [1], "values": [1]}}), "dense"),
        (json!({"words": [1.0, 2.0]}), "sparse vector"),
    ] {
        let (status, text) = upsert(vector.clone())?;
        assert!((400..500).contains(&status), "{vector}: {status} {text}");
        assert!(text.contains(says), "{vector}: {text}");
    }
    // Nothing of the refused writes landed.
    let r: Value = s
        .post_json(
            "/collections/bad/points",
            &json!({"ids": [1], "with_vector": ["words"]}),
        )?
        .json()?;
    let want = sparse(1).ok_or("point 1 has a sparse vector")?;
    assert_eq!(
        r["result"][0]["vector"]["words"]["indices"],
        json!(want.keys().collect::<Vec<_>>())
    );
    // An empty sparse vector is a vector with no terms: stored, never a candidate.
    let (status, text) =
        upsert(json!({"dense": [1, 0, 0, 0], "words": {"indices": [], "values": []}}))?;
    assert_eq!(status, 200, "{text}");
    // Queries: no `using`, an unknown or dense name, a dense vector under a sparse name.
    for (body, says) in [
        (json!({"query": {"indices": [1], "values": [1]}}), "using"),
        (
            json!({"query": {"indices": [1], "values": [1]}, "using": "dense"}),
            "dense",
        ),
        (
            json!({"query": {"indices": [1], "values": [1]}, "using": "nope"}),
            "nope",
        ),
        (
            json!({"query": [1, 0, 0, 0], "using": "words"}),
            "sparse vector",
        ),
    ] {
        let r = s.post_json("/collections/bad/points/query", &body)?;
        let status = r.status().as_u16();
        let text = r.text()?;
        assert!((400..500).contains(&status), "{body}: {status} {text}");
        assert!(text.contains(says), "{body}: {text}");
    }
    // Collection settings Plait cannot honour are refused by name.
    for (config, says) in [
        (json!({"s": {"index": {"on_disk": true}}}), "on_disk"),
        (json!({"s": {"index": {"datatype": "uint8"}}}), "datatype"),
        (json!({"dense": {}}), "both a dense and a sparse"),
        (json!({"s": {"modifier": "bm25"}}), "modifier"),
    ] {
        let r = s.put_json(
            "/collections/refused",
            &json!({"vectors": {"dense": {"size": 2, "distance": "Dot"}}, "sparse_vectors": config}),
        )?;
        let status = r.status().as_u16();
        let text = r.text()?;
        assert!((400..500).contains(&status), "{config}: {status} {text}");
        assert!(text.contains(says), "{config}: {text}");
    }
    Ok(())
}

/// A snapshot carries the sparse vectors and their index image: the collection recovered from
/// it answers sparse queries as the original does, without indexing again.
#[test]
fn a_snapshot_carries_sparse_vectors_and_their_index() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    create(&s, "orig")?;
    let r = s
        .client
        .post(s.url("/collections/orig/snapshots?wait=true"))
        .send()?;
    assert_eq!(r.status(), 200);
    let snapshot: Value = r.json()?;
    let name = snapshot["result"]["name"]
        .as_str()
        .ok_or("no snapshot name")?;
    let location = format!(
        "file://{}",
        dir.path()
            .join("snapshots")
            .join("orig")
            .join(name)
            .display()
    );
    let r = s.put_json(
        "/collections/copy/snapshots/recover",
        &json!({ "location": location }),
    )?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    check_rankings(&s, "copy", &stored_all())?;
    assert!(
        !s.log_text().contains("sparse indexes rebuilt"),
        "the snapshot's sparse index image was used"
    );
    Ok(())
}

/// VelesQL reaches every vector: `name NEAR` searches a named dense vector, `name NEAR [[index,
/// weight], ...]` a sparse one, and `USING FUSION (...)` fuses a search with a `MATCH` ranking;
/// each answers what the same `points/query` request answers.
#[test]
fn velesql_searches_named_and_sparse_vectors_and_fuses_with_text() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    create(&s, "vq")?;
    let r = s.put_json(
        "/collections/vq/index?wait=true",
        &json!({"field_name": "body", "field_schema": {"type": "text", "tokenizer": "word", "lowercase": true}}),
    )?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    let velesql =
        |query: &str, params: Value| -> Result<(u16, Value), Box<dyn std::error::Error>> {
            let r = s.post_json("/query", &json!({"query": query, "params": params}))?;
            Ok((r.status().as_u16(), r.json()?))
        };
    let rows = |body: &Value| -> Vec<(u64, f64)> {
        body["result"]["statements"][0]["rows"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|r| {
                (
                    r[0].as_u64().unwrap_or(u64::MAX),
                    r[1].as_f64().unwrap_or(f64::NAN),
                )
            })
            .collect()
    };
    let rest = |body: Value| -> Result<Vec<(u64, f64)>, Box<dyn std::error::Error>> {
        let r: Value = s.post_json("/collections/vq/points/query", &body)?.json()?;
        Ok(hits(&r))
    };
    // A sparse search, inline and as a parameter.
    let q = query_sparse(&[(3, 1.0), (17, 0.5)]);
    let want = expected(&stored_all(), &q, false, &|_| true, 7);
    let (status, body) = velesql(
        "SELECT id, score FROM vq WHERE words NEAR [[17, 0.5], [3, 1.0]] LIMIT 7",
        json!({}),
    )?;
    assert_eq!(status, 200, "{body}");
    assert_same(&rows(&body), &want, "velesql sparse inline");
    let (status, body) = velesql(
        "SELECT id, score FROM vq WHERE weighted NEAR $s AND \"group\" = 1 LIMIT 7",
        json!({"s": [[3, 1.0], [17, 0.5]]}),
    )?;
    assert_eq!(status, 200, "{body}");
    assert_same(
        &rows(&body),
        &expected(&stored_all(), &q, true, &|id| id % 3 == 1, 7),
        "velesql sparse with idf and a filter",
    );
    // A named dense vector.
    let v = json!([0.3, 0.9, 0.5, 2.0]);
    let (status, body) = velesql(
        "SELECT id, score FROM vq WHERE dense NEAR $v LIMIT 5",
        json!({"v": v}),
    )?;
    assert_eq!(status, 200, "{body}");
    assert_same(
        &rows(&body),
        &rest(json!({"query": v, "using": "dense", "limit": 5}))?,
        "velesql named dense",
    );
    // Fusions of a vector search and a text ranking.
    for (setting, fusion) in [
        ("(strategy = 'rrf', k = 60)", json!({"rrf": {"k": 60}})),
        ("", json!({"fusion": "rrf"})),
        ("(strategy = 'dbsf')", json!({"fusion": "dbsf"})),
        (
            "(strategy = 'weighted', weights = [0.7, 0.3])",
            json!({"weighted_fusion": {"weights": [0.7, 0.3]}}),
        ),
    ] {
        let (status, body) = velesql(
            &format!(
                "SELECT id, score FROM vq WHERE dense NEAR $v AND body MATCH 'alpha' AND \"group\" <> 2 \
                 USING FUSION {setting} LIMIT 8"
            ),
            json!({"v": v}),
        )?;
        assert_eq!(status, 200, "{setting}: {body}");
        let filter = json!({"must_not": [{"key": "group", "match": {"value": 2}}]});
        let want = rest(json!({
            "prefetch": [
                {"query": v, "using": "dense", "limit": 100},
                {"query": {"text": {"field": "body", "query": "alpha"}}, "limit": 100}
            ],
            "query": fusion, "filter": filter, "limit": 8
        }))?;
        assert_eq!(want.len(), 8);
        assert_same(&rows(&body), &want, &format!("velesql fusion {setting}"));
    }
    // A sparse branch fused with text.
    let (status, body) = velesql(
        "SELECT id, score FROM vq WHERE words NEAR [[3, 1.0]] AND body MATCH 'beta' USING FUSION LIMIT 5",
        json!({}),
    )?;
    assert_eq!(status, 200, "{body}");
    let want = rest(json!({
        "prefetch": [
            {"query": {"indices": [3], "values": [1.0]}, "using": "words", "limit": 100},
            {"query": {"text": {"field": "body", "query": "beta"}}, "limit": 100}
        ],
        "query": {"fusion": "rrf"}, "limit": 5
    }))?;
    assert_same(&rows(&body), &want, "velesql sparse fusion");
    // MMR over a fusion: the fused candidates re-scored by the dense vector and diversified, as
    // a `nearest` query with `mmr` over a fusion prefetch.
    let (status, body) = velesql(
        "SELECT id, score FROM vq WHERE dense NEAR $v AND body MATCH 'alpha' AND \"group\" <> 2 \
         USING FUSION LIMIT 5 WITH (mmr = 0.6, mmr_candidates = 20)",
        json!({"v": v}),
    )?;
    assert_eq!(status, 200, "{body}");
    let filter = json!({"must_not": [{"key": "group", "match": {"value": 2}}]});
    let want = rest(json!({
        "prefetch": [{
            "prefetch": [
                {"query": v, "using": "dense", "limit": 100},
                {"query": {"text": {"field": "body", "query": "alpha"}}, "limit": 100}
            ],
            "query": {"fusion": "rrf"}, "filter": filter, "limit": 20
        }],
        "query": {"nearest": v, "mmr": {"diversity": 0.6, "candidates_limit": 20}},
        "using": "dense", "limit": 5
    }))?;
    assert_eq!(want.len(), 5);
    assert_same(&rows(&body), &want, "velesql fusion with mmr");
    let plain = rest(json!({
        "prefetch": [{
            "prefetch": [
                {"query": v, "using": "dense", "limit": 100},
                {"query": {"text": {"field": "body", "query": "alpha"}}, "limit": 100}
            ],
            "query": {"fusion": "rrf"}, "filter": filter, "limit": 20
        }],
        "query": v, "using": "dense", "limit": 5
    }))?;
    assert_ne!(
        rows(&body).iter().map(|r| r.0).collect::<Vec<_>>(),
        plain.iter().map(|r| r.0).collect::<Vec<_>>(),
        "mmr changed nothing"
    );
    // Mistakes are refused where they are written.
    for (query, says) in [
        (
            "SELECT id FROM vq WHERE dense NEAR $v USING FUSION LIMIT 5",
            "MATCH",
        ),
        (
            "SELECT id FROM vq WHERE words NEAR [[1, 2], [1, 3]] LIMIT 5",
            "more than once",
        ),
        (
            "SELECT id FROM vq WHERE words NEAR $v LIMIT 5",
            "sparse vector",
        ),
        ("SELECT id FROM vq WHERE nope NEAR $v LIMIT 5", "nope"),
        (
            "SELECT id FROM vq WHERE vector NEAR [[1, 2]] LIMIT 5",
            "named sparse vector",
        ),
        (
            "SELECT id FROM vq WHERE dense NEAR $v AND body MATCH 'a' USING FUSION (strategy = 'max') LIMIT 5",
            "strategy",
        ),
        (
            "SELECT id FROM vq WHERE dense NEAR $v AND body MATCH 'a' USING FUSION (strategy = 'dbsf', k = 3) LIMIT 5",
            "RRF",
        ),
        (
            "SELECT id FROM vq WHERE dense NEAR $v AND body MATCH 'a' USING FUSION (weights = [1]) LIMIT 5",
            "two",
        ),
        (
            "SELECT id FROM vq WHERE words NEAR [[3, 1.0]] AND body MATCH 'a' USING FUSION LIMIT 5 WITH (mmr = 0.5)",
            "dense vector",
        ),
        (
            "SELECT id FROM vq WHERE dense NEAR $v AND body MATCH 'a' USING FUSION LIMIT 5 WITH (ef_search = 64)",
            "mmr and mmr_candidates only",
        ),
        (
            "SELECT id FROM vq WHERE dense NEAR $v AND body MATCH 'a' USING FUSION LIMIT 5 WITH (mmr_candidates = 64)",
            "needs mmr",
        ),
        (
            "SELECT id FROM vq WHERE dense NEAR $v AND body MATCH 'a' USING FUSION LIMIT 1001 WITH (mmr = 0.5)",
            "at most 1000 rows",
        ),
    ] {
        let (status, body) = velesql(query, json!({"v": v}))?;
        assert!((400..500).contains(&status), "{query}: {status} {body}");
        assert!(body.to_string().contains(says), "{query}: {body}");
    }
    Ok(())
}
