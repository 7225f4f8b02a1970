//! Named dense vectors: a collection declares several, each with its own size, metric, HNSW
//! settings and quantization; points carry any subset; `using` picks the one a query searches;
//! `with_vector` returns them by name. Everything survives a clean restart and a `kill -9`.
//! A collection may also declare none (`"vectors": {}`): payloads and edges only.

use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

/// Points 0..300 carry both vectors, 300..350 only `text`, 350..400 only `image`, 400 neither.
const BOTH: std::ops::Range<u64> = 0..300;
const TEXT_ONLY: std::ops::Range<u64> = 300..350;
const IMAGE_ONLY: std::ops::Range<u64> = 350..400;
const NEITHER: u64 = 400;

/// Unit length, so the stored (normalised for cosine) vector is the one sent, to rounding.
fn text(i: u64) -> Vec<f32> {
    let a = i as f32 * 0.37;
    vec![0.8 * a.cos(), 0.8 * a.sin(), 0.6]
}

/// Whether the JSON list `got` is `want` to within cosine normalisation's rounding.
fn close(got: &Value, want: &[f32]) -> bool {
    got.as_array().is_some_and(|g| {
        g.len() == want.len()
            && g.iter()
                .zip(want)
                .all(|(g, w)| g.as_f64().is_some_and(|g| (g - f64::from(*w)).abs() < 1e-5))
    })
}

fn image(i: u64) -> Vec<f32> {
    vec![i as f32, (i % 7) as f32]
}

fn point(i: u64) -> Value {
    let mut vector = serde_json::Map::new();
    if BOTH.contains(&i) || TEXT_ONLY.contains(&i) {
        vector.insert("text".into(), json!(text(i)));
    }
    if BOTH.contains(&i) || IMAGE_ONLY.contains(&i) {
        vector.insert("image".into(), json!(image(i)));
    }
    json!({"id": i, "vector": vector, "payload": {"i": i}})
}

fn create(s: &TestServer, name: &str) -> TestResult {
    let r = s.put_json(
        &format!("/collections/{name}"),
        &json!({
            "vectors": {
                "text": {"size": 3, "distance": "Cosine"},
                "image": {
                    "size": 2,
                    "distance": "Euclid",
                    "hnsw_config": {"m": 8, "full_scan_threshold": 100},
                    "quantization_config": {"scalar": {"type": "int8", "always_ram": true}}
                }
            },
            "hnsw_config": {"ef_construct": 64}
        }),
    )?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    let points: Vec<Value> = (0..=NEITHER).map(point).collect();
    let r = s.put_json(
        &format!("/collections/{name}/points?wait=true"),
        &json!({ "points": points }),
    )?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    Ok(())
}

fn query(
    s: &TestServer,
    name: &str,
    body: &Value,
) -> Result<(u16, Value), Box<dyn std::error::Error>> {
    let r = s.post_json(&format!("/collections/{name}/points/query"), body)?;
    Ok((r.status().as_u16(), r.json()?))
}

fn ids(points: &Value) -> Vec<u64> {
    points
        .as_array()
        .map(|list| list.iter().filter_map(|p| p["id"].as_u64()).collect())
        .unwrap_or_default()
}

/// Every point with its vectors and payload, in id order.
fn snapshot(s: &TestServer, name: &str) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
    s.all_points(name)
}

