//! LangChain's `QdrantVectorStore` (PyPI `langchain-qdrant`, dense mode), unchanged, against the
//! real server: add texts with metadata, similarity search with scores, retriever, delete. The
//! script `tests/langchain/run.sh` installs it into `.venv-langchain` (idempotently).

use crate::client_script::run_scenario;
use crate::server::TestResult;

#[test]
fn langchain_vector_store_works_unchanged() -> TestResult {
    run_scenario("langchain/run.sh")
}
