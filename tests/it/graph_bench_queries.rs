//! The query set of the graph benchmark (`benches/peers/graph.py --queries`: its VelesQL `MATCH`
//! statements, REST traverse bodies and the hybrid statement, exactly as the benchmark sends
//! them) run against the real binary on a small WordNet-shaped graph, each answer compared with
//! the one worked out by hand here. The benchmark itself (with Kùzu and PostgreSQL) is a separate
//! command, `bash benches/peers/graph.sh`; this keeps its statements parsing and meaning what
//! its report says they mean.

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

/// Start node 1: a hypernym chain 1 -> 2 -> 3 -> 4 -> 5, a `derivation` edge 1 -> 6, an
/// `antonym` edge 7 -> 1 (reached only when walking both ways); 4 and 6 are `noun.animal`.
fn wordnet_like(s: &TestServer) -> TestResult {
    s.create_collection("wn", 2, "Cosine")?;
    let lexname = |i: u64| {
        if i == 4 || i == 6 {
            "noun.animal"
        } else {
            "noun.artifact"
        }
    };
    let points: Vec<Value> = (1..=7u64)
        .map(|i| json!({"id": i, "vector": [1.0, i as f32 / 10.0], "payload": {"lexname": lexname(i)}}))
        .collect();
    let r = s.put_json(
        "/collections/wn/points?wait=true",
        &json!({"points": points}),
    )?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    let mut edges: Vec<Value> = (1..=4u64)
        .map(|i| json!({"source": i, "target": i + 1, "label": "hypernym", "properties": {"lexical": false}}))
        .collect();
    edges.push(
        json!({"source": 1, "target": 6, "label": "derivation", "properties": {"lexical": true}}),
    );
    edges.push(
        json!({"source": 7, "target": 1, "label": "antonym", "properties": {"lexical": true}}),
    );
    let r = s.put_json("/collections/wn/edges?wait=true", &json!({"edges": edges}))?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    Ok(())
}

/// What each kind answers from node 1 on [`wordnet_like`].
fn expected(kind: &str) -> Option<BTreeSet<u64>> {
    let ids: &[u64] = match kind {
        "hypernym_out_1" => &[2],
        "hypernym_out_2" => &[2, 3],
        "hypernym_out_3" => &[2, 3, 4],
        "any_both_1" => &[2, 6, 7],
        "any_both_2" => &[2, 3, 6, 7],
        "any_both_3" => &[2, 3, 4, 6, 7],
        "animal_within_3" => &[4, 6],
        // Rows whose hypernym chain within 2 hops reaches a noun.animal row: 2 (via 3) and 3.
        "hybrid" => &[2, 3],
        _ => return None,
    };
    Some(ids.iter().copied().collect())
}

fn first_column(body: &Value) -> BTreeSet<u64> {
    body["result"]["statements"][0]["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r[0].as_u64())
        .collect()
}

#[test]
fn the_graph_benchmark_query_set_runs_and_answers_as_its_report_says() -> TestResult {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/peers/graph.py");
    let out = Command::new("python3")
        .args([script, "--queries"])
        .output()?;
    assert!(
        out.status.success(),
        "graph.py --queries: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    wordnet_like(&s)?;
    let mut kinds = Vec::new();
    for line in String::from_utf8(out.stdout)?.lines() {
        let q: Value = serde_json::from_str(line)?;
        let kind = q["kind"].as_str().ok_or("kind")?.to_owned();
        let want = expected(&kind).ok_or_else(|| format!("no expected answer for {kind}"))?;
        let statement = q["match"].as_str().ok_or("match")?;
        let params = if kind == "hybrid" {
            json!({"v": [1.0, 0.0], "lex": "noun.animal"})
        } else {
            json!({})
        };
        let r = s.post_json("/query", &json!({"query": statement, "params": params}))?;
        assert_eq!(r.status(), 200, "{statement}");
        let body: Value = r.json()?;
        assert!(
            body["result"]["statements"][0]["error"].is_null(),
            "{statement}: {body}"
        );
        let mut got = first_column(&body);
        if kind != "hybrid" {
            // A walk both ways comes back to its start (MATCH binds it again at 2 hops); the
            // benchmark leaves the start out of every system's answer, as REST never returns it.
            got.remove(&1);
        }
        assert_eq!(got, want, "{kind}: {statement}");
        if let Some(traverse) = q.get("traverse").filter(|t| !t.is_null()) {
            let r = s.post_json("/collections/wn/graph/traverse", traverse)?;
            assert_eq!(r.status(), 200, "{traverse}");
            let body: Value = r.json()?;
            let got: BTreeSet<u64> = body["result"]["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|n| n["id"].as_u64())
                .collect();
            assert_eq!(got, want, "{kind}: {traverse}");
            assert!(body["result"]["stopped"].is_null(), "{kind}: {body}");
        }
        kinds.push(kind);
    }
    assert_eq!(kinds.len(), 8, "{kinds:?}");
    Ok(())
}
