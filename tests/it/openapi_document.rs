//! The committed OpenAPI document is one clients can use: it is valid (checked by
//! `openapi-spec-validator`), a client generated from it works against the real server
//! (`openapi-python-client`), it lists exactly the routes the server serves, and it declares every
//! status an operation answers. The Python tools come from PyPI, pinned in
//! `tests/openapi/requirements.txt`, installed once into `.venv-openapi` by `tests/openapi/run.sh`.

use std::collections::BTreeSet;
use std::process::Command;

use reqwest::Method;
use serde_json::Value;

use crate::server::{TestResult, TestServer};

/// Methods an operation can have in this API; any other is a 405 everywhere.
const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

pub fn committed_document() -> Result<Value, Box<dyn std::error::Error>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    Ok(serde_json::from_str(&std::fs::read_to_string(path)?)?)
}

/// Every `(method, path template)` the document lists, methods in lower case.
pub fn operations(doc: &Value) -> Result<BTreeSet<(String, String)>, Box<dyn std::error::Error>> {
    let paths = doc["paths"].as_object().ok_or("document has no paths")?;
    let mut out = BTreeSet::new();
    for (path, item) in paths {
        for method in METHODS {
            if item.get(method).is_some() {
                out.insert((method.to_owned(), path.clone()));
            }
        }
    }
    Ok(out)
}

/// The statuses the document declares for an operation.
pub fn declared(doc: &Value, method: &str, path: &str) -> BTreeSet<String> {
    doc["paths"][path][method.to_lowercase()]["responses"]
        .as_object()
        .map(|r| r.keys().cloned().collect())
        .unwrap_or_default()
}

/// A concrete path for a template, with every parameter filled in.
fn concrete(template: &str, name: &str) -> String {
    template.replace("{name}", name).replace("{id}", "1")
}

fn run_script(mode: &str, url: Option<&str>) -> TestResult {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut cmd = Command::new("bash");
    cmd.arg(format!("{root}/tests/openapi/run.sh")).arg(mode);
    if let Some(url) = url {
        cmd.env("PLAIT_URL", url);
    }
    let out = cmd.output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "run.sh {mode} failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    Ok(())
}

#[test]
fn committed_document_passes_the_spec_validator() -> TestResult {
    run_script("validate", None)
}

#[test]
fn every_operation_id_is_unique() -> TestResult {
    let doc = committed_document()?;
    let mut seen = BTreeSet::new();
    for (method, path) in operations(&doc)? {
        let id = doc["paths"][&path][&method]["operationId"]
            .as_str()
            .ok_or_else(|| format!("{method} {path} has no operationId"))?;
        assert!(
            seen.insert(id.to_owned()),
            "operationId {id:?} of {method} {path} is used twice"
        );
    }
    Ok(())
}

#[test]
fn generated_python_client_runs_a_scenario() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    run_script("client", Some(&s.base))
}

/// The router is built only from `routes!` registrations, which put each route in the document;
/// a bare `.route(...)` would serve a route the document does not list.
#[test]
fn routes_are_registered_only_through_the_documented_table() -> TestResult {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![src];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path)?;
                // Unit-test modules (at the end of a file) may build throwaway routers.
                let code: Vec<&str> = text
                    .lines()
                    .take_while(|l| l.trim() != "mod tests {")
                    .filter(|l| !l.trim_start().starts_with("//"))
                    .collect();
                for call in [".route(", ".route_service(", ".nest(", ".nest_service("] {
                    assert!(
                        !code.iter().any(|l| l.contains(call)),
                        "{} calls {call}: register routes with `.routes(routes!(handler))` in \
                         src/api/mod.rs so the OpenAPI document lists them",
                        path.display()
                    );
                }
            }
        }
    }
    let own_paths: Vec<String> = <plait::api::openapi::ApiDoc as utoipa::OpenApi>::openapi()
        .paths
        .paths
        .into_keys()
        .collect();
    assert!(
        own_paths.is_empty(),
        "ApiDoc lists paths itself ({own_paths:?}); paths come from the route table only"
    );
    Ok(())
}

/// Every documented operation is served (not 405, not the unknown-route 404) and every other
/// method on a documented path is refused with 405.
#[test]
fn documented_operations_are_exactly_the_served_ones() -> TestResult {
    let doc = committed_document()?;
    let documented = operations(&doc)?;
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    let templates: BTreeSet<&String> = documented.iter().map(|(_, p)| p).collect();
    assert!(
        templates.len() > 10,
        "suspiciously few paths: {templates:?}"
    );
    for template in templates {
        // A collection that does not exist: every probe is answered without changing anything.
        let path = concrete(template, "probe_missing");
        for method in METHODS {
            let r = s
                .client
                .request(
                    Method::from_bytes(method.to_uppercase().as_bytes())?,
                    s.url(&path),
                )
                .header("content-type", "application/json")
                .body("{}")
                .send()?;
            let status = r.status().as_u16();
            let text = r.text()?;
            if documented.contains(&(method.to_owned(), template.clone())) {
                assert!(
                    status != 405 && !(status == 404 && text.contains("no such route")),
                    "{method} {template} is documented but not served: {status} {text}"
                );
            } else {
                assert_eq!(
                    status, 405,
                    "{method} {template} is served but not documented: {status} {text}"
                );
            }
        }
    }
    Ok(())
}

/// A body the document marks required is refused when absent, and one it marks optional is not:
/// a generated client sends exactly what the document says.
#[test]
fn request_bodies_are_required_exactly_when_the_document_says_so() -> TestResult {
    let doc = committed_document()?;
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    s.create_collection("c", 2, "Dot")?;
    let mut failures = Vec::new();
    for (method, template) in operations(&doc)? {
        let Some(body) = doc["paths"][&template][&method].get("requestBody") else {
            continue;
        };
        let required = body["required"].as_bool().unwrap_or(false);
        let path = concrete(&template, "c");
        let r = s
            .client
            .request(
                Method::from_bytes(method.to_uppercase().as_bytes())?,
                s.url(&path),
            )
            .send()?;
        let status = r.status();
        if required == status.is_success() {
            failures.push(format!(
                "{method} {template}: body required {required}, but no body got {status}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    Ok(())
}
