"""The qdrant-client scenario: every call Plait promises to support, with assertions.

Run by tests/it/qdrant_client.rs through run.sh with QDRANT_URL set. Exits non-zero on the first
failed check; prints ALL CHECKS PASSED at the end.
"""
import math
import os
import sys
import time
import uuid
import warnings

from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import UnexpectedResponse

URL = os.environ["QDRANT_URL"]
NAME = "scenario"
passed = 0


def check(cond, what):
    global passed
    if not cond:
        print(f"FAIL: {what}")
        sys.exit(1)
    passed += 1
    print(f"ok: {what}")


def unit(v):
    n = math.sqrt(sum(x * x for x in v))
    return [x / n for x in v]


with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    client = QdrantClient(url=URL, timeout=30)
    time.sleep(1.0)  # the client checks the server version in a background thread
for w in caught:
    print(f"warning: {w.message}", file=sys.stderr)
check(not any("incompatible" in str(w.message) or "Failed to obtain" in str(w.message) for w in caught),
      "no version-compatibility warning")

check(client.collection_exists(NAME) is False, "collection_exists is False before create")
check(client.create_collection(NAME, vectors_config=models.VectorParams(size=4, distance=models.Distance.COSINE)) is True,
      "create_collection")
try:
    client.create_collection(NAME, vectors_config=models.VectorParams(size=4, distance=models.Distance.COSINE))
    check(False, "second create_collection raises")
except UnexpectedResponse as e:
    check(e.status_code == 409, f"second create_collection -> 409 (got {e.status_code})")
check(client.collection_exists(NAME) is True, "collection_exists is True after create")
check(NAME in [c.name for c in client.get_collections().collections], "get_collections lists it")
info = client.get_collection(NAME)
check(info.config.params.vectors.size == 4, "get_collection size")
check(info.config.params.vectors.distance == models.Distance.COSINE, "get_collection distance")

u1 = str(uuid.UUID(int=0x1234))
vectors = {1: [1.0, 0.0, 0.0, 0.0], 2: [0.0, 1.0, 0.0, 0.0], 3: [0.9, 0.1, 0.0, 0.0], u1: [0.0, 0.0, 1.0, 0.0]}
r = client.upsert(NAME, wait=True, points=[
    models.PointStruct(id=k, vector=v, payload={"key": str(k), "n": i, "nested": {"x": [1, 2.5, None, True]}})
    for i, (k, v) in enumerate(vectors.items())
])
check(r.status == models.UpdateStatus.COMPLETED, "upsert points -> completed")
r = client.upsert(NAME, wait=True, points=models.Batch(ids=[10, 11], vectors=[[0, 0, 0, 1.0], [0.5, 0.5, 0.5, 0.5]],
                                                        payloads=[{"b": 10}, {"b": 11}]))
check(r.status == models.UpdateStatus.COMPLETED, "upsert batch -> completed")
check(client.count(NAME, exact=True).count == 6, "count == 6")

got = client.retrieve(NAME, ids=[1, u1, 999], with_payload=True, with_vectors=True)
check(len(got) == 2, "retrieve skips missing ids")
by_id = {str(p.id): p for p in got}
check(by_id["1"].payload["nested"] == {"x": [1, 2.5, None, True]}, "retrieve payload exact")
check(all(abs(a - b) < 1e-6 for a, b in zip(by_id[u1].vector, unit(vectors[u1]))), "retrieve vector (normalised for cosine)")

hits = client.query_points(NAME, query=[1.0, 0.05, 0.0, 0.0], limit=3, with_payload=True).points
check([h.id for h in hits] == [1, 3, 11], f"query_points order {[h.id for h in hits]}")
check(hits[0].score >= hits[1].score >= hits[2].score, "scores descending for cosine")
check(hits[0].payload["key"] == "1", "query_points payload")
hits = client.query_points(NAME, query=[0.0, 0.0, 1.0, 0.0], limit=1, with_vectors=True).points
check(hits[0].id == u1 and hits[0].vector is not None, "query_points uuid hit with vector")

