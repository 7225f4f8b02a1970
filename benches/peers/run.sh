#!/usr/bin/env bash
# Peer ANN benchmark: Plait's in-process HNSW (`plait bench ann`) and hnswlib
# (benches/peers/hnswlib_ann.py) on the same files with the same parameters, one after the
# other in this run, then a markdown comparison (benches/peers/compare.py).
#
#   bash benches/peers/run.sh
#
# Environment (defaults in brackets):
#   PLAIT_DATASET    dataset dir with base.fvecs, queries.fvecs, groundtruth.ivecs
#                    [<repo>/../shared/data/wordnet-minilm-384]
#   METRIC [cosine]  K [10]  M [16]  EF_CONSTRUCTION [200]  EF [10,20,40,80,160,320]
#   THREADS [1]      BUILD_THREADS [2]
#   PYTHON [python3] interpreter used to create <repo>/.venv-peers
#   SQ8_ARGS ["--quantization sq8 --oversampling 2"]  a second Plait configuration run in the
#                    same rounds (graph searched on SQ8 codes, re-scored on f32); empty to skip
#
# REPEAT (default 3) rounds; the comparison pairs the runs of each round and reports every
# figure and every ratio as median (min-max) over the rounds: the run-to-run spread.
# hnswlib is called in batches (one knn_query over the whole query matrix), so its QPS carries
# no Python call overhead; see hnswlib_ann.py.
# Outputs: target/peers/plait.jsonl, target/peers/plait-sq8.jsonl, target/peers/hnswlib.jsonl,
# target/peers/host.txt (CPU model, load average before each round),
# target/peers/compare.md (Plait f32 against hnswlib, then Plait SQ8 against hnswlib).
# The virtual environment <repo>/.venv-peers is created once and reinstalled only when
# requirements.txt changes (its sha256 is kept in .venv-peers/.requirements.sha256).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="$repo/.venv-peers"
requirements="$here/requirements.txt"
stamp="$venv/.requirements.sha256"
out_dir="$repo/target/peers"
plait_bin="${CARGO_TARGET_DIR:-$repo/target}/release/plait"

dataset="${PLAIT_DATASET:-$repo/../shared/data/wordnet-minilm-384}"
metric="${METRIC:-cosine}"
k="${K:-10}"
m="${M:-16}"
ef_construction="${EF_CONSTRUCTION:-200}"
ef="${EF:-10,20,40,80,160,320}"
threads="${THREADS:-1}"
build_threads="${BUILD_THREADS:-2}"
read -r -a sq8_args <<<"${SQ8_ARGS---quantization sq8 --oversampling 2}"

# Prints a command (shell-quoted) and runs it.
run() {
    printf '+'
    printf ' %q' "$@"
    printf '\n'
    "$@"
}

# Prints a command with its output file, runs it, and saves its stdout there (also shown).
run_to() {
    local file="$1"
    shift
    printf '+'
    printf ' %q' "$@"
    printf ' >> %q\n' "$file"
    "$@" | tee -a "$file"
}

for f in base.fvecs queries.fvecs groundtruth.ivecs; do
    if [[ ! -f "$dataset/$f" ]]; then
        echo "run.sh: $dataset/$f not found (set PLAIT_DATASET to a dir with base.fvecs, queries.fvecs, groundtruth.ivecs)" >&2
        exit 1
    fi
done
dataset="$(cd "$dataset" && pwd)"

# --- Python environment for hnswlib -------------------------------------------------------
want="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c 'import hnswlib, numpy' >/dev/null 2>&1 \
    && [[ -f "$stamp" ]] && [[ "$(cat "$stamp")" == "$want" ]]; then
    echo "# $venv is up to date with $requirements"
else
    run rm -rf "$venv"
    run "${PYTHON:-python3}" -m venv "$venv"
    run "$venv/bin/python" -m pip install --quiet --upgrade pip
    run "$venv/bin/python" -m pip install --quiet -r "$requirements"
    echo "$want" >"$stamp"
fi
echo "# $("$venv/bin/python" -c 'import importlib.metadata as m; print("hnswlib", m.version("hnswlib"), "numpy", m.version("numpy"))')"

# --- Plait ------------------------------------------------------------------------------
cd "$repo"
run cargo build --release
mkdir -p "$out_dir"

args=(
    --base "$dataset/base.fvecs"
    --queries "$dataset/queries.fvecs"
    --groundtruth "$dataset/groundtruth.ivecs"
    --metric "$metric"
    --k "$k"
    --m "$m"
    --ef-construction "$ef_construction"
    --ef "$ef"
    --threads "$threads"
    --build-threads "$build_threads"
    --json
)

# One after the other, never together: each would steal the other's cores. The pair is
# repeated REPEAT times, alternating, and compare.py reports the median and the spread over the
# rounds, because a shared machine is noisy (QPS varies by 20-30% or more between identical runs).
repeat="${REPEAT:-3}"
rm -f "$out_dir/plait.jsonl" "$out_dir/plait-sq8.jsonl" "$out_dir/hnswlib.jsonl" "$out_dir/compare.md"
{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit: $(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)"
    lscpu | grep -E '^(Model name|CPU\(s\)|Thread\(s\) per core):' || true
} >"$out_dir/host.txt"
for round in $(seq 1 "$repeat"); do
    echo "# round $round of $repeat"
    echo "round $round load average: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out_dir/host.txt"
    run_to "$out_dir/plait.jsonl" "$plait_bin" bench ann "${args[@]}"
    if ((${#sq8_args[@]})); then
        run_to "$out_dir/plait-sq8.jsonl" "$plait_bin" bench ann "${args[@]}" "${sq8_args[@]}"
    fi
    run_to "$out_dir/hnswlib.jsonl" "$venv/bin/python" "$here/hnswlib_ann.py" "${args[@]}"
done

echo "end load average: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out_dir/host.txt"
params="$repeat rounds, dataset $(basename "$dataset"), metric $metric, k $k, m $m, ef_construction $ef_construction, query threads $threads, build threads $build_threads"
echo
run_to "$out_dir/compare.md" "$venv/bin/python" "$here/compare.py" \
    "$out_dir/plait.jsonl" "$out_dir/hnswlib.jsonl" --params "Plait f32, $params"
if ((${#sq8_args[@]})); then
    run_to "$out_dir/compare.md" "$venv/bin/python" "$here/compare.py" \
        "$out_dir/plait-sq8.jsonl" "$out_dir/hnswlib.jsonl" --params "Plait ${sq8_args[*]}, $params"
fi
