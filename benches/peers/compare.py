#!/usr/bin/env python3
"""Compares `plait bench ann --json` with benches/peers/hnswlib_ann.py --json output.

  python3 compare.py PLAIT.jsonl HNSWLIB.jsonl [--params "m 16, ef_construction 200, ..."]

Each file holds one or more runs (run.sh appends one per round); a run is its per-ef lines
followed by its build line. Run i of one file is paired with run i of the other (run.sh runs
them back to back in the same round), and every ratio is computed within a round, then
summarised over the rounds as "median (min-max)", so the spread next to a ratio is the
run-to-run spread of that ratio on this machine, not a best case picked on each side.

Prints a markdown report:
- per ef: recall, QPS (wall clock, one query thread) and its ratio;
- per ef: CPU time per query (the process's CPU time during the pass), steadier than QPS when
  other processes share the cores, and its ratio;
- per ef: p50 / p99 latency (hnswlib's are per-call, Python overhead included) and the
  Python call overhead per query that hnswlib's batched QPS excludes;
- QPS at equal recall (0.90, 0.95, 0.99): each system's QPS at a target recall interpolated on
  its own (recall, QPS) curve of that round, linear in log(QPS) between the two ef points (in ef
  order) whose recalls bracket the target; the same for CPU-time QPS (1e6 / cpu_us_per_query);
- build time, index size and RSS.
Standard library only.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys

TARGETS = (0.90, 0.95, 0.99)


def load(path: str) -> list[dict]:
    """Reads one JSONL result file into runs: [{"efs": {ef: line}, "build": line}, ...]."""
    runs: list[dict] = []
    efs: dict[int, dict] = {}
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            raw = raw.strip()
            if not raw.startswith("{"):
                continue
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as e:
                sys.exit(f"{path}:{lineno}: bad JSON: {e}")
            if "ef" in obj:
                efs[obj["ef"]] = obj
            elif "build_seconds" in obj:
                if not efs:
                    sys.exit(f"{path}:{lineno}: build line without per-ef lines before it")
                runs.append({"efs": efs, "build": obj})
                efs = {}
    if efs:
        sys.exit(f"{path}: per-ef lines after the last build line (an unfinished run?)")
    if not runs:
        sys.exit(f"{path}: no complete run")
    return runs


def spread(values: list[float | None], digits: int = 1, suffix: str = "") -> str:
    """'median (min-max)' of the values present, or '—'."""
    vs = [v for v in values if v is not None]
    if not vs:
        return "—"
    med = statistics.median(vs)
    if len(vs) == 1:
        return f"{med:,.{digits}f}{suffix}"
    return f"{med:,.{digits}f}{suffix} ({min(vs):,.{digits}f}–{max(vs):,.{digits}f})"


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


def cpu_qps(line: dict) -> float | None:
    cpu = line.get("cpu_us_per_query")
    return 1e6 / cpu if cpu else None


def at_recall(curve: list[tuple[float, float]], target: float) -> tuple[str, float | None]:
    """Value at `target` recall on one (recall, value) curve in ef order.

    Returns (kind, value) with kind one of:
      "exact"   - interpolated (log-linear) between two bracketing ef points, or hit exactly
      "atleast" - the lowest ef measured already exceeds the target: its value, a lower bound
      "none"    - the highest recall measured is below the target
    """
    if not curve or max(r for r, _ in curve) < target:
        return "none", None
    if curve[0][0] >= target:
        return ("exact" if curve[0][0] == target else "atleast"), curve[0][1]
    for (r0, v0), (r1, v1) in zip(curve, curve[1:]):
        if r0 < target <= r1:
            frac = (target - r0) / (r1 - r0)
            return "exact", math.exp(math.log(v0) + frac * (math.log(v1) - math.log(v0)))
    return "none", None  # unreachable: max >= target and curve[0] < target imply a bracket


def equal_recall_rows(pairs: list[tuple[dict, dict]], value) -> list[str]:
    """One table row per target recall: each side's value and the per-round ratio."""
    rows = []
    notes = set()
    for target in TARGETS:
        p_vals, h_vals, ratios = [], [], []
        kinds = set()
        for p, h in pairs:
            sides = []
            for run in (p, h):
                curve = [
                    (run["efs"][ef]["recall"], value(run["efs"][ef]))
                    for ef in sorted(run["efs"])
                    if value(run["efs"][ef]) is not None
                ]
                sides.append(at_recall(curve, target))
            (pk, pv), (hk, hv) = sides
            kinds.add((pk, hk))
            p_vals.append(pv)
            h_vals.append(hv)
            if pk != "none" and hk != "none":
                ratios.append(ratio(pv, hv))
        p_low = any(pk == "atleast" for pk, _ in kinds)
        h_low = any(hk == "atleast" for _, hk in kinds)
        if p_low or h_low:
            notes.add("≥: the lowest ef measured already passes the target; its value is a lower bound "
                      "(and the ratio a bound in that direction: ≥ when Plait's side is the bound, ≤ "
                      "when hnswlib's is, ? when both are).")
        ratio_mark = {(True, False): "≥ ", (False, True): "≤ ", (True, True): "? "}.get((p_low, h_low), "")
        rows.append(
            f"| {target:.2f} | {'≥ ' if p_low else ''}{spread(p_vals)} | {'≥ ' if h_low else ''}{spread(h_vals)} "
            f"| {ratio_mark}{spread(ratios, 2, '×')} |"
        )
    return rows + ([""] + sorted(notes) if notes else [])


