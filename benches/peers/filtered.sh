#!/usr/bin/env bash
# Filtered search side by side in one command: Plait's in-process bench
# (`cargo bench --bench filtered_search`), then hnswlib's filtered search
# (benches/peers/hnswlib_filtered.py) on the same data, filters and rounds.
#
#   bash benches/peers/filtered.sh
#
# Environment: PLAIT_DATASET, FBENCH_QUERIES [200], FBENCH_ROUNDS [3], FBENCH_TARGET [0.98],
# PYTHON [python3]. Outputs: target/peers/filtered-plait.txt, target/peers/filtered-hnswlib.txt.
# The virtual environment <repo>/.venv-peers is the one run.sh keeps (created once, reinstalled
# only when requirements.txt changes).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="$repo/.venv-peers"
requirements="$here/requirements.txt"
out_dir="$repo/target/peers"

# shellcheck source=benches/peers/python_venv.sh
source "$here/python_venv.sh"
ensure_venv "$venv" "$requirements" hnswlib numpy
mkdir -p "$out_dir"
cd "$repo"
lscpu | grep -E '^(Model name|CPU\(s\)):' | tee "$out_dir/filtered-host.txt"
cargo bench --bench filtered_search | tee "$out_dir/filtered-plait.txt"
"$venv/bin/python" "$here/hnswlib_filtered.py" | tee "$out_dir/filtered-hnswlib.txt"
