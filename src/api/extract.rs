//! Extractors whose rejections are answered in Plait's error format (see [`ApiError`]).
//!
//! JSON bodies are parsed here, with Qdrant's status codes: malformed JSON and a body of the wrong
//! shape are both 400 `Format error in JSON body: ...` (naming the path of the bad field), and a
//! missing or non-JSON content type is 415. Fields Plait has never heard of are ignored, as Qdrant
//! ignores them (a newer client may send them); each is logged at debug and counted in
//! `plait_http_ignored_fields_total`. Fields naming Qdrant features Plait lacks are known to the
//! wire types and refused there with a 422.

use std::marker::PhantomData;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// A JSON body of type `T` that has been read but not parsed. Parsing a body of up to
/// `max_body_bytes` takes long enough to stall an async worker, so there is no extractor that
/// parses: handlers call [`JsonBody::parse`] on the blocking pool. The content type is checked
/// here; statuses and messages are the module doc's.
#[derive(Debug)]
pub struct JsonBody<T> {
    bytes: Bytes,
    shape: PhantomData<fn() -> T>,
}

impl<T, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        Ok(Self {
            bytes: json_bytes(req, state).await?,
            shape: PhantomData,
        })
    }
}

impl<T: DeserializeOwned> JsonBody<T> {
    /// Parses the body (CPU work: call it on the blocking pool).
    ///
    /// # Errors
    /// 400 for malformed JSON or JSON of the wrong shape (see the module doc).
    pub fn parse(self) -> Result<T, ApiError> {
        parse(&self.bytes)
    }
}

/// The body of a request that declares JSON: 415 without the content type, and the body limit's
/// 413 (or another read error) as Plait's error.
async fn json_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    if !is_json(req.headers()) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected a request with `Content-Type: application/json`",
        ));
    }
    Bytes::from_request(req, state)
        .await
        .map_err(|r| ApiError::new(r.status(), r.body_text()))
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// `axum::extract::Path` with a 400 in Plait's format when a segment does not parse.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// `axum::extract::Query` with a 400 in Plait's format when the query string does not parse.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// Parses an optional JSON body: an empty body or `null` means `T::default()` (the document
/// declares such bodies optional and nullable). Errors as [`JsonBody::parse`]'s.
///
/// # Errors
/// 400 for malformed JSON or JSON of the wrong shape.
pub fn optional_json<T: DeserializeOwned + Default>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    parse::<Option<T>>(bytes).map(Option::unwrap_or_default)
}

/// Parses a JSON body, naming the path of a field of the wrong shape and counting unknown fields.
pub(crate) fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let mut on_ignored = |path: serde_ignored::Path<'_>| {
        crate::metrics::HTTP_IGNORED_FIELDS.inc();
        tracing::debug!(field = %path, "unknown request field ignored");
    };
    let ignored = serde_ignored::Deserializer::new(&mut de, &mut on_ignored);
    let value: T = serde_path_to_error::deserialize(ignored).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." || !inner.is_data() {
            ApiError::format(inner.to_string())
        } else {
            ApiError::format(format!("{path}: {inner}"))
        }
    })?;
    de.end()
        .map_err(|e| ApiError::format(format!("trailing characters after the body: {e}")))?;
    Ok(value)
}
