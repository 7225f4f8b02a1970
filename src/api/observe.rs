//! Request observation: the request id (`x-request-id`), one span and log line per request, the
//! HTTP metrics, and the answer to a handler that panics.
//!
//! The id, span and panic layers are tower_http's; this module supplies what they leave to the
//! application: how ids are made, what the span records, and the panic answer. Routes are
//! labelled by their template (`/collections/{name}`, from `MatchedPath`), never by the raw path,
//! so label cardinality stays bounded whatever clients send.

use std::any::Any;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, Response as HttpResponse};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::request_id::{MakeRequestId, RequestId};

use super::error::ApiError;
use crate::metrics;

/// The request-id header, read from clients and set on every answer.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

static NEXT_REQUEST: AtomicU64 = AtomicU64::new(1);

tokio::task_local! {
    /// The id of the request this task serves, for answers built without the request at hand.
    static CURRENT_REQUEST_ID: String;
}

/// Makes ids for requests that arrive without a usable one: a process-wide counter in hex.
#[derive(Debug, Clone, Copy, Default)]
pub struct CountingIds;

impl MakeRequestId for CountingIds {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let id = format!("{:016x}", NEXT_REQUEST.fetch_add(1, Ordering::Relaxed));
        HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}

/// Drops a client's `x-request-id` unless it is 1-128 printable ASCII characters, so that one
/// is made for the request instead: ids go into every log line and answer.
pub async fn drop_unusable_request_id(mut req: Request) -> Request {
    let usable = req.headers().get(&REQUEST_ID).is_none_or(|v| {
        let b = v.as_bytes();
        !b.is_empty() && b.len() <= 128 && b.iter().all(u8::is_ascii_graphic)
    });
    if !usable {
        req.headers_mut().remove(&REQUEST_ID);
    }
    req
}

fn request_id<B>(req: &Request<B>) -> &str {
    req.headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
}

fn route<B>(req: &Request<B>) -> String {
    req.extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned())
}

/// The span every request runs in (`TraceLayer::make_span_with`): its id, method and route.
pub fn request_span<B>(req: &Request<B>) -> tracing::Span {
    tracing::info_span!(
        "request",
        id = %request_id(req),
        method = %req.method(),
        route = %route(req),
    )
}

/// Records the HTTP metrics of each request, and keeps its id at hand for [`panic_response`].
pub async fn record(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = route(&req);
    let id = request_id(&req).to_owned();
    let response = CURRENT_REQUEST_ID.scope(id, next.run(req)).await;
    let status = response.status();
    metrics::HTTP_REQUESTS
        .with_label_values(&[method.as_str(), &route, status.as_str()])
        .inc();
    metrics::HTTP_LATENCY
        .with_label_values(&[method.as_str(), &route])
        .observe(started.elapsed().as_secs_f64());
    response
}

/// The answer to a handler that panicked (`CatchPanicLayer::custom`): a 500 in the error envelope
/// that names the request id, never the panic message (it may hold internals); the message goes
/// to the log, inside the request's span.
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> HttpResponse<Body> {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = detail, "handler panicked");
    let id = CURRENT_REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "-".to_owned());
    ApiError::new(
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        format!("internal error; the server log has the details under request id {id}"),
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use tower::ServiceExt;

    use super::REQUEST_ID;
    use crate::api::{HttpLimits, with_layers};

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn app() -> Router {
        let routes = Router::new()
            .route(
                "/boom",
                get(|| async {
                    if true {
                        panic!("secret internals");
                    }
                }),
            )
            .route("/fine", get(|| async { "ok" }));
        with_layers(
            routes,
            HttpLimits {
                max_body_bytes: 1024,
                max_snapshot_upload_bytes: 1024,
                request_timeout: Duration::from_secs(5),
            },
            None,
        )
    }

    async fn call(
        path: &str,
        id: Option<&str>,
    ) -> Result<(StatusCode, String, serde_json::Value), Box<dyn std::error::Error>> {
        let mut req = Request::get(path);
        if let Some(id) = id {
            req = req.header(&REQUEST_ID, id);
        }
        let response = app().oneshot(req.body(Body::empty())?).await?;
        let status = response.status();
        let id = response
            .headers()
            .get(&REQUEST_ID)
            .ok_or("no x-request-id on the answer")?
            .to_str()?
            .to_owned();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await?;
        let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        Ok((status, id, body))
    }

    #[tokio::test]
    async fn a_panicking_handler_is_a_500_envelope_naming_the_request_id() -> TestResult {
        let (status, id, body) = call("/boom", Some("client-id-7")).await?;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(id, "client-id-7");
        let message = body["status"]["error"]
            .as_str()
            .ok_or("no error envelope")?;
        assert!(message.contains("client-id-7"), "{message}");
        assert!(
            !message.contains("secret"),
            "the panic message leaked: {message}"
        );
        // The server keeps serving.
        assert_eq!(call("/fine", None).await?.0, StatusCode::OK);
        Ok(())
    }

    #[tokio::test]
    async fn every_answer_has_an_id_and_unusable_client_ids_are_replaced() -> TestResult {
        let (_, made, _) = call("/fine", None).await?;
        assert_eq!(made.len(), 16, "{made}");
        assert!(made.bytes().all(|b| b.is_ascii_hexdigit()), "{made}");
        let long = "x".repeat(129);
        let (_, replaced, _) = call("/fine", Some(&long)).await?;
        assert_ne!(replaced, long);
        assert_eq!(replaced.len(), 16);
        let (status, kept, _) = call("/no-such-route", Some("abc")).await?;
        assert_eq!((status, kept.as_str()), (StatusCode::NOT_FOUND, "abc"));
        Ok(())
    }
}
