//! Access control: API keys (admin and read-only) and tokens that limit a caller to some
//! collections, checked for every request before its body is read.
//!
//! It owns who may call what: the rule of each route (`route_rules.rs`), the credentials and how
//! they are compared (`secret.rs`, in constant time), the tokens (`token.rs`, Qdrant's RBAC
//! shape) and what each grant covers (`grant.rs`). It never logs or echoes a credential, and it
//! knows nothing of what a route does beyond its rule. Without any key configured every request
//! is allowed (the server then refuses to listen beyond loopback unless told otherwise; see
//! `main.rs`).

mod grant;
mod layer;
mod route_rules;
mod secret;
mod token;

use axum::http::HeaderMap;

pub use grant::{Forbidden, Grant};
pub use layer::{AccessGate, authorize, check_need};
pub use route_rules::{Rule, rule};
pub use secret::Secret;
pub use token::{TokenError, grant_of};

/// The configured keys and which documents stay open.
#[derive(Debug, Clone, Default)]
pub struct AccessControl {
    admin: Vec<Secret>,
    read_only: Vec<Secret>,
    /// `/metrics` without a credential.
    pub open_metrics: bool,
    /// `/docs` and `/openapi.json` without a credential.
    pub open_docs: bool,
}

/// The header Qdrant's clients send their key in.
pub const API_KEY_HEADER: &str = "api-key";

/// The credential a request carries (`api-key: K`, else `Authorization: Bearer K`), if any.
#[must_use]
pub fn credential(headers: &HeaderMap) -> Option<&[u8]> {
    headers
        .get(API_KEY_HEADER)
        .map(|v| v.as_bytes())
        .or_else(|| {
            headers
                .get(axum::http::header::AUTHORIZATION)
                .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
        })
        .map(<[u8]>::trim_ascii)
        .filter(|g| !g.is_empty())
}

impl AccessControl {
    /// Keys from the configuration; empty lists mean no access control.
    #[must_use]
    pub fn new(
        admin: &[String],
        read_only: &[String],
        open_metrics: bool,
        open_docs: bool,
    ) -> Self {
        Self {
            admin: admin.iter().map(|k| Secret::new(k)).collect(),
            read_only: read_only.iter().map(|k| Secret::new(k)).collect(),
            open_metrics,
            open_docs,
        }
    }

    /// Whether any key is configured (otherwise every request is allowed).
    #[must_use]
    pub fn enabled(&self) -> bool {
        !self.admin.is_empty() || !self.read_only.is_empty()
    }

    /// The grant of the credential in `headers` (`api-key: K` or `Authorization: Bearer K`,
    /// where K is a key or a token signed with an admin key).
    ///
    /// # Errors
    /// The 401 message: no credential, or one that is not valid.
    pub fn authenticate(&self, headers: &HeaderMap) -> Result<Grant, String> {
        let Some(given) = credential(headers) else {
            return Err(
                "this server requires an API key: send it in the `api-key` header or \
                        as `Authorization: Bearer <key>`"
                    .to_owned(),
            );
        };
        // Every key is compared, so the time taken does not say which kind matched.
        let admin = self
            .admin
            .iter()
            .fold(false, |hit, k| k.matches(given) | hit);
        let read_only = self
            .read_only
            .iter()
            .fold(false, |hit, k| k.matches(given) | hit);
        if admin {
            return Ok(Grant::Admin);
        }
        if read_only {
            return Ok(Grant::ReadAll);
        }
        let token = std::str::from_utf8(given).map_err(|_| TokenError::Invalid.to_string())?;
        grant_of(token, &self.admin).map_err(|e| e.to_string())
    }
}
