//! One accepted connection: plain TCP, or a TLS session whose handshake is driven by the first
//! read or write, on the task that serves the connection. A failed handshake is an I/O error of
//! that connection alone; hyper closes it.

use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::Accept;
use tokio_rustls::server::TlsStream;

/// A connection as `axum::serve` sees it.
pub struct Connection(Kind);

enum Kind {
    /// Plain HTTP.
    Plain(TcpStream),
    /// HTTPS.
    Tls(Box<TlsState>),
}

/// Where a TLS connection is.
enum TlsState {
    /// The handshake has not finished.
    Handshaking(Accept<TcpStream>),
    /// The session is up.
    Ready(TlsStream<TcpStream>),
    /// The handshake failed; every later call fails too.
    Failed,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match &self.0 {
            Kind::Plain(_) => "Connection::Plain",
            Kind::Tls(state) => match **state {
                TlsState::Handshaking(_) => "Connection::Tls(handshaking)",
                TlsState::Ready(_) => "Connection::Tls(ready)",
                TlsState::Failed => "Connection::Tls(failed)",
            },
        })
    }
}

impl Connection {
    /// A plain TCP connection.
    #[must_use]
    pub fn plain(stream: TcpStream) -> Self {
        Self(Kind::Plain(stream))
    }

    /// A TLS connection whose handshake is `accept`.
    #[must_use]
    pub fn tls(accept: Accept<TcpStream>) -> Self {
        Self(Kind::Tls(Box::new(TlsState::Handshaking(accept))))
    }
}

impl TlsState {
    /// Drives the handshake; ready once the session is up.
    fn poll_session(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<&mut TlsStream<TcpStream>>> {
        if let Self::Handshaking(accept) = self {
            match Pin::new(accept).poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(stream)) => *self = Self::Ready(stream),
                Poll::Ready(Err(e)) => {
                    *self = Self::Failed;
                    return Poll::Ready(Err(e));
                }
            }
        }
        match self {
            Self::Ready(stream) => Poll::Ready(Ok(stream)),
            Self::Handshaking(_) | Self::Failed => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "the TLS handshake failed",
            ))),
        }
    }
}

impl AsyncRead for Connection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match &mut self.get_mut().0 {
            Kind::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Kind::Tls(state) => match state.poll_session(cx) {
                Poll::Ready(Ok(s)) => Pin::new(s).poll_read(cx, buf),
                Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().0 {
            Kind::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Kind::Tls(state) => match state.poll_session(cx) {
                Poll::Ready(Ok(s)) => Pin::new(s).poll_write(cx, buf),
                Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().0 {
            Kind::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Kind::Tls(state) => match state.poll_session(cx) {
                Poll::Ready(Ok(s)) => Pin::new(s).poll_write_vectored(cx, bufs),
                Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_write_vectored(&self) -> bool {
        match &self.0 {
            Kind::Plain(s) => s.is_write_vectored(),
            Kind::Tls(state) => match &**state {
                TlsState::Ready(s) => s.is_write_vectored(),
                TlsState::Handshaking(_) | TlsState::Failed => false,
            },
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().0 {
            Kind::Plain(s) => Pin::new(s).poll_flush(cx),
            Kind::Tls(state) => match &mut **state {
                TlsState::Ready(s) => Pin::new(s).poll_flush(cx),
                // Nothing of ours is buffered before the session is up.
                TlsState::Handshaking(_) | TlsState::Failed => Poll::Ready(Ok(())),
            },
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().0 {
            Kind::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Kind::Tls(state) => match &mut **state {
                TlsState::Ready(s) => Pin::new(s).poll_shutdown(cx),
                // A session that never came up has nothing to close but the socket, which
                // dropping the connection closes.
                TlsState::Handshaking(_) | TlsState::Failed => Poll::Ready(Ok(())),
            },
        }
    }
}
