#!/usr/bin/env bash
# HTTP load on loopback with the compiled load generator (benches/loadgen): ingest with fsync
# durability, searches at the smallest ef that reaches the target recall with 1 and 8 keep-alive
# connections, and a mixed read/write run. Each figure comes with the server's CPU time per
# request (from /proc) and the generator's own, so the generator is visibly not the bottleneck.
# Client and server share the machine's cores.
#
#   bash benches/http_load.sh
#
# Environment: PLAIT_DATASET [../shared/data/wordnet-minilm-384], HTTP_LOAD_ROUNDS [3],
# HTTP_LOAD_SECONDS [15] per search run, HTTP_LOAD_RECALL [0.95], HTTP_LOAD_BATCH [1000].
# Output: target/http_load/report.txt (also on stdout), JSON figures beside it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
rounds="${HTTP_LOAD_ROUNDS:-3}"
seconds="${HTTP_LOAD_SECONDS:-15}"
target_recall="${HTTP_LOAD_RECALL:-0.95}"
batch="${HTTP_LOAD_BATCH:-1000}"
out_dir="$repo/target/http_load"
mkdir -p "$out_dir"
cd "$repo"
cargo build --release --quiet --bin plait
cargo bench --quiet --bench loadgen --no-run 2>/dev/null
plait="$repo/target/release/plait"
loadgen="$(ls -t "$repo"/target/release/deps/loadgen-* | grep -v '\.d$' | head -1)"
report="$out_dir/report.txt"

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

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$plait" serve --host 127.0.0.1 --port "$port" --data-dir "$work/data" --log-level warn \
    >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do
    if "$plait" healthcheck --url "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then break; fi
    sleep 0.1
done
lg() { "$loadgen" --host "127.0.0.1:$port" --server-pid "$server_pid" "$@"; }

{
    echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%FT%TZ)"
    echo "## ingest (batches of $batch, durability fsync, m 16, ef_construct 200, one connection)"
    lg --json-out "$out_dir/ingest.json" ingest --batch "$batch" --connections 1 --durability fsync
    echo "## choosing ef: the smallest with recall@10 >= $target_recall"
    ef=""
    for candidate in 16 24 32 40 48 64 96 128 192 256; do
        lg --json-out "$out_dir/recall.json" search --seconds 0 --ef "$candidate" >"$work/recall.txt"
        head -1 "$work/recall.txt"
        if python3 -c "import json,sys; sys.exit(0 if json.load(open('$out_dir/recall.json'))['recall'] >= $target_recall else 1)"; then
            ef="$candidate"
            break
        fi
    done
    [[ -n "$ef" ]] || { echo "no ef reached recall $target_recall"; exit 1; }
    echo "ef $ef"
    for r in $(seq 1 "$rounds"); do
        for c in 1 8; do
            echo "## round $r, search, $c connection(s), ${seconds} s, load average $(cut -d' ' -f1-3 /proc/loadavg)"
            lg --json-out "$out_dir/search-$c-$r.json" search --connections "$c" --seconds "$seconds" --ef "$ef"
        done
    done
    echo "## mixed: 8 connections, one upsert of 10 points every 10 requests, ${seconds} s"
    lg --json-out "$out_dir/mixed.json" mixed --connections 8 --seconds "$seconds" --ef "$ef"
    echo "## summary: median (min-max) over $rounds rounds"
    python3 - "$out_dir" "$rounds" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
for c in (1, 8):
    runs = [json.load(open(f"{out}/search-{c}-{r}.json")) for r in range(1, rounds + 1)]
    for key, unit in (("qps", ""), ("p50_ms", " ms"), ("p99_ms", " ms"), ("server_cpu_ms_per_request", " ms"), ("client_cpu_ms_per_request", " ms")):
        xs = [x[key] for x in runs if key in x]
        if xs:
            print(f"{c} connection(s) {key}: {statistics.median(xs):.3f}{unit} ({min(xs):.3f}-{max(xs):.3f})")
PY
} 2>&1 | tee "$report"
