//! [`ApiError`]: how every engine error and every request rejection becomes an HTTP status and a
//! JSON body. The mapping is exhaustive; internal errors are logged with the request id and answered
//! with a generic message so no internals leak.
//!
//! Client errors follow Qdrant's codes so clients that branch on the status behave: 400
//! `Format error in JSON body: ...` for malformed JSON or a body of the wrong shape, 400
//! `Wrong input: Vector dimension error: ...` for a vector of the wrong dimension, and 422 for a
//! value out of range (`Validation error in JSON body: ...`), an invalid setting or vector, or a
//! Qdrant feature Plait does not implement.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::envelope::{ErrorBody, ErrorStatus};
use crate::engine::{EngineError, WalError};
use crate::vector::VectorError;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    retry_after: Option<u32>,
}

impl ApiError {
    /// An error with a status and message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 422 with a message.
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }

    /// The same error, its message prefixed with the part of the request it concerns.
    #[must_use]
    pub fn within(mut self, part: &str) -> Self {
        self.message = format!("{part}: {}", self.message);
        self
    }

    /// 400 for a body that is not JSON or not of the expected shape, worded as Qdrant words it.
    pub fn format(message: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            format!("Format error in JSON body: {message}"),
        )
    }

    /// 422 for a well-formed value out of its range, worded as Qdrant words it.
    pub fn validation(message: impl std::fmt::Display) -> Self {
        Self::unprocessable(format!("Validation error in JSON body: {message}"))
    }

    /// 422 for a request field naming a Qdrant feature Plait does not implement.
    pub fn unsupported(field: &str, what: &str) -> Self {
        Self::unprocessable(format!(
            "`{field}` is not supported: Plait does not implement {what}; leave it out"
        ))
    }

    /// 503 with `Retry-After: 1`: the request did nothing and may succeed if sent again shortly.
    pub fn retry_later(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: message.into(),
            retry_after: Some(1),
        }
    }

    /// The same error, telling the client to wait `secs` seconds before retrying.
    #[must_use]
    pub fn with_retry_after(mut self, secs: u32) -> Self {
        self.retry_after = Some(secs);
        self
    }

    /// The status code.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Seconds a client should wait before retrying, when the answer says so.
    #[must_use]
    pub fn retry_after(&self) -> Option<u32> {
        self.retry_after
    }

    fn internal(e: &EngineError) -> Self {
        // The request-logging middleware records the request id next to this line.
        tracing::error!(error = %e, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error; the server log has the details under this request's x-request-id",
        )
    }
}

impl From<crate::query::TypeMismatch> for ApiError {
    fn from(e: crate::query::TypeMismatch) -> Self {
        Self::new(StatusCode::BAD_REQUEST, format!("Bad request: {e}"))
    }
}

impl From<crate::query::MultiStageError> for ApiError {
    fn from(e: crate::query::MultiStageError) -> Self {
        use crate::query::MultiStageError;
        match e {
            MultiStageError::Vector(source) => EngineError::InvalidVector {
                id: "query".into(),
                source,
            }
            .into(),
            MultiStageError::Type(e) => e.into(),
            MultiStageError::VectorName(source) => EngineError::VectorName {
                id: "query".into(),
                source,
            }
            .into(),
            MultiStageError::Fusion(_)
            | MultiStageError::NothingToFuse
            | MultiStageError::Text(_) => Self::unprocessable(e.to_string()),
        }
    }
}

