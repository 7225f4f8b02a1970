//! LlamaIndex's Qdrant vector store (PyPI `llama-index-vector-stores-qdrant`, dense mode),
//! unchanged, against the real server: add nodes with metadata, retriever and query with scores,
//! delete by id; the calls that need payload filters are checked to fail with a clear 422. The
//! script `tests/llama_index/run.sh` installs it into `.venv-llama-index` (idempotently).

use crate::client_script::run_scenario;
use crate::server::TestResult;

#[test]
fn llama_index_vector_store_works_unchanged() -> TestResult {
    run_scenario("llama_index/run.sh")
}