page, nxt = client.scroll(NAME, limit=4, with_payload=True)
check([p.id for p in page] == [1, 2, 3, 10] and nxt == 11, f"scroll page 1 {[p.id for p in page]} next {nxt}")
page, nxt = client.scroll(NAME, limit=4, offset=nxt)
check([p.id for p in page] == [11, u1] and nxt is None, "scroll page 2")

r = client.delete(NAME, points_selector=models.PointIdsList(points=[2, u1]), wait=True)
check(r.status == models.UpdateStatus.COMPLETED, "delete points")
check(client.count(NAME).count == 4, "count after delete == 4")
check(client.retrieve(NAME, ids=[2, u1]) == [], "deleted points are gone")

try:
    client.upsert(NAME, points=[models.PointStruct(id=5, vector=[1.0, 2.0], payload={})])
    check(False, "wrong dimension raises")
except UnexpectedResponse as e:
    # Qdrant answers a wrong dimension with 400 "Wrong input: Vector dimension error: ...".
    check(e.status_code == 400, f"wrong dimension -> 400 (got {e.status_code})")
check(client.count(NAME).count == 4, "nothing stored by the rejected upsert")

# Filters: points 1 and 3 have `n`, 10 and 11 have `b`.
has_n = models.Filter(must=[models.FieldCondition(key="n", range=models.Range(gte=0))])
hits = client.query_points(NAME, query=[1.0, 0.05, 0.0, 0.0], limit=10, query_filter=has_n).points
check([h.id for h in hits] == [1, 3], f"filtered query_points {[h.id for h in hits]}")
b_any = models.Filter(should=[models.FieldCondition(key="b", match=models.MatchAny(any=[10, 11]))])
page, nxt = client.scroll(NAME, scroll_filter=b_any, limit=1)
check([p.id for p in page] == [10] and nxt == 11, f"filtered scroll {[p.id for p in page]} next {nxt}")
no_b = models.Filter(must=[models.IsEmptyCondition(is_empty=models.PayloadField(key="b"))])
check(client.count(NAME, count_filter=no_b, exact=True).count == 2, "filtered count")
check(client.count(NAME, count_filter=models.Filter(must_not=no_b.must)).count == 2, "must_not count")
tag = lambda v: models.Filter(must=[models.FieldCondition(key="tag", match=models.MatchValue(value=v))])
r = client.set_payload(NAME, payload={"tag": "x"}, points=models.Filter(must=[models.HasIdCondition(has_id=[1, 10])]), wait=True)
check(r.status == models.UpdateStatus.COMPLETED and client.count(NAME, count_filter=tag("x")).count == 2,
      "set_payload by filter")
client.overwrite_payload(NAME, payload={"tag": "y"},
                         points=models.Filter(must=[models.FieldCondition(key="b", match=models.MatchValue(value=11))]), wait=True)
check(client.retrieve(NAME, ids=[11])[0].payload == {"tag": "y"}, "overwrite_payload by filter")
client.delete_payload(NAME, keys=["tag"], points=tag("x"), wait=True)
check(client.retrieve(NAME, ids=[10])[0].payload == {"b": 10}, "delete_payload by filter")
client.clear_payload(NAME, points_selector=models.FilterSelector(filter=tag("y")), wait=True)
check(client.retrieve(NAME, ids=[11])[0].payload == {}, "clear_payload by filter")
facet = client.facet(NAME, key="key", limit=10, facet_filter=has_n)
check([(h.value, h.count) for h in facet.hits] == [("1", 1), ("3", 1)], f"facet {facet.hits}")
r = client.delete(NAME, points_selector=models.FilterSelector(
    filter=models.Filter(must=[models.FieldCondition(key="b", match=models.MatchValue(value=10))])), wait=True)
