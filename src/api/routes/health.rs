//! Health probes: `/livez` (the process is up), `/healthz` (same, for load balancers),
//! `/readyz` (every collection recovered and taking writes; 503 with the ones that are not).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::AppState;
use crate::engine::CollectionState;

/// Liveness answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Liveness {
    /// Always `"ok"`.
    pub status: &'static str,
}

/// A collection that is not ready.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotReady {
    /// Its name.
    pub collection: String,
    /// `recovering`, `failed` (could not open) or `read_only` (open, but refusing writes until
    /// restart: its WAL failed or its writer stopped).
    pub state: &'static str,
    /// Why it failed or refuses writes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Readiness answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` or `not_ready`.
    pub status: &'static str,
    /// Collections that are not ready.
    pub not_ready: Vec<NotReady>,
}

/// The process is up.
#[utoipa::path(get, path = "/livez", tag = "health", operation_id = "livez", responses((status = 200, body = Liveness)))]
pub async fn livez() -> Json<Liveness> {
    Json(Liveness { status: "ok" })
}

/// The process is up and serving HTTP.
#[utoipa::path(get, path = "/healthz", tag = "health", operation_id = "healthz", responses((status = 200, body = Liveness)))]
pub async fn healthz() -> Json<Liveness> {
    Json(Liveness { status: "ok" })
}

/// Every collection has recovered, opened and takes writes.
#[utoipa::path(get, path = "/readyz", tag = "health", operation_id = "readyz", responses(
    (status = 200, body = Readiness),
    (status = 503, description = "Some collection is recovering, failed to open, or refuses writes", body = Readiness),
))]
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let not_ready: Vec<NotReady> = state
        .engine
        .states()
        .into_iter()
        .filter_map(|(collection, s)| match s {
            CollectionState::Ready(c) => c.health().writes_refused.map(|reason| NotReady {
                collection,
                state: "read_only",
                error: Some(reason.to_string()),
            }),
            CollectionState::Recovering => Some(NotReady {
                collection,
                state: "recovering",
                error: None,
            }),
            CollectionState::Failed(reason) => Some(NotReady {
                collection,
                state: "failed",
                error: Some(reason.to_string()),
            }),
        })
        .collect();
    let status = if not_ready.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = Readiness {
        status: if not_ready.is_empty() {
            "ready"
        } else {
            "not_ready"
        },
        not_ready,
    };
    (status, Json(body))
}
