//! Transport: how connections reach the router. A [`Listener`] accepts TCP connections and, when
//! TLS is configured, wraps each in a rustls session whose handshake runs on the connection's own
//! task (a slow or silent client never holds up the accept loop). [`CertStore`] holds the served
//! certificate and swaps it on SIGHUP ([`reload_on_hangup`]): new handshakes get the new one, open
//! connections keep theirs, and a bad new pair is logged and the old one kept.
//!
//! The router learns each client's address as `ConnectInfo<api::PeerAddr>`, which the listener
//! provides.
//!
//! It owns sockets, TLS sessions and certificates. It never looks at HTTP (routing, limits and
//! access are `api/`'s), never prints key material, and never ends the process on a failed reload.

mod connection;
mod listener;
mod tls;

pub use connection::Connection;
pub use listener::Listener;
pub use tls::{CertStore, TlsError, reload_on_hangup};
