#!/usr/bin/env python3
"""Graph traversals measured side by side: Plait over HTTP (REST `graph/traverse` and VelesQL
`MATCH`), Kùzu (embedded, in-process, Cypher) and PostgreSQL (recursive CTEs, over a loopback
TCP connection), on the WordNet graph of the shared data set (99,787 labelled edges over 65,000
rows), then Plait's hybrid query (NEAR + 2-hop MATCH + a column filter) alone.

Every system holds the same graph: the 65,000 rows (`lexname`, `pos`) as nodes and every edge of
`edges.jsonl` with its label (and its `lexical` flag as a property). Query kinds, each from the
same seeded random start nodes on every system (the result: the distinct nodes reached in 1..N
hops, the start node itself left out on every side):

  hypernym_out_N  (N = 1, 2, 3)  hypernym edges outwards: the hypernym chain of a synset
  any_both_N      (N = 1, 2, 3)  every label, both directions: the whole neighbourhood
  animal_within_3                every label, both directions, 3 hops, ending at a node whose
                                 lexname is 'noun.animal' (a column filter on the pattern's end);
                                 Plait answers it with MATCH only: REST `node_filter` prunes
                                 the walk itself (a node that fails it is not expanded), which
                                 is a different question.

Before any timing, every answer of every system is checked against a breadth-first walk over
`edges.jsonl` written here; a difference is printed and the run fails.

Timing: ROUNDS rounds; in each, every kind runs every start on each system in turn (the order of
the systems rotates from round to round), one query at a time. Per round and system the mean
latency per query (ms) is taken; ratios are taken within a round and reported as median
(min-max) over the rounds, with the best round. Plait's latency is measured by the client (HTTP,
JSON encoding and decoding included); its server-side time (the envelope's `time`: the handler,
from the request parsed to the answer built) is reported next to it. Kùzu runs inside this
Python process: no network, no serialisation. PostgreSQL answers over TCP on 127.0.0.1.

Usage: graph.py PLAIT_BINARY PG_DSN
       graph.py --queries   prints the Plait side of the query set as JSON lines (no timing, no
                            peers): what tests/it/graph_match.rs runs against a real server
Env: PLAIT_DATASET, GBENCH_STARTS [100] starts per kind, GBENCH_ROUNDS [3],
GBENCH_HYBRID [500] hybrid queries, GBENCH_SEED [20261201], GBENCH_CHECK_ONLY [0]: 1 checks
the query set and answers, times nothing.
"""
import csv, json, os, random, shutil, statistics, subprocess, sys, tempfile, time, warnings
from collections import defaultdict

from plait_http import PlaitClient, fvecs, free_port

# Kùzu, psycopg and numpy are imported in main(): `graph.py --queries` (the query set, checked by
# the test suite) needs the standard library only.
kuzu = np = psycopg = None

DATA = os.environ.get("PLAIT_DATASET", "/work/shared/data/wordnet-minilm-384")
STARTS = int(os.environ.get("GBENCH_STARTS", "100"))
ROUNDS = int(os.environ.get("GBENCH_ROUNDS", "3"))
HYBRID = int(os.environ.get("GBENCH_HYBRID", "500"))
SEED = int(os.environ.get("GBENCH_SEED", "20261201"))
CHECK_ONLY = os.environ.get("GBENCH_CHECK_ONLY", "0") == "1"
#: MATCH returns at most 10,000 rows; starts reaching more are left out of a kind (counted).
MAX_RESULT = 10_000
ANIMAL = "noun.animal"


# --------------------------------------------------------------------------- query set

