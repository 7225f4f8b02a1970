#!/usr/bin/env python3
"""Retrieval quality of every search mode Plait offers, measured over HTTP through the Query API
on the shared WordNet set: dense (HNSW), BM25 (two analyzers), sparse, each fusion (RRF, DBSF,
weighted) and MMR. Reports recall@10 and nDCG@10 per mode with a 95 % confidence interval over
the queries.

The relevance set is built from the dataset's own source, WordNet 3.0, not from any of the
systems measured: each of the 1,000 query glosses (`queries.jsonl`, none of them in the base) is
a synset, and the base rows relevant to it are the synsets WordNet links to it directly (every
pointer type: hypernym, hyponym, meronym, derivation, similar-to, antonym, domain..., followed in
both directions), read from Debian's `wordnet-base` data files. Relevance is binary. A query
with no related synset among the 65,000 base rows is left out (the count is printed). This
measures topical relatedness (a gloss retrieves the glosses of related concepts), which favours
no mode by construction: WordNet's links were made by lexicographers, the vectors by
all-MiniLM-L6-v2, the terms by the analyzers.

  recall@10 = |relevant in top 10| / min(|relevant|, 10)      (so a perfect list scores 1)
  nDCG@10   = DCG@10 / ideal DCG@10, gains 1 for relevant, 0 otherwise, log2(rank + 1) discount

Modes (limit 10; every prefetch branch passes 100 candidates):
  dense          HNSW on the MiniLM vectors (m 16, ef_construct 200, hnsw_ef 128)
  bm25           text index on `text`: word tokenizer, lowercase (Qdrant's defaults), k1 1.2, b 0.75
  bm25_english   text index on `text_en` (same text): plus English stop words and Snowball stemmer
  sparse         sparse vector `bow`: the term counts of the gloss (lowercase \\w+ tokens, a
                 vocabulary numbered by this script), `modifier: idf`. A bag of words, not a
                 learned sparse model (none is installable here without a GPU-sized download).
  rrf / dbsf / weighted (0.7 dense, 0.3 text) of dense and bm25_english; rrf of dense and sparse;
  rrf of dense, bm25_english and sparse; mmr: dense with MMR (diversity 0.5, 100 candidates).

Usage: relevance.py PLAIT_BINARY      Env: PLAIT_DATASET, WORDNET_DIR [/usr/share/wordnet],
RELEVANCE_QUERIES [1000]. Output: the table on stdout.
"""
import json, math, os, re, shutil, subprocess, sys, tempfile, time
from collections import Counter, defaultdict

from plait_http import PlaitClient, fvecs, free_port

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.environ.get("PLAIT_DATASET", os.path.join(REPO, "..", "shared", "data", "wordnet-minilm-384"))
WORDNET = os.environ.get("WORDNET_DIR", "/usr/share/wordnet")
N_QUERIES = int(os.environ.get("RELEVANCE_QUERIES", "1000"))
K = 10
CANDIDATES = 100
FILES = {"n": "data.noun", "v": "data.verb", "a": "data.adj", "s": "data.adj", "r": "data.adv"}


def wordnet_links():
    """{synset key "offset-ss_type": set of directly linked synset keys}, both directions."""
    keys = {}        # (file, offset) -> key
    pointers = []    # (key, (file, offset))
    for fname in sorted(set(FILES.values())):
        with open(os.path.join(WORDNET, fname), encoding="ascii") as f:
            for line in f:
                if line.startswith("  "):
                    continue
                head = line.partition(" | ")[0].split()
                offset, ss_type, w_cnt = head[0], head[2], int(head[3], 16)
                key = f"{offset}-{ss_type}"
                keys[(fname, offset)] = key
                at = 4 + 2 * w_cnt
                for p in range(int(head[at])):
                    _symbol, target, pos, _st = head[at + 1 + 4 * p: at + 5 + 4 * p]
                    pointers.append((key, (FILES[pos], target)))
    links = defaultdict(set)
    for key, target in pointers:
        other = keys.get(target)
        if other is None:
            raise RuntimeError(f"pointer from {key} to a missing synset {target}")
        if other != key:
            links[key].add(other)
            links[other].add(key)
    return links


def terms(text):
    return re.findall(r"\w+", text.lower())


def load(c, texts, base, vocab):
    c.call("PUT", "/collections/rel", {
        "vectors": {"dense": {"size": 384, "distance": "Cosine",
                              "hnsw_config": {"m": 16, "ef_construct": 200}}},
        "sparse_vectors": {"bow": {"modifier": "idf"}}})
    c.call("PUT", "/collections/rel/index?wait=true", {"field_name": "text", "field_schema": {
        "type": "text", "tokenizer": "word", "lowercase": True}})
    c.call("PUT", "/collections/rel/index?wait=true", {"field_name": "text_en", "field_schema": {
        "type": "text", "tokenizer": "word", "lowercase": True, "stopwords": "english",
        "stemmer": {"type": "snowball", "language": "english"}}})
    t0 = time.time()
    for at in range(0, len(texts), 1000):
        points = []
        for t in texts[at:at + 1000]:
            points.append({"id": t["id"], "vector": {
                "dense": base[t["id"]].tolist(), "bow": sparse(t["text"], vocab)},
                "payload": {"text": t["text"], "text_en": t["text"]}})
        c.call("PUT", "/collections/rel/points?wait=true", {"points": points})
    print(f"loaded {len(texts):,} points (dense, sparse, two text indexes) in {time.time() - t0:.1f} s")


