//! `POST /query`: VelesQL statements (a Plait extension). The text is parsed and run on the
//! blocking pool, behind the same admission gate as searches; writes go through the collections'
//! writers like REST writes. When a statement fails the answer carries that error's status, and
//! the results of the statements before it.

use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::on_blocking_pool;
use crate::api::AppState;
use crate::api::access::{Forbidden, Grant};
use crate::api::envelope::{ErrorBody, ok};
use crate::api::error::ApiError;
use crate::api::extract::{JsonBody, Query};
use crate::api::wire::points::TimeoutParam;
use crate::api::wire::query::{VelesqlError, VelesqlRequest, VelesqlResponse, VelesqlStatement};
use crate::query::execute::{self, DEFAULT_TIMEOUT, Need, RunError};

/// Runs VelesQL statements in order.
#[utoipa::path(post, path = "/query", tag = "query", operation_id = "velesql_query",
    params(TimeoutParam),
    request_body = VelesqlRequest,
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<VelesqlResponse>)),
        (status = 400, description = "The text does not parse (syntax, length, nesting, list and statement bounds), an unbound or object parameter, or a statement the language refuses; `result.error` or the statement's `error` has the code, line, column and caret", body = ErrorBody),
        (status = 404, description = "A statement names a collection or index that does not exist", body = ErrorBody),
        (status = 408, description = "The statements ran past the time limit (`timeout`, at most 30 s) and were stopped", body = ErrorBody),
        (status = 403, description = "The key or token does not allow a statement (read-only key, or a token limited to other collections); nothing ran", body = ErrorBody),
        (status = 409, description = "CREATE COLLECTION of a name that exists", body = ErrorBody),
        (status = 415, description = "The body is not declared as application/json", body = ErrorBody),
        (status = 422, description = "A bad setting or value (vector dimension, point id, INSERT of an existing point), or more rows than a statement returns", body = ErrorBody),
        (status = 503, description = "Too many searches running and waiting, or a collection refusing writes (retry after `Retry-After` seconds)", body = ErrorBody),
    ))]
pub async fn query(
    State(state): State<AppState>,
    grant: Option<Extension<Grant>>,
    Query(timeout): Query<TimeoutParam>,
    body: JsonBody<VelesqlRequest>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    timeout.check()?;
    let limit = timeout.timeout.map_or(DEFAULT_TIMEOUT, |s| {
        Duration::from_secs(s).min(DEFAULT_TIMEOUT)
    });
    let permit = state.searches.enter().await?;
    on_blocking_pool(move || {
        let _permit = permit;
        let body = body.parse()?;
        let params = body.params()?;
        let grant = grant.map_or(Grant::Admin, |Extension(g)| g);
        let engine = std::sync::Arc::clone(&state.engine);
        let check = move |need: Need<'_>| {
            grant
                .allows(need, |n| engine.resolve(n))
                .map_err(|Forbidden(message)| message)
        };
        let request = execute::Request {
            engine: &state.engine,
            text: &body.query,
            params: &params,
            now_micros: chrono::Utc::now().timestamp_micros(),
            deadline: started + limit,
            default_durability: state.default_durability,
            cache: Some(&state.plan_cache),
            gate: Some(execute::Gate(&check)),
        };
        let results = match execute::run(&request) {
            Ok(results) => results,
            Err(RunError::Denied { statement, message }) => {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    format!("statement {}: {message}", statement + 1),
                ));
            }
            Err(RunError::Parse(e)) => {
                let response = VelesqlResponse {
                    statements: Vec::new(),
                    error: Some(VelesqlError::from(&e)),
                };
                return Ok(failed(
                    &ApiError::new(StatusCode::BAD_REQUEST, e.to_string()),
                    &response,
                    started,
                ));
            }
        };
        let mut first_error = None;
        let statements = results
            .into_iter()
            .map(|r| {
                let (answer, error) = VelesqlStatement::of(r);
                if first_error.is_none() {
                    first_error = error;
                }
                answer
            })
            .collect();
        let response = VelesqlResponse {
            statements,
            error: None,
        };
        Ok(match first_error {
            Some(e) => failed(&e, &response, started),
            None => ok(response, started),
        })
    })
    .await
}

/// An error answer that still carries the statements' results.
fn failed(e: &ApiError, response: &VelesqlResponse, started: Instant) -> Response {
    let body = serde_json::json!({
        "status": {"error": e.message()},
        "result": response,
        "time": started.elapsed().as_secs_f64(),
    });
    let mut answer = (e.status(), Json(body)).into_response();
    if let Some(secs) = e.retry_after() {
        answer
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    answer
}
