//! The listener `axum::serve` accepts from: TCP, with TLS on each connection when configured.
//! Accepting only accepts; the TLS handshake runs later, on the connection's task
//! ([`Connection`]), so one slow handshake never delays the next accept.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::IncomingStream;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use super::connection::Connection;
use super::tls::{CertStore, TlsError};
use crate::api::PeerAddr;

/// A bound TCP listener, plain or TLS.
pub struct Listener {
    tcp: TcpListener,
    tls: Option<TlsAcceptor>,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener")
            .field("tcp", &self.tcp)
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

impl Listener {
    /// Serves `tcp`, over TLS with `certs`' certificate when given.
    ///
    /// # Errors
    /// [`TlsError::Setup`] when rustls refuses the configuration.
    pub fn new(tcp: TcpListener, certs: Option<&Arc<CertStore>>) -> Result<Self, TlsError> {
        let tls = match certs {
            Some(store) => Some(TlsAcceptor::from(store.server_config()?)),
            None => None,
        };
        Ok(Self { tcp, tls })
    }

    /// Whether connections are served over TLS.
    #[must_use]
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }
}

impl axum::serve::Listener for Listener {
    type Io = Connection;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Connection, SocketAddr) {
        loop {
            match self.tcp.accept().await {
                Ok((stream, addr)) => {
                    let connection = match &self.tls {
                        Some(acceptor) => Connection::tls(acceptor.accept(stream)),
                        None => Connection::plain(stream),
                    };
                    return (connection, addr);
                }
                Err(e) => accept_failed(e).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.tcp.local_addr()
    }
}

/// As axum's own TCP listener: a connection that failed before it was accepted is skipped; any
/// other error (out of file descriptors, say) is logged and accepting pauses a second rather than
/// spinning.
async fn accept_failed(e: io::Error) {
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accept failed; retrying in one second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

impl Connected<IncomingStream<'_, Listener>> for PeerAddr {
    fn connect_info(stream: IncomingStream<'_, Listener>) -> Self {
        Self(*stream.remote_addr())
    }
}
