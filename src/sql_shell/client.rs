//! [`HttpClient`]: sends statements to `POST /query` and reads the answer, and the
//! [`Execute`] seam the session runs statements through (tests put a fake behind it).

use reqwest::blocking::Client;
use serde_json::{Map, Value, json};

use super::wire::{Envelope, QueryResult};
use crate::cli_http::{ServerAccess, client_with, excerpt, innermost};

/// Runs query text on a server.
pub trait Execute {
    /// Sends `query` with `params` bound; the server's per-statement results, or why there are
    /// none.
    fn execute(&self, query: &str, params: &Map<String, Value>)
    -> Result<QueryResult, ClientError>;
}

/// Why the server gave no statement results.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No connection, or it broke before an answer came.
    #[error("cannot reach the Plait server at {url}: {reason}")]
    Unreachable {
        /// The URL tried.
        url: String,
        /// The innermost cause (`Connection refused`, ...).
        reason: String,
    },
    /// An answer that is not a query result: a route the server lacks, a body too large, a
    /// timeout, an overload.
    #[error("the server at {url} answered {status}: {message}")]
    Refused {
        /// The URL asked.
        url: String,
        /// HTTP status.
        status: u16,
        /// The error envelope's message, or the start of the body.
        message: String,
    },
    /// The URL given is not one the shell can use.
    #[error("{url:?} is not a usable server URL: {reason}")]
    BadUrl {
        /// As given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// Talks to one server over plain HTTP.
#[derive(Debug)]
pub struct HttpClient {
    base: String,
    http: Client,
}

impl HttpClient {
    /// A client for the server at `url` (`http://host:port` or `https://...`, an optional path
    /// prefix) let in by `access` (its key, the CAs it trusts).
    pub fn with_access(url: &str, access: &ServerAccess) -> Result<Self, ClientError> {
        let (http, base) = client_with(url, access).map_err(|reason| ClientError::BadUrl {
            url: url.to_owned(),
            reason,
        })?;
        Ok(Self { base, http })
    }

    /// The server's version, from `GET /`: proves it is reachable before a session starts.
    pub fn server_version(&self) -> Result<String, ClientError> {
        let url = format!("{}/", self.base);
        let response = self
            .http
            .get(&url)
            .send()
            .map_err(|e| unreachable(&url, &e))?;
        let status = response.status().as_u16();
        let body: Value = response.json().map_err(|e| ClientError::Refused {
            url: url.clone(),
            status,
            message: format!("not a Plait server ({})", innermost(&e)),
        })?;
        body["plait_version"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| ClientError::Refused {
                url,
                status,
                message: "not a Plait server (no plait_version in its answer)".to_owned(),
            })
    }
}

impl Execute for HttpClient {
    fn execute(
        &self,
        query: &str,
        params: &Map<String, Value>,
    ) -> Result<QueryResult, ClientError> {
        let url = format!("{}/query", self.base);
        let mut body = json!({ "query": query });
        if !params.is_empty() {
            body["params"] = Value::Object(params.clone());
        }
        let response = self
            .http
            .post(&url)
            .json(&body)
            .send()
            .map_err(|e| unreachable(&url, &e))?;
        let status = response.status().as_u16();
        let text = response.text().map_err(|e| unreachable(&url, &e))?;
        let envelope = serde_json::from_str::<Envelope>(&text).ok();
        if let Some(Envelope {
            result: Some(result),
            ..
        }) = &envelope
            && (!result.statements.is_empty() || result.error.is_some())
        {
            return Ok(result.clone());
        }
        let message = envelope
            .as_ref()
            .and_then(Envelope::error_message)
            .map_or_else(|| excerpt(&text), str::to_owned);
        Err(ClientError::Refused {
            url,
            status,
            message,
        })
    }
}

fn unreachable(url: &str, e: &reqwest::Error) -> ClientError {
    ClientError::Unreachable {
        url: url.to_owned(),
        reason: innermost(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_other_than_http_and_https_are_refused_up_front() {
        assert!(matches!(
            HttpClient::with_access("ftp://example.com", &ServerAccess::default()),
            Err(ClientError::BadUrl { .. })
        ));
        assert!(HttpClient::with_access("https://example.com", &ServerAccess::default()).is_ok());
        assert!(matches!(
            HttpClient::with_access("localhost:8080", &ServerAccess::default()),
            Err(ClientError::BadUrl { .. })
        ));
        assert!(
            HttpClient::with_access("http://127.0.0.1:8080/", &ServerAccess::default()).is_ok()
        );
    }

    #[test]
    fn a_refused_connection_names_the_url() -> Result<(), Box<dyn std::error::Error>> {
        // A port just released: nothing listens on it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let client = HttpClient::with_access(
            &format!("http://127.0.0.1:{port}"),
            &ServerAccess::default(),
        )?;
        let Err(err) = client.execute("SHOW COLLECTIONS", &Map::new()) else {
            return Err("a closed port answered".into());
        };
        let text = err.to_string();
        assert!(matches!(err, ClientError::Unreachable { .. }), "{text}");
        assert!(
            text.contains(&format!("http://127.0.0.1:{port}/query")),
            "{text}"
        );
        Ok(())
    }

    #[test]
    fn long_bodies_are_cut_in_messages() {
        let long = "x".repeat(1000);
        assert_eq!(
            excerpt(&long).chars().count(),
            crate::cli_http::BODY_EXCERPT_CHARS + 3
        );
        assert_eq!(excerpt("  "), "(empty body)");
        assert_eq!(excerpt("short"), "short");
    }
}