class Kind:
    """One kind of query: labels (None: any), direction, depth, optional end lexname."""

    def __init__(self, name, labels, direction, depth, lexname=None):
        self.name, self.labels, self.direction = name, labels, direction
        self.depth, self.lexname = depth, lexname

    def rest_body(self, start):
        if self.lexname is not None:
            return None  # see the module doc: REST node_filter is a different question
        body = {"from": start, "direction": self.direction, "min_depth": 1,
                "max_depth": self.depth, "limit": 100_000}
        if self.labels:
            body["labels"] = list(self.labels)
        return body

    def velesql(self, start):
        rel = ":" + "|".join(self.labels) if self.labels else ""
        left, right = {"out": ("-", "->"), "in": ("<-", "-"), "both": ("-", "-")}[self.direction]
        where = f"a.id = {int(start)}"
        if self.lexname is not None:
            where += f" AND b.lexname = '{self.lexname}'"
        return (f"MATCH (a){left}[{rel}*1..{self.depth}]{right}(b) FROM wn WHERE {where} "
                f"RETURN b.id LIMIT {MAX_RESULT}")

    def cypher(self):
        rel = ":" + "|".join(self.labels) if self.labels else ""
        left, right = {"out": ("-", "->"), "in": ("<-", "-"), "both": ("-", "-")}[self.direction]
        where = " WHERE b.lexname = $lex" if self.lexname is not None else ""
        return (f"MATCH (a:Synset {{id: $start}}){left}[{rel}*1..{self.depth}]{right}(b:Synset)"
                f"{where} RETURN DISTINCT b.id")

    def sql(self):
        label = "" if not self.labels else \
            " AND label IN (" + ", ".join(f"'{l}'" for l in self.labels) + ")"
        out = f"SELECT target AS n FROM edges WHERE source = r.node{label}"
        inc = f"SELECT source AS n FROM edges WHERE target = r.node{label}"
        step = {"out": out, "in": inc, "both": f"{out} UNION ALL {inc}"}[self.direction]
        tail = "SELECT DISTINCT node FROM r WHERE depth >= 1"
        if self.lexname is not None:
            tail = ("SELECT DISTINCT r.node FROM r JOIN nodes ON nodes.id = r.node "
                    "WHERE r.depth >= 1 AND nodes.lexname = %(lex)s")
        return ("WITH RECURSIVE r(node, depth) AS (SELECT %(start)s::int, 0 UNION "
                f"SELECT x.n, r.depth + 1 FROM r CROSS JOIN LATERAL ({step}) x "
                f"WHERE r.depth < {self.depth}) {tail}")


KINDS = [Kind(f"hypernym_out_{n}", ["hypernym"], "out", n) for n in (1, 2, 3)] + \
        [Kind(f"any_both_{n}", None, "both", n) for n in (1, 2, 3)] + \
        [Kind("animal_within_3", None, "both", 3, ANIMAL)]


def hybrid_statement():
    return ("MATCH (a)-[:hypernym*1..2]->(b) FROM wn WHERE a.vector NEAR $v AND b.lexname = $lex "
            "RETURN DISTINCT a.id, similarity() LIMIT 10")


# --------------------------------------------------------------------------- reference

class Graph:
    """The edge list of edges.jsonl, as adjacency by direction with labels."""

    def __init__(self, edges):
        self.out, self.inc = defaultdict(list), defaultdict(list)
        for e in edges:
            self.out[e["source"]].append((e["target"], e["label"]))
            self.inc[e["target"]].append((e["source"], e["label"]))

    def step(self, u, direction, labels):
        for side, lists in (("out", self.out), ("in", self.inc)):
            if direction in (side, "both"):
                for v, label in lists.get(u, ()):
                    if labels is None or label in labels:
                        yield v

    def reach(self, start, direction, labels, depth):
        """Nodes at shortest distance 1..depth from start, start left out."""
        seen, frontier = {start}, [start]
        for _ in range(depth):
            nxt = []
            for u in frontier:
                for v in self.step(u, direction, labels):
                    if v not in seen:
                        seen.add(v)
                        nxt.append(v)
            frontier = nxt
        seen.discard(start)
        return seen


def expected(graph, texts, kind, start):
    found = graph.reach(start, kind.direction, kind.labels, kind.depth)
    if kind.lexname is not None:
        found = {n for n in found if texts[n]["lexname"] == kind.lexname}
    return found


