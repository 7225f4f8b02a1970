//! Extractors whose rejections are answered in Plait's error format (see [`ApiError`]).

use axum::extract::{FromRequest, FromRequestParts};

use super::error::ApiError;

/// `axum::Json`, with malformed JSON answered 400 and a well-formed body of the wrong shape 422.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

/// `axum::extract::Path` with a 400 in Plait's format when a segment does not parse.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// `axum::extract::Query` with a 400 in Plait's format when the query string does not parse.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// Parses an optional JSON body: an empty body or `null` means `T::default()` (the document
/// declares such bodies optional and nullable). Errors as [`Json`]'s.
///
/// # Errors
/// 400 for malformed JSON, 422 for JSON of the wrong shape.
pub fn optional_json<T: serde::de::DeserializeOwned + Default>(
    bytes: &[u8],
) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice::<Option<T>>(bytes)
        .map(Option::unwrap_or_default)
        .map_err(|e| {
            let status = if e.is_data() {
                axum::http::StatusCode::UNPROCESSABLE_ENTITY
            } else {
                axum::http::StatusCode::BAD_REQUEST
            };
            ApiError::new(status, format!("invalid JSON body: {e}"))
        })
}
