#!/usr/bin/env bash
# Import and export rates of `plait import` / `plait export` on the shared wordnet set, over HTTP
# against a local release server (default settings: fsync durability; HNSW m 16, ef_construct
# 100, the collection defaults). Each round starts a fresh server and runs, one after the other:
#   1. import base.fvecs with texts.jsonl as payloads (--create, Cosine) into `wn`;
#   2. export `wn` to JSONL;
#   3. import `wn` into `wn_copy` on the same server with --from-qdrant (scroll + upsert).
# Every step's summary line (points, seconds, points/s) is printed, then each rate as the median
# (min-max) over the rounds.
#
#   bash benches/transfer.sh
#
# Environment: PLAIT_DATASET [../shared/data/wordnet-minilm-384], TRANSFER_BATCH [256],
# TRANSFER_ROUNDS [3]. Output: target/transfer/transfer.txt (also on stdout); progress lines and
# any error of a step go to target/transfer/progress.log.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
dataset="${PLAIT_DATASET:-$repo/../shared/data/wordnet-minilm-384}"
batch="${TRANSFER_BATCH:-256}"
rounds="${TRANSFER_ROUNDS:-3}"
out_dir="$repo/target/transfer"
mkdir -p "$out_dir"
cd "$repo"
cargo build --release --quiet --bin plait
plait="$repo/target/release/plait"
report="$out_dir/transfer.txt"
progress="$out_dir/progress.log"
: >"$progress"

work="$(mktemp -d)"
server_pid=""
stop_server() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
}
trap 'stop_server; rm -rf "$work"' EXIT

# One round on a fresh server and data directory; prints "step: summary" lines.
round() {
    local data="$work/data-$1" port url
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    url="http://127.0.0.1:$port"
    "$plait" serve --host 127.0.0.1 --port "$port" --data-dir "$data" --log-level warn \
        >"$work/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 600); do
        if "$plait" healthcheck --url "$url/readyz" >/dev/null 2>&1; then break; fi
        sleep 0.1
    done
    echo "round $1, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "fvecs: $("$plait" import --url "$url" --collection wn --create --batch "$batch" \
        --from-fvecs "$dataset/base.fvecs" --payloads "$dataset/texts.jsonl" 2>>"$progress")"
    echo "export: $("$plait" export --url "$url" --collection wn --out "$work/wn.jsonl" \
        --batch "$batch" 2>>"$progress") ($(stat -c %s "$work/wn.jsonl") bytes)"
    echo "scroll: $("$plait" import --url "$url" --collection wn_copy --create --batch "$batch" \
        --from-qdrant "$url" --source-collection wn 2>>"$progress")"
    stop_server
    rm -rf "$data" "$work/wn.jsonl"
}

{
    lscpu | grep -E '^(Model name|CPU\(s\)):'
    echo "dataset: $dataset, batch $batch, commit $(git rev-parse --short HEAD)"
    for r in $(seq 1 "$rounds"); do round "$r"; done
} | tee "$report"

python3 - "$report" <<'PY'
import re, statistics, sys
rates = {}
for line in open(sys.argv[1]):
    m = re.match(r"(fvecs|export|scroll): \w+ (\d+) points in [\d.]+ s \((\d+) points/s\)", line)
    if m:
        rates.setdefault(m.group(1), []).append(int(m.group(3)))
names = {"fvecs": "import from fvecs + payload JSONL", "export": "export to JSONL",
         "scroll": "import from a server (--from-qdrant)"}
for key, label in names.items():
    r = rates.get(key, [])
    if r:
        print(f"{label}: {statistics.median(r):.0f} ({min(r)}-{max(r)}) points/s over {len(r)} rounds")
PY