def pick_starts(graph, texts, rng):
    """Per kind: STARTS seeded random start nodes (and how many drawn starts were left out)."""
    with_hypernym = sorted(u for u, es in graph.out.items() if any(l == "hypernym" for _, l in es))
    with_edge = sorted(set(graph.out) | set(graph.inc))
    animals = [u for u in with_edge if texts[u]["lexname"] == ANIMAL]
    chosen = {}
    for kind in KINDS:
        pool = with_hypernym if kind.labels == ["hypernym"] else \
            animals if kind.lexname == ANIMAL else with_edge
        local = random.Random(f"{SEED}-{kind.name}")
        picked, dropped = [], 0
        for u in local.sample(pool, min(len(pool), STARTS * 2)):
            if len(picked) == STARTS:
                break
            if len(graph.reach(u, kind.direction, kind.labels, kind.depth)) >= MAX_RESULT:
                dropped += 1
                continue
            picked.append(u)
        chosen[kind.name] = (picked, dropped)
    return chosen


# --------------------------------------------------------------------------- systems

class Plait(PlaitClient):
    def sql(self, query, params=None):
        out = self.call("POST", "/query", {"query": query, "params": params or {}})
        st = out["result"]["statements"][0]
        if st.get("error"):
            raise RuntimeError(f"{query}: {st['error']}")
        return st, out["time"]

    def traverse(self, body):
        """(reached ids, server seconds)."""
        out = self.call("POST", "/collections/wn/graph/traverse", body)
        if out["result"].get("stopped"):
            raise RuntimeError(f"traverse {body} stopped: {out['result']['stopped']}")
        return {n["id"] for n in out["result"]["nodes"]}, out["time"]

    def match(self, statement, start):
        st, server = self.sql(statement)
        return {row[0] for row in st["rows"]} - {start}, server


def load_plait(c, texts, base, edges):
    c.sql("CREATE COLLECTION wn (dimension = 384, metric = 'cosine') "
          "WITH (m = 16, ef_construction = 200, durability = 'none')")
    for field in ("lexname", "pos"):
        c.sql(f"CREATE INDEX ON wn ({field}) TYPE keyword")
    t0 = time.time()
    for at in range(0, len(texts), 1000):
        points = [{"id": t["id"], "vector": base[t["id"]].tolist(),
                   "payload": {"lexname": t["lexname"], "pos": t["pos"]}} for t in texts[at:at + 1000]]
        c.call("PUT", "/collections/wn/points?wait=true", {"points": points})
    t1 = time.time()
    for at in range(0, len(edges), 10_000):
        batch = [{"source": e["source"], "target": e["target"], "label": e["label"],
                  "properties": {"lexical": e["lexical"]}} for e in edges[at:at + 10_000]]
        c.call("PUT", "/collections/wn/edges?wait=true", {"edges": batch})
    t2 = time.time()
    print(f"Plait: {len(texts):,} points (vectors, HNSW) in {t1 - t0:.1f} s, "
          f"{len(edges):,} edges in {t2 - t1:.1f} s over HTTP")


def load_kuzu(workdir, texts, edges):
    db = kuzu.Database(os.path.join(workdir, "kuzu"))
    conn = kuzu.Connection(db)
    t0 = time.time()
    conn.execute("CREATE NODE TABLE Synset(id INT64, lexname STRING, pos STRING, PRIMARY KEY(id))")
    nodes_csv = os.path.join(workdir, "nodes.csv")
    with open(nodes_csv, "w", newline="") as f:
        w = csv.writer(f); w.writerow(["id", "lexname", "pos"])
        w.writerows((t["id"], t["lexname"], t["pos"]) for t in texts)
    conn.execute(f"COPY Synset FROM '{nodes_csv}' (header=true)")
    by_label = defaultdict(list)
    for e in edges:
        by_label[e["label"]].append(e)
    # One relationship table per label: Cypher's `:hypernym` names a table, as it would in a
    # schema written for Kùzu; `-[*1..3]-` without a label spans every table.
    for label, es in sorted(by_label.items()):
        conn.execute(f"CREATE REL TABLE {label}(FROM Synset TO Synset, lexical BOOLEAN)")
        path = os.path.join(workdir, f"rel-{label}.csv")
        with open(path, "w", newline="") as f:
            w = csv.writer(f); w.writerow(["from", "to", "lexical"])
            w.writerows((e["source"], e["target"], "true" if e["lexical"] else "false") for e in es)
        conn.execute(f"COPY {label} FROM '{path}' (header=true)")
    print(f"Kùzu {kuzu.__version__}: nodes and {len(edges):,} edges in {len(by_label)} relationship "
          f"tables, COPY FROM CSV in {time.time() - t0:.1f} s")
    return db, conn


