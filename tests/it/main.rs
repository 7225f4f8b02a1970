//! Integration tests: one test binary, modules by topic. Server tests start the real `plait`
//! binary on an ephemeral loopback port with its own temporary data directory.

mod api_basics;
mod bad_input;
mod binary_vectors;
mod client_script;
mod crash;
mod data_dir_safety;
mod engine_faults;
mod error_answers;
mod full_disk;
mod graph_repair;
mod input_bounds;
mod js_client;
mod langchain;
mod llama_index;
mod openapi_document;
mod openapi_snapshot;
mod openapi_statuses;
mod payload_index;
mod payload_selection;
mod payload_updates;
mod power_cut;
mod process_resources;
mod qdrant_client;
mod quantization;
mod quickstart;
mod read_view;
mod read_your_writes;
mod recovery;
mod search_batch;
mod server;
mod vector_index;
mod vector_memory;
mod vector_names;
mod wal_damage;
mod writer_health;
