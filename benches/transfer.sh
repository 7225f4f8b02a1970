#!/usr/bin/env bash
# Import and export rates of `plait import` / `plait export` on the shared wordnet set, over HTTP
# against a local release server (default settings: fsync durability, HNSW m 16):
#   1. import base.fvecs with texts.jsonl as payloads (--create, Cosine) into `wn`;
#   2. export `wn` to JSONL;
#   3. import `wn` into `wn_copy` on the same server with --from-qdrant (scroll + upsert).
# Each step prints its summary line (points, seconds, points/s).
#
#   bash benches/transfer.sh
#
# Environment: PLAIT_DATASET [../shared/data/wordnet-minilm-384], TRANSFER_BATCH [256].
# Output: target/transfer/transfer.txt (also on stdout).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
dataset="${PLAIT_DATASET:-$repo/../shared/data/wordnet-minilm-384}"
batch="${TRANSFER_BATCH:-256}"
out_dir="$repo/target/transfer"
mkdir -p "$out_dir"
cd "$repo"
cargo build --release --quiet --bin plait
plait="$repo/target/release/plait"

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
url="http://127.0.0.1:$port"
"$plait" serve --host 127.0.0.1 --port "$port" --data-dir "$work/data" --log-level warn \
    >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do
    if "$plait" healthcheck --url "$url/readyz" >/dev/null 2>&1; then break; fi
    sleep 0.1
done

report="$out_dir/transfer.txt"
: >"$out_dir/progress.log"  # progress lines and any error of the steps
{
    lscpu | grep -E '^(Model name|CPU\(s\)):'
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "dataset: $dataset, batch $batch, commit $(git rev-parse --short HEAD)"
    echo -n "import fvecs + payloads: "
    "$plait" import --url "$url" --collection wn --create --batch "$batch" \
        --from-fvecs "$dataset/base.fvecs" --payloads "$dataset/texts.jsonl" 2>>"$out_dir/progress.log"
    echo -n "export to JSONL: "
    "$plait" export --url "$url" --collection wn --out "$work/wn.jsonl" --batch "$batch" 2>>"$out_dir/progress.log"
    echo "  ($(stat -c %s "$work/wn.jsonl") bytes)"
    echo -n "import from a server (--from-qdrant): "
    "$plait" import --url "$url" --collection wn_copy --create --batch "$batch" \
        --from-qdrant "$url" --source-collection wn 2>>"$out_dir/progress.log"
    echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$report"
