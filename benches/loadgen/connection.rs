//! One keep-alive HTTP/1.1 connection that sends prepared requests one after another.
//!
//! hyper's low-level client (`client::conn::http1`) is used instead of a pooled client so that the
//! generator spends as little CPU per request as possible: no pool lookup, no URL parsing, bodies
//! built once before the run and shared as `Bytes`.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// A request prepared before the run.
#[derive(Clone)]
pub struct Prepared {
    pub method: Method,
    pub path: String,
    pub body: Bytes,
}

/// The answer to one request: its status, the time from send to the last body byte, and the body.
pub struct Answer {
    pub status: u16,
    pub latency: Duration,
    pub body: Bytes,
}

pub struct Connection {
    sender: SendRequest<Full<Bytes>>,
    host: String,
}

type LoadResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

impl Connection {
    /// Opens a connection to `host` (`127.0.0.1:6333`).
    pub async fn open(host: &str) -> LoadResult<Self> {
        let stream = TcpStream::connect(host).await?;
        stream.set_nodelay(true)?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            // The connection ends when the sender is dropped or the server closes it; either
            // way the next send reports it.
            let _ = conn.await;
        });
        Ok(Self {
            sender,
            host: host.to_owned(),
        })
    }

    /// Sends `request` and reads the whole answer.
    pub async fn send(&mut self, request: &Prepared) -> LoadResult<Answer> {
        self.sender.ready().await?;
        let built = Request::builder()
            .method(request.method.clone())
            .uri(request.path.as_str())
            .header(hyper::header::HOST, self.host.as_str())
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(Full::new(request.body.clone()))?;
        let started = Instant::now();
        let response = self.sender.send_request(built).await?;
        let status = response.status().as_u16();
        let body = response.into_body().collect().await?.to_bytes();
        Ok(Answer {
            status,
            latency: started.elapsed(),
            body,
        })
    }
}
