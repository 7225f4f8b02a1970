#!/usr/bin/env python3
"""hnswlib counterpart of `plait bench ann`.

Takes the same flags and prints the same result lines, so the two can be run on the same
files and compared line by line (benches/peers/compare.py; benches/peers/run.sh runs both):

  one line per ef:  {"ef":10,"recall":0.85,"qps":10264.0,"p50_us":92.1,"p99_us":184.8,
                     "cpu_us_per_query":95.2,"per_call_qps":9100.0}
  then one line:    {"build_seconds":26.8,"index_bytes":...,"rss_bytes":...,"points":65000,
                     "build_threads":2,"library":"hnswlib","version":"0.8.0"}

Two passes per ef, because one Python call per query costs microseconds that Plait's
in-process Rust loop does not pay:
- qps (the figure compared): one knn_query over the whole query matrix with
  num_threads=--threads, as hnswlib's own benchmarks call it; the library then loops over the
  queries in C++ (sequentially for one thread), so no Python runs between queries.
  qps = queries / wall time of that call; cpu_us_per_query = the process's CPU time during
  that call, per query (steadier than qps when other processes share the cores); recall@k = found ids that are in
  groundtruth[:, :k], over queries * k, from this pass.
- p50_us / p99_us: a second pass, one knn_query per query row, each call timed on its own
  (a batched call has no per-query times). These latencies include the Python-to-C++ call
  overhead; per_call_qps is that pass's queries / wall time, so 1e6/per_call_qps - 1e6/qps is
  the overhead per query in microseconds. With --threads N, N Python threads take the next
  query from a shared counter (hnswlib releases the GIL inside knn_query).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import math
import os
import sys
import tempfile
import threading
import time
from importlib import metadata

import hnswlib
import numpy as np

SPACES = {"cosine": "cosine", "dot": "ip", "euclid": "l2"}


def read_vecs(path: str, kind: str) -> np.ndarray:
    """Reads an .fvecs (kind 'f') or .ivecs (kind 'i') file: per row, a little-endian int32
    dimension followed by that many little-endian float32 / int32 values."""
    raw = np.fromfile(path, dtype="<i4")
    if raw.size == 0:
        sys.exit(f"{path}: empty file")
    dim = int(raw[0])
    if dim <= 0 or raw.size % (dim + 1) != 0:
        sys.exit(f"{path}: not a .{kind}vecs file (first dimension {dim}, {raw.size * 4} bytes)")
    rows = raw.reshape(-1, dim + 1)
    if not np.all(rows[:, 0] == dim):
        sys.exit(f"{path}: rows differ in dimension")
    body = np.ascontiguousarray(rows[:, 1:])
    if kind == "f":
        return body.view("<f4").astype(np.float32, copy=False)
    return body.astype(np.int32, copy=False)


def rss_bytes() -> int:
    """Resident set size of this process from /proc/self/status (0 where unavailable)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def percentile(sorted_values: list[float], p: float) -> float:
    """Same rule as Plait: the value at index round((n - 1) * p), rounding halves up."""
    if not sorted_values:
        return 0.0
    idx = int(math.floor((len(sorted_values) - 1) * p + 0.5))
    return sorted_values[min(idx, len(sorted_values) - 1)]


def index_bytes(index: hnswlib.Index) -> int:
    """Bytes of vectors plus graph: hnswlib's serialized size, or a saved file's size."""
    try:
        return int(index.index_file_size())
    except (AttributeError, RuntimeError):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "index.bin")
            index.save_index(path)
            return os.path.getsize(path)


def parse_ef(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"--ef wants comma-separated integers: {e}") from e
    if not values or any(v <= 0 for v in values):
        raise argparse.ArgumentTypeError("--ef wants positive integers")
    return values


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Build an hnswlib index over an fvecs file and measure recall@k, QPS and "
        "latency per ef (same flags and output as `plait bench ann`)"
    )
    p.add_argument("--base", required=True, help="Base vectors (.fvecs)")
    p.add_argument("--queries", required=True, help="Query vectors (.fvecs)")
    p.add_argument("--groundtruth", required=True, help="Ground-truth neighbour ids per query, best first (.ivecs)")
    p.add_argument("--metric", default="cosine", choices=sorted(SPACES), help="cosine, dot or euclid [default: cosine]")
    p.add_argument("--k", type=int, default=10, help="Neighbours per query [default: 10]")
    p.add_argument("--m", type=int, default=16, help="HNSW links per node [default: 16]")
    p.add_argument("--ef-construction", type=int, default=200, help="HNSW build candidate list size [default: 200]")
    p.add_argument("--ef", type=parse_ef, default=parse_ef("10,20,40,80,160,320"),
                   help="Search candidate list sizes, comma-separated [default: 10,20,40,80,160,320]")
    p.add_argument("--threads", type=int, default=1, help="Query threads [default: 1]")
    p.add_argument("--build-threads", type=int, default=os.cpu_count() or 1, help="Build threads [default: all cores]")
    p.add_argument("--json", action="store_true", help="One JSON object per line instead of a table")
    args = p.parse_args(argv)
    for name in ("k", "m", "ef_construction", "threads", "build_threads"):
        if getattr(args, name) <= 0:
            p.error(f"--{name.replace('_', '-')} must be positive")
    return args