def report(plait_path: str, hnsw_path: str, params: str | None) -> str:
    p_runs, h_runs = load(plait_path), load(hnsw_path)
    n = min(len(p_runs), len(h_runs))
    pairs = list(zip(p_runs[:n], h_runs[:n]))
    version = h_runs[0]["build"].get("version")
    hname = f"hnswlib {version}" if version else "hnswlib"
    efs = sorted(set().union(*(set(p["efs"]) & set(h["efs"]) for p, h in pairs)))
    out: list[str] = []

    out.append(f"## Plait vs {hname}: in-process HNSW, same files, same parameters")
    out.append("")
    if params:
        out.append(f"Parameters: {params}")
        out.append("")
    kernels = p_runs[0]["build"].get("kernels")
    if kernels:
        out.append(f"Plait kernels: {kernels}.")
    out.append(
        f"{n} rounds (Plait run {len(p_runs)} times, hnswlib {len(h_runs)} times; run i of each "
        "paired). Every cell is median (min–max) over the rounds; every ratio is plait / hnswlib "
        "computed within a round, then summarised. hnswlib's QPS and CPU time come from one "
        "batched knn_query over all queries (no Python between queries)."
    )
    out.append("")

    def col(run: dict, ef: int, key: str):
        return run["efs"].get(ef, {}).get(key)

    out.append("### QPS (wall clock) per ef")
    out.append("")
    out.append("| ef | plait recall | hnswlib recall | plait QPS | hnswlib QPS | plait / hnswlib |")
    out.append("|---:|---:|---:|---:|---:|---:|")
    for ef in efs:
        out.append(
            f"| {ef} | {spread([col(p, ef, 'recall') for p, _ in pairs], 4)} "
            f"| {spread([col(h, ef, 'recall') for _, h in pairs], 4)} "
            f"| {spread([col(p, ef, 'qps') for p, _ in pairs], 0)} "
            f"| {spread([col(h, ef, 'qps') for _, h in pairs], 0)} "
            f"| {spread([ratio(col(p, ef, 'qps'), col(h, ef, 'qps')) for p, h in pairs], 2, '×')} |"
        )
    out.append("")

    out.append("### CPU time per query per ef")
    out.append("")
    out.append("| ef | plait µs | hnswlib µs | hnswlib / plait (CPU speed-up) |")
    out.append("|---:|---:|---:|---:|")
    for ef in efs:
        out.append(
            f"| {ef} | {spread([col(p, ef, 'cpu_us_per_query') for p, _ in pairs])} "
            f"| {spread([col(h, ef, 'cpu_us_per_query') for _, h in pairs])} "
            f"| {spread([ratio(col(h, ef, 'cpu_us_per_query'), col(p, ef, 'cpu_us_per_query')) for p, h in pairs], 2, '×')} |"
        )
    out.append("")

    out.append("### Latency per ef")
    out.append("")
    out.append(
        "| ef | plait p50 µs | plait p99 µs | hnswlib p50 µs (per call) | hnswlib p99 µs (per call) "
        "| hnswlib Python overhead µs/query |"
    )
    out.append("|---:|---:|---:|---:|---:|---:|")
    for ef in efs:
        overhead = []
        for _, h in pairs:
            pc, q = col(h, ef, "per_call_qps"), col(h, ef, "qps")
            overhead.append(1e6 / pc - 1e6 / q if pc and q else None)
        out.append(
            f"| {ef} | {spread([col(p, ef, 'p50_us') for p, _ in pairs])} "
            f"| {spread([col(p, ef, 'p99_us') for p, _ in pairs])} "
            f"| {spread([col(h, ef, 'p50_us') for _, h in pairs])} "
            f"| {spread([col(h, ef, 'p99_us') for _, h in pairs])} "
            f"| {spread(overhead)} |"
        )
    out.append("")
    out.append(
        "Python overhead = 1e6 / per-call QPS − 1e6 / batched QPS: what one knn_query call per "
        "query adds, which the per-call latencies include and the QPS above does not."
    )
    out.append("")

    out.append("### QPS at equal recall (wall clock)")
    out.append("")
    out.append("| target recall | plait QPS | hnswlib QPS | plait / hnswlib |")
    out.append("|---:|---:|---:|---:|")
    out.extend(equal_recall_rows(pairs, lambda line: line.get("qps")))
    out.append("")
    out.append("### Queries per CPU-second at equal recall")
    out.append("")
    out.append("| target recall | plait | hnswlib | plait / hnswlib |")
    out.append("|---:|---:|---:|---:|")
    out.extend(equal_recall_rows(pairs, cpu_qps))
    out.append("")
    out.append("Interpolation: log(value) linear in recall between the two ef points that bracket the target, "
               "per round.")
    out.append("")

    out.append("### Build")
    out.append("")
    out.append("| | plait | hnswlib | plait / hnswlib |")
    out.append("|---|---:|---:|---:|")
    for key, label, scale, digits in (
        ("build_seconds", "build seconds", 1.0, 2),
        ("index_bytes", "index MiB", 1048576.0, 1),
        ("rss_bytes", "process RSS MiB", 1048576.0, 1),
    ):
        pv = [p["build"].get(key) for p, _ in pairs]
        hv = [h["build"].get(key) for _, h in pairs]
        out.append(
            f"| {label} | {spread([v / scale if v is not None else None for v in pv], digits)} "
            f"| {spread([v / scale if v is not None else None for v in hv], digits)} "
            f"| {spread([ratio(a, b) for a, b in zip(pv, hv)], 2, '×')} |"
        )
    out.append(f"| points | {p_runs[0]['build'].get('points', '—')} | {h_runs[0]['build'].get('points', '—')} | |")
    out.append(
        f"| build threads | {p_runs[0]['build'].get('build_threads', '—')} "
        f"| {h_runs[0]['build'].get('build_threads', '—')} | |"
    )
    out.append("")
    out.append("hnswlib's process RSS includes the Python interpreter and numpy (tens of MiB); index MiB is "
               "Plait's vectors + graph heap bytes vs hnswlib's serialized index size.")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Markdown comparison of plait and hnswlib ANN results")
    ap.add_argument("plait", help="JSONL from `plait bench ann --json`")
    ap.add_argument("hnswlib", help="JSONL from benches/peers/hnswlib_ann.py --json")
    ap.add_argument("--params", help="Parameter summary line to print under the title")
    args = ap.parse_args(argv)
    print(report(args.plait, args.hnswlib, args.params))
    return 0


if __name__ == "__main__":
    sys.exit(main())
