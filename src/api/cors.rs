//! CORS: off unless origins are configured, and then tower_http's `CorsLayer` with the allow-list.
//! Preflight requests are answered by the layer itself, before access control, since browsers send
//! no credential on a preflight; the methods and headers allowed are those Plait's API uses
//! (`api-key`, `authorization`, `content-type`, `x-request-id`), and `retry-after` and
//! `x-request-id` are exposed to scripts.
//!
//! It owns the translation of the configured origins into the layer and refuses origins a
//! browser could never send (a path, a trailing slash, no scheme), so a typo fails at start-up
//! instead of silently blocking every call.

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::access::API_KEY_HEADER;
use super::observe::REQUEST_ID;

/// A configured origin a browser could never send.
#[derive(Debug, thiserror::Error)]
#[error("invalid CORS origin {origin:?}: {reason}")]
pub struct OriginError {
    /// The origin as configured.
    pub origin: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// How long browsers may cache a preflight answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(3600);

/// The CORS layer for `origins`, or `None` when the list is empty (no CORS headers at all).
///
/// # Errors
/// [`OriginError`] for an origin that is not `*` or `scheme://host[:port]`.
pub fn layer(origins: &[String]) -> Result<Option<CorsLayer>, OriginError> {
    if origins.is_empty() {
        return Ok(None);
    }
    let allow = if origins.iter().any(|o| o.trim() == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            origins
                .iter()
                .map(|o| origin(o.trim()))
                .collect::<Result<Vec<_>, _>>()?,
        )
    };
    Ok(Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([
                Method::GET,
                Method::HEAD,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers([
                HeaderName::from_static(API_KEY_HEADER),
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                REQUEST_ID,
            ])
            .expose_headers([header::RETRY_AFTER, REQUEST_ID])
            .max_age(PREFLIGHT_MAX_AGE),
    ))
}

fn origin(text: &str) -> Result<HeaderValue, OriginError> {
    let fail = |reason| OriginError {
        origin: text.to_owned(),
        reason,
    };
    let Some((scheme, authority)) = text.split_once("://") else {
        return Err(fail(
            "an origin is scheme://host[:port], such as https://app.example.com",
        ));
    };
    if scheme.is_empty()
        || !scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.')
    {
        return Err(fail("the scheme is not valid"));
    }
    if authority.is_empty() {
        return Err(fail("the host is missing"));
    }
    if !authority.is_ascii() {
        return Err(fail(
            "browsers send international host names in punycode (xn--...)",
        ));
    }
    if authority.contains(char::is_whitespace) {
        return Err(fail("an origin holds no spaces"));
    }
    if authority.contains('/') {
        return Err(fail("an origin has no path, not even a trailing slash"));
    }
    HeaderValue::from_str(text).map_err(|_| fail("it holds characters a header cannot"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_a_browser_cannot_send_are_refused() {
        for bad in [
            "app.example.com",
            "https://app.example.com/",
            "https://app.example.com/path",
            "https://",
            "://host",
            "https://a b",
            "https://hö",
        ] {
            assert!(layer(&[bad.to_owned()]).is_err(), "{bad:?} accepted");
        }
        for good in ["https://app.example.com", "http://localhost:5173", "*"] {
            assert!(
                matches!(layer(&[good.to_owned()]), Ok(Some(_))),
                "{good:?} refused"
            );
        }
        assert!(matches!(layer(&[]), Ok(None)));
    }
}
