#!/usr/bin/env python3
"""hnswlib counterpart of `cargo bench --bench filtered_search`: its filtered search (the
`filter` callback of `knn_query`) on the same data, filters, k and target recall.

  .venv-peers/bin/python benches/peers/hnswlib_filtered.py   (benches/peers/filtered.sh runs it)

Same dataset (PLAIT_DATASET), same first FBENCH_QUERIES [200] queries, FBENCH_ROUNDS [3],
FBENCH_TARGET [0.98]; index: cosine, M 16, ef_construction 200, 2 build threads. Ground truth:
the exact filtered top-10 by brute force (numpy, float32), ties to the lower id. Per filter, ef
rises through 10..1024 until recall@10 reaches the target; then the rounds time that ef.

hnswlib has no payload indexes: its filter is a Python callable on the label, called for every
candidate the walk meets. "indexed" filters look the label up in a precomputed boolean list
(the cheapest callable there is); "not indexed" ones read the row's metadata dict, as a payload
evaluation would. One knn_query call per query (a call whose filter leaves fewer than k results
raises, which counts as LIMIT not filled for that query), so QPS includes Python call overhead
and the callback's cost: that is how hnswlib's filtered search is used from Python.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path

import hnswlib
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hnswlib_ann import read_vecs  # noqa: E402

K = 10
EFS = [10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024]


def main() -> None:
    repo = Path(__file__).resolve().parents[2]
    dataset = Path(os.environ.get("PLAIT_DATASET", repo / "../shared/data/wordnet-minilm-384"))
    n_queries = int(os.environ.get("FBENCH_QUERIES", "200"))
    rounds = max(1, int(os.environ.get("FBENCH_ROUNDS", "3")))
    target = float(os.environ.get("FBENCH_TARGET", "0.98"))
    base = read_vecs(str(dataset / "base.fvecs"), "f")
    queries = read_vecs(str(dataset / "queries.fvecs"), "f")[:n_queries]
    n = base.shape[0]
    rows = []
    with open(dataset / "texts.jsonl", encoding="utf-8") as f:
        for line in f:
            if len(rows) == n:
                break
            r = json.loads(line)
            rows.append({"pos": r["pos"], "lexname": r["lexname"], "n_lemmas": r["n_lemmas"]})
    print(f"# hnswlib {metadata.version('hnswlib')} numpy {np.__version__}")
    index = hnswlib.Index(space="cosine", dim=base.shape[1])
    index.init_index(max_elements=n, M=16, ef_construction=200, random_seed=100)
    started = time.perf_counter()
    index.add_items(base, np.arange(n), num_threads=2)
    print(f"built {n} points in {time.perf_counter() - started:.1f} s")
    index.set_num_threads(1)

    def unit(m: np.ndarray) -> np.ndarray:
        return m / np.linalg.norm(m, axis=1, keepdims=True)

    scores = unit(queries) @ unit(base).T

    def truth(mask: np.ndarray) -> list[list[int]]:
        allowed = np.flatnonzero(mask)
        out = []
        for s in scores:
            sub = s[allowed]
            order = np.lexsort((allowed, -sub))[:K]
            out.append([int(x) for x in allowed[order]])
        return out

    lex = np.array([r["lexname"] for r in rows])
    lemmas = np.array([r["n_lemmas"] for r in rows])
    filters = [
        ("n_lemmas >= 10 (indexed)", lemmas >= 10, None),
        ("lexname = verb.social (indexed)", lex == "verb.social", None),
        ("lexname = noun.artifact (indexed)", lex == "noun.artifact", None),
        ("n_lemmas >= 2 (indexed)", lemmas >= 2, None),
        ("lexname_copy = verb.social (not indexed)", lex == "verb.social", "verb.social"),
        ("lexname_copy = noun.artifact (not indexed)", lex == "noun.artifact", "noun.artifact"),
    ]

    def run(ef: int, callback, expected: list[list[int]]) -> tuple[float, bool, float]:
        index.set_ef(ef)
        found = []
        started = time.perf_counter()
        for q in queries:
            try:
                labels, _ = index.knn_query(q, k=K, filter=callback)
                found.append([int(x) for x in labels[0]])
            except RuntimeError:
                found.append([])
        wall = time.perf_counter() - started
        hits = sum(len(set(f) & set(t)) for f, t in zip(found, expected))
        filled = all(len(f) >= len(t) for f, t in zip(found, expected))
        return hits / sum(len(t) for t in expected), filled, len(queries) / wall

    chosen = []
    for name, mask, value in filters:
        expected = truth(mask)
        if value is None:
            allowed = mask.tolist()
            callback = allowed.__getitem__
        else:
            callback = lambda label, v=value: rows[label]["lexname"] == v  # noqa: E731
        print(f"\n### {name}: {int(mask.sum())} of {n} match, selectivity {100 * mask.mean():.4f}%")
        best = None
        for ef in EFS:
            recall, filled, qps = run(ef, callback, expected)
            print(f"  hnswlib ef {ef}: recall {recall:.4f} filled {filled} qps {qps:.0f}")
            best = (ef, recall)
            if recall >= target:
                break
        chosen.append((name, callback, expected, best[0], float(mask.mean())))

    results = {c[0]: [] for c in chosen}
    for r in range(1, rounds + 1):
        print(f"\nround {r} of {rounds}: load average {' '.join(open('/proc/loadavg').read().split()[:3])}")
        for name, callback, expected, ef, _ in chosen:
            results[name].append(run(ef, callback, expected))

    print(f"\n## hnswlib results: {len(queries)} queries, k {K}, target {target}, {rounds} rounds, median (min-max)")
    print("| filter | selectivity | ef | recall | filled | QPS |")
    print("|---|---|---|---|---|---|")
    for name, _, _, ef, sel in chosen:
        runs = results[name]
        qps = [x[2] for x in runs]
        print(
            f"| {name} | {100 * sel:.3f}% | {ef} | {runs[0][0]:.4f} | "
            f"{'yes' if all(x[1] for x in runs) else 'no'} | "
            f"{statistics.median(qps):.0f} ({min(qps):.0f}-{max(qps):.0f}) |"
        )


if __name__ == "__main__":
    main()