def load_postgres(dsn, texts, edges):
    conn = psycopg.connect(dsn, autocommit=True, prepare_threshold=None)
    t0 = time.time()
    with conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS edges; DROP TABLE IF EXISTS nodes")
        cur.execute("CREATE TABLE nodes (id int PRIMARY KEY, lexname text NOT NULL, pos text NOT NULL)")
        cur.execute("CREATE TABLE edges (id serial PRIMARY KEY, source int NOT NULL REFERENCES nodes, "
                    "target int NOT NULL REFERENCES nodes, label text NOT NULL, lexical bool NOT NULL)")
        with cur.copy("COPY nodes (id, lexname, pos) FROM STDIN") as cp:
            for t in texts:
                cp.write_row((t["id"], t["lexname"], t["pos"]))
        with cur.copy("COPY edges (source, target, label, lexical) FROM STDIN") as cp:
            for e in edges:
                cp.write_row((e["source"], e["target"], e["label"], e["lexical"]))
        # Both directions indexed, label next, the other end last: index-only scans per step.
        cur.execute("CREATE INDEX edges_out ON edges (source, label, target)")
        cur.execute("CREATE INDEX edges_in ON edges (target, label, source)")
        cur.execute("CREATE INDEX nodes_lexname ON nodes (lexname)")
        cur.execute("VACUUM ANALYZE nodes")
        cur.execute("VACUUM ANALYZE edges")
        cur.execute("SHOW server_version")
        version = cur.fetchone()[0]
    print(f"PostgreSQL {version}: nodes and {len(edges):,} edges, indexes (source, label, target) "
          f"and (target, label, source), VACUUM ANALYZE, in {time.time() - t0:.1f} s")
    return conn


# --------------------------------------------------------------------------- running

def runners(plait, kconn, pconn, kind):
    """system name -> fn(start) -> (ids, server seconds or None). Prepared where the peer can."""
    out = {}
    if kind.rest_body(0) is not None:
        out["plait_rest"] = lambda s: plait.traverse(kind.rest_body(s))
    out["plait_match"] = lambda s: plait.match(kind.velesql(s), s)
    # Kùzu 0.11 calls prepare() deprecated, but a prepared statement skips the parse and plan
    # that execute() with the text pays on every call (slower here when tried), as the
    # PostgreSQL side is prepared too.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        prepared = kconn.prepare(kind.cypher())

    def kuzu_run(s):
        params = {"start": s}
        if kind.lexname is not None:
            params["lex"] = kind.lexname
        return {row[0] for row in kconn.execute(prepared, params).get_all()} - {s}, None

    out["kuzu"] = kuzu_run
    sql = kind.sql()

    def pg_run(s):
        with pconn.cursor() as cur:
            cur.execute(sql, {"start": s, "lex": kind.lexname}, prepare=True)
            return {row[0] for row in cur.fetchall()} - {s}, None

    out["postgres"] = pg_run
    return out


def check(graph, texts, starts, plait, kconn, pconn):
    """Every system's answer against the reference walk; returns the number of differences."""
    bad = 0
    for kind in KINDS:
        picked, dropped = starts[kind.name]
        sizes = []
        systems = runners(plait, kconn, pconn, kind)
        for s in picked:
            want = expected(graph, texts, kind, s)
            sizes.append(len(want))
            for name, fn in systems.items():
                got, _ = fn(s)
                if got != want:
                    bad += 1
                    print(f"MISMATCH {kind.name} start {s} {name}: got {len(got)} want {len(want)}; "
                          f"missing {sorted(want - got)[:5]} extra {sorted(got - want)[:5]}")
        print(f"  {kind.name}: {len(picked)} starts ({dropped} drawn starts reaching >= {MAX_RESULT:,} "
              f"nodes left out), result size mean {statistics.mean(sizes):,.1f}, max {max(sizes):,}")
    return bad


def summary(xs, digits=3):
    return f"{statistics.median(xs):,.{digits}f} ({min(xs):,.{digits}f}-{max(xs):,.{digits}f})"


