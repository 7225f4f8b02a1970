//! The committed `openapi/openapi.json` must equal the document the server generates.
//! Regenerate with `cargo run -- openapi > openapi/openapi.json`.

#[test]
fn committed_openapi_document_matches_the_generated_one() -> Result<(), Box<dyn std::error::Error>>
{
    let generated = plait::api::openapi::document_json();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is stale; regenerate it with `cargo run -- openapi > openapi/openapi.json`"
    );
    let doc: serde_json::Value = serde_json::from_str(&generated)?;
    assert!(
        doc["openapi"]
            .as_str()
            .unwrap_or_default()
            .starts_with("3.1")
    );
    for path in [
        "/collections/{name}",
        "/collections/{name}/points",
        "/collections/{name}/points/query",
        "/readyz",
        "/metrics",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from the document"
        );
    }
    Ok(())
}
