//! The async workers stay free: requests that wait on a store lock or parse a large body must
//! not hold up others. Each test runs the router on a single-threaded runtime, where one blocked
//! handler would stall every request, `/livez` included.

use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use tower::ServiceExt;

use super::admission::{SearchGate, SearchLimits};
use super::{AppState, HttpLimits, router};
use crate::engine::Durability;
use crate::engine::{Collection, CollectionConfig, Engine, EngineOptions, HnswParams};
use crate::vector::Metric;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn app(dir: &std::path::Path) -> Result<(Router, Arc<Collection>), Box<dyn std::error::Error>> {
    let engine = Arc::new(Engine::open(EngineOptions::new(dir.to_path_buf()))?);
    engine.recover_all();
    let collection = engine.create(
        "c",
        CollectionConfig {
            dimension: 4,
            metric: Metric::Euclid,
            durability: Durability::Fsync,
            hnsw: HnswParams::default(),
            quantization: None,
            vector_named: false,
        },
    )?;
    let state = AppState {
        engine,
        default_durability: Durability::Fsync,
        searches: SearchGate::new(SearchLimits {
            concurrent: 4,
            queued: 16,
        }),
    };
    let limits = HttpLimits {
        max_body_bytes: 256 << 20,
        request_timeout: Duration::from_secs(60),
    };
    Ok((router(state, limits), collection))
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
    let dir = tempfile::tempdir()?;
    let (app, collection) = app(dir.path())?;
    let rt = single_thread()?;
    let (locked, is_locked) = mpsc::channel();
    let (release, released) = mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let _write = collection.lock_store_for_test();
        let _ = locked.send(());
        // Held until the test has probed /livez; a runtime blocked on the lock gets it back
        // after a few seconds, and the test then fails.
        let _ = released.recv_timeout(Duration::from_secs(3));
    });
    is_locked.recv()?;
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
        let _ = release.send(());
        for (name, h) in names.iter().zip(handles) {
            let status = h.await??.status();
            assert!(!status.is_server_error(), "{name}: {status}");
        }
        Ok::<_, Box<dyn std::error::Error>>(())
    })?;
    holder.join().map_err(|_| "lock holder panicked")?;
    Ok(())
}

#[test]
fn livez_answers_while_a_large_body_is_parsed() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (app, _collection) = app(dir.path())?;
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
