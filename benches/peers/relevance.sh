#!/usr/bin/env bash
# Retrieval quality of every search mode (dense, BM25, sparse, fusions, MMR): recall@10 and
# nDCG@10 over HTTP on the shared WordNet set, against a relevance set built from WordNet's own
# links between synsets (see benches/peers/relevance.py for how, and what it measures).
#
#   bash benches/peers/relevance.sh
#
# Environment: PLAIT_DATASET, WORDNET_DIR [/usr/share/wordnet], RELEVANCE_QUERIES [1000],
# PYTHON [python3]. Output: target/peers/relevance.txt.
#
# Installs, idempotently: the virtual environment <repo>/.venv-relevance (numpy; reinstalled
# only when requirements-relevance.txt changes), and Debian's wordnet-base with apt-get when
# its data files are missing (root only).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="$repo/.venv-relevance"
requirements="$here/requirements-relevance.txt"
out_dir="$repo/target/peers"
plait_bin="${CARGO_TARGET_DIR:-$repo/target}/release/plait"
wordnet="${WORDNET_DIR:-/usr/share/wordnet}"

# shellcheck source=benches/peers/python_venv.sh
source "$here/python_venv.sh"
ensure_venv "$venv" "$requirements" numpy

if [[ ! -f "$wordnet/data.noun" ]]; then
    if [[ "$(id -u)" != 0 ]]; then
        echo "WordNet's data files are not in $wordnet; as root: apt-get install wordnet-base" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wordnet-base >/dev/null
fi

cd "$repo"
cargo build --release --quiet
mkdir -p "$out_dir"
{
    echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "# CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
} >"$out_dir/relevance.txt"
WORDNET_DIR="$wordnet" "$venv/bin/python" "$here/relevance.py" "$plait_bin" | tee -a "$out_dir/relevance.txt"
