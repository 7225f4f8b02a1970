//! `PUT /collections/{name}/index` and `DELETE /collections/{name}/index/{field}`: Plait builds
//! no payload indexes yet. The request is answered 200 with nothing built (so LlamaIndex, which
//! creates a `doc_id` index on its first write, keeps working), says so in a `Warning` header, and
//! the collection's `payload_schema` stays empty.

use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

#[test]
fn a_payload_index_request_builds_nothing_and_says_so() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    s.create_collection("c", 2, "Dot")?;

    let r = s.put_json(
        "/collections/c/index?wait=true",
        &json!({"field_name": "doc_id", "field_schema": "keyword"}),
    )?;
    assert_eq!(r.status(), 200);
    let warning = r
        .headers()
        .get("warning")
        .ok_or("no Warning header")?
        .to_str()?
        .to_owned();
    assert!(
        warning.contains("payload indexes are not supported yet"),
        "{warning}"
    );
    let body: Value = r.json()?;
    assert_eq!(
        body["result"],
        json!({"operation_id": null, "status": "completed"})
    );

    let described: Value = s.get("/collections/c")?.json()?;
    assert_eq!(described["result"]["payload_schema"], json!({}));

    let r = s
        .client
        .delete(s.url("/collections/c/index/doc_id"))
        .send()?;
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("warning").is_some());

    let r = s.put_json(
        "/collections/missing/index",
        &json!({"field_name": "doc_id"}),
    )?;
    assert_eq!(r.status(), 404);
    let r = s
        .client
        .delete(s.url("/collections/missing/index/doc_id"))
        .send()?;
    assert_eq!(r.status(), 404);
    let r = s.put_json("/collections/c/index", &json!({"field_name": ""}))?;
    assert_eq!(r.status(), 422);
    // A body without `field_name` is of the wrong shape: 400, as Qdrant answers it.
    let r = s.put_json("/collections/c/index", &json!({"field_schema": "keyword"}))?;
    assert_eq!(r.status(), 400);
    Ok(())
}
