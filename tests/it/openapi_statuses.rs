//! Every status the server answers is declared for its operation in the committed OpenAPI
//! document, so generated clients parse error answers instead of failing on an unexpected status.
//! Each case provokes one status and checks both the answer and the declaration; adding an answer
//! to a route means adding a case here and a `responses(...)` entry on its handler.

use reqwest::Method;

use crate::openapi_document::{committed_document, declared, operations};
use crate::server::{TestResult, TestServer};

/// How a case sends its body.
#[derive(Clone, Copy)]
enum Body {
    None,
    /// With `content-type: application/json`.
    Json(&'static str),
    /// Without a content type.
    Untyped(&'static str),
}

/// One request and the status it must get: (method, path template, path, body, status).
type Case = (&'static str, &'static str, &'static str, Body, u16);

const C: &str = "/collections/{name}";
const POINTS: &str = "/collections/{name}/points";
const POINT: &str = "/collections/{name}/points/{id}";
const DELETE: &str = "/collections/{name}/points/delete";
const COUNT: &str = "/collections/{name}/points/count";
const SCROLL: &str = "/collections/{name}/points/scroll";
const QUERY: &str = "/collections/{name}/points/query";
const SEARCH: &str = "/collections/{name}/points/search";
const QUERY_BATCH: &str = "/collections/{name}/points/query/batch";
const SEARCH_BATCH: &str = "/collections/{name}/points/search/batch";
const QUERY_GROUPS: &str = "/collections/{name}/points/query/groups";
const SEARCH_GROUPS: &str = "/collections/{name}/points/search/groups";
const INDEX: &str = "/collections/{name}/index";
const INDEX_FIELD: &str = "/collections/{name}/index/{field_name}";
const PAYLOAD: &str = "/collections/{name}/points/payload";
const PAYLOAD_DELETE: &str = "/collections/{name}/points/payload/delete";
const PAYLOAD_CLEAR: &str = "/collections/{name}/points/payload/clear";
const FACET: &str = "/collections/{name}/facet";
const ALIASES: &str = "/collections/aliases";
const C_ALIASES: &str = "/collections/{name}/aliases";
const SNAPSHOTS: &str = "/collections/{name}/snapshots";
const SNAPSHOT: &str = "/collections/{name}/snapshots/{snapshot}";
const RECOVER: &str = "/collections/{name}/snapshots/recover";
const UPLOAD: &str = "/collections/{name}/snapshots/upload";
const FULL_SNAPSHOT: &str = "/snapshots/{snapshot}";
const EDGES: &str = "/collections/{name}/edges";
const EDGE: &str = "/collections/{name}/edges/{id}";
const EDGES_DELETE: &str = "/collections/{name}/edges/delete";
const NEIGHBORS: &str = "/collections/{name}/points/{id}/neighbors";
const TRAVERSE: &str = "/collections/{name}/graph/traverse";
const SHORTEST: &str = "/collections/{name}/graph/shortest_path";

/// In order: later cases rely on the collection `c` and point 1 the earlier ones create.
#[rustfmt::skip]
const CASES: &[Case] = &[
    ("GET", "/", "/", Body::None, 200),
    ("GET", "/livez", "/livez", Body::None, 200),
    ("GET", "/healthz", "/healthz", Body::None, 200),
    ("GET", "/readyz", "/readyz", Body::None, 200),
    ("GET", "/metrics", "/metrics", Body::None, 200),
    ("GET", "/openapi.json", "/openapi.json", Body::None, 200),
    ("GET", "/docs", "/docs", Body::None, 200),
    ("GET", "/collections", "/collections", Body::None, 200),
    ("PUT", C, "/collections/c", Body::Json(r#"{"vectors": {"size": 2, "distance": "Dot"}}"#), 200),
    ("PUT", C, "/collections/c", Body::Json(r#"{"vectors": {"size": 2, "distance": "Dot"}}"#), 409),
    ("PUT", C, "/collections/d", Body::Json("{"), 400),
    ("PUT", C, "/collections/d", Body::Untyped(r#"{"vectors": {"size": 2, "distance": "Dot"}}"#), 415),
    ("PUT", C, "/collections/d", Body::Json(r#"{"vectors": {"size": 0, "distance": "Dot"}}"#), 422),
    ("PUT", C, "/collections/-d", Body::Json(r#"{"vectors": {"size": 2, "distance": "Dot"}}"#), 422),
    ("PUT", C, "/collections/%FF", Body::Json(r#"{"vectors": {"size": 2, "distance": "Dot"}}"#), 400),
    ("GET", "/collections/{name}/exists", "/collections/c/exists", Body::None, 200),
    ("GET", "/collections/{name}/exists", "/collections/%FF/exists", Body::None, 400),
    ("GET", C, "/collections/c", Body::None, 200),
    ("GET", C, "/collections/missing", Body::None, 404),
    ("GET", C, "/collections/%FF", Body::None, 400),
    ("PUT", POINTS, "/collections/c/points", Body::Json(r#"{"points": [{"id": 1, "vector": [1, 0]}]}"#), 200),
    ("PUT", POINTS, "/collections/c/points", Body::Json("{"), 400),
    ("PUT", POINTS, "/collections/c/points?wait=maybe", Body::Json(r#"{"points": []}"#), 400),
    ("PUT", POINTS, "/collections/c/points", Body::Untyped(r#"{"points": []}"#), 415),
    ("PUT", POINTS, "/collections/c/points", Body::Json(r#"{"points": [{"id": 2, "vector": [1, 0, 0]}]}"#), 400),
    ("PUT", POINTS, "/collections/c/points", Body::Json(r#"{"points": [{"id": 2, "vector": {"image": [1, 0]}}]}"#), 400),
    ("PUT", POINTS, "/collections/c/points", Body::Json(r#"{"points": [{"id": 2}]}"#), 400),
    ("PUT", POINTS, "/collections/missing/points", Body::Json(r#"{"points": []}"#), 404),
    ("POST", POINTS, "/collections/c/points", Body::Json(r#"{"ids": [1]}"#), 200),
    ("POST", POINTS, "/collections/c/points", Body::Json("{"), 400),
    ("POST", POINTS, "/collections/c/points", Body::Untyped(r#"{"ids": [1]}"#), 415),
    ("POST", POINTS, "/collections/c/points", Body::Json(r#"{"ids": "1"}"#), 400),
    ("POST", POINTS, "/collections/missing/points", Body::Json(r#"{"ids": [1]}"#), 404),
    ("GET", POINT, "/collections/c/points/1", Body::None, 200),
    ("GET", POINT, "/collections/c/points/x", Body::None, 400),
    ("GET", POINT, "/collections/c/points/2", Body::None, 404),
    ("PUT", EDGES, "/collections/c/edges", Body::Json(r#"{"edges": [{"source": 1, "target": 1, "label": "self"}]}"#), 200),
    ("PUT", EDGES, "/collections/c/edges", Body::Json("{"), 400),
    ("PUT", EDGES, "/collections/c/edges", Body::Untyped(r#"{"edges": []}"#), 415),
    ("PUT", EDGES, "/collections/c/edges", Body::Json(r#"{"edges": [{"source": 1, "target": 2, "label": "a"}]}"#), 404),
    ("PUT", EDGES, "/collections/c/edges", Body::Json(r#"{"edges": [{"source": 1, "target": 1, "label": ""}]}"#), 422),
    ("PUT", EDGES, "/collections/missing/edges", Body::Json(r#"{"edges": []}"#), 404),
    ("GET", EDGE, "/collections/c/edges/0", Body::None, 200),
    ("GET", EDGE, "/collections/c/edges/x", Body::None, 400),
    ("GET", EDGE, "/collections/c/edges/9", Body::None, 404),
    ("GET", NEIGHBORS, "/collections/c/points/1/neighbors?direction=both", Body::None, 200),
    ("GET", NEIGHBORS, "/collections/c/points/x/neighbors", Body::None, 400),
    ("GET", NEIGHBORS, "/collections/c/points/2/neighbors", Body::None, 404),
    ("GET", NEIGHBORS, "/collections/c/points/1/neighbors?limit=0", Body::None, 422),
    ("POST", TRAVERSE, "/collections/c/graph/traverse", Body::Json(r#"{"from": 1, "max_depth": 32}"#), 200),
    ("POST", TRAVERSE, "/collections/c/graph/traverse", Body::Json("{"), 400),
    ("POST", TRAVERSE, "/collections/c/graph/traverse", Body::Untyped(r#"{"from": 1}"#), 415),
    ("POST", TRAVERSE, "/collections/c/graph/traverse", Body::Json(r#"{"from": 2}"#), 404),
    ("POST", TRAVERSE, "/collections/c/graph/traverse", Body::Json(r#"{"from": 1, "max_depth": 33}"#), 422),
    ("POST", SHORTEST, "/collections/c/graph/shortest_path", Body::Json(r#"{"from": 1, "to": 1}"#), 200),
    ("POST", SHORTEST, "/collections/c/graph/shortest_path", Body::Json("{"), 400),
    ("POST", SHORTEST, "/collections/c/graph/shortest_path", Body::Untyped(r#"{"from": 1, "to": 1}"#), 415),
    ("POST", SHORTEST, "/collections/c/graph/shortest_path", Body::Json(r#"{"from": 1, "to": 2}"#), 404),
    ("POST", SHORTEST, "/collections/c/graph/shortest_path", Body::Json(r#"{"from": 1, "to": 1, "labels": [""]}"#), 422),
    ("POST", EDGES_DELETE, "/collections/c/edges/delete", Body::Json(r#"{"ids": [0]}"#), 200),
    ("POST", EDGES_DELETE, "/collections/c/edges/delete", Body::Json("{"), 400),
    ("POST", EDGES_DELETE, "/collections/c/edges/delete", Body::Untyped(r#"{"ids": [0]}"#), 415),
    ("POST", EDGES_DELETE, "/collections/missing/edges/delete", Body::Json(r#"{"ids": [0]}"#), 404),
    ("POST", COUNT, "/collections/c/points/count", Body::Json("{}"), 200),
    ("POST", COUNT, "/collections/c/points/count", Body::Json("null"), 200),
    ("POST", COUNT, "/collections/c/points/count", Body::Json("{"), 400),
    ("POST", COUNT, "/collections/c/points/count", Body::Json(r#"{"filter": {"must": [{"key": "a", "match": {"value": 1}}]}}"#), 200),
    ("POST", COUNT, "/collections/c/points/count", Body::Json(r#"{"filter": {"must": [{"key": "a", "range": {"gte": "cheap"}}]}}"#), 400),
    ("POST", COUNT, "/collections/c/points/count", Body::Json(r#"{"filter": {"must": [{"has_vector": "image"}]}}"#), 422),
    ("POST", COUNT, "/collections/missing/points/count", Body::Json("{}"), 404),
    ("POST", SCROLL, "/collections/c/points/scroll", Body::Json("{}"), 200),
    ("POST", SCROLL, "/collections/c/points/scroll", Body::Json("null"), 200),
    ("POST", SCROLL, "/collections/c/points/scroll", Body::Json("{"), 400),
    ("POST", SCROLL, "/collections/c/points/scroll", Body::Json(r#"{"with_vector": ["image"]}"#), 400),
    ("POST", SCROLL, "/collections/c/points/scroll", Body::Json(r#"{"filter": {"must": [{"key": "at", "geo_radius": {}}]}}"#), 422),
    ("POST", SCROLL, "/collections/missing/points/scroll", Body::Json("{}"), 404),
    ("POST", QUERY, "/collections/c/points/query", Body::Json(r#"{"query": [1, 0]}"#), 200),
    ("POST", QUERY, "/collections/c/points/query", Body::Json("{"), 400),
    ("POST", QUERY, "/collections/c/points/query", Body::Untyped(r#"{"query": [1, 0]}"#), 415),
    ("POST", QUERY, "/collections/c/points/query", Body::Json(r#"{"query": [1, 0, 0]}"#), 400),
    ("POST", QUERY, "/collections/c/points/query", Body::Json(r#"{"query": [1, 0], "using": "image"}"#), 400),
    ("POST", QUERY, "/collections/missing/points/query", Body::Json(r#"{"query": [1, 0]}"#), 404),
    ("POST", SEARCH, "/collections/c/points/search", Body::Json(r#"{"vector": [1, 0], "limit": 1}"#), 200),
    ("POST", SEARCH, "/collections/c/points/search", Body::Json("{"), 400),
    ("POST", SEARCH, "/collections/c/points/search", Body::Untyped(r#"{"vector": [1, 0], "limit": 1}"#), 415),
    ("POST", SEARCH, "/collections/c/points/search", Body::Json(r#"{"vector": [1, 0]}"#), 400),
    ("POST", SEARCH, "/collections/missing/points/search", Body::Json(r#"{"vector": [1, 0], "limit": 1}"#), 404),
    ("POST", PAYLOAD, "/collections/c/points/payload", Body::Json(r#"{"payload": {"a": 1}, "points": [1]}"#), 200),
    ("POST", PAYLOAD, "/collections/c/points/payload", Body::Json("{"), 400),
    ("POST", PAYLOAD, "/collections/c/points/payload", Body::Untyped(r#"{"payload": {"a": 1}, "points": [1]}"#), 415),
    ("POST", PAYLOAD, "/collections/c/points/payload", Body::Json(r#"{"payload": {"a": 1}}"#), 422),
    ("POST", PAYLOAD, "/collections/missing/points/payload", Body::Json(r#"{"payload": {"a": 1}, "points": [1]}"#), 404),
    ("PUT", PAYLOAD, "/collections/c/points/payload", Body::Json(r#"{"payload": {"b": 1}, "points": [1]}"#), 200),
    ("PUT", PAYLOAD, "/collections/c/points/payload", Body::Json("{"), 400),
    ("PUT", PAYLOAD, "/collections/c/points/payload", Body::Untyped(r#"{"payload": {"b": 1}, "points": [1]}"#), 415),
    ("PUT", PAYLOAD, "/collections/c/points/payload", Body::Json(r#"{"payload": {"b": 1}, "points": [1], "key": "x"}"#), 422),
    ("PUT", PAYLOAD, "/collections/missing/points/payload", Body::Json(r#"{"payload": {"b": 1}, "points": [1]}"#), 404),
    ("POST", PAYLOAD_DELETE, "/collections/c/points/payload/delete", Body::Json(r#"{"keys": ["b"], "points": [1]}"#), 200),
    ("POST", PAYLOAD_DELETE, "/collections/c/points/payload/delete", Body::Json("{"), 400),
    ("POST", PAYLOAD_DELETE, "/collections/c/points/payload/delete", Body::Untyped(r#"{"keys": ["b"], "points": [1]}"#), 415),
    ("POST", PAYLOAD_DELETE, "/collections/c/points/payload/delete", Body::Json(r#"{"keys": ["b"], "filter": {}, "points": [1]}"#), 422),
    ("POST", PAYLOAD_DELETE, "/collections/missing/points/payload/delete", Body::Json(r#"{"keys": ["b"], "points": [1]}"#), 404),
    ("POST", PAYLOAD_CLEAR, "/collections/c/points/payload/clear", Body::Json(r#"{"points": [1]}"#), 200),
    ("POST", PAYLOAD_CLEAR, "/collections/c/points/payload/clear", Body::Json("{"), 400),
    ("POST", PAYLOAD_CLEAR, "/collections/c/points/payload/clear", Body::Untyped(r#"{"points": [1]}"#), 415),
    ("POST", PAYLOAD_CLEAR, "/collections/c/points/payload/clear", Body::Json("{}"), 422),
    ("POST", PAYLOAD_CLEAR, "/collections/missing/points/payload/clear", Body::Json(r#"{"points": [1]}"#), 404),
    ("POST", QUERY_BATCH, "/collections/c/points/query/batch", Body::Json(r#"{"searches": [{"query": [1, 0]}]}"#), 200),
    ("POST", QUERY_BATCH, "/collections/c/points/query/batch", Body::Json("{"), 400),
    ("POST", QUERY_BATCH, "/collections/c/points/query/batch", Body::Untyped(r#"{"searches": []}"#), 415),
    ("POST", QUERY_BATCH, "/collections/c/points/query/batch", Body::Json(r#"{"searches": [{"query": [1, 0, 0]}]}"#), 400),
    ("POST", QUERY_BATCH, "/collections/missing/points/query/batch", Body::Json(r#"{"searches": [{"query": [1, 0]}]}"#), 404),
    ("POST", SEARCH_BATCH, "/collections/c/points/search/batch", Body::Json(r#"{"searches": [{"vector": [1, 0], "limit": 1}]}"#), 200),
    ("POST", SEARCH_BATCH, "/collections/c/points/search/batch", Body::Json("{"), 400),
    ("POST", SEARCH_BATCH, "/collections/c/points/search/batch", Body::Untyped(r#"{"searches": []}"#), 415),
    ("POST", SEARCH_BATCH, "/collections/c/points/search/batch", Body::Json(r#"{"searches": [{"vector": [1, 0]}]}"#), 400),
    ("POST", SEARCH_BATCH, "/collections/missing/points/search/batch", Body::Json(r#"{"searches": [{"vector": [1, 0], "limit": 1}]}"#), 404),
    ("POST", QUERY_GROUPS, "/collections/c/points/query/groups", Body::Json(r#"{"query": [1, 0], "group_by": "a"}"#), 200),
    ("POST", QUERY_GROUPS, "/collections/c/points/query/groups", Body::Json("{"), 400),
    ("POST", QUERY_GROUPS, "/collections/c/points/query/groups", Body::Untyped(r#"{"query": [1, 0], "group_by": "a"}"#), 415),
    ("POST", QUERY_GROUPS, "/collections/c/points/query/groups", Body::Json(r#"{"query": [1, 0]}"#), 400),
    ("POST", QUERY_GROUPS, "/collections/c/points/query/groups", Body::Json(r#"{"query": [1, 0], "group_by": "a", "group_size": 0}"#), 422),
    ("POST", QUERY_GROUPS, "/collections/missing/points/query/groups", Body::Json(r#"{"query": [1, 0], "group_by": "a"}"#), 404),
    ("POST", SEARCH_GROUPS, "/collections/c/points/search/groups", Body::Json(r#"{"vector": [1, 0], "group_by": "a", "group_size": 1, "limit": 1}"#), 200),
    ("POST", SEARCH_GROUPS, "/collections/c/points/search/groups", Body::Json("{"), 400),
    ("POST", SEARCH_GROUPS, "/collections/c/points/search/groups", Body::Untyped(r#"{"vector": [1, 0], "group_by": "a", "group_size": 1, "limit": 1}"#), 415),
    ("POST", SEARCH_GROUPS, "/collections/c/points/search/groups", Body::Json(r#"{"vector": [1, 0], "group_by": "a", "limit": 1}"#), 400),
    ("POST", SEARCH_GROUPS, "/collections/c/points/search/groups", Body::Json(r#"{"vector": [1, 0], "group_by": "a", "group_size": 1, "limit": 1, "with_lookup": "x"}"#), 422),
    ("POST", SEARCH_GROUPS, "/collections/missing/points/search/groups", Body::Json(r#"{"vector": [1, 0], "group_by": "a", "group_size": 1, "limit": 1}"#), 404),
    ("PUT", INDEX, "/collections/c/index", Body::Json(r#"{"field_name": "doc_id", "field_schema": "keyword"}"#), 200),
    ("PUT", INDEX, "/collections/c/index", Body::Json("{"), 400),
    ("PUT", INDEX, "/collections/c/index", Body::Json(r#"{"field_name": ""}"#), 422),
    ("PUT", INDEX, "/collections/c/index", Body::Json(r#"{"field_name": "doc_id", "field_schema": "geo"}"#), 422),
    ("PUT", INDEX, "/collections/missing/index", Body::Json(r#"{"field_name": "doc_id", "field_schema": "keyword"}"#), 404),
    ("GET", INDEX_FIELD, "/collections/c/index/doc_id", Body::None, 200),
    ("GET", INDEX_FIELD, "/collections/c/index/not_indexed", Body::None, 404),
    ("GET", INDEX_FIELD, "/collections/missing/index/doc_id", Body::None, 404),
    ("GET", INDEX_FIELD, "/collections/c/index/a..b", Body::None, 422),
    ("DELETE", INDEX_FIELD, "/collections/c/index/doc_id", Body::None, 200),
    ("DELETE", INDEX_FIELD, "/collections/missing/index/doc_id", Body::None, 404),
    ("DELETE", INDEX_FIELD, "/collections/c/index/a..b", Body::None, 422),
    ("POST", DELETE, "/collections/c/points/delete", Body::Json(r#"{"points": [1]}"#), 200),
    ("POST", DELETE, "/collections/c/points/delete", Body::Json("{"), 400),
    ("POST", DELETE, "/collections/c/points/delete", Body::Untyped(r#"{"points": [1]}"#), 415),
    ("POST", DELETE, "/collections/c/points/delete", Body::Json("{}"), 422),
    ("POST", DELETE, "/collections/missing/points/delete", Body::Json(r#"{"points": [1]}"#), 404),
    ("POST", FACET, "/collections/c/facet", Body::Json(r#"{"key": "a"}"#), 200),
    ("POST", FACET, "/collections/c/facet", Body::Json("{"), 400),
    ("POST", FACET, "/collections/c/facet", Body::Untyped(r#"{"key": "a"}"#), 415),
    ("POST", FACET, "/collections/c/facet", Body::Json(r#"{"key": "a", "limit": 0}"#), 422),
    ("POST", FACET, "/collections/missing/facet", Body::Json(r#"{"key": "a"}"#), 404),
    ("POST", "/query", "/query", Body::Json(r#"{"query": "SELECT id FROM c LIMIT 1"}"#), 200),
    ("POST", "/query", "/query", Body::Json(r#"{"query": "SELEC id FROM c"}"#), 400),
    ("POST", "/query", "/query", Body::Json(r#"{"query": "SELECT id FROM missing"}"#), 404),
    ("POST", "/query", "/query", Body::Json(r#"{"query": "CREATE COLLECTION c (dimension = 2)"}"#), 409),
    ("POST", "/query", "/query", Body::Untyped(r#"{"query": "SHOW COLLECTIONS"}"#), 415),
    ("POST", "/query", "/query", Body::Json(r#"{"query": "SELECT id FROM c LIMIT 10001"}"#), 422),
    ("POST", ALIASES, ALIASES, Body::Json(r#"{"actions": [{"create_alias": {"collection_name": "c", "alias_name": "a"}}]}"#), 200),
    ("POST", ALIASES, ALIASES, Body::Json("{"), 400),
    ("POST", ALIASES, ALIASES, Body::Json(r#"{"actions": [{"create_alias": {"collection_name": "missing", "alias_name": "b"}}]}"#), 404),
    ("POST", ALIASES, ALIASES, Body::Json(r#"{"actions": [{"create_alias": {"collection_name": "c", "alias_name": "c"}}]}"#), 409),
    ("POST", ALIASES, ALIASES, Body::Untyped(r#"{"actions": []}"#), 415),
    ("POST", ALIASES, ALIASES, Body::Json(r#"{"actions": [{"delete_alias": {"alias_name": "-a"}}]}"#), 422),
    ("GET", "/aliases", "/aliases", Body::None, 200),
    ("GET", C_ALIASES, "/collections/c/aliases", Body::None, 200),
    ("GET", C_ALIASES, "/collections/%FF/aliases", Body::None, 400),
    ("GET", C_ALIASES, "/collections/missing/aliases", Body::None, 404),
    ("POST", SNAPSHOTS, "/collections/c/snapshots", Body::None, 200),
    ("POST", SNAPSHOTS, "/collections/c/snapshots?wait=maybe", Body::None, 400),
    ("POST", SNAPSHOTS, "/collections/missing/snapshots", Body::None, 404),
    ("GET", SNAPSHOTS, "/collections/c/snapshots", Body::None, 200),
    ("GET", SNAPSHOTS, "/collections/%FF/snapshots", Body::None, 400),
    ("GET", SNAPSHOTS, "/collections/-c/snapshots", Body::None, 422),
    ("GET", SNAPSHOT, "/collections/c/snapshots/none.snapshot", Body::None, 404),
    ("GET", SNAPSHOT, "/collections/c/snapshots/%FF", Body::None, 400),
    ("GET", SNAPSHOT, "/collections/c/snapshots/..%2Fc.snapshot", Body::None, 422),
    ("DELETE", SNAPSHOT, "/collections/c/snapshots/none.snapshot", Body::None, 404),
    ("DELETE", SNAPSHOT, "/collections/c/snapshots/none.snapshot?wait=maybe", Body::None, 400),
    ("DELETE", SNAPSHOT, "/collections/c/snapshots/..%2Fc.snapshot", Body::None, 422),
    ("PUT", RECOVER, "/collections/c/snapshots/recover", Body::Json("{"), 400),
    ("PUT", RECOVER, "/collections/c/snapshots/recover", Body::Json(r#"{"location": "file:///nowhere/x.snapshot"}"#), 404),
    ("PUT", RECOVER, "/collections/c/snapshots/recover", Body::Untyped(r#"{"location": "x"}"#), 415),
    ("PUT", RECOVER, "/collections/c/snapshots/recover", Body::Json(r#"{"location": "http://127.0.0.1:1/x.snapshot"}"#), 422),
    ("POST", UPLOAD, "/collections/c/snapshots/upload", Body::Untyped("x"), 415),
    ("POST", UPLOAD, "/collections/c/snapshots/upload?checksum=x", Body::Untyped("x"), 422),
    ("POST", "/snapshots", "/snapshots", Body::None, 200),
    ("POST", "/snapshots", "/snapshots?wait=maybe", Body::None, 400),
    ("GET", "/snapshots", "/snapshots", Body::None, 200),
    ("GET", FULL_SNAPSHOT, "/snapshots/none.snapshot", Body::None, 404),
    ("GET", FULL_SNAPSHOT, "/snapshots/%FF", Body::None, 400),
    ("GET", FULL_SNAPSHOT, "/snapshots/..%2Fmanifest.json", Body::None, 422),
    ("DELETE", FULL_SNAPSHOT, "/snapshots/none.snapshot", Body::None, 404),
    ("DELETE", FULL_SNAPSHOT, "/snapshots/none.snapshot?wait=maybe", Body::None, 400),
    ("DELETE", FULL_SNAPSHOT, "/snapshots/..%2Fmanifest.json", Body::None, 422),
    ("DELETE", C, "/collections/c", Body::None, 200),
    ("DELETE", C, "/collections/-c", Body::None, 422),
    ("DELETE", C, "/collections/%FF", Body::None, 400),
];

fn send(
    s: &TestServer,
    method: &str,
    path: &str,
    body: Body,
) -> Result<reqwest::blocking::Response, Box<dyn std::error::Error>> {
    let request = s
        .client
        .request(Method::from_bytes(method.as_bytes())?, s.url(path));
    let request = match body {
        Body::None => request,
        Body::Json(text) => request
            .header("content-type", "application/json")
            .body(text),
        Body::Untyped(text) => request.body(text),
    };
    Ok(request.send()?)
}

#[test]
fn every_provoked_status_is_declared_for_its_operation() -> TestResult {
    let doc = committed_document()?;
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    let mut failures = Vec::new();
    for &(method, template, path, body, want) in CASES {
        let r = send(&s, method, path, body)?;
        let got = r.status().as_u16();
        let text = r.text()?;
        if got != want {
            failures.push(format!("{method} {path}: got {got}, want {want}: {text}"));
        } else if !declared(&doc, method, template).contains(&got.to_string()) {
            failures.push(format!(
                "{method} {template} answers {got} but does not declare it"
            ));
        }
    }
    // A route without a case here could answer a status nobody checked it declares.
    for (method, template) in operations(&doc)? {
        if !CASES
            .iter()
            .any(|c| c.0.eq_ignore_ascii_case(&method) && c.1 == template)
        {
            failures.push(format!("{method} {template} has no case in CASES"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    Ok(())
}

/// The body limit answers 413 on every route, from a declared `Content-Length` alone.
#[test]
fn every_operation_declares_the_body_limit_status() -> TestResult {
    let doc = committed_document()?;
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(
        dir.path(),
        &[
            "--max-body-bytes",
            "4096",
            "--max-snapshot-upload-bytes",
            "4096",
        ],
    )?;
    s.wait_ready()?;
    let mut failures = Vec::new();
    for (method, template) in operations(&doc)? {
        let path = template.replace("{name}", "c").replace("{id}", "1");
        let got = s.raw_status_declaring(&method.to_uppercase(), &path, 1 << 20, b"")?;
        if got != 413 {
            failures.push(format!("{method} {path}: got {got}, want 413"));
        } else if !declared(&doc, &method, &template).contains("413") {
            failures.push(format!(
                "{method} {template} answers 413 but does not declare it"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    Ok(())
}

/// With a rate limit configured, every route but the health probes answers 429 once the
/// client's bucket is empty, before its body is read, and every such operation declares 429; the
/// health probes answer and do not declare it.
#[test]
fn every_limited_operation_declares_the_rate_limit_status() -> TestResult {
    let doc = committed_document()?;
    let dir = tempfile::tempdir()?;
    // One token, and the next in about 17 minutes: the test's own first request takes it.
    let s = TestServer::start_in(
        dir.path(),
        &["--rate-limit-rps", "0.001", "--rate-limit-burst", "1"],
    )?;
    s.wait_ready()?;
    assert_eq!(s.get("/collections")?.status(), 200);
    let mut failures = Vec::new();
    for (method, template) in operations(&doc)? {
        let path = template
            .replace("{name}", "c")
            .replace("{id}", "1")
            .replace("{field_name}", "f")
            .replace("{snapshot}", "s");
        // It declares a body it never sends: an answer at once shows the body was not read.
        let got = s.raw_status_declaring(&method.to_uppercase(), &path, 100, b"")?;
        let exempt = matches!(template.as_str(), "/healthz" | "/livez" | "/readyz");
        let declares = declared(&doc, &method, &template).contains("429");
        if exempt {
            if got == 429 || declares {
                failures.push(format!(
                    "{method} {path}: a health probe is limited ({got})"
                ));
            }
        } else if got != 429 {
            failures.push(format!("{method} {path}: got {got}, want 429"));
        } else if !declares {
            failures.push(format!(
                "{method} {template} answers 429 but does not declare it"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    Ok(())
}

/// A body that stops arriving is cut off with 408 by the request timeout on every route that reads
/// a body; the timeout applies to every route, so every operation declares 408.
#[test]
fn every_operation_declares_the_timeout_status() -> TestResult {
    let doc = committed_document()?;
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &["--request-timeout-secs", "1"])?;
    s.wait_ready()?;
    s.create_collection("c", 2, "Dot")?;
    let documented = operations(&doc)?;
    for (method, template) in &documented {
        assert!(
            declared(&doc, method, template).contains("408"),
            "{method} {template} does not declare 408"
        );
    }
    // JSON bodies; the multipart upload refuses a JSON content type at once (415), and
    // `snapshots.rs` stalls an upload's own body.
    let with_body: Vec<_> = documented
        .into_iter()
        .filter(|(m, t)| {
            doc["paths"][t][m]["requestBody"]["content"]
                .get("application/json")
                .is_some()
        })
        .collect();
    assert!(!with_body.is_empty());
    let statuses = std::thread::scope(|scope| {
        let handles: Vec<_> = with_body
            .iter()
            .map(|(method, template)| {
                let s = &s;
                scope.spawn(move || {
                    let path = template.replace("{name}", "c");
                    // Declares 100 bytes, sends one, then waits for the answer.
                    let got = s
                        .raw_status_declaring(&method.to_uppercase(), &path, 100, b"{")
                        .map_err(|e| e.to_string());
                    (format!("{method} {path}"), got)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().map_err(|_| "probe thread panicked".to_owned()))
            .collect::<Result<Vec<_>, _>>()
    })?;
    for (operation, got) in statuses {
        assert_eq!(got?, 408, "{operation}");
    }
    Ok(())
}

/// Requests to a collection that failed to open: each is answered 503, which its operation
/// declares.
#[rustfmt::skip]
const FAILED_COLLECTION_CASES: &[(&str, &str, &str, Body)] = &[
    ("GET", C, "/collections/c", Body::None),
    ("PUT", POINTS, "/collections/c/points", Body::Json(r#"{"points": [{"id": 1, "vector": [1, 0]}]}"#)),
    ("POST", POINTS, "/collections/c/points", Body::Json(r#"{"ids": [1]}"#)),
    ("GET", POINT, "/collections/c/points/1", Body::None),
    ("POST", COUNT, "/collections/c/points/count", Body::Json("{}")),
    ("POST", SCROLL, "/collections/c/points/scroll", Body::Json("{}")),
    ("POST", QUERY, "/collections/c/points/query", Body::Json(r#"{"query": [1, 0]}"#)),
    ("POST", SEARCH, "/collections/c/points/search", Body::Json(r#"{"vector": [1, 0], "limit": 1}"#)),
    ("POST", QUERY_GROUPS, "/collections/c/points/query/groups", Body::Json(r#"{"query": [1, 0], "group_by": "a"}"#)),
    ("POST", SEARCH_GROUPS, "/collections/c/points/search/groups", Body::Json(r#"{"vector": [1, 0], "group_by": "a", "group_size": 1, "limit": 1}"#)),
    ("POST", DELETE, "/collections/c/points/delete", Body::Json(r#"{"points": [1]}"#)),
];

#[test]
fn a_failed_collection_answers_only_declared_statuses() -> TestResult {
    let doc = committed_document()?;
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.create_collection("c", 2, "Dot")?;
    let exit = s.terminate()?;
    assert!(exit.success(), "{exit}");
    // Settings that do not parse make the collection fail to open; the server still starts.
    std::fs::write(
        dir.path().join("collections/c/collection.json"),
        b"not json",
    )?;
    let s = TestServer::start_in(dir.path(), &[])?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while s.get("/readyz")?.status() != 503 {
        assert!(
            std::time::Instant::now() < deadline,
            "the damaged collection was never reported failed"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        declared(&doc, "get", "/readyz").contains("503"),
        "GET /readyz answers 503 but does not declare it"
    );
    let mut failures = Vec::new();
    for &(method, template, path, body) in FAILED_COLLECTION_CASES {
        let got = send(&s, method, path, body)?.status().as_u16();
        if got != 503 {
            failures.push(format!("{method} {path}: got {got}, want 503"));
        } else if !declared(&doc, method, template).contains("503") {
            failures.push(format!(
                "{method} {template} answers 503 but does not declare it"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    Ok(())
}
