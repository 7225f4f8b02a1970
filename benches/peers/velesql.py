#!/usr/bin/env python3
"""VelesQL measured side by side, over HTTP against the release binary:

1. A filtered vector search through VelesQL (`POST /query`) against the same search through the
   JSON API (`points/query`): the cost of parsing and planning a statement (plan-cache hits).
2. GROUP BY with COUNT and AVG over the indexed keyword field `lexname` of the 65,000 wordnet
   rows, against DuckDB on the same rows loaded from texts.jsonl (in-process, no HTTP).

Rounds interleave the compared sides; ratios are taken within a round and reported as
median (min-max). Usage: velesql.py PLAIT_BINARY   (env: VBENCH_ROUNDS [3], VBENCH_QUERIES [200],
VBENCH_GROUPBY_REPS [30])
"""
import json, os, statistics, struct, subprocess, sys, tempfile, time

import duckdb
import numpy as np

from plait_http import PlaitClient, fvecs, free_port

DATA = os.environ.get("PLAIT_DATASET", "/work/shared/data/wordnet-minilm-384")
ROUNDS = int(os.environ.get("VBENCH_ROUNDS", "3"))
QUERIES = int(os.environ.get("VBENCH_QUERIES", "200"))
GROUPBY_REPS = int(os.environ.get("VBENCH_GROUPBY_REPS", "30"))


class Client(PlaitClient):
    def sql(self, query, params=None):
        out = self.call("POST", "/query", {"query": query, "params": params or {}})
        return out["result"]["statements"]


def summary(xs):
    return f"{statistics.median(xs):,.2f} ({min(xs):,.2f}-{max(xs):,.2f})"


def main():
    binary = sys.argv[1]
    texts = [json.loads(l) for l in open(f"{DATA}/texts.jsonl")]
    base = fvecs(f"{DATA}/base.fvecs")
    queries = fvecs(f"{DATA}/queries.fvecs")[:QUERIES]
    port = free_port()
    data_dir = tempfile.mkdtemp()
    proc = subprocess.Popen([binary, "serve", "--data-dir", data_dir, "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                Client(port).call("GET", "/readyz"); break
            except Exception:
                time.sleep(0.1)
        c = Client(port)
        c.sql("CREATE COLLECTION wn (dimension = 384, metric = 'cosine') "
              "WITH (m = 16, ef_construction = 200, durability = 'none')")
        for field, kind in [("lexname", "keyword"), ("pos", "keyword"), ("n_lemmas", "integer")]:
            c.sql(f"CREATE INDEX ON wn ({field}) TYPE {kind}")
        started = time.time()
        for at in range(0, len(texts), 1000):
            points = [{"id": t["id"], "vector": base[t["id"]].tolist(),
                       "payload": {"pos": t["pos"], "lexname": t["lexname"], "n_lemmas": t["n_lemmas"]}}
                      for t in texts[at:at + 1000]]
            c.call("PUT", "/collections/wn/points?wait=true", {"points": points})
        print(f"loaded {len(texts)} points in {time.time() - started:.1f} s")

        # 1. VelesQL against the JSON API, same filtered search.
        statement = ("SELECT id, score FROM wn WHERE vector NEAR $v AND pos = 'noun' "
                     "LIMIT 10 WITH (ef_search = 64)")
        mismatches = 0
        ratios, sql_qps, json_qps = [], [], []
        for r in range(ROUNDS):
            t0 = time.perf_counter()
            sql_ids = [[row[0] for row in c.sql(statement, {"v": q.tolist()})[0]["rows"]] for q in queries]
            t1 = time.perf_counter()
            json_ids = [[p["id"] for p in c.call("POST", "/collections/wn/points/query", {
                "query": q.tolist(), "limit": 10, "params": {"hnsw_ef": 64},
                "filter": {"must": [{"key": "pos", "match": {"value": "noun"}}]}})["result"]["points"]]
                for q in queries]
            t2 = time.perf_counter()
            mismatches += sum(a != b for a, b in zip(sql_ids, json_ids))
            sql_qps.append(len(queries) / (t1 - t0)); json_qps.append(len(queries) / (t2 - t1))
            ratios.append((t1 - t0) / (t2 - t1))
        print(f"\n## filtered search, {len(queries)} queries x {ROUNDS} rounds (pos = noun, k 10, ef 64)")
        print(f"VelesQL QPS {summary(sql_qps)}; JSON API QPS {summary(json_qps)}")
        print(f"VelesQL time / JSON time: {summary(ratios)}; queries whose ids differ: {mismatches}")

        # 2. GROUP BY against DuckDB.
        group_by = "SELECT lexname, COUNT(*), AVG(n_lemmas) FROM wn GROUP BY lexname ORDER BY lexname"
        db = duckdb.connect()
        db.execute(f"CREATE TABLE wn AS SELECT * FROM read_json_auto('{DATA}/texts.jsonl')")
        duck_rows = db.execute(group_by).fetchall()
        plait = c.sql("EXPLAIN ANALYZE " + group_by)[0]
        plait_rows = plait["rows"]
        same = len(duck_rows) == len(plait_rows) and all(
            a[0] == b[0] and a[1] == b[1] and abs(a[2] - b[2]) < 1e-9 for a, b in zip(duck_rows, plait_rows))
        print(f"\n## GROUP BY lexname with COUNT(*), AVG(n_lemmas): {len(plait_rows)} groups, "
              f"same rows as DuckDB: {same}; plan: {json.dumps(plait['plan']['detail'])}")
        http_ms, server_ms, duck_ms, ratio_http, ratio_server = [], [], [], [], []
        for r in range(ROUNDS):
            t0 = time.perf_counter(); server = 0.0
            for _ in range(GROUPBY_REPS):
                server += c.sql(group_by)[0]["time_ms"]
            t1 = time.perf_counter()
            for _ in range(GROUPBY_REPS):
                db.execute(group_by).fetchall()
            t2 = time.perf_counter()
            h = (t1 - t0) * 1000 / GROUPBY_REPS; d = (t2 - t1) * 1000 / GROUPBY_REPS; sv = server / GROUPBY_REPS
            http_ms.append(h); duck_ms.append(d); server_ms.append(sv)
            ratio_http.append(h / d); ratio_server.append(sv / d)
        print(f"Plait over HTTP ms/query {summary(http_ms)}; Plait statement time ms {summary(server_ms)}; "
              f"DuckDB in-process ms/query {summary(duck_ms)}")
        print(f"Plait HTTP / DuckDB: {summary(ratio_http)}; Plait statement / DuckDB: {summary(ratio_server)}")
    finally:
        proc.terminate(); proc.wait()


if __name__ == "__main__":
    main()
