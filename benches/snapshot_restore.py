#!/usr/bin/env python3
"""Snapshot and restore of the shared 65,000 x 384 collection, and search latency while a snapshot
is taken against idle.

Starts `plait serve` (PLAIT_BIN, default target/release/plait) on a temporary data directory,
loads base.fvecs of the dataset (PLAIT_DATASET, default ../shared/data/wordnet-minilm-384), then:

1. idle: one client runs /points/query searches (the dataset's queries, limit 10) back to back
   for IDLE_SECS seconds; p50 and p99 of their latency;
2. snapshots: ROUNDS times, the same client searches while another thread takes a snapshot
   (POST /collections/c/snapshots); the searches that overlap a snapshot give the "during" p50 and
   p99, the snapshot calls their time, the result its size;
3. restore: ROUNDS times, PUT /collections/restored/snapshots/recover from the first snapshot.

Usage: python3 benches/snapshot_restore.py   (prints one JSON object)
Standard library only.
"""
import json
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("PLAIT_BIN", os.path.join(ROOT, "target/release/plait"))
DATASET = os.environ.get("PLAIT_DATASET", os.path.join(ROOT, "../shared/data/wordnet-minilm-384"))
ROUNDS = int(os.environ.get("ROUNDS", "5"))
IDLE_SECS = float(os.environ.get("IDLE_SECS", "20"))


def read_fvecs(path):
    with open(path, "rb") as f:
        data = f.read()
    (dim,) = struct.unpack_from("<i", data, 0)
    step = 4 + 4 * dim
    return [list(struct.unpack_from(f"<{dim}f", data, off + 4)) for off in range(0, len(data), step)]


def call(base, method, path, body=None, timeout=3600):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("content-type", "application/json")
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read())


def start(data_dir):
    proc = subprocess.Popen(
        [BIN, "serve", "--host", "127.0.0.1", "--port", "0", "--log-format", "json",
         "--data-dir", data_dir, "--request-timeout-secs", "3600"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("message") == "plait listening":
            threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
            return proc, "http://" + event["address"]
    raise RuntimeError("the server did not start")


def percentile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def search_loop(base, queries, stop, out):
    i = 0
    while not stop.is_set():
        q = queries[i % len(queries)]
        i += 1
        t0 = time.perf_counter()
        call(base, "POST", "/collections/c/points/query", {"query": q, "limit": 10})
        t1 = time.perf_counter()
        out.append((t0, t1))


def main():
    base_vectors = read_fvecs(os.path.join(DATASET, "base.fvecs"))
    queries = read_fvecs(os.path.join(DATASET, "queries.fvecs"))
    load_start = os.getloadavg()[0]
    data_dir = tempfile.mkdtemp(prefix="plait-snapshot-bench-")
    proc, base = start(data_dir)
    try:
        call(base, "PUT", "/collections/c", {"vectors": {"size": len(base_vectors[0]), "distance": "Cosine"}})
        t0 = time.perf_counter()
        for start_id in range(0, len(base_vectors), 1000):
            points = [{"id": start_id + i, "vector": v, "payload": {"n": start_id + i}}
                      for i, v in enumerate(base_vectors[start_id:start_id + 1000])]
            call(base, "PUT", "/collections/c/points?wait=true", {"points": points})
        load_secs = time.perf_counter() - t0

        idle = []
        stop = threading.Event()
        t = threading.Thread(target=search_loop, args=(base, queries, stop, idle))
        t.start()
        time.sleep(IDLE_SECS)
        stop.set()
        t.join()
        idle_ms = [(b - a) * 1000 for a, b in idle]

        during, snaps = [], []
        for _ in range(ROUNDS):
            samples = []
            stop = threading.Event()
            t = threading.Thread(target=search_loop, args=(base, queries, stop, samples))
            t.start()
            time.sleep(1)
            s0 = time.perf_counter()
            result = call(base, "POST", "/collections/c/snapshots?wait=true")["result"]
            s1 = time.perf_counter()
            stop.set()
            t.join()
            snaps.append({"secs": s1 - s0, "bytes": result["size"], "name": result["name"]})
            during += [(b - a) * 1000 for a, b in samples if b > s0 and a < s1]

        location = "file://" + os.path.join(data_dir, "snapshots", "c", snaps[0]["name"])
        restores = []
        for _ in range(ROUNDS):
            r0 = time.perf_counter()
            call(base, "PUT", "/collections/restored/snapshots/recover", {"location": location})
            restores.append(time.perf_counter() - r0)
        count = call(base, "POST", "/collections/restored/points/count", {"exact": True})["result"]["count"]
        if count != len(base_vectors):
            raise RuntimeError(f"restored {count} points, not {len(base_vectors)}")

        print(json.dumps({
            "points": len(base_vectors),
            "loadavg_start_end": [round(load_start, 1), round(os.getloadavg()[0], 1)],
            "load_secs": round(load_secs, 1),
            "idle": {"searches": len(idle_ms), "p50_ms": round(statistics.median(idle_ms), 2),
                     "p99_ms": round(percentile(idle_ms, 0.99), 2)},
            "during_snapshot": {"searches": len(during), "p50_ms": round(statistics.median(during), 2),
                                "p99_ms": round(percentile(during, 0.99), 2)},
            "snapshot_secs": [round(s["secs"], 2) for s in snaps],
            "snapshot_bytes": [s["bytes"] for s in snaps],
            "restore_secs": [round(r, 2) for r in restores],
        }, indent=1))
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
