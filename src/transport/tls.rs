//! The served certificate: loaded from a PEM certificate chain and a PEM private key, checked to
//! belong together, and swapped atomically on reload. The rustls server configuration asks
//! [`CertStore`] for the certificate at each handshake, so a reload reaches every new connection
//! and none that is open.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::RwLock;
use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

/// Why a certificate or key could not be loaded. Messages name files, never key bytes.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The certificate file is unreadable or holds no PEM certificate.
    #[error("cannot use the TLS certificate file {path}: {reason}")]
    Certificate {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The key file is unreadable, holds no PEM private key, or a key of a kind rustls refuses.
    #[error("cannot use the TLS key file {path}: {reason}")]
    Key {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The key is not the key of the certificate (or the certificate cannot be parsed).
    #[error("the TLS key {key} does not belong to the certificate {cert}: {reason}")]
    Mismatch {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
        /// What rustls found.
        reason: String,
    },
    /// rustls refused the configuration.
    #[error("cannot set up TLS: {0}")]
    Setup(#[from] rustls::Error),
}

/// The certificate every new handshake is served, and the files it is read from.
#[derive(Debug)]
pub struct CertStore {
    cert_file: PathBuf,
    key_file: PathBuf,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
}

impl CertStore {
    /// Loads `cert_file` and `key_file`.
    ///
    /// # Errors
    /// [`TlsError`] when either file cannot be read or parsed, or the key is not the
    /// certificate's.
    pub fn load(cert_file: &Path, key_file: &Path) -> Result<Arc<Self>, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let current = certified_key(cert_file, key_file, &provider)?;
        Ok(Arc::new(Self {
            cert_file: cert_file.to_path_buf(),
            key_file: key_file.to_path_buf(),
            provider,
            current: RwLock::new(current),
        }))
    }

    /// Reads both files again and serves the new pair to every later handshake; on error the
    /// pair served so far stays.
    ///
    /// # Errors
    /// As [`CertStore::load`]; nothing changes then.
    pub fn reload(&self) -> Result<(), TlsError> {
        let fresh = certified_key(&self.cert_file, &self.key_file, &self.provider)?;
        *self.current.write() = fresh;
        Ok(())
    }

    /// The rustls server configuration that serves this store's certificate (HTTP/1.1 by ALPN,
    /// TLS 1.2 and 1.3, no client certificates).
    ///
    /// # Errors
    /// [`TlsError::Setup`] if rustls refuses its default protocol versions for the provider.
    pub fn server_config(self: &Arc<Self>) -> Result<Arc<ServerConfig>, TlsError> {
        let mut config = ServerConfig::builder_with_provider(Arc::clone(&self.provider))
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_cert_resolver(Arc::clone(self) as Arc<dyn ResolvesServerCert>);
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

impl ResolvesServerCert for CertStore {
    fn resolve(&self, _client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(&self.current.read()))
    }
}

fn certified_key(
    cert_file: &Path,
    key_file: &Path,
    provider: &CryptoProvider,
) -> Result<Arc<CertifiedKey>, TlsError> {
    let cert_error = |reason: String| TlsError::Certificate {
        path: cert_file.to_path_buf(),
        reason,
    };
    let certs = CertificateDer::pem_file_iter(cert_file)
        .map_err(|e| cert_error(pem_reason(&e, "certificate")))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| cert_error(pem_reason(&e, "certificate")))?;
    if certs.is_empty() {
        return Err(cert_error("it holds no PEM certificate".to_owned()));
    }
    let key_error = |reason: String| TlsError::Key {
        path: key_file.to_path_buf(),
        reason,
    };
    let key = PrivateKeyDer::from_pem_file(key_file)
        .map_err(|e| key_error(pem_reason(&e, "private key")))?;
    let signing_key = provider.key_provider.load_private_key(key).map_err(|_| {
        key_error(
            "rustls cannot sign with this key (RSA, ECDSA P-256/P-384 and Ed25519 are supported)"
                .to_owned(),
        )
    })?;
    let certified = CertifiedKey::new(certs, signing_key);
    certified.keys_match().map_err(|e| TlsError::Mismatch {
        cert: cert_file.to_path_buf(),
        key: key_file.to_path_buf(),
        reason: e.to_string(),
    })?;
    Ok(Arc::new(certified))
}

/// A reason that names the problem and never the file's bytes (a base64 error can quote them).
fn pem_reason(e: &pem::Error, what: &str) -> String {
    match e {
        pem::Error::Io(io) => io.to_string(),
        pem::Error::NoItemsFound => format!("it holds no PEM {what}"),
        _ => format!("it is not a valid PEM {what} file"),
    }
}

/// Reloads `store` on every SIGHUP from now on, for as long as the runtime runs; a failed reload
/// is logged and the certificate served so far kept. The signal handler is in place when this
/// returns (so a SIGHUP sent after the server says it listens never takes the default action,
/// which would end the process). Call it from within the tokio runtime.
///
/// # Errors
/// The I/O error when the SIGHUP handler cannot be installed.
pub fn reload_on_hangup(store: Arc<CertStore>) -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hangups = signal(SignalKind::hangup())?;
    tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            let reload = Arc::clone(&store);
            let outcome = tokio::task::spawn_blocking(move || reload.reload()).await;
            match outcome {
                Ok(Ok(())) => {
                    crate::metrics::TLS_RELOADS.with_label_values(&["ok"]).inc();
                    tracing::info!(cert = %store.cert_file.display(), "TLS certificate reloaded");
                }
                Ok(Err(e)) => {
                    crate::metrics::TLS_RELOADS
                        .with_label_values(&["failed"])
                        .inc();
                    tracing::warn!(error = %e, "TLS reload failed; still serving the previous certificate");
                }
                Err(e) => {
                    crate::metrics::TLS_RELOADS
                        .with_label_values(&["failed"])
                        .inc();
                    tracing::warn!(error = %e, "TLS reload task failed; still serving the previous certificate");
                }
            }
        }
    });
    Ok(())
}