def sparse(text, vocab):
    counts = Counter(vocab[w] for w in terms(text) if w in vocab)
    idx = sorted(counts)
    return {"indices": idx, "values": [float(counts[i]) for i in idx]}


def modes(vector, text, sv):
    dense = {"query": vector, "using": "dense", "params": {"hnsw_ef": 128}}
    bm25 = {"query": {"text": {"field": "text", "query": text}}}
    bm25_en = {"query": {"text": {"field": "text_en", "query": text}}}
    bow = {"query": sv, "using": "bow"}

    def branch(q):
        return dict(q, limit=CANDIDATES)

    return {
        "dense": dense,
        "bm25": bm25,
        "bm25_english": bm25_en,
        "sparse": bow,
        "rrf(dense, bm25_english)": {"prefetch": [branch(dense), branch(bm25_en)],
                                     "query": {"fusion": "rrf"}},
        "dbsf(dense, bm25_english)": {"prefetch": [branch(dense), branch(bm25_en)],
                                      "query": {"fusion": "dbsf"}},
        "weighted(0.7 dense, 0.3 bm25_english)": {
            "prefetch": [branch(dense), branch(bm25_en)],
            "query": {"weighted_fusion": {"weights": [0.7, 0.3]}}},
        "rrf(dense, sparse)": {"prefetch": [branch(dense), branch(bow)], "query": {"fusion": "rrf"}},
        "rrf(dense, bm25_english, sparse)": {"prefetch": [branch(dense), branch(bm25_en), branch(bow)],
                                             "query": {"fusion": "rrf"}},
        "mmr(dense, 0.5)": {"query": {"nearest": vector, "mmr": {"diversity": 0.5,
                                                                  "candidates_limit": CANDIDATES}},
                            "using": "dense", "params": {"hnsw_ef": 128}},
    }


def scores(ranked, relevant):
    hits = [1 if r in relevant else 0 for r in ranked[:K]]
    ideal = min(len(relevant), K)
    recall = sum(hits) / ideal
    dcg = sum(h / math.log2(i + 2) for i, h in enumerate(hits))
    idcg = sum(1 / math.log2(i + 2) for i in range(ideal))
    return recall, dcg / idcg


def mean_ci(values):
    m = statistics_mean(values)
    sd = math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1))
    return m, 1.96 * sd / math.sqrt(len(values))


def statistics_mean(values):
    return sum(values) / len(values)


def main():
    binary = sys.argv[1]
    texts = [json.loads(l) for l in open(os.path.join(DATA, "texts.jsonl"))]
    queries = [json.loads(l) for l in open(os.path.join(DATA, "queries.jsonl"))][:N_QUERIES]
    base = fvecs(os.path.join(DATA, "base.fvecs"))
    qvecs = fvecs(os.path.join(DATA, "queries.fvecs"))
    links = wordnet_links()
    rows_of = defaultdict(set)
    for t in texts:
        rows_of[t["synset"]].add(t["id"])
    judged = []
    for q in queries:
        relevant = set()
        for other in links.get(q["synset"], ()):
            relevant |= rows_of.get(other, set())
        if relevant:
            judged.append((q, relevant))
    sizes = sorted(len(r) for _, r in judged)
    print(f"{len(queries)} queries; {len(judged)} with at least one related synset in the base "
          f"({len(queries) - len(judged)} left out); relevant rows per query: median "
          f"{sizes[len(sizes) // 2]}, mean {sum(sizes) / len(sizes):.1f}, max {sizes[-1]}")
    vocab = {}
    for t in texts:
        for w in terms(t["text"]):
            vocab.setdefault(w, len(vocab))
    workdir = tempfile.mkdtemp(prefix="relevance-")
    port = free_port()
    proc = subprocess.Popen([binary, "serve", "--data-dir", os.path.join(workdir, "plait"),
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                PlaitClient(port).call("GET", "/readyz"); break
            except Exception:
                time.sleep(0.1)
        c = PlaitClient(port)
        load(c, texts, base, vocab)
        per_mode = defaultdict(lambda: ([], [], []))
        for q, relevant in judged:
            vector = qvecs[q["id"]].tolist()
            for name, body in modes(vector, q["text"], sparse(q["text"], vocab)).items():
                body = dict(body, limit=K)
                t0 = time.perf_counter()
                out = c.call("POST", "/collections/rel/points/query", body)
                elapsed = time.perf_counter() - t0
                ranked = [p["id"] for p in out["result"]["points"]]
                recall, ndcg = scores(ranked, relevant)
                per_mode[name][0].append(recall)
                per_mode[name][1].append(ndcg)
                per_mode[name][2].append(elapsed)
        print(f"\n| mode | recall@10 | nDCG@10 | client ms / query (mean) |")
        print("|---|---|---|---|")
        for name, (recalls, ndcgs, times) in per_mode.items():
            r, rci = mean_ci(recalls)
            n, nci = mean_ci(ndcgs)
            print(f"| {name} | {r:.3f} ± {rci:.3f} | {n:.3f} ± {nci:.3f} | "
                  f"{1000 * statistics_mean(times):.2f} |")
        print(f"\n(± is the 95 % confidence half-width over the {len(judged)} queries)")
    finally:
        proc.terminate(); proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
