//! The bounds on every size a client sends, one constant each. The wire types check them where a
//! request enters and state them in the OpenAPI schema (`minimum`, `maximum`, `maxItems`); the
//! engine enforces its own copies again (`MAX_LIMIT`, `MAX_EF`, `MAX_BATCH_POINTS`) so no caller
//! below the API can allocate by a client's number either.
//!
//! A schema attribute needs a literal, so the literals repeat these constants; a unit test checks
//! that the document and the constants agree.

use crate::api::error::ApiError;
use crate::engine::collection;

/// Largest `params.hnsw_ef` (the HNSW candidate list of one search).
pub const MAX_HNSW_EF: usize = collection::MAX_EF;
/// Largest `limit` (search, query, scroll), and largest `limit + offset` of a search.
pub const MAX_LIMIT: usize = collection::MAX_LIMIT;
/// Most ids or points in one request: upsert, delete, retrieve.
pub const MAX_POINTS_PER_REQUEST: usize = collection::MAX_BATCH_POINTS;
/// Most vector components one answer returns (`limit × dimension` with `with_vector`): 8 Mi
/// components, 32 MiB as `f32`, roughly 100 MB of JSON.
pub const MAX_RETURNED_COMPONENTS: usize = 1 << 23;

/// Longest full-text query or text condition, in bytes (UTF-8).
pub const MAX_TEXT_QUERY_BYTES: usize = crate::text::MAX_QUERY_BYTES;

/// 422 when a full-text query is empty (or only whitespace) or longer than
/// [`MAX_TEXT_QUERY_BYTES`].
///
/// # Errors
/// A validation error naming `field`.
pub fn check_text_query(field: &str, text: &str) -> Result<(), ApiError> {
    if text.trim().is_empty() {
        return Err(ApiError::validation(format!("{field} must not be empty")));
    }
    if text.len() > MAX_TEXT_QUERY_BYTES {
        return Err(ApiError::validation(format!(
            "{field} is {} bytes long; at most {MAX_TEXT_QUERY_BYTES} are accepted",
            text.len()
        )));
    }
    Ok(())
}

/// 422 unless `min <= value <= max`.
///
/// # Errors
/// A validation error naming `field` and the range.
pub fn check_range(field: &str, value: u64, min: u64, max: usize) -> Result<(), ApiError> {
    if value < min || value > max as u64 {
        return Err(ApiError::validation(format!(
            "{field} must be between {min} and {max}, got {value}"
        )));
    }
    Ok(())
}

/// 422 when a list holds more than `max` items.
///
/// # Errors
/// A validation error naming `field` and the limit.
pub fn check_len(field: &str, len: usize, max: usize) -> Result<(), ApiError> {
    if len > max {
        return Err(ApiError::validation(format!(
            "{field} holds {len} items; at most {max} are accepted in one request"
        )));
    }
    Ok(())
}

/// 422 when returning `points` vectors of `dimension` components would exceed
/// [`MAX_RETURNED_COMPONENTS`].
///
/// # Errors
/// A validation error saying how many points of this dimension fit.
pub fn check_returned_vectors(points: usize, dimension: usize) -> Result<(), ApiError> {
    let most = MAX_RETURNED_COMPONENTS / dimension.max(1);
    if points > most {
        return Err(ApiError::validation(format!(
            "with_vector over {points} points of dimension {dimension} is too large an answer; \
             at most {most} points of this dimension ({MAX_RETURNED_COMPONENTS} components) are \
             returned with vectors at once: lower the limit or page through the points"
        )));
    }
    Ok(())
}

/// Refuses a `with_vector` list naming a vector the collection does not declare (400, as
/// Qdrant answers), instead of returning nothing for it.
///
/// # Errors
/// 400 naming the first unknown name.
pub fn check_vector_names(
    config: &crate::engine::CollectionConfig,
    projection: &crate::engine::Projection,
) -> Result<(), ApiError> {
    match &projection.vector_names {
        Some(names) if projection.with_vector => config.check_names(names).map_err(|source| {
            crate::engine::EngineError::VectorName {
                id: "with_vector".into(),
                source,
            }
            .into()
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema_field<'a>(
        doc: &'a serde_json::Value,
        schema: &str,
        field: &str,
    ) -> &'a serde_json::Value {
        &doc["components"]["schemas"][schema]["properties"][field]
    }

    #[test]
    fn the_openapi_document_states_the_same_bounds() -> Result<(), serde_json::Error> {
        let doc: serde_json::Value = serde_json::from_str(&crate::api::openapi::document_json())?;
        let ef = schema_field(&doc, "SearchParams", "hnsw_ef");
        assert_eq!(ef["maximum"], MAX_HNSW_EF, "{ef}");
        assert_eq!(ef["minimum"], 1, "{ef}");
        let scroll = schema_field(&doc, "ScrollRequest", "limit");
        assert_eq!(scroll["maximum"], MAX_LIMIT, "{scroll}");
        assert_eq!(scroll["minimum"], 1, "{scroll}");
        let ids = schema_field(&doc, "RetrievePoints", "ids");
        assert_eq!(ids["maxItems"], MAX_POINTS_PER_REQUEST, "{ids}");
        let deleted = schema_field(&doc, "DeletePoints", "points");
        assert_eq!(deleted["maxItems"], MAX_POINTS_PER_REQUEST, "{deleted}");
        Ok(())
    }

    #[test]
    fn ranges_accept_their_ends_and_refuse_one_past() {
        assert!(check_range("x", 1, 1, 10).is_ok());
        assert!(check_range("x", 10, 1, 10).is_ok());
        assert!(check_range("x", 0, 1, 10).is_err());
        assert!(check_range("x", 11, 1, 10).is_err());
        assert!(check_range("x", u64::MAX, 1, usize::MAX).is_ok());
        assert!(check_len("x", 3, 3).is_ok());
        assert!(check_len("x", 4, 3).is_err());
        assert!(check_returned_vectors(MAX_RETURNED_COMPONENTS / 384, 384).is_ok());
        assert!(check_returned_vectors(MAX_RETURNED_COMPONENTS / 384 + 1, 384).is_err());
    }
}
