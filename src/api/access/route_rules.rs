//! The access every route needs, by method and route template. A route missing here is refused
//! to everyone but admins (fail closed); a test checks that every operation of the OpenAPI
//! document has a rule, so a new route cannot ship unclassified.

use axum::http::Method;

use crate::query::execute::Level;

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// No credential (health probes, the service root).
    Open,
    /// `/metrics`: open or a credential that reads, as configured.
    Metrics,
    /// `/docs`, `/openapi.json`: open or a credential that reads, as configured.
    Docs,
    /// A level over the whole server (list collections, full snapshots, aliases).
    Server(Level),
    /// A level on the collection named by the path's `{name}`.
    Collection(Level),
    /// VelesQL: any valid credential here; each statement is then checked for what it touches.
    Statements,
}

/// The rule of `method` on `template`; `None` for a route with no rule.
#[must_use]
pub fn rule(method: &Method, template: &str) -> Option<Rule> {
    use Level::{Manage, Read, Write};
    use Rule::{Collection, Docs, Metrics, Open, Server, Statements};
    let m = method.as_str();
    let rule = match (m, template) {
        ("GET", "/" | "/healthz" | "/livez" | "/readyz") => Open,
        ("GET", "/metrics") => Metrics,
        ("GET", "/docs" | "/openapi.json") => Docs,
        ("GET", "/collections" | "/aliases" | "/snapshots" | "/snapshots/{snapshot}") => {
            Server(Read)
        }
        ("POST", "/snapshots" | "/collections/aliases") | ("DELETE", "/snapshots/{snapshot}") => {
            Server(Manage)
        }
        ("POST", "/query") => Statements,
        ("PUT" | "DELETE", "/collections/{name}")
        | ("PUT", "/collections/{name}/snapshots/recover")
        | ("POST", "/collections/{name}/snapshots/upload") => Collection(Manage),
        (
            "GET",
            "/collections/{name}"
            | "/collections/{name}/exists"
            | "/collections/{name}/aliases"
            | "/collections/{name}/edges/{id}"
            | "/collections/{name}/index/{field_name}"
            | "/collections/{name}/points/{id}"
            | "/collections/{name}/points/{id}/neighbors"
            | "/collections/{name}/snapshots"
            | "/collections/{name}/snapshots/{snapshot}",
        )
        | (
            "POST",
            "/collections/{name}/points"
            | "/collections/{name}/points/count"
            | "/collections/{name}/points/scroll"
            | "/collections/{name}/points/query"
            | "/collections/{name}/points/query/batch"
            | "/collections/{name}/points/search"
            | "/collections/{name}/points/search/batch"
            | "/collections/{name}/points/query/groups"
            | "/collections/{name}/points/search/groups"
            | "/collections/{name}/facet"
            | "/collections/{name}/graph/traverse"
            | "/collections/{name}/graph/shortest_path",
        ) => Collection(Read),
        (
            "PUT",
            "/collections/{name}/points"
            | "/collections/{name}/points/payload"
            | "/collections/{name}/index"
            | "/collections/{name}/edges",
        )
        | (
            "POST",
            "/collections/{name}/points/delete"
            | "/collections/{name}/points/payload"
            | "/collections/{name}/points/payload/clear"
            | "/collections/{name}/points/payload/delete"
            | "/collections/{name}/edges/delete"
            | "/collections/{name}/snapshots",
        )
        | (
            "DELETE",
            "/collections/{name}/index/{field_name}" | "/collections/{name}/snapshots/{snapshot}",
        ) => Collection(Write),
        _ => return None,
    };
    Some(rule)
}

/// Whether some method of `template` has a rule (another method then gets 405, not 403).
#[must_use]
pub fn has_rules(template: &str) -> bool {
    [
        Method::GET,
        Method::PUT,
        Method::POST,
        Method::DELETE,
        Method::PATCH,
    ]
    .iter()
    .any(|m| rule(m, template).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_of_the_openapi_document_has_a_rule() {
        let doc = crate::api::openapi::document();
        let mut missing = Vec::new();
        for (path, item) in &doc.paths.paths {
            for (method, op) in [
                (Method::GET, &item.get),
                (Method::PUT, &item.put),
                (Method::POST, &item.post),
                (Method::DELETE, &item.delete),
                (Method::PATCH, &item.patch),
                (Method::HEAD, &item.head),
            ] {
                if op.is_some() && rule(&method, path).is_none() {
                    missing.push(format!("{method} {path}"));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "routes without an access rule: {missing:?}"
        );
    }
}
