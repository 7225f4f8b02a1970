//! `points/search/batch` and `points/query/batch`: several searches in one request, Qdrant's
//! shapes, each answer equal to the single search's, with a bounded batch size.

use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

fn ok_result(r: reqwest::blocking::Response) -> Result<Value, Box<dyn std::error::Error>> {
    let status = r.status();
    let body: Value = r.json()?;
    assert_eq!(status, 200, "{body}");
    Ok(body["result"].clone())
}

#[test]
fn batches_answer_each_search_as_the_single_endpoints_do() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    s.create_collection("b", 2, "Euclid")?;
    let rows: Vec<Vec<f32>> = (0..20u8).map(|i| vec![f32::from(i), 0.0]).collect();
    s.upsert_rows("b", &rows, 1)?;

    let searches = [
        json!({"vector": [3.2, 0.0], "limit": 3, "with_payload": true}),
        json!({"vector": [17.9, 0.0], "limit": 2, "offset": 1, "with_vector": true}),
    ];
    let batch = ok_result(s.post_json(
        "/collections/b/points/search/batch",
        &json!({"searches": searches}),
    )?)?;
    let batch = batch.as_array().ok_or("a list")?;
    assert_eq!(batch.len(), 2);
    for (one, from_batch) in searches.iter().zip(batch) {
        let single = ok_result(s.post_json("/collections/b/points/search", one)?)?;
        assert_eq!(&single, from_batch);
    }

    let queries = [
        json!({"query": [3.2, 0.0], "limit": 3}),
        json!({"query": {"nearest": [9.0, 0.0]}, "using": "", "limit": 1}),
    ];
    let batch = ok_result(s.post_json(
        "/collections/b/points/query/batch",
        &json!({"searches": queries}),
    )?)?;
    let batch = batch.as_array().ok_or("a list")?;
    assert_eq!(batch.len(), 2);
    for (one, from_batch) in queries.iter().zip(batch) {
        let single = ok_result(s.post_json("/collections/b/points/query", one)?)?;
        assert_eq!(&single, from_batch);
    }
    assert_eq!(batch[1]["points"][0]["id"], 10);

    for path in ["search", "query"] {
        let empty = ok_result(s.post_json(
            &format!("/collections/b/points/{path}/batch"),
            &json!({"searches": []}),
        )?)?;
        assert_eq!(empty, json!([]));
    }
    Ok(())
}

#[test]
fn a_batch_is_bounded_and_a_bad_search_is_named() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    s.create_collection("b", 2, "Dot")?;
    s.upsert_rows("b", &[vec![1.0, 0.0]], 1)?;

    let search = json!({"vector": [1.0, 0.0], "limit": 1});
    let query = json!({"query": [1.0, 0.0], "limit": 1});
    for (path, one) in [("search", &search), ("query", &query)] {
        let url = format!("/collections/b/points/{path}/batch");
        let full = ok_result(s.post_json(&url, &json!({"searches": vec![one; 256]}))?)?;
        assert_eq!(full.as_array().map(Vec::len), Some(256));
        let r = s.post_json(&url, &json!({"searches": vec![one; 257]}))?;
        assert_eq!(r.status(), 422);
        assert!(r.text()?.contains("at most 256"));

        // A wrong dimension in the second search: the whole batch is refused, naming it.
        let mut wrong = one.clone();
        let key = if path == "search" { "vector" } else { "query" };
        wrong[key] = json!([1.0, 0.0, 0.0]);
        let r = s.post_json(&url, &json!({"searches": [one, wrong]}))?;
        let status = r.status();
        let text = r.text()?;
        assert!(status.is_client_error(), "{status}: {text}");
        assert!(text.contains("searches[1]"), "{text}");

        let r = s.post_json(
            &format!("/collections/missing/points/{path}/batch"),
            &json!({"searches": [one]}),
        )?;
        assert_eq!(r.status(), 404);
    }
    Ok(())
}
