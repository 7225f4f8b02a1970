#!/usr/bin/env bash
# VelesQL side by side in one command: a filtered search through VelesQL against the JSON API,
# and GROUP BY against DuckDB, on the wordnet set (benches/peers/velesql.py).
#
#   bash benches/peers/velesql.sh
#
# Environment: PLAIT_DATASET, VBENCH_ROUNDS [3], VBENCH_QUERIES [200], VBENCH_GROUPBY_REPS [30],
# PYTHON [python3]. Output: target/peers/velesql.txt. The virtual environment <repo>/.venv-velesql
# is created once and reinstalled only when requirements-velesql.txt changes.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="$repo/.venv-velesql"
requirements="$here/requirements-velesql.txt"
out_dir="$repo/target/peers"

# shellcheck source=benches/peers/python_venv.sh
source "$here/python_venv.sh"
ensure_venv "$venv" "$requirements" duckdb numpy
mkdir -p "$out_dir"
cd "$repo"
cargo build --release --quiet
lscpu | grep -E '^(Model name|CPU\(s\)):' | tee "$out_dir/velesql.txt"
"$venv/bin/python" "$here/velesql.py" target/release/plait | tee -a "$out_dir/velesql.txt"
