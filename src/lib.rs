//! Plait: one database server that braids a vector index, a property graph, a typed columnstore and
//! BM25 full text behind VelesQL and a REST API.
//!
//! The layers, top to bottom (dependencies only ever point down):
//!
//! - [`api`]: HTTP wire types, routes, status codes and OpenAPI. No engine logic.
//! - [`query`]: the filter predicate, its evaluation and compilation to bitmaps, the planner.
//! - [`engine`]: the catalog of collections, one writer per collection, concurrent readers.
//! - [`graph`]: edges between the points of a collection, their adjacency and traversals.
//! - [`vector`], [`columns`]: the indexes and value types the engine is made of; every per-slot
//!   secondary index implements [`slot_index::SlotIndex`].
//! - [`storage`]: bytes on disk (file-system seam, WAL, checkpoints, atomic writes).
//!
//! [`transport`] sits above [`api`]: it accepts connections (TCP, or TLS with a certificate
//! reloaded on SIGHUP) and hands them to the router; it knows nothing of HTTP.
//!
//! [`config`] turns the config file, environment and flags into engine and server options (used by
//! `main.rs`); [`metrics`] declares every Prometheus metric and depends on no other module;
//! [`deadline`] is the time limit of the query work on a thread, read by the loops of every layer
//! (the HNSW walk and exact scans included), and depends on nothing either.
#![deny(clippy::unwrap_used, clippy::dbg_macro)]
#![warn(missing_docs)]

pub mod api;
pub mod columns;
pub mod config;
pub mod deadline;
pub mod engine;
pub mod graph;
pub mod metrics;
pub mod postings;
pub mod query;
pub mod slot_index;
pub mod sparse;
pub mod storage;
pub mod text;
pub mod transport;
pub mod vector;