impl From<crate::query::OrderError> for ApiError {
    fn from(e: crate::query::OrderError) -> Self {
        Self::new(StatusCode::BAD_REQUEST, format!("Bad request: {e}"))
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        match &e {
            EngineError::InvalidVector {
                id,
                source: VectorError::DimensionMismatch { expected, got },
            } => Self::new(
                StatusCode::BAD_REQUEST,
                format!(
                    "Wrong input: Vector dimension error: expected dim: {expected}, got {got} ({})",
                    if id == "query" {
                        "the query vector".to_owned()
                    } else {
                        format!("point {id}")
                    }
                ),
            ),
            // Qdrant answers an unknown vector name with 400 "Wrong input: ...".
            EngineError::VectorName { .. } => {
                Self::new(StatusCode::BAD_REQUEST, format!("Wrong input: {e}"))
            }
            EngineError::InvalidName(_)
            | EngineError::InvalidAlias { .. }
            | EngineError::InvalidSetting { .. }
            | EngineError::InvalidVector { .. }
            | EngineError::InvalidEdge { .. }
            | EngineError::LimitExceeded { .. }
            | EngineError::TooManyCollections { .. }
            | EngineError::InvalidSnapshotName { .. }
            | EngineError::SnapshotLocation { .. } => Self::unprocessable(e.to_string()),
            EngineError::SnapshotDamaged { .. } | EngineError::InvalidExpiry { .. } => {
                Self::new(StatusCode::BAD_REQUEST, e.to_string())
            }
            EngineError::CollectionNotFound { .. }
            | EngineError::PointNotFound { .. }
            | EngineError::AliasNotFound { .. }
            | EngineError::SnapshotNotFound { .. }
            | EngineError::EdgeEndpointNotFound { .. }
            | EngineError::EdgeNotFound { .. } => Self::new(StatusCode::NOT_FOUND, e.to_string()),
            EngineError::CollectionExists { .. }
            | EngineError::AliasNameTaken { .. }
            | EngineError::NameIsAlias { .. } => Self::new(StatusCode::CONFLICT, e.to_string()),
            EngineError::CollectionRecovering { .. } | EngineError::ShuttingDown { .. } => {
                Self::retry_later(e.to_string())
            }
            EngineError::WriteQueueFull { .. } | EngineError::LogUnavailable { .. } => {
                Self::retry_later(e.to_string())
            }
            EngineError::CollectionFailed { .. } | EngineError::WritesRefused { .. } => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
            }
            EngineError::VectorStorage { source, .. } => {
                tracing::error!(error = %e, "write refused");
                if source.raw_os_error() == Some(libc::ENOSPC) {
                    Self::new(StatusCode::INSUFFICIENT_STORAGE, e.to_string())
                } else {
                    Self::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
                }
            }
            EngineError::WriteFailed { source, .. } => {
                tracing::error!(error = %e, "write refused");
                if source.is_disk_full() {
                    Self::new(StatusCode::INSUFFICIENT_STORAGE, e.to_string())
                } else if source.is_transient() {
                    Self::retry_later(e.to_string())
                } else if matches!(
                    source.as_ref(),
                    WalError::Poisoned | WalError::Fenced { .. }
                ) {
                    Self::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
                } else {
                    Self::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "the write could not be made durable and was not applied; the collection now refuses writes until the server restarts",
                    )
                }
            }
            EngineError::Wal { .. }
            | EngineError::Checkpoint { .. }
            | EngineError::Undecodable { .. }
            | EngineError::Io { .. }
            | EngineError::DirLocked { .. }
            | EngineError::Manifest { .. }
            | EngineError::ManifestMissing { .. }
            | EngineError::AliasesUnreadable { .. } => Self::internal(&e),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        Self::new(StatusCode::BAD_REQUEST, r.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        Self::new(StatusCode::BAD_REQUEST, r.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            status: ErrorStatus {
                error: self.message,
            },
            time: 0.0,
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;

    use super::ApiError;
    use crate::engine::{EngineError, WalError};

    fn answer(e: EngineError) -> (StatusCode, bool) {
        let response = ApiError::from(e).into_response();
        let retry = response.headers().contains_key(header::RETRY_AFTER);
        (response.status(), retry)
    }

    fn unavailable(outcome_unknown: bool) -> EngineError {
        EngineError::LogUnavailable {
            name: "c".into(),
            source: Arc::new(WalError::Timeout {
                after: Duration::from_secs(1),
            }),
            outcome_unknown,
        }
    }

    #[test]
    fn the_errors_of_a_remote_log_map_to_their_statuses() {
        // Unreachable or unconfirmed: 503 and come back shortly.
        assert_eq!(
            answer(unavailable(false)),
            (StatusCode::SERVICE_UNAVAILABLE, true)
        );
        assert_eq!(
            answer(unavailable(true)),
            (StatusCode::SERVICE_UNAVAILABLE, true)
        );
        // Fenced: this node no longer writes, so retrying here does not help.
        let fenced = EngineError::WriteFailed {
            name: "c".into(),
            source: Arc::new(WalError::Fenced {
                reason: "node 2".into(),
            }),
        };
        assert_eq!(answer(fenced), (StatusCode::SERVICE_UNAVAILABLE, false));
        let refused = EngineError::WritesRefused {
            name: "c".into(),
            reason: "fenced".into(),
        };
        assert_eq!(answer(refused), (StatusCode::SERVICE_UNAVAILABLE, false));
    }

    #[test]
    fn an_unknown_outcome_says_so() {
        let message = unavailable(true).to_string();
        assert!(
            message.contains("may or may not have been stored"),
            "{message}"
        );
        let message = unavailable(false).to_string();
        assert!(message.contains("nothing was stored"), "{message}");
    }
}