check(r.status == models.UpdateStatus.COMPLETED and client.count(NAME).count == 3, "delete by filter")
try:
    client.count(NAME, count_filter=models.Filter(must=[models.FieldCondition(
        key="loc", geo_radius=models.GeoRadius(center=models.GeoPoint(lat=0, lon=0), radius=1.0))]))
    check(False, "geo filter raises")
except UnexpectedResponse as e:
    check(e.status_code == 422, f"geo filter -> 422 (got {e.status_code})")

# Multi-stage queries: two prefetches fused (RRF as Qdrant computes it, with k and weights; DBSF),
# checked against each prefetch run alone, and MMR beside a nearest query.
qa, qb = [1.0, 0.05, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]
alone = [[h.id for h in client.query_points(NAME, query=q, limit=3).points] for q in (qa, qb)]
pre = [models.Prefetch(query=qa, limit=3), models.Prefetch(query=qb, limit=3)]


def rrf_reference(k, weights):
    sums = {}
    for ids, w in zip(alone, weights):
        for pos, pid in enumerate(ids):
            sums[pid] = sums.get(pid, 0.0) + 1.0 / ((pos + 1) / w + k - 1)
    return sums


for query, k, weights in [(models.FusionQuery(fusion=models.Fusion.RRF), 2, [1.0, 1.0]),
                          (models.RrfQuery(rrf=models.Rrf(k=10, weights=[2.0, 1.0])), 10, [2.0, 1.0])]:
    fused = client.query_points(NAME, prefetch=pre, query=query, limit=10).points
    want = rrf_reference(k, weights)
    check({h.id for h in fused} == set(want), f"fused ids {[h.id for h in fused]} are the prefetches' {want}")
    check(all(abs(h.score - want[h.id]) < 1e-5 for h in fused), f"RRF scores {[(h.id, h.score) for h in fused]} == {want}")
    check(all(a.score >= b.score for a, b in zip(fused, fused[1:])), "fused scores descend")
dbsf = client.query_points(NAME, prefetch=pre, query=models.FusionQuery(fusion=models.Fusion.DBSF), limit=10).points
check({h.id for h in dbsf} == set(alone[0]) | set(alone[1]), f"DBSF fuses the prefetches {[h.id for h in dbsf]}")
mmr = client.query_points(NAME, query=models.NearestQuery(nearest=qa, mmr=models.Mmr(diversity=0.0, candidates_limit=3)),
                          limit=2).points
check([h.id for h in mmr] == alone[0][:2], f"MMR without diversity keeps the nearest order {[h.id for h in mmr]}")

# Grouped search: the best chunks of the best documents, by a payload field (a string, an integer
# or an array of them; points without it are left out).
G = NAME + "_groups"
client.create_collection(G, vectors_config=models.VectorParams(size=2, distance=models.Distance.EUCLID))
chunks = [(i, [float(i), 0.0], {"doc": f"d{i % 3}"}) for i in range(12)]
chunks += [(100, [0.5, 0.0], {"doc": ["d2", 7]}), (101, [0.2, 0.0], {}), (102, [0.1, 0.0], {"doc": 1.5})]
client.upsert(G, wait=True, points=[models.PointStruct(id=i, vector=v, payload=p) for i, v, p in chunks])
res = client.query_points_groups(G, query=[0.0, 0.0], group_by="doc", limit=3, group_size=2, with_payload=True)
got = [(g.id, [h.id for h in g.hits]) for g in res.groups]
check(got == [("d0", [0, 3]), ("d2", [100, 2]), (7, [100])], f"query_points_groups {got}")
check(all(a.score <= b.score for g in res.groups for a, b in zip(g.hits, g.hits[1:])),
      "query_points_groups hits nearest first (Euclid)")
check(res.groups[0].hits[0].payload == {"doc": "d0"}, "query_points_groups payload")
doc1 = models.Filter(must=[models.FieldCondition(key="doc", match=models.MatchValue(value="d1"))])
res = client.query_points_groups(G, query=[0.0, 0.0], group_by="doc", query_filter=doc1, limit=5)
check([(g.id, [h.id for h in g.hits]) for g in res.groups] == [("d1", [1, 4, 7])],
      f"query_points_groups with a filter {res.groups}")
