//! The per-client rate limit against the real server: a burst passes and the next request is
//! answered 429 with `Retry-After` and the error envelope; the bucket refills with time; two keys
//! have separate buckets, and requests without a valid key share their IP's; health probes are
//! never limited; 429s are counted in `/metrics`; without configuration nothing is limited.

use std::time::Duration;

use reqwest::blocking::Response;
use serde_json::Value;

use crate::server::{TestResult, TestServer};

const ADMIN: &str = "admin-key-rate-7c1e";
const READ_ONLY: &str = "read-key-rate-93ad";

fn get(s: &TestServer, path: &str, key: Option<&str>) -> reqwest::Result<Response> {
    let request = s.client.get(s.url(path));
    match key {
        Some(k) => request.header("api-key", k).send(),
        None => request.send(),
    }
}

/// Asserts that `r` is the rate limit's 429: `Retry-After` in whole seconds, at least 1, and the
/// error envelope.
fn assert_limited(r: Response) -> TestResult {
    assert_eq!(r.status(), 429);
    let retry: u64 = r
        .headers()
        .get("retry-after")
        .ok_or("no Retry-After")?
        .to_str()?
        .parse()?;
    assert!(retry >= 1, "Retry-After {retry}");
    let body: Value = r.json()?;
    let message = body["status"]["error"].as_str().ok_or("no error message")?;
    assert!(message.contains("too many requests"), "{message}");
    assert!(body["time"].is_number(), "{body}");
    Ok(())
}

#[test]
fn a_burst_passes_the_next_is_429_and_each_key_has_its_own_bucket() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(
        dir.path(),
        &[
            "--api-key",
            ADMIN,
            "--read-only-api-key",
            READ_ONLY,
            "--rate-limit-rps",
            "1",
            "--rate-limit-burst",
            "3",
        ],
    )?;
    s.wait_ready()?;
    // At a token a second, each client's burst of 3 and its fourth request go out well within
    // the second that would bring a token back.
    for key in [ADMIN, READ_ONLY] {
        for _ in 0..3 {
            assert_eq!(get(&s, "/collections", Some(key))?.status(), 200);
        }
        assert_limited(get(&s, "/collections", Some(key))?)?;
    }
    // Without a valid key the client is its IP: refused with 401 until its bucket is empty,
    // then 429, whatever (wrong) key it sends.
    for _ in 0..3 {
        assert_eq!(get(&s, "/collections", None)?.status(), 401);
    }
    assert_limited(get(&s, "/collections", None)?)?;
    assert_limited(get(&s, "/collections", Some("not-a-key"))?)?;
    // A forwarded-for header does not make another client: a client could forge it.
    assert_limited(
        s.client
            .get(s.url("/collections"))
            .header("x-forwarded-for", "10.1.2.3")
            .send()?,
    )?;
    // Health probes are never limited, whoever asks, empty bucket or not.
    for _ in 0..5 {
        for probe in ["/livez", "/healthz", "/readyz"] {
            assert_eq!(get(&s, probe, Some(ADMIN))?.status(), 200, "{probe}");
            assert_eq!(get(&s, probe, None)?.status(), 200, "{probe}");
        }
    }

    // The bucket refills with time: after 2.1 s two tokens are back.
    std::thread::sleep(Duration::from_millis(2100));
    assert_eq!(get(&s, "/collections", Some(ADMIN))?.status(), 200);
    let metrics = get(&s, "/metrics", Some(ADMIN))?;
    assert_eq!(metrics.status(), 200);
    let text = metrics.text()?;
    let count = |series: &str| -> Option<f64> {
        text.lines().find_map(|l| {
            let (name, value) = l.rsplit_once(' ')?;
            (name == series).then(|| value.parse().ok())?
        })
    };
    assert_eq!(
        count("plait_rate_limited_requests_total{client=\"key\"}"),
        Some(2.0)
    );
    assert_eq!(
        count("plait_rate_limited_requests_total{client=\"ip\"}"),
        Some(3.0)
    );
    assert!(count("plait_rate_limit_clients").is_some_and(|n| n >= 1.0));
    // No key reaches the log, rate limit or not.
    let log = s.log_text();
    assert!(!log.contains(ADMIN) && !log.contains(READ_ONLY));
    Ok(())
}

#[test]
fn without_configuration_nothing_is_rate_limited() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    for _ in 0..200 {
        assert_eq!(s.get("/collections")?.status(), 200);
    }
    assert_eq!(
        s.metric("plait_rate_limited_requests_total{client=\"ip\"}")?,
        Some(0.0)
    );
    Ok(())
}

#[test]
fn bad_rate_limit_settings_stop_the_start() -> TestResult {
    let dir = tempfile::tempdir()?;
    for (flags, says) in [
        (
            [
                "--rate-limit-rps=-1",
                "--rate-limit-burst",
                "1",
                "--rate-limit-max-clients=5",
            ],
            "rate_limit.requests_per_second",
        ),
        (
            ["--rate-limit-burst", "0", "--rate-limit-rps", "1"],
            "rate_limit.burst",
        ),
        (
            ["--rate-limit-max-clients", "0", "--rate-limit-rps", "1"],
            "rate_limit.max_clients",
        ),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_plait"))
            .args(["serve", "--port", "0"])
            .arg("--data-dir")
            .arg(dir.path())
            .args(flags)
            .env_remove("PLAIT_CONFIG")
            .output()?;
        assert!(!out.status.success(), "{flags:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{flags:?}: {stderr}");
    }
    Ok(())
}
