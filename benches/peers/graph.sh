#!/usr/bin/env bash
# Graph traversals side by side in one command: Plait over HTTP (REST traverse and VelesQL
# MATCH) against Kùzu (embedded, in-process) and PostgreSQL recursive CTEs, on the WordNet
# graph of the shared data set, every answer checked against a BFS over edges.jsonl; then
# Plait's hybrid query (NEAR + 2-hop MATCH + column filter) p50/p99 (benches/peers/graph.py).
#
#   bash benches/peers/graph.sh
#
# Environment: PLAIT_DATASET, GBENCH_STARTS [100], GBENCH_ROUNDS [3], GBENCH_HYBRID [500],
# GBENCH_SEED [20261201], GBENCH_CHECK_ONLY [0] (1: check every answer, time nothing),
# PYTHON [python3]. Output: target/peers/graph.txt.
#
# Installs, idempotently: the virtual environment <repo>/.venv-graph (Kùzu, psycopg, numpy;
# reinstalled only when requirements-graph.txt changes), and Debian's postgresql with apt-get
# when no PostgreSQL server binaries are found (root only). PostgreSQL runs as a private cluster
# in a temporary directory on a free loopback port, started here and stopped on exit; as root it
# runs as the `postgres` system user (the server refuses to run as root).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="$repo/.venv-graph"
requirements="$here/requirements-graph.txt"
out_dir="$repo/target/peers"
plait_bin="${CARGO_TARGET_DIR:-$repo/target}/release/plait"

# shellcheck source=benches/peers/python_venv.sh
source "$here/python_venv.sh"
ensure_venv "$venv" "$requirements" kuzu psycopg numpy

# PostgreSQL server binaries: Debian keeps them in /usr/lib/postgresql/<major>/bin.
pg_bin() {
    local d
    d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    [[ -n "$d" && -x "$d/initdb" && -x "$d/pg_ctl" ]] && echo "$d"
}
if [[ -z "$(pg_bin)" ]]; then
    if [[ "$(id -u)" != 0 ]]; then
        echo "PostgreSQL is not installed; as root: apt-get install postgresql" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
pg="$(pg_bin)"

# Runs a command as the cluster's owner: `postgres` when we are root, ourselves otherwise.
as_owner() {
    if [[ "$(id -u)" == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_dir="$(mktemp -d /tmp/graphbench-pg.XXXXXX)"
[[ "$(id -u)" == 0 ]] && chown postgres "$pg_dir"
pg_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
stop_pg() {
    as_owner "$pg/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
}
trap stop_pg EXIT
as_owner "$pg/initdb" -D "$pg_dir/data" -A trust -U bench -E UTF8 --locale=C >/dev/null
# fsync off: the load is thrown away after the run; jit off: compiling a recursive CTE per call
# costs more than these queries take.
as_owner "$pg/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
    -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c jit=off" start >/dev/null
dsn="host=127.0.0.1 port=$pg_port user=bench dbname=postgres"

mkdir -p "$out_dir"
cd "$repo"
cargo build --release --quiet
{
    lscpu | grep -E '^(Model name|CPU\(s\)):'
    echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out_dir/graph.txt"
"$venv/bin/python" "$here/graph.py" "$plait_bin" "$dsn" | tee -a "$out_dir/graph.txt"
