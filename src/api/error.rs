//! [`ApiError`]: how every engine error and every request rejection becomes an HTTP status and a
//! JSON body. The mapping is exhaustive; internal errors are logged with the request id and answered
//! with a generic message so no internals leak.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::envelope::{ErrorBody, ErrorStatus};
use crate::engine::EngineError;
use crate::storage::wal::WalError;

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

    /// 503 with `Retry-After: 1`: the request did nothing and may succeed if sent again shortly.
    pub fn retry_later(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: message.into(),
            retry_after: Some(1),
        }
    }

    /// The status code.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        self.status
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

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        match &e {
            EngineError::InvalidName(_)
            | EngineError::InvalidSetting { .. }
            | EngineError::InvalidVector { .. }
            | EngineError::LimitExceeded { .. } => Self::unprocessable(e.to_string()),
            EngineError::CollectionNotFound { .. } | EngineError::PointNotFound { .. } => {
                Self::new(StatusCode::NOT_FOUND, e.to_string())
            }
            EngineError::CollectionExists { .. } => Self::new(StatusCode::CONFLICT, e.to_string()),
            EngineError::CollectionRecovering { .. } | EngineError::ShuttingDown { .. } => {
                Self::retry_later(e.to_string())
            }
            EngineError::WriteQueueFull { .. } => Self::retry_later(e.to_string()),
            EngineError::CollectionFailed { .. } => {
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
                } else if matches!(source.as_ref(), WalError::Poisoned) {
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
            | EngineError::Manifest { .. } => Self::internal(&e),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let status = match &r {
            JsonRejection::JsonSyntaxError(_) => StatusCode::BAD_REQUEST,
            JsonRejection::JsonDataError(_) => StatusCode::UNPROCESSABLE_ENTITY,
            JsonRejection::MissingJsonContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            // Body read failures: 413 for an oversized body, otherwise what axum says.
            _ => r.status(),
        };
        Self::new(status, r.body_text())
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
