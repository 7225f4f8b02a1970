//! CORS against the real server: off by default (no CORS header at all); with an allow-list,
//! listed origins get `access-control-allow-origin` (on errors too) and others do not; a
//! preflight is answered without an API key even when keys are configured; origins a browser
//! cannot send stop the start.

use reqwest::Method;
use reqwest::blocking::Response;

use crate::server::{TestResult, TestServer};

const KEY: &str = "admin-key-cors-52be";
const APP: &str = "https://app.example.com";

fn header(r: &Response, name: &str) -> Option<String> {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn preflight(s: &TestServer, origin: &str) -> reqwest::Result<Response> {
    s.client
        .request(Method::OPTIONS, s.url("/collections/c/points"))
        .header("origin", origin)
        .header("access-control-request-method", "PUT")
        .header("access-control-request-headers", "api-key,content-type")
        .send()
}

#[test]
fn by_default_no_cors_header_is_sent() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    let r = s
        .client
        .get(s.url("/collections"))
        .header("origin", APP)
        .send()?;
    assert_eq!(r.status(), 200);
    assert!(
        !r.headers()
            .keys()
            .any(|k| k.as_str().starts_with("access-control-")),
        "{:?}",
        r.headers()
    );
    let r = preflight(&s, APP)?;
    assert_eq!(header(&r, "access-control-allow-origin"), None);
    Ok(())
}

#[test]
fn listed_origins_are_allowed_and_preflights_need_no_key() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(
        dir.path(),
        &[
            "--api-key",
            KEY,
            "--cors-allow-origin",
            APP,
            "--cors-allow-origin",
            "http://localhost:5173,https://third.example",
        ],
    )?;
    s.wait_ready()?;

    // The preflight carries no key, and is answered all the same.
    let r = preflight(&s, APP)?;
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(
        header(&r, "access-control-allow-origin").as_deref(),
        Some(APP)
    );
    let methods = header(&r, "access-control-allow-methods").ok_or("no allow-methods")?;
    for m in ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] {
        assert!(methods.contains(m), "{methods}");
    }
    let headers = header(&r, "access-control-allow-headers").ok_or("no allow-headers")?;
    for h in ["api-key", "authorization", "content-type", "x-request-id"] {
        assert!(headers.contains(h), "{headers}");
    }
    assert_eq!(
        header(&r, "access-control-max-age").as_deref(),
        Some("3600")
    );

    // Real requests from a listed origin, successful or not, carry the header, and scripts may
    // read Retry-After and the request id.
    for origin in [APP, "http://localhost:5173", "https://third.example"] {
        let r = s
            .client
            .get(s.url("/collections"))
            .header("origin", origin)
            .header("api-key", KEY)
            .send()?;
        assert_eq!(r.status(), 200);
        assert_eq!(
            header(&r, "access-control-allow-origin").as_deref(),
            Some(origin)
        );
    }
    let r = s
        .client
        .get(s.url("/collections"))
        .header("origin", APP)
        .send()?;
    assert_eq!(r.status(), 401);
    assert_eq!(
        header(&r, "access-control-allow-origin").as_deref(),
        Some(APP)
    );
    let exposed = header(&r, "access-control-expose-headers").ok_or("no expose-headers")?;
    assert!(
        exposed.contains("retry-after") && exposed.contains("x-request-id"),
        "{exposed}"
    );

    // Another origin gets no allow-origin, on a preflight or a request.
    let evil = "https://evil.example";
    assert_eq!(
        header(&preflight(&s, evil)?, "access-control-allow-origin"),
        None
    );
    let r = s
        .client
        .get(s.url("/collections"))
        .header("origin", evil)
        .header("api-key", KEY)
        .send()?;
    assert_eq!(header(&r, "access-control-allow-origin"), None);
    Ok(())
}

#[test]
fn a_star_allows_any_origin() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &["--cors-allow-origin", "*"])?;
    s.wait_ready()?;
    for origin in [APP, "https://anything.example"] {
        let r = s
            .client
            .get(s.url("/collections"))
            .header("origin", origin)
            .send()?;
        assert_eq!(r.status(), 200);
        assert_eq!(
            header(&r, "access-control-allow-origin").as_deref(),
            Some("*")
        );
        let r = preflight(&s, origin)?;
        assert_eq!(
            header(&r, "access-control-allow-origin").as_deref(),
            Some("*")
        );
    }
    Ok(())
}

#[test]
fn an_origin_a_browser_cannot_send_stops_the_start() -> TestResult {
    let dir = tempfile::tempdir()?;
    for bad in ["app.example.com", "https://app.example.com/"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_plait"))
            .args(["serve", "--port", "0", "--cors-allow-origin", bad])
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .env_remove("PLAIT_CONFIG")
            .output()?;
        assert!(!out.status.success(), "{bad}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("invalid CORS origin"), "{bad}: {stderr}");
    }
    Ok(())
}
