//! Extractors whose rejections are answered in Plait's error format (see [`ApiError`]).

use std::marker::PhantomData;

use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, StatusCode, header};

use super::error::ApiError;

/// `axum::extract::Path` with a 400 in Plait's format when a segment does not parse.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// `axum::extract::Query` with a 400 in Plait's format when the query string does not parse.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// Parses an optional JSON body: an empty body means `T::default()`. Errors as [`Json`]'s.
///
/// # Errors
/// 400 for malformed JSON, 422 for JSON of the wrong shape.
pub fn optional_json<T: serde::de::DeserializeOwned + Default>(
    bytes: &[u8],
) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(bytes).map_err(|e| {
        let status = if e.is_data() {
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        } else {
            axum::http::StatusCode::BAD_REQUEST
        };
        ApiError::new(status, format!("invalid JSON body: {e}"))
    })
}

/// A JSON body that has been read but not parsed. Parsing a body of up to `max_body_bytes` takes
/// long enough to stall an async worker, so handlers call [`JsonBody::parse`] on the blocking
/// pool. The content type is checked here; statuses and messages are [`Json`]'s.
#[derive(Debug)]
pub struct JsonBody<T> {
    bytes: Bytes,
    shape: PhantomData<fn() -> T>,
}

impl<T, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(req.headers()) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Expected request with `Content-Type: application/json`",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::from(JsonRejection::from(e)))?;
        Ok(Self {
            bytes,
            shape: PhantomData,
        })
    }
}

impl<T: serde::de::DeserializeOwned> JsonBody<T> {
    /// Parses the body (CPU work: call it on the blocking pool).
    ///
    /// # Errors
    /// 400 for malformed JSON, 422 for JSON of the wrong shape.
    pub fn parse(self) -> Result<T, ApiError> {
        axum::Json::<T>::from_bytes(&self.bytes)
            .map(|axum::Json(value)| value)
            .map_err(ApiError::from)
    }
}

/// `application/json` or any `application/*+json`, parameters allowed, as `axum::Json` accepts.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    let subtype = subtype.to_ascii_lowercase();
    kind.eq_ignore_ascii_case("application") && (subtype == "json" || subtype.ends_with("+json"))
}

#[cfg(test)]
mod tests {
    use super::is_json;
    use axum::http::{HeaderMap, HeaderValue, header};

    #[test]
    fn json_content_types_are_those_axum_json_accepts() {
        let check = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_str(v).unwrap_or(HeaderValue::from_static("x")),
            );
            is_json(&h)
        };
        for ok in [
            "application/json",
            "application/json; charset=utf-8",
            "application/json;charset=utf-8",
            "application/cloudevents+json",
            "Application/JSON",
        ] {
            assert!(check(ok), "{ok}");
        }
        for bad in [
            "text/json",
            "application/jsonx",
            "application",
            "",
            "text/plain",
        ] {
            assert!(!check(bad), "{bad}");
        }
        assert!(!is_json(&HeaderMap::new()));
    }
}
