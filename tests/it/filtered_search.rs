//! Filtered vector search through the planner: every strategy fills `limit` whenever that many
//! points match, returns only matching points with good recall against an exact filtered
//! search, and says in `explain` (and `/metrics`) how it ran.

use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

const N: usize = 3_000;
const DIM: usize = 8;

fn vectors() -> Vec<Vec<f32>> {
    let mut state = 0x2545_f491_u64;
    (0..N)
        .map(|_| {
            (0..DIM)
                .map(|_| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1);
                    ((state >> 33) as f32 / (1u64 << 31) as f32) - 0.5
                })
                .collect()
        })
        .collect()
}

fn ids(hits: &Value) -> Vec<u64> {
    hits.as_array()
        .map(|a| a.iter().filter_map(|h| h["id"].as_u64()).collect())
        .unwrap_or_default()
}

#[test]
fn every_strategy_fills_the_limit_with_matching_points_and_explains_itself() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    let r = s.put_json(
        "/collections/c",
        &json!({"vectors": {"size": DIM, "distance": "Euclid"},
                "hnsw_config": {"m": 16, "ef_construct": 64, "full_scan_threshold": 100}}),
    )?;
    assert_eq!(r.status(), 200);
    let rows = vectors();
    for (chunk_no, chunk) in rows.chunks(1000).enumerate() {
        let points: Vec<Value> = chunk
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let id = chunk_no * 1000 + i;
                // rare: 0.5% of points; half: every other point; in both an indexed and an
                // unindexed spelling.
                let rare = id % 200 == 7;
                json!({"id": id, "vector": v, "payload": {
                    "tag": if rare { "rare" } else if id % 2 == 0 { "even" } else { "odd" },
                    "n": id,
                    "note": if rare { "rare" } else if id % 2 == 0 { "even" } else { "odd" },
                }})
            })
            .collect();
        let r = s.put_json(
            "/collections/c/points?wait=true",
            &json!({"points": points}),
        )?;
        assert_eq!(r.status(), 200);
    }
    for (field, schema) in [("tag", "keyword"), ("n", "integer")] {
        let r = s.put_json(
            "/collections/c/index?wait=true",
            &json!({"field_name": field, "field_schema": schema}),
        )?;
        assert_eq!(r.status(), 200);
    }

    let cases = [
        (
            json!({"must": [{"key": "tag", "match": {"value": "rare"}}]}),
            "exact_scan",
            15,
        ),
        // Half the points: at ef 16 a scan of 1,500 costs less than a walk visiting about
        // 16 · 32 · 3000 / 1500 = 1,024 points at twice the cost each.
        (
            json!({"must": [{"key": "tag", "match": {"value": "even"}}]}),
            "exact_scan",
            1500,
        ),
        (
            json!({"must": [{"key": "n", "range": {"gte": 100, "lt": 2100}}]}),
            "graph_allow_list",
            2000,
        ),
        (
            json!({"must": [{"key": "note", "match": {"value": "odd"}}]}),
            "graph_predicate",
            1485,
        ),
        (
            json!({"must": [{"key": "note", "match": {"value": "rare"}}]}),
            "exact_scan",
            15,
        ),
        // A third of the points, partly answered by payloads: computing the allowed set reads
        // every payload, which costs more than a walk reading ef * m0 / s of them.
        (
            json!({"must": [{"key": "note", "match": {"value": "odd"}},
                            {"key": "n", "range": {"gte": 0, "lt": 2000}}]}),
            "graph_predicate",
            990,
        ),
        (
            json!({"must_not": [{"key": "tag", "match": {"any": ["even", "odd"]}}]}),
            "exact_scan",
            15,
        ),
    ];
    let limit = 20;
    // Recall is summed per filter over the queries: one hard query must not fail the test.
    let mut found_total = vec![0usize; cases.len()];
    let mut expected_total = vec![0usize; cases.len()];
    for row in rows.iter().step_by(300) {
        for (c, (filter, strategy, matching)) in cases.iter().enumerate() {
            let r = s.post_json(
                "/collections/c/points/query",
                &json!({"query": row, "limit": limit, "filter": filter, "with_payload": true,
                        "params": {"explain": true, "hnsw_ef": 16}}),
            )?;
            assert_eq!(r.status(), 200);
            let body: Value = r.json()?;
            let result = &body["result"];
            let explain = &result["explain"];
            assert_eq!(explain["strategy"], *strategy, "{filter}: {explain}");
            let got = ids(&result["points"]);
            assert_eq!(
                got.len(),
                limit.min(*matching),
                "{filter}: limit not filled"
            );
            let exact: Value = s
                .post_json(
                    "/collections/c/points/query",
                    &json!({"query": row, "limit": limit, "filter": filter,
                            "params": {"exact": true}}),
                )?
                .json()?;
            let expected = ids(&exact["result"]["points"]);
            assert_eq!(expected.len(), got.len());
            found_total[c] += got.iter().filter(|id| expected.contains(id)).count();
            expected_total[c] += expected.len();
            if let Some(candidates) = explain["candidates"].as_u64() {
                assert_eq!(candidates, *matching as u64, "{filter}: {explain}");
            }
            // Distances computed: a scan scores each matching point once; a walk scores the
            // points it meets, more than it returns and fewer than the collection holds.
            let distances = explain["distances"].as_u64().unwrap_or(0);
            if *strategy == "exact_scan" {
                assert_eq!(distances, *matching as u64, "{filter}: {explain}");
            } else {
                let live = explain["live_points"].as_u64().unwrap_or(0);
                assert!(
                    distances >= got.len() as u64 && distances < live,
                    "{filter}: {explain}"
                );
            }
        }
    }
    for (c, (filter, _, _)) in cases.iter().enumerate() {
        assert!(
            found_total[c] * 100 >= expected_total[c] * 95,
            "{filter}: recall {}/{}",
            found_total[c],
            expected_total[c]
        );
    }
    // An unindexed condition narrowed by a selective indexed one: index statistics bound the
    // filter to about 100 points, so their payloads are read and the matching set is exact
    // (no 512-point sample): the 49 odd, not rare, ids in 1000..1100.
    let narrow = json!({"must": [{"key": "note", "match": {"value": "odd"}},
                                 {"key": "n", "range": {"gte": 1000, "lt": 1100}}]});
    let r: Value = s
        .post_json(
            "/collections/c/points/query",
            &json!({"query": rows[0], "limit": 5, "filter": narrow,
                    "params": {"explain": true, "hnsw_ef": 16}}),
        )?
        .json()?;
    let explain = &r["result"]["explain"];
    let bound = explain["index_bound"].as_u64().unwrap_or(0);
    assert!((50..=300).contains(&bound), "{explain}");
    assert_eq!(explain["estimated_candidates"], 49, "{explain}");
    assert_eq!(explain["candidates"], 49, "{explain}");
    assert!(
        explain["payloads_read"].as_u64().unwrap_or(u64::MAX) <= 100,
        "{explain}"
    );
    assert_eq!(ids(&r["result"]["points"]).len(), 5);

    // The statistics behind those estimates.
    let stats: Value = s.get("/collections/c/index/n")?.json()?;
    let stats = &stats["result"];
    assert_eq!(stats["data_type"], "integer", "{stats}");
    assert_eq!(stats["distinct_values"], 3000, "{stats}");
    assert_eq!(stats["indexed_points"], 3000, "{stats}");
    assert_eq!(stats["missing_points"], 0, "{stats}");
    let buckets = stats["histogram"].as_array().cloned().unwrap_or_default();
    assert!((2..=64).contains(&buckets.len()), "{stats}");
    let total: u64 = buckets.iter().filter_map(|b| b["count"].as_u64()).sum();
    assert_eq!(total, 3000, "{stats}");
    assert!(
        buckets.last().is_some_and(|b| b["upper"].is_null()),
        "{stats}"
    );
    let stats: Value = s.get("/collections/c/index/tag")?.json()?;
    assert_eq!(stats["result"]["distinct_values"], 3, "{stats}");
    assert_eq!(stats["result"]["histogram"], json!([]), "{stats}");
    assert_eq!(s.get("/collections/c/index/note")?.status(), 404);
    assert_eq!(s.get("/collections/nope/index/n")?.status(), 404);

    // Without explain, no explanation; `points/search` has no room for one.
    let r: Value = s
        .post_json(
            "/collections/c/points/query",
            &json!({"query": rows[0], "limit": 3}),
        )?
        .json()?;
    assert!(r["result"].get("explain").is_none(), "{r}");
    let r = s.post_json(
        "/collections/c/points/search",
        &json!({"vector": rows[0], "limit": 3, "params": {"explain": true}}),
    )?;
    assert_eq!(r.status(), 422);
    for strategy in [
        "exact_scan",
        "graph_allow_list",
        "graph_predicate",
        "unfiltered",
    ] {
        let n = s
            .metric(&format!(
                "plait_search_strategy_total{{strategy=\"{strategy}\"}}"
            ))?
            .unwrap_or(0.0);
        assert!(n >= 1.0, "{strategy} never counted");
    }
    Ok(())
}