# qdrant-client 1.20 no longer has `search_groups`; the older route is driven through the client's
# own transport and parsed by its own response model.
res = client.http.search_api.api_client.request(
    type_=models.InlineResponse20024, method="POST", url="/collections/{collection_name}/points/search/groups",
    path_params={"collection_name": G},
    json={"vector": [11.0, 0.0], "group_by": "doc", "limit": 2, "group_size": 1, "with_lookup": None}).result
check([(g.id, [h.id for h in g.hits]) for g in res.groups] == [("d2", [11]), ("d1", [10])],
      f"points/search/groups {res.groups}")
try:
    client.query_points_groups(G, query=[0.0, 0.0], group_by="doc", limit=1000, group_size=1000)
    check(False, "an oversized grouped query raises")
except UnexpectedResponse as e:
    check(e.status_code == 422, f"limit * group_size past the cap -> 422 (got {e.status_code})")
check(client.delete_collection(G) is True, "delete the grouped collection")

ALIAS = "scenario_live"
check(client.update_collection_aliases(change_aliases_operations=[
    models.CreateAliasOperation(create_alias=models.CreateAlias(collection_name=NAME, alias_name=ALIAS))]) is True,
      "update_collection_aliases create_alias")
check([(a.alias_name, a.collection_name) for a in client.get_aliases().aliases] == [(ALIAS, NAME)], "get_aliases")
check([a.alias_name for a in client.get_collection_aliases(NAME).aliases] == [ALIAS], "get_collection_aliases")
direct = [(h.id, h.score) for h in client.query_points(NAME, query=[1.0, 0.05, 0.0, 0.0], limit=3).points]
aliased = [(h.id, h.score) for h in client.query_points(ALIAS, query=[1.0, 0.05, 0.0, 0.0], limit=3).points]
check(len(direct) > 0 and aliased == direct, f"query_points through the alias {aliased} == {direct}")
check(client.count(ALIAS).count == client.count(NAME).count, "count through the alias")
check(client.update_collection_aliases(change_aliases_operations=[
    models.RenameAliasOperation(rename_alias=models.RenameAlias(old_alias_name=ALIAS, new_alias_name=ALIAS + "_2")),
    models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name="never_existed")),
]) is True, "update_collection_aliases rename_alias + delete_alias")
check([a.alias_name for a in client.get_aliases().aliases] == [ALIAS + "_2"], "renamed alias listed")

snap = client.create_snapshot(NAME, wait=True)
check(snap.name.startswith(NAME + "-") and snap.size > 0 and len(snap.checksum) == 64, f"create_snapshot {snap}")
check([s.name for s in client.list_snapshots(NAME)] == [snap.name], "list_snapshots")
COPY = NAME + "_copy"
location = f"file://{os.environ['PLAIT_SNAPSHOTS_DIR']}/{NAME}/{snap.name}"
client.recover_snapshot(COPY, location=location, checksum=snap.checksum, wait=True)
check(client.count(COPY).count == client.count(NAME).count, "recover_snapshot into a new collection")
check(client.delete_snapshot(NAME, snap.name, wait=True) is True, "delete_snapshot")
check(client.list_snapshots(NAME) == [], "snapshot deleted")
check(client.delete_collection(COPY) is True, "delete the recovered collection")

check(client.delete_collection(NAME) is True, "delete_collection")
check(client.get_aliases().aliases == [], "delete_collection drops its aliases")
check(client.collection_exists(NAME) is False, "collection gone")
try:
    client.get_collection(NAME)
    check(False, "get_collection on a deleted collection raises")
except UnexpectedResponse as e:
    check(e.status_code == 404, "get_collection after delete -> 404")

print(f"ALL CHECKS PASSED ({passed})")
