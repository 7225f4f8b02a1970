//! The middleware that authenticates each request and checks its route's rule: 401 without a
//! valid credential, 403 when the credential does not cover the route. It runs before any body
//! is read. The grant travels on as a request extension so that the VelesQL handler can check
//! each statement.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRequestParts, MatchedPath, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AccessControl;
use super::grant::{Forbidden, Grant};
use super::route_rules::{Rule, rule};
use crate::api::error::ApiError;
use crate::engine::Engine;
use crate::query::execute::{Level, Need};

/// What the middleware needs: the keys and the engine (to resolve aliases for scoped tokens).
#[derive(Debug, Clone)]
pub struct AccessGate {
    /// The keys.
    pub control: Arc<AccessControl>,
    /// The engine, for aliases.
    pub engine: Arc<Engine>,
}

fn unauthorized(message: String) -> Response {
    let mut response = ApiError::new(StatusCode::UNAUTHORIZED, message).into_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

fn forbidden(Forbidden(message): Forbidden) -> Response {
    ApiError::new(StatusCode::FORBIDDEN, message).into_response()
}

/// Checks `grant` against `need`. A scoped token resolves the collection's aliases on the
/// blocking pool: the catalog's locks are never taken on an async worker.
pub async fn check_need(
    engine: &Arc<Engine>,
    grant: &Grant,
    need: Need<'_>,
) -> Result<(), Forbidden> {
    if !matches!(grant, Grant::Collections(_)) || need.collection.is_none() {
        return grant.allows(need, str::to_owned);
    }
    let (engine, grant) = (Arc::clone(engine), grant.clone());
    let (level, collection) = (need.level, need.collection.map(str::to_owned));
    tokio::task::spawn_blocking(move || {
        grant.allows(
            Need {
                level,
                collection: collection.as_deref(),
            },
            |n| engine.resolve(n),
        )
    })
    .await
    .unwrap_or_else(|_| Err(Forbidden("the access check failed".to_owned())))
}

/// The middleware (`axum::middleware::from_fn_with_state`).
pub async fn authorize(State(gate): State<AccessGate>, req: Request, next: Next) -> Response {
    let control = &gate.control;
    if !control.enabled() {
        let mut req = req;
        req.extensions_mut().insert(Grant::Admin);
        return next.run(req).await;
    }
    let template = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let route_rule = template.as_deref().and_then(|t| rule(req.method(), t));
    match route_rule {
        Some(Rule::Open) => return next.run(req).await,
        Some(Rule::Metrics) if control.open_metrics => return next.run(req).await,
        Some(Rule::Docs) if control.open_docs => return next.run(req).await,
        _ => {}
    }
    let grant = match control.authenticate(req.headers()) {
        Ok(grant) => grant,
        Err(message) => return unauthorized(message),
    };
    let (mut parts, body) = req.into_parts();
    let name = Path::<HashMap<String, String>>::from_request_parts(&mut parts, &())
        .await
        .ok()
        .and_then(|Path(mut params)| params.remove("name"));
    let need = match (template.is_some(), route_rule) {
        // An unknown path: the fallback answers 404 to an authenticated caller.
        (false, _) | (_, Some(Rule::Statements | Rule::Open)) => None,
        (true, Some(Rule::Metrics | Rule::Docs)) => Some((Level::Read, None)),
        (true, Some(Rule::Server(level))) => Some((level, None)),
        (true, Some(Rule::Collection(level))) => Some((level, name.as_deref())),
        // A method the route does not serve: its 405 says so to any authenticated caller.
        (true, None)
            if template
                .as_deref()
                .is_some_and(super::route_rules::has_rules) =>
        {
            None
        }
        // A route without a rule: only admins.
        (true, None) => Some((Level::Manage, None)),
    };
    if let Some((level, collection)) = need
        && let Err(denied) = check_need(&gate.engine, &grant, Need { level, collection }).await
    {
        return forbidden(denied);
    }
    let mut req = Request::from_parts(parts, body);
    req.extensions_mut().insert(grant);
    next.run(req).await
}
