//! Integration tests: one test binary, modules by topic. Server tests start the real `plait`
//! binary on an ephemeral loopback port with its own temporary data directory.

mod api_basics;
mod bad_input;
mod binary_vectors;
mod crash;
mod engine_faults;
mod graph_repair;
mod openapi_snapshot;
mod overload;
mod qdrant_client;
mod quantization;
mod quickstart;
mod read_your_writes;
mod recovery;
mod server;
mod vector_index;
mod vector_memory;
mod wal_damage;
