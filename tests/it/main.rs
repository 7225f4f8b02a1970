//! Integration tests: one test binary, modules by topic. Server tests start the real `plait`
//! binary on an ephemeral loopback port with its own temporary data directory.

mod api_basics;
mod bad_input;
mod binary_vectors;
mod crash;
mod engine_faults;
mod error_answers;
mod graph_repair;
mod input_bounds;
mod openapi_snapshot;
mod payload_selection;
mod qdrant_client;
mod quantization;
mod quickstart;
mod read_your_writes;
mod recovery;
mod server;
mod vector_index;
mod vector_memory;
mod wal_damage;