def measure(starts, plait, kconn, pconn):
    """{kind: {system: [mean ms per query per round]}} and server ms, same shape."""
    client = {k.name: defaultdict(list) for k in KINDS}
    server = {k.name: defaultdict(list) for k in KINDS}
    prepared = {kind.name: list(runners(plait, kconn, pconn, kind).items()) for kind in KINDS}
    for r in range(ROUNDS):
        for kind in KINDS:
            picked, _ = starts[kind.name]
            systems = prepared[kind.name]
            shift = r % len(systems)
            for name, fn in systems[shift:] + systems[:shift]:
                server_s = 0.0
                t0 = time.perf_counter()
                for s in picked:
                    _, srv = fn(s)
                    server_s += srv or 0.0
                elapsed = time.perf_counter() - t0
                client[kind.name][name].append(elapsed * 1000 / len(picked))
                if name.startswith("plait"):
                    server[kind.name][name].append(server_s * 1000 / len(picked))
        print(f"  round {r + 1}/{ROUNDS} done; load average {os.getloadavg()[0]:.2f}")
    return client, server


def report(client, server, starts):
    print(f"\n## Traversals: mean ms per query per round, median (min-max) over {ROUNDS} rounds; "
          "best round in brackets")
    print("Plait figures are over HTTP (client-measured); 'server' is the envelope's `time`. "
          "Kùzu runs in-process (no HTTP); PostgreSQL over TCP on 127.0.0.1.\n")
    print("| kind | starts | Plait REST | REST server | Plait MATCH | MATCH server | Kùzu | PostgreSQL |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for kind in KINDS:
        c, s = client[kind.name], server[kind.name]

        def cell(xs):
            return f"{summary(xs)} [{min(xs):,.3f}]" if xs else "—"

        print(f"| {kind.name} | {len(starts[kind.name][0])} | {cell(c.get('plait_rest'))} | "
              f"{cell(s.get('plait_rest'))} | {cell(c.get('plait_match'))} | {cell(s.get('plait_match'))} "
              f"| {cell(c['kuzu'])} | {cell(c['postgres'])} |")
    print(f"\n## Ratios of time per query (below 1: Plait faster), within each round, median (min-max)\n")
    print("| kind | REST/Kùzu | MATCH/Kùzu | REST/PG | MATCH/PG | REST server/Kùzu | MATCH server/Kùzu | "
          "REST server/PG | MATCH server/PG |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for kind in KINDS:
        c, s = client[kind.name], server[kind.name]

        def ratio(a, b):
            if not a or not b:
                return "—"
            return summary([x / y for x, y in zip(a, b)], 2) + "x"

        print(f"| {kind.name} | {ratio(c.get('plait_rest'), c['kuzu'])} | {ratio(c.get('plait_match'), c['kuzu'])} "
              f"| {ratio(c.get('plait_rest'), c['postgres'])} | {ratio(c.get('plait_match'), c['postgres'])} "
              f"| {ratio(s.get('plait_rest'), c['kuzu'])} | {ratio(s.get('plait_match'), c['kuzu'])} "
              f"| {ratio(s.get('plait_rest'), c['postgres'])} | {ratio(s.get('plait_match'), c['postgres'])} |")


def hybrid(plait, graph, texts, base):
    """The hybrid query alone: p50/p99 over HTTP and server-side, and its overlap with an exact
    answer (brute-force cosine over the rows whose hypernym chain within 2 hops reaches a row
    of the question's own lexname)."""
    qtexts = [json.loads(l) for l in open(f"{DATA}/queries.jsonl")]
    queries = fvecs(f"{DATA}/queries.fvecs")
    chosen = [q for q in qtexts if q["pos"] in ("noun", "verb")][:HYBRID]
    statement = hybrid_statement()
    st, _ = plait.sql("EXPLAIN ANALYZE " + statement,
                      {"v": queries[chosen[0]["id"]].tolist(), "lex": chosen[0]["lexname"]})
    print(f"\n## Hybrid query, {len(chosen)} questions (noun and verb queries of queries.jsonl, "
          "each filtered on its own lexname)\n")
    print(f"`{statement}`\n")
    print(f"plan (EXPLAIN ANALYZE, first question): {json.dumps(st['plan']['detail'])}")
    for q in chosen[:50]:  # warm-up
        plait.sql(statement, {"v": queries[q["id"]].tolist(), "lex": q["lexname"]})
    client_ms, server_ms, overlap, empty = [], [], [], 0
    by_lex = defaultdict(list)
    for t in texts:
        by_lex[t["lexname"]].append(t["id"])
    qualifying_cache = {}
    for q in chosen:
        v = queries[q["id"]]
        t0 = time.perf_counter()
        st, srv = plait.sql(statement, {"v": v.tolist(), "lex": q["lexname"]})
        client_ms.append((time.perf_counter() - t0) * 1000)
        server_ms.append(srv * 1000)
        got = [row[0] for row in st["rows"]]
        lex = q["lexname"]
        if lex not in qualifying_cache:
            ok = set()
            for b in by_lex[lex]:
                ok |= graph.reach(b, "in", ["hypernym"], 2)
            # `b` itself may also be a row reaching another `b`: reach() leaves the start out,
            # and a node is never its own hypernym here, so the union is the answer.
            qualifying_cache[lex] = np.array(sorted(ok), dtype=np.int64)
        ids = qualifying_cache[lex]
        if len(ids) == 0:
            empty += 1
            continue
        scores = base[ids] @ v
        top = ids[np.argsort(-scores, kind="stable")[:10]]
        want = set(top.tolist())
        overlap.append(len(want & set(got)) / len(want))
    pct = lambda xs, p: float(np.percentile(np.array(xs), p))
    print(f"client (HTTP) ms: p50 {pct(client_ms, 50):.3f}, p99 {pct(client_ms, 99):.3f}, "
          f"mean {statistics.mean(client_ms):.3f}")
    print(f"server ms:        p50 {pct(server_ms, 50):.3f}, p99 {pct(server_ms, 99):.3f}, "
          f"mean {statistics.mean(server_ms):.3f}")
    print(f"overlap with the exact top 10 (recall@10): mean {statistics.mean(overlap):.3f} over "
          f"{len(overlap)} questions ({empty} with no qualifying row)")


def print_queries():
    """The Plait side of the query set, as JSON lines: for each kind, its MATCH statement and
    REST traverse body from start node 1 (null when the kind has none), then the hybrid
    statement with its parameter names."""
    for kind in KINDS:
        print(json.dumps({"kind": kind.name, "match": kind.velesql(1), "traverse": kind.rest_body(1)}))
    print(json.dumps({"kind": "hybrid", "match": hybrid_statement(), "params": ["v", "lex"]}))


def main():
    if sys.argv[1:] == ["--queries"]:
        print_queries()
        return
    global kuzu, np, psycopg
    import kuzu
    import numpy as np
    import psycopg
    binary, dsn = sys.argv[1], sys.argv[2]
    texts = [json.loads(l) for l in open(f"{DATA}/texts.jsonl")]
    edges = [json.loads(l) for l in open(f"{DATA}/edges.jsonl")]
    base = fvecs(f"{DATA}/base.fvecs")
    graph = Graph(edges)
    starts = pick_starts(graph, texts, random.Random(SEED))
    workdir = tempfile.mkdtemp(prefix="graphbench-")
    port = free_port()
    proc = subprocess.Popen([binary, "serve", "--data-dir", os.path.join(workdir, "plait"),
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                Plait(port).call("GET", "/readyz"); break
            except Exception:
                time.sleep(0.1)
        plait = Plait(port)
        print(f"{len(texts):,} rows, {len(edges):,} edges; seed {SEED}, {STARTS} starts per kind, "
              f"{ROUNDS} rounds")
        load_plait(plait, texts, base, edges)
        _kdb, kconn = load_kuzu(workdir, texts, edges)
        pconn = load_postgres(dsn, texts, edges)
        print("\nChecking every answer against a BFS over edges.jsonl:")
        bad = check(graph, texts, starts, plait, kconn, pconn)
        print(f"answers differing from the reference: {bad}")
        if bad:
            sys.exit(1)
        if CHECK_ONLY:
            return
        client, server = measure(starts, plait, kconn, pconn)
        report(client, server, starts)
        hybrid(plait, graph, texts, base)
    finally:
        proc.terminate(); proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