def emit(args: argparse.Namespace, line: dict) -> None:
    if args.json:
        print(json.dumps(line, separators=(",", ":")), flush=True)
    elif "ef" in line:
        print(
            f"ef {line['ef']:>5}  recall@k {line['recall']:.4f}  qps {line['qps']:>9.1f}  "
            f"p50 {line['p50_us']:>8.1f} us  p99 {line['p99_us']:>8.1f} us  "
            f"cpu {line['cpu_us_per_query']:>8.1f} us/query  "
            f"(one call per query: qps {line['per_call_qps']:>9.1f})",
            flush=True,
        )
    else:
        print(
            f"build {line['build_seconds']:.2f} s ({line['points']} points, {line['build_threads']} threads, "
            f"hnswlib {line['version']})  index {line['index_bytes'] / 1048576:.1f} MiB  "
            f"rss {line['rss_bytes'] / 1048576:.1f} MiB",
            flush=True,
        )


def batch_pass(index: hnswlib.Index, queries: np.ndarray, k: int, threads: int):
    """Runs every query in one knn_query call; returns (labels, wall_s, process_cpu_s)."""
    clock = time.perf_counter
    cpu_started = time.process_time()
    started = clock()
    labels, _ = index.knn_query(queries, k=k, num_threads=threads)
    return labels, clock() - started, time.process_time() - cpu_started


def per_call_pass(index: hnswlib.Index, rows: list[np.ndarray], k: int, threads: int):
    """Runs every query once, one knn_query call per query; returns (latencies_us, wall_s)."""
    n = len(rows)
    latencies = [0.0] * n
    clock = time.perf_counter

    def worker(next_query) -> None:
        for q in next_query:
            if q >= n:
                return
            t = clock()
            index.knn_query(rows[q], k=k, num_threads=1)
            latencies[q] = (clock() - t) * 1e6

    if threads == 1:
        started = clock()
        worker(range(n))
        return latencies, clock() - started

    counter = itertools.count()  # next() on it is atomic under the GIL
    pool = [threading.Thread(target=worker, args=(iter(counter.__next__, None),)) for _ in range(threads)]
    started = clock()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return latencies, clock() - started


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    base = read_vecs(args.base, "f")
    queries = read_vecs(args.queries, "f")
    truth = read_vecs(args.groundtruth, "i")
    n, dim = base.shape
    if queries.shape[1] != dim:
        sys.exit("queries and base differ in dimension")
    if truth.shape[0] < queries.shape[0] or truth.shape[1] < args.k:
        sys.exit(f"ground truth needs at least {args.k} ids for each of {queries.shape[0]} queries")
    truth_k = truth[: queries.shape[0], : args.k]

    index = hnswlib.Index(space=SPACES[args.metric], dim=dim)
    index.init_index(max_elements=n, M=args.m, ef_construction=args.ef_construction)
    ids = np.arange(n, dtype=np.int64)
    started = time.perf_counter()
    index.add_items(base, ids, num_threads=args.build_threads)
    build_seconds = time.perf_counter() - started
    del base, ids  # as Plait drops its raw rows once the index holds the vectors
    gc.collect()

    matrix = np.ascontiguousarray(queries)
    rows = [np.ascontiguousarray(queries[q]) for q in range(queries.shape[0])]
    for ef in args.ef:
        index.set_ef(ef)
        index.set_num_threads(args.threads)
        labels, wall, cpu = batch_pass(index, matrix, args.k, args.threads)
        hits = int((labels[:, :, None] == truth_k[:, None, :]).any(axis=2).sum())
        latencies, per_call_wall = per_call_pass(index, rows, args.k, args.threads)
        latencies.sort()
        emit(args, {
            "ef": ef,
            "recall": hits / (len(rows) * args.k),
            "qps": len(rows) / wall,
            "p50_us": percentile(latencies, 0.5),
            "p99_us": percentile(latencies, 0.99),
            "cpu_us_per_query": cpu * 1e6 / len(rows),
            "per_call_qps": len(rows) / per_call_wall,
        })

    emit(args, {
        "build_seconds": build_seconds,
        "index_bytes": index_bytes(index),
        "rss_bytes": rss_bytes(),
        "points": index.get_current_count(),
        "build_threads": args.build_threads,
        "library": "hnswlib",
        "version": metadata.version("hnswlib"),
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