#[test]
fn each_named_vector_is_searched_on_its_own() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    create(&s, "c")?;

    // `using` picks the space; a point without that vector is never a hit of its search.
    let (status, r) = query(
        &s,
        "c",
        &json!({"query": text(42), "using": "text", "limit": 1000}),
    )?;
    assert_eq!(status, 200, "{r}");
    let hits = ids(&r["result"]["points"]);
    assert_eq!(hits.first(), Some(&42));
    assert_eq!(hits.len(), BOTH.count() + TEXT_ONLY.count());
    assert!(
        hits.iter()
            .all(|i| !IMAGE_ONLY.contains(i) && *i != NEITHER)
    );

    let (status, r) = query(
        &s,
        "c",
        &json!({"query": image(123), "using": "image", "limit": 1000, "params": {"exact": true}}),
    )?;
    assert_eq!(status, 200, "{r}");
    let hits = ids(&r["result"]["points"]);
    assert_eq!(hits.first(), Some(&123));
    assert_eq!(hits.len(), BOTH.count() + IMAGE_ONLY.count());
    assert!(hits.iter().all(|i| !TEXT_ONLY.contains(i) && *i != NEITHER));
    // The image vector has more points than its `full_scan_threshold`: through its own graph
    // (on its codes), which holds only the points carrying it.
    let (status, r) = query(
        &s,
        "c",
        &json!({"query": image(123), "using": "image", "limit": 50, "params": {"hnsw_ef": 200}}),
    )?;
    assert_eq!(status, 200, "{r}");
    let hits = ids(&r["result"]["points"]);
    assert_eq!(hits.first(), Some(&123));
    assert!(hits.iter().all(|i| !TEXT_ONLY.contains(i) && *i != NEITHER));
    assert_eq!(r["result"]["points"][0]["score"], json!(0.0));

    // The older search API names the vector inside `vector`, and a filter applies per space.
    let r: Value = s
        .post_json(
            "/collections/c/points/search",
            &json!({
                "vector": {"name": "image", "vector": image(370)},
                "limit": 3,
                "filter": {"must": [{"key": "i", "range": {"gte": 360}}]},
                "with_vector": ["image"]
            }),
        )?
        .json()?;
    assert_eq!(ids(&r["result"]).first(), Some(&370), "{r}");
    assert_eq!(r["result"][0]["vector"], json!({"image": image(370)}));

    // The image vector is quantized (it reached the training threshold), the text vector not.
    let codes = s
        .metric("plait_collection_vector_bytes{collection=\"c\",form=\"codes\"}")?
        .unwrap_or(0.0);
    assert!(codes > 0.0, "the image vector's quantizer never trained");

    // Prefetch branches search different vectors and fuse.
    let (status, r) = query(
        &s,
        "c",
        &json!({
            "prefetch": [
                {"query": text(10), "using": "text", "limit": 5},
                {"query": image(20), "using": "image", "limit": 5}
            ],
            "query": {"fusion": "rrf"},
            "limit": 10
        }),
    )?;
    assert_eq!(status, 200, "{r}");
    let hits = ids(&r["result"]["points"]);
    assert!(hits.contains(&10) && hits.contains(&20), "{hits:?}");

    // Vectors come back by name: only those a point carries, or those asked for.
    let r: Value = s
        .post_json(
            "/collections/c/points",
            &json!({"ids": [1, 310, 360, NEITHER], "with_vector": true}),
        )?
        .json()?;
    assert!(close(&r["result"][0]["vector"]["text"], &text(1)), "{r}");
    assert_eq!(r["result"][0]["vector"]["image"], json!(image(1)));
    assert!(close(&r["result"][1]["vector"]["text"], &text(310)), "{r}");
    assert!(r["result"][1]["vector"].get("image").is_none());
    assert_eq!(r["result"][2]["vector"], json!({"image": image(360)}));
    assert_eq!(r["result"][3]["vector"], json!({}));

    // The collection is described as declared, each vector with its own settings.
    let info: Value = s.get("/collections/c")?.json()?;
    let vectors = &info["result"]["config"]["params"]["vectors"];
    assert_eq!(vectors["text"]["size"], 3);
    assert_eq!(vectors["text"]["distance"], "Cosine");
    assert_eq!(vectors["text"]["hnsw_config"]["ef_construct"], 64);
    assert!(vectors["text"].get("quantization_config").is_none());
    assert_eq!(vectors["image"]["size"], 2);
    assert_eq!(vectors["image"]["hnsw_config"]["m"], 8);
    assert_eq!(vectors["image"]["hnsw_config"]["full_scan_threshold"], 100);
    assert!(vectors["image"]["quantization_config"]["scalar"].is_object());
    Ok(())
}

