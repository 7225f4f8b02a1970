//! The HTTP side the command-line clients share (`plait sql`, `import`/`export`, `snapshot`): a
//! blocking client for a server URL (`http://` or `https://`, with the API key to send and the
//! certificate authorities to trust), and the wording of what went wrong. Each client keeps its
//! own error type; this module only says why a URL or a setting cannot be used and how a failure
//! reads. It never prints a key.

use std::path::PathBuf;
use std::time::Duration;

use reqwest::blocking::Client;
use reqwest::header::{HeaderMap, HeaderValue};

/// How a command-line client is let in: the key it sends and, for `https://`, the certificate
/// authorities it trusts besides the system's (a server with a self-signed certificate names
/// that certificate here).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServerAccess {
    /// The API key to send (as the `api-key` header); a read-only key is enough for reads.
    #[arg(long = "api-key", env = "PLAIT_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// PEM certificates to trust for https:// URLs, besides the system's trust store.
    #[arg(long = "ca-cert", env = "PLAIT_CA_CERT", value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
}

/// The most of a non-JSON answer quoted in an error.
pub const BODY_EXCERPT_CHARS: usize = 200;

/// A client for the server at `url` (`http://host:port` or `https://...`, an optional path
/// prefix) without a key, and the base URL to put paths after, or why the URL cannot be used.
///
/// # Errors
/// As [`client_with`].
pub fn client_for(url: &str) -> Result<(Client, String), String> {
    client_with(url, &ServerAccess::default())
}

/// A client for the server at `url` let in by `access`, and the base URL to put paths after.
///
/// # Errors
/// The reason, in words: not a URL, neither `http://` nor `https://`, a key that cannot be a
/// header, an unreadable or empty CA file, or a client that could not be built.
pub fn client_with(url: &str, access: &ServerAccess) -> Result<(Client, String), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("only http:// and https:// URLs are supported".to_owned());
    }
    let mut builder = Client::builder()
        .connect_timeout(Duration::from_secs(10))
        // The server bounds each request with its own timeout and answers 408.
        .timeout(None)
        .use_rustls_tls();
    if let Some(key) = &access.api_key {
        let mut value = HeaderValue::from_str(key)
            .map_err(|_| "the API key holds characters a header cannot carry".to_owned())?;
        value.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert("api-key", value);
        builder = builder.default_headers(headers);
    }
    if let Some(path) = &access.ca_cert {
        let pem = std::fs::read(path)
            .map_err(|e| format!("cannot read the CA certificate {}: {e}", path.display()))?;
        let roots = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            format!(
                "{} is not a PEM certificate file: {}",
                path.display(),
                innermost(&e)
            )
        })?;
        if roots.is_empty() {
            return Err(format!("{} holds no PEM certificate", path.display()));
        }
        for root in roots {
            builder = builder.add_root_certificate(root);
        }
    }
    let http = builder.build().map_err(|e| innermost(&e))?;
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
