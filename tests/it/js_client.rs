//! The official JavaScript client (npm `@qdrant/js-client-rest`), unchanged, against the real
//! server: create, upsert, query, search, query and search batches, scroll, count, delete. The
//! script `tests/js_client/run.sh` installs it into `.node-qdrant` (idempotently).

use crate::client_script::run_scenario;
use crate::server::TestResult;

#[test]
fn javascript_client_works_unchanged() -> TestResult {
    run_scenario("js_client/run.sh")
}