#[test]
fn unknown_names_wrong_sizes_and_missing_using_are_refused_naming_them() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    create(&s, "c")?;
    let cases: [(&str, &str, Value, &str); 8] = [
        (
            "PUT",
            "/collections/c/points?wait=true",
            json!({"points": [{"id": 1000, "vector": {"audio": [1.0]}}]}),
            "audio",
        ),
        (
            "PUT",
            "/collections/c/points?wait=true",
            json!({"points": [{"id": 1000, "vector": {"text": [1.0, 0.0, 0.0], "image": [1.0, 2.0, 3.0]}}]}),
            "image",
        ),
        (
            "PUT",
            "/collections/c/points?wait=true",
            json!({"points": [{"id": 1000, "vector": [1.0, 2.0]}]}),
            "is not declared",
        ),
        (
            "PUT",
            "/collections/c/points?wait=true",
            json!({"batch": {"ids": [1000], "vectors": {"audio": [[1.0]]}}}),
            "audio",
        ),
        (
            "POST",
            "/collections/c/points/query",
            json!({"query": [1.0, 0.0], "using": "audio"}),
            "audio",
        ),
        (
            "POST",
            "/collections/c/points/query",
            json!({"query": [1.0, 0.0]}),
            "using",
        ),
        (
            "POST",
            "/collections/c/points/query",
            json!({"prefetch": [{"query": [1.0, 0.0], "using": "audio"}], "query": {"fusion": "rrf"}}),
            "audio",
        ),
        (
            "POST",
            "/collections/c/points/scroll",
            json!({"with_vector": ["text", "audio"]}),
            "audio",
        ),
    ];
    for (method, path, body, named) in cases {
        let method = reqwest::Method::from_bytes(method.as_bytes())?;
        let r = s.send_raw(method.clone(), path, serde_json::to_vec(&body)?)?;
        let status = r.status();
        let text = r.text()?;
        assert_eq!(status, 400, "{method} {path} {body}: {text}");
        assert!(text.contains(named), "{method} {path} {body}: {text}");
    }
    // Nothing of a refused upsert was stored.
    let r: Value = s
        .post_json("/collections/c/points", &json!({"ids": [1000]}))?
        .json()?;
    assert_eq!(r["result"], json!([]));
    // A sparse value under a dense vector's name is refused, naming it (sparse vectors are
    // declared under `sparse_vectors`: tests/it/sparse_vectors.rs).
    let r = s.put_json(
        "/collections/c/points?wait=true",
        &json!({"points": [{"id": 1000, "vector": {"text": {"indices": [1], "values": [0.5]}}}]}),
    )?;
    assert!(r.status().is_client_error());
    let text = r.text()?;
    assert!(
        text.contains("sparse vector") && text.contains("text"),
        "{text}"
    );
    Ok(())
}

#[test]
fn named_vectors_survive_a_clean_restart_and_kill_9() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    create(&s, "c")?;
    let before = snapshot(&s, "c")?;
    assert_eq!(before.len(), usize::try_from(NEITHER + 1)?);
    let (_, searched) = query(
        &s,
        "c",
        &json!({"query": image(7), "using": "image", "limit": 5}),
    )?;

    // A clean stop writes a checkpoint (every space's vectors, presence and graph).
    s.terminate()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    assert_eq!(snapshot(&s, "c")?, before);
    let (_, again) = query(
        &s,
        "c",
        &json!({"query": image(7), "using": "image", "limit": 5}),
    )?;
    assert_eq!(
        ids(&again["result"]["points"]),
        ids(&searched["result"]["points"])
    );

    // Writes after the checkpoint live only in the WAL when the process is killed: an update
    // that drops a vector, one that adds one, a delete, and a batch by name.
    let r = s.put_json(
        "/collections/c/points?wait=true",
        &json!({"points": [
            {"id": 1, "vector": {"text": text(1)}},
            {"id": 310, "vector": {"text": text(310), "image": image(310)}},
        ]}),
    )?;
    assert_eq!(r.status(), 200);
    let r = s.put_json(
        "/collections/c/points?wait=true",
        &json!({"batch": {"ids": [500, 501], "vectors": {"image": [image(500), image(501)]}}}),
    )?;
    assert_eq!(r.status(), 200);
    let r = s.post_json(
        "/collections/c/points/delete?wait=true",
        &json!({"points": [2]}),
    )?;
    assert_eq!(r.status(), 200);
    let after_writes = snapshot(&s, "c")?;
    s.kill9()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    assert_eq!(snapshot(&s, "c")?, after_writes);
    let r: Value = s
        .post_json(
            "/collections/c/points",
            &json!({"ids": [1, 310], "with_vector": true}),
        )?
        .json()?;
    assert!(close(&r["result"][0]["vector"]["text"], &text(1)), "{r}");
    assert!(r["result"][0]["vector"].get("image").is_none(), "{r}");
    assert!(close(&r["result"][1]["vector"]["text"], &text(310)), "{r}");
    assert_eq!(r["result"][1]["vector"]["image"], json!(image(310)));
    let (_, hits) = query(
        &s,
        "c",
        &json!({"query": image(310), "using": "image", "limit": 1}),
    )?;
    assert_eq!(ids(&hits["result"]["points"]), vec![310]);
    let (_, hits) = query(
        &s,
        "c",
        &json!({"query": image(1), "using": "image", "limit": 1}),
    )?;
    assert_ne!(
        ids(&hits["result"]["points"]),
        vec![1],
        "point 1 no longer has an image"
    );
    Ok(())
}

