//! The async workers stay free: requests that wait on a store lock or parse a large body must
//! not hold up others. Each test runs the router on a single-threaded runtime, where one blocked
//! handler would stall every request, `/livez` included.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use tower::ServiceExt;

use super::admission::SearchLimits;
use super::test_router::{TestLimits, TestRouter, test_router};
use crate::engine::config::{DEFAULT_WRITE_QUEUE_BYTES, DEFAULT_WRITE_QUEUE_CAPACITY};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn app() -> Result<TestRouter, Box<dyn std::error::Error>> {
    test_router(TestLimits {
        dimension: 4,
        searches: SearchLimits {
            concurrent: 4,
            queued: 16,
        },
        write_queue: DEFAULT_WRITE_QUEUE_CAPACITY,
        write_queue_bytes: DEFAULT_WRITE_QUEUE_BYTES,
        max_body_bytes: 256 << 20,
        timeout: Duration::from_secs(60),
    })
}

fn request(
    method: Method,
    uri: &str,
    body: impl Into<Body>,
) -> Result<Request<Body>, axum::http::Error> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(body.into())
}

fn single_thread() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

/// Lets spawned requests run until they wait (or, if they block the thread, finish).
async fn let_others_run() {
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
}

#[test]
fn livez_answers_while_requests_wait_for_a_store_lock() -> TestResult {
    let t = app()?;
    let app = t.app.clone();
    let rt = single_thread()?;
    // Held until the test has probed /livez; a runtime blocked on the lock gets it back after a
    // few seconds, and the test then fails.
    let hold = t.collection.hold_store_for_test(Duration::from_secs(3))?;
    let waiting = [
        request(Method::POST, "/collections/c/points/count", "{}")?,
        request(Method::GET, "/collections/c/points/1", Body::empty())?,
        request(Method::GET, "/collections/c", Body::empty())?,
        request(Method::GET, "/metrics", Body::empty())?,
        request(Method::POST, "/collections/c/points/scroll", "{}")?,
        request(Method::POST, "/collections/c/points", r#"{"ids": [1]}"#)?,
        request(
            Method::POST,
            "/collections/c/points/query",
            r#"{"query": [1, 2, 3, 4]}"#,
        )?,
    ];
    let names: Vec<String> = waiting
        .iter()
        .map(|r| format!("{} {}", r.method(), r.uri()))
        .collect();
    rt.block_on(async {
        let handles: Vec<_> = waiting
            .into_iter()
            .map(|r| tokio::spawn(app.clone().oneshot(r)))
            .collect();
        let_others_run().await;
        let livez = app
            .clone()
            .oneshot(request(Method::GET, "/livez", Body::empty())?)
            .await?;
        assert_eq!(livez.status(), StatusCode::OK);
        for (name, h) in names.iter().zip(&handles) {
            // Had it run on the runtime thread, it would have blocked it until the lock was
            // released, and finished before /livez was even polled.
            assert!(
                !h.is_finished(),
                "{name} blocked the runtime thread on the store lock"
            );
        }
        hold.release()?;
        for (name, h) in names.iter().zip(handles) {
            let status = h.await??.status();
            assert!(!status.is_server_error(), "{name}: {status}");
        }
        Ok::<_, Box<dyn std::error::Error>>(())
    })?;
    Ok(())
}

#[test]
fn livez_answers_while_a_large_body_is_parsed() -> TestResult {
    let t = app()?;
    let app = t.app.clone();
    // About 48 MiB of points; the dimension is wrong, so once parsed it is refused with 422.
    let point = format!(
        r#"{{"id":1,"vector":[{}]}}"#,
        ["0.123456789"; 1000].join(",")
    );
    let body = format!(r#"{{"points":[{}]}}"#, vec![point; 4000].join(","));
    let started = Instant::now();
    let _: super::wire::points::UpsertPoints = serde_json::from_str(&body)?;
    let parse_time = started.elapsed();
    let rt = single_thread()?;
    rt.block_on(async {
        let started = Instant::now();
        let upsert = tokio::spawn(app.clone().oneshot(request(
            Method::PUT,
            "/collections/c/points",
            body,
        )?));
        let_others_run().await;
        let livez = app
            .clone()
            .oneshot(request(Method::GET, "/livez", Body::empty())?)
            .await?;
        let waited = started.elapsed();
        assert_eq!(livez.status(), StatusCode::OK);
        assert!(
            waited < parse_time / 2,
            "/livez waited {waited:?}; parsing the body takes {parse_time:?}"
        );
        assert_eq!(upsert.await??.status(), StatusCode::BAD_REQUEST);
        Ok::<_, Box<dyn std::error::Error>>(())
    })
}

/// Every operation of the route table that takes a JSON body, as `(method, concrete path)`, with
/// path parameters filled in for collection `c`.
fn body_routes() -> Vec<(Method, String)> {
    let doc = super::openapi::document();
    let mut routes = Vec::new();
    for (path, item) in &doc.paths.paths {
        let concrete = path
            .replace("{name}", "c")
            .replace("{id}", "1")
            .replace("{field_name}", "f");
        for (method, operation) in [
            (Method::PUT, &item.put),
            (Method::POST, &item.post),
            (Method::PATCH, &item.patch),
            (Method::DELETE, &item.delete),
        ] {
            // JSON bodies. The snapshot upload's multipart body is streamed, not parsed: its
            // chunks go to a blocking thread that writes them to disk.
            let json = operation
                .as_ref()
                .and_then(|o| o.request_body.as_ref())
                .is_some_and(|b| b.content.contains_key("application/json"));
            if json {
                routes.push((method, concrete.clone()));
            }
        }
    }
    routes
}

#[test]
fn every_route_with_a_body_parses_it_on_the_blocking_pool() -> TestResult {
    let t = app()?;
    let app = t.app.clone();
    // One blocking thread, held below: a body parsed on the blocking pool waits for it, while one
    // parsed on the runtime thread is refused (malformed) before the test looks.
    let rt = tokio::runtime::Builder::new_current_thread()
        .max_blocking_threads(1)
        .enable_all()
        .build()?;
    let routes = body_routes();
    assert!(routes.len() >= 10, "too few body routes found: {routes:?}");
    rt.block_on(async {
        let (release, released) = mpsc::channel::<()>();
        let blocker = tokio::task::spawn_blocking(move || {
            let _ = released.recv_timeout(Duration::from_secs(10));
        });
        let mut handles = Vec::new();
        for (method, path) in &routes {
            let r = request(method.clone(), path, "{\"malformed")?;
            handles.push(tokio::spawn(app.clone().oneshot(r)));
        }
        let_others_run().await;
        for ((method, path), h) in routes.iter().zip(&handles) {
            assert!(
                !h.is_finished(),
                "{method} {path} parsed its body on the async worker"
            );
        }
        let _ = release.send(());
        blocker.await?;
        for ((method, path), h) in routes.iter().zip(handles) {
            let status = h.await??.status();
            assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {path}");
        }
        Ok::<_, Box<dyn std::error::Error>>(())
    })
}
