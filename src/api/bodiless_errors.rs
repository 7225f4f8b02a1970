//! Gives every error answer the JSON error envelope. Some answers are made below the handlers
//! with an empty body: axum's 405 for a method a route does not serve, the timeout layer's 408.
//! A client that parses `status.error` on every 4xx/5xx must find it there too.

use axum::body::HttpBody;
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

/// Replaces the empty body of a 4xx or 5xx answer with the error envelope, keeping its status
/// and headers (`Allow`, `Retry-After`).
pub async fn fill(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let response = next.run(req).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || response.body().size_hint().exact() != Some(0)
    {
        return response;
    }
    let (parts, _) = response.into_parts();
    let mut filled =
        ApiError::new(status, message(status, &method, &parts.headers)).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            filled.headers_mut().insert(name.clone(), value.clone());
        }
    }
    filled
}

fn message(status: StatusCode, method: &Method, headers: &axum::http::HeaderMap) -> String {
    match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            let allowed = headers
                .get(header::ALLOW)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if allowed.is_empty() {
                // axum can add `Allow` after this layer has run; the client still gets it.
                format!(
                    "method {method} is not allowed on this path; the `Allow` header lists the methods it accepts"
                )
            } else {
                format!("method {method} is not allowed on this path; it accepts {allowed}")
            }
        }
        StatusCode::REQUEST_TIMEOUT => {
            "the request took longer than the server's request timeout".to_owned()
        }
        _ => status
            .canonical_reason()
            .unwrap_or("request failed")
            .to_owned(),
    }
}