#[test]
fn a_collection_without_vectors_holds_payloads_and_edges() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    let r = s.put_json("/collections/docs", &json!({"vectors": {}}))?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    let info: Value = s.get("/collections/docs")?.json()?;
    assert_eq!(info["result"]["config"]["params"]["vectors"], json!({}));
    let r = s.put_json(
        "/collections/docs/points?wait=true",
        &json!({"points": [
            {"id": 1, "payload": {"kind": "a"}},
            {"id": 2, "vector": {}, "payload": {"kind": "b"}},
            {"id": 3, "payload": {"kind": "a"}}
        ]}),
    )?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    let r = s.put_json(
        "/collections/docs/edges?wait=true",
        &json!({"edges": [{"source": 1, "target": 3, "label": "cites"}]}),
    )?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    let count: Value = s
        .post_json(
            "/collections/docs/points/count",
            &json!({"filter": {"must": [{"key": "kind", "match": {"value": "a"}}]}}),
        )?
        .json()?;
    assert_eq!(count["result"]["count"], 2);
    let (status, r) = query(&s, "docs", &json!({"query": [1.0, 0.0]}))?;
    assert_eq!(status, 400, "{r}");
    assert!(r.to_string().contains("no dense vectors"), "{r}");
    let vector = s.put_json(
        "/collections/docs/points?wait=true",
        &json!({"points": [{"id": 4, "vector": [1.0]}]}),
    )?;
    assert_eq!(vector.status(), 400);

    let before = snapshot(&s, "docs")?;
    assert_eq!(before.len(), 3);
    assert_eq!(before[0]["vector"], json!({}));
    s.terminate()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    assert_eq!(snapshot(&s, "docs")?, before);
    let n: Value = s
        .get("/collections/docs/points/1/neighbors?direction=out")?
        .json()?;
    assert_eq!(n["result"][0]["node"], 3, "{n}");
    Ok(())
}

#[test]
fn a_snapshot_carries_every_named_vector_and_its_graph() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    create(&s, "c")?;
    let original = snapshot(&s, "c")?;
    let r = s
        .client
        .post(s.url("/collections/c/snapshots?wait=true"))
        .send()?;
    assert_eq!(r.status(), 200);
    let taken: Value = r.json()?;
    let name = taken["result"]["name"].as_str().ok_or("snapshot name")?;
    let archive = dir.path().join("snapshots").join("c").join(name);
    // Each vector's graph travels with the points, and the quantized one's codes (`image` is
    // the first space: names are declared in sorted order, as JSON objects are read).
    let listing = std::process::Command::new("tar")
        .arg("-tf")
        .arg(&archive)
        .output()?;
    let listing = String::from_utf8(listing.stdout)?;
    assert!(
        listing.contains("graph.plait")
            && listing.contains("graph.1.plait")
            && listing.contains("quant.plait"),
        "{listing}"
    );
    let r = s.put_json(
        "/collections/copy/snapshots/recover",
        &json!({"location": format!("file://{}", archive.display())}),
    )?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    assert_eq!(snapshot(&s, "copy")?, original);
    let (status, r) = query(
        &s,
        "copy",
        &json!({"query": image(200), "using": "image", "limit": 1}),
    )?;
    assert_eq!(status, 200, "{r}");
    assert_eq!(ids(&r["result"]["points"]), vec![200]);
    Ok(())
}
