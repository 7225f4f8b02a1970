//! `with_payload` selects keys, and dotted paths select nested values keeping their nesting, as in
//! Qdrant; `exclude` removes them the same way.

use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

#[test]
fn dotted_paths_select_and_exclude_nested_values() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.create_collection("p", 2, "Dot")?;
    let payload = json!({"nested": {"x": 1, "y": {"z": 2, "w": 3}}, "top": "t", "n": 5});
    let r = s.put_json(
        "/collections/p/points?wait=true",
        &json!({"points": [{"id": 1, "vector": [1.0, 0.0], "payload": payload}]}),
    )?;
    assert_eq!(r.status(), 200);
    let read = |with_payload: Value| -> Result<Value, Box<dyn std::error::Error>> {
        let v: Value = s
            .post_json(
                "/collections/p/points",
                &json!({"ids": [1], "with_payload": with_payload}),
            )?
            .json()?;
        Ok(v["result"][0]["payload"].clone())
    };
    assert_eq!(read(json!(["nested.x"]))?, json!({"nested": {"x": 1}}));
    assert_eq!(
        read(json!(["nested.y.z", "top", "missing.path"]))?,
        json!({"nested": {"y": {"z": 2}}, "top": "t"})
    );
    assert_eq!(
        read(json!({"include": ["nested.y"]}))?,
        json!({"nested": {"y": {"z": 2, "w": 3}}})
    );
    assert_eq!(
        read(json!({"exclude": ["nested.y.z", "n"]}))?,
        json!({"nested": {"x": 1, "y": {"w": 3}}, "top": "t"})
    );
    // The same selection applies to search hits.
    let hits: Value = s
        .post_json(
            "/collections/p/points/query",
            &json!({"query": [1.0, 0.0], "with_payload": ["nested.x"]}),
        )?
        .json()?;
    assert_eq!(
        hits["result"]["points"][0]["payload"],
        json!({"nested": {"x": 1}})
    );
    Ok(())
}
