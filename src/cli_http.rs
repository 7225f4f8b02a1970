//! The HTTP side the command-line clients share (`plait sql`, `import`/`export`, `snapshot`): a
//! blocking client for a server URL, and the wording of what went wrong. Each client keeps its
//! own error type; this module only says why a URL cannot be used and how a failure reads.

use std::time::Duration;

use reqwest::blocking::Client;

/// The most of a non-JSON answer quoted in an error.
pub const BODY_EXCERPT_CHARS: usize = 200;

/// A client for the server at `url` (`http://host:port`, an optional path prefix) and the base
/// URL to put paths after, or why the URL cannot be used.
///
/// # Errors
/// The reason, in words: not a URL, not plain `http://`, or the client could not be built.
pub fn client_for(url: &str) -> Result<(Client, String), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
    if parsed.scheme() != "http" {
        // The binary carries no TLS stack; the server speaks plain HTTP.
        return Err("only http:// URLs are supported".to_owned());
    }
    let http = Client::builder()
        .connect_timeout(Duration::from_secs(10))
        // The server bounds each request with its own timeout and answers 408.
        .timeout(None)
        .build()
        .map_err(|e| innermost(&e))?;
    Ok((http, url.trim_end_matches('/').to_owned()))
}

/// The innermost cause of `e` (`Connection refused`, ...), which says what happened.
pub fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// The start of an answer's body, for an error message.
pub fn excerpt(body: &str) -> String {
    let trimmed = body.trim();
    if trimmed.is_empty() {
        return "(empty body)".to_owned();
    }
    let mut out: String = trimmed.chars().take(BODY_EXCERPT_CHARS).collect();
    if out.len() < trimmed.len() {
        out.push_str("...");
    }
    out
}
