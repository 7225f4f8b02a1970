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
stamp="$venv/.requirements.sha256"
out_dir="$repo/target/peers"

want="$(sha256sum "$requirements" | cut -d' ' -f1)"
if ! { [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c 'import duckdb, numpy' >/dev/null 2>&1 \
    && [[ -f "$stamp" ]] && [[ "$(cat "$stamp")" == "$want" ]]; }; then
    rm -rf "$venv"
    "${PYTHON:-python3}" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet -r "$requirements"
    echo "$want" >"$stamp"
fi
mkdir -p "$out_dir"
cd "$repo"
cargo build --release --quiet
lscpu | grep -E '^(Model name|CPU\(s\)):' | tee "$out_dir/velesql.txt"
"$venv/bin/python" "$here/velesql.py" target/release/plait | tee -a "$out_dir/velesql.txt"
