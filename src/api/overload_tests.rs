//! Bounded queues answer 503 with `Retry-After` at once, and work whose request ended is dropped
//! before it starts. A test holds the collection's store lock to keep work in flight.

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use tower::ServiceExt;

use super::admission::{SearchGate, SearchLimits};
use super::{AppState, HttpLimits, router};
use crate::engine::Durability;
use crate::engine::{Collection, CollectionConfig, Engine, EngineOptions, HnswParams};
use crate::vector::Metric;

type TestResult = Result<(), Box<dyn std::error::Error>>;

struct Setup {
    app: Router,
    collection: Arc<Collection>,
    _dir: tempfile::TempDir,
}

fn setup(
    searches: SearchLimits,
    write_queue: usize,
    timeout: Duration,
) -> Result<Setup, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let mut opts = EngineOptions::new(dir.path().to_path_buf());
    opts.write_queue_capacity = write_queue;
    let engine = Arc::new(Engine::open(opts)?);
    engine.recover_all();
    let collection = engine.create(
        "c",
        CollectionConfig {
            dimension: 2,
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
        searches: SearchGate::new(searches),
    };
    let limits = HttpLimits {
        max_body_bytes: 1 << 20,
        request_timeout: timeout,
    };
    Ok(Setup {
        app: router(state, limits),
        collection,
        _dir: dir,
    })
}

fn request(method: Method, uri: &str, body: &str) -> Result<Request<Body>, axum::http::Error> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
}

fn upsert(id: u64) -> Result<Request<Body>, axum::http::Error> {
    request(
        Method::PUT,
        "/collections/c/points",
        &format!(r#"{{"points": [{{"id": {id}, "vector": [1, 2]}}]}}"#),
    )
}

fn query() -> Result<Request<Body>, axum::http::Error> {
    request(
        Method::POST,
        "/collections/c/points/query",
        r#"{"query": [1, 2]}"#,
    )
}

/// Holds the store's write lock on another thread until the returned sender is used or dropped.
fn hold_store(
    collection: Arc<Collection>,
) -> Result<(mpsc::Sender<()>, std::thread::JoinHandle<()>), mpsc::RecvError> {
    let (locked, is_locked) = mpsc::channel();
    let (release, released) = mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let _write = collection.lock_store_for_test();
        let _ = locked.send(());
        let _ = released.recv_timeout(Duration::from_secs(30));
    });
    is_locked.recv()?;
    Ok((release, holder))
}

async fn body_text(
    response: axum::response::Response,
) -> Result<String, Box<dyn std::error::Error>> {
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await?;
    Ok(String::from_utf8(bytes.to_vec())?)
}

async fn settle() {
    for _ in 0..50 {
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_past_the_queue_gets_503_with_retry_after_at_once() -> TestResult {
    let s = setup(
        SearchLimits {
            concurrent: 1,
            queued: 0,
        },
        16,
        Duration::from_secs(30),
    )?;
    let (release, holder) = hold_store(Arc::clone(&s.collection))?;
    // Takes the only turn, then waits for the store lock on the blocking pool.
    let running = tokio::spawn(s.app.clone().oneshot(query()?));
    settle().await;
    let refused =
        tokio::time::timeout(Duration::from_secs(5), s.app.clone().oneshot(query()?)).await??;
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        refused
            .headers()
            .get(header::RETRY_AFTER)
            .map(|v| v.as_bytes()),
        Some(&b"1"[..])
    );
    let text = body_text(refused).await?;
    assert!(text.contains(r#""error":"too many searches"#), "{text}");
    let _ = release.send(());
    assert_eq!(running.await??.status(), StatusCode::OK);
    // The turn is free again.
    assert_eq!(
        s.app.clone().oneshot(query()?).await?.status(),
        StatusCode::OK
    );
    holder.join().map_err(|_| "holder panicked")?;
    let metrics = crate::metrics::render();
    assert!(
        metrics.lines().any(
            |l| l.starts_with(r#"plait_rejected_requests_total{queue="search"}"#)
                && !l.ends_with(" 0")
        ),
        "no search rejection counted"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_past_the_queue_gets_503_with_retry_after_at_once() -> TestResult {
    let s = setup(
        SearchLimits {
            concurrent: 4,
            queued: 4,
        },
        1,
        Duration::from_secs(30),
    )?;
    let (release, holder) = hold_store(Arc::clone(&s.collection))?;
    // The writer takes the first write and waits for the store lock; the second fills the queue.
    let first = tokio::spawn(s.app.clone().oneshot(upsert(1)?));
    settle().await;
    let second = tokio::spawn(s.app.clone().oneshot(upsert(2)?));
    settle().await;
    let refused =
        tokio::time::timeout(Duration::from_secs(5), s.app.clone().oneshot(upsert(3)?)).await??;
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(refused.headers().contains_key(header::RETRY_AFTER));
    let text = body_text(refused).await?;
    assert!(text.contains("writes queued already"), "{text}");
    let _ = release.send(());
    assert_eq!(first.await??.status(), StatusCode::OK);
    assert_eq!(second.await??.status(), StatusCode::OK);
    holder.join().map_err(|_| "holder panicked")?;
    assert_eq!(
        s.collection.len(),
        2,
        "the refused write must not be stored"
    );
    Ok(())
}

#[test]
fn work_waiting_for_a_blocking_thread_is_dropped_when_its_request_times_out() -> TestResult {
    // One blocking thread: a count waiting for the store lock occupies it, so the create behind
    // it waits for a thread until its request times out.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(1)
        .enable_all()
        .build()?;
    let s = setup(
        SearchLimits {
            concurrent: 4,
            queued: 4,
        },
        16,
        Duration::from_millis(300),
    )?;
    let (release, holder) = hold_store(Arc::clone(&s.collection))?;
    rt.block_on(async {
        let count = tokio::spawn(s.app.clone().oneshot(request(
            Method::POST,
            "/collections/c/points/count",
            "{}",
        )?));
        settle().await;
        let create = request(
            Method::PUT,
            "/collections/late",
            r#"{"vectors": {"size": 2, "distance": "Dot"}}"#,
        )?;
        let timed_out = s.app.clone().oneshot(create).await?;
        assert_eq!(timed_out.status(), StatusCode::REQUEST_TIMEOUT);
        let _ = release.send(());
        // The count (already running) finishes; the create then finds its request gone.
        let _ = count.await??;
        // Blocking work runs in arrival order: once a later count has run, so has the create.
        let later = s
            .app
            .clone()
            .oneshot(request(Method::POST, "/collections/c/points/count", "{}")?)
            .await?;
        assert_eq!(later.status(), StatusCode::OK);
        let after = s
            .app
            .clone()
            .oneshot(request(Method::GET, "/collections/late/exists", "")?)
            .await?;
        let text = body_text(after).await?;
        assert!(
            text.contains(r#""exists":false"#),
            "the timed-out create ran after its 408: {text}"
        );
        Ok::<_, Box<dyn std::error::Error>>(())
    })?;
    holder.join().map_err(|_| "holder panicked")?;
    Ok(())
}
