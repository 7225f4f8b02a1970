//! The vector name `""`: clients that name the unnamed vector (LangChain, LlamaIndex) use it on
//! create, upsert, query, search and `with_vector`, and see the collection described as they
//! created it. A name the collection does not declare is a 400 that names it, never ignored
//! (named vectors themselves are tested in `named_vectors`).

use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

fn ids(result: &Value) -> Vec<Value> {
    result
        .as_array()
        .map(|hits| hits.iter().map(|h| h["id"].clone()).collect())
        .unwrap_or_default()
}

#[test]
fn the_empty_name_is_the_unnamed_vector_everywhere() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    let r = s.put_json(
        "/collections/named",
        &json!({"vectors": {"": {"size": 2, "distance": "Euclid"}}, "sparse_vectors": {}}),
    )?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    let described: Value = s.get("/collections/named")?.json()?;
    assert_eq!(
        described["result"]["config"]["params"]["vectors"],
        json!({"": {"size": 2, "distance": "Euclid"}})
    );

    let r = s.put_json(
        "/collections/named/points?wait=true",
        &json!({"points": [
            {"id": 1, "vector": {"": [0.0, 0.0]}},
            {"id": 2, "vector": [1.0, 0.0]}
        ]}),
    )?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    let r = s.put_json(
        "/collections/named/points?wait=true",
        &json!({"batch": {"ids": [3, 4], "vectors": {"": [[2.0, 0.0], [3.0, 0.0]]}}}),
    )?;
    assert_eq!(r.status(), 200, "{}", r.text()?);

    let r: Value = s
        .post_json(
            "/collections/named/points/query",
            &json!({"query": [2.9, 0.0], "using": "", "limit": 2, "with_vector": [""]}),
        )?
        .json()?;
    assert_eq!(ids(&r["result"]["points"]), vec![json!(4), json!(3)]);
    assert_eq!(r["result"]["points"][0]["vector"], json!([3.0, 0.0]));

    let r: Value = s
        .post_json(
            "/collections/named/points/search",
            &json!({"vector": {"name": "", "vector": [0.9, 0.0]}, "limit": 1, "with_vector": []}),
        )?
        .json()?;
    assert_eq!(ids(&r["result"]), vec![json!(2)]);
    assert!(r["result"][0].get("vector").is_none(), "{r}");

    let r: Value = s
        .post_json(
            "/collections/named/points",
            &json!({"ids": [1], "with_vector": [""]}),
        )?
        .json()?;
    assert_eq!(r["result"][0]["vector"], json!([0.0, 0.0]));

    // The form is stored with the collection: a restart describes it the same way.
    s.terminate()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    let described: Value = s.get("/collections/named")?.json()?;
    assert_eq!(
        described["result"]["config"]["params"]["vectors"],
        json!({"": {"size": 2, "distance": "Euclid"}})
    );
    s.create_collection("plain", 2, "Dot")?;
    let described: Value = s.get("/collections/plain")?.json()?;
    assert_eq!(
        described["result"]["config"]["params"]["vectors"],
        json!({"size": 2, "distance": "Dot"})
    );
    Ok(())
}

#[test]
fn unknown_vector_names_are_refused_naming_them() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    s.create_collection("c", 2, "Dot")?;
    s.upsert_rows("c", &[vec![1.0, 0.0]], 1)?;
    let refused: [(&str, &str, Value); 9] = [
        (
            "PUT",
            "/collections/other",
            json!({"vectors": {"size": 2, "distance": "Dot"}, "sparse_vectors": {"text": {"index": {"datatype": "uint8"}}}}),
        ),
        (
            "PUT",
            "/collections/c/points",
            json!({"points": [{"id": 2, "vector": {"image": [1.0, 0.0]}}]}),
        ),
        (
            "PUT",
            "/collections/c/points",
            json!({"batch": {"ids": [2], "vectors": {"image": [[1.0, 0.0]]}}}),
        ),
        (
            "POST",
            "/collections/c/points/query",
            json!({"query": [1.0, 0.0], "using": "image"}),
        ),
        (
            "POST",
            "/collections/c/points/search",
            json!({"vector": {"name": "image", "vector": [1.0, 0.0]}, "limit": 1}),
        ),
        (
            "POST",
            "/collections/c/points/query",
            json!({"query": [1.0, 0.0], "with_vector": ["image"]}),
        ),
        (
            "POST",
            "/collections/c/points",
            json!({"ids": [1], "with_vector": ["", "image"]}),
        ),
        (
            "POST",
            "/collections/c/points/scroll",
            json!({"with_vector": ["image"]}),
        ),
        (
            "POST",
            "/collections/c/points/search/batch",
            json!({"searches": [{"vector": {"name": "image", "vector": [1.0, 0.0]}, "limit": 1}]}),
        ),
    ];
    for (method, path, body) in refused {
        let method = reqwest::Method::from_bytes(method.as_bytes())?;
        let r = s.send_raw(method.clone(), path, serde_json::to_vec(&body)?)?;
        let status = r.status();
        let text = r.text()?;
        // 400 for a name the collection does not declare (as Qdrant answers an unknown vector
        // name), 422 for a sparse vector setting Plait does not support.
        let (wanted_status, wanted) = if body.get("sparse_vectors").is_some() {
            (422, "sparse_vectors.text.index.datatype")
        } else {
            (400, "image")
        };
        assert_eq!(status, wanted_status, "{method} {path} {body}: {text}");
        assert!(text.contains(wanted), "{method} {path} {body}: {text}");
    }
    assert_eq!(s.get("/collections/other")?.status(), 404);
    let count: Value = s
        .post_json("/collections/c/points/count", &json!({}))?
        .json()?;
    assert_eq!(
        count["result"]["count"], 1,
        "a refused upsert stored nothing"
    );
    Ok(())
}
