"""qdrant-client with `api_key=` against a server with keys: the admin key does everything, the
read-only key reads and is refused writes with 403, an access token limited to one collection
reaches only it, and no key gets 401.

Run by tests/it/access_control.rs through run.sh with QDRANT_URL, PLAIT_ADMIN_KEY,
PLAIT_READ_KEY and PLAIT_TOKEN (rw on collection "scoped") set. Prints ALL CHECKS PASSED.
"""
import os
import sys
import warnings

from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import UnexpectedResponse

URL = os.environ["QDRANT_URL"]
passed = 0


def check(cond, what):
    global passed
    if not cond:
        print(f"FAIL: {what}")
        sys.exit(1)
    passed += 1
    print(f"ok: {what}")


def status_of(call):
    try:
        call()
    except UnexpectedResponse as e:
        return e.status_code
    return 200


# The client warns that an API key over plain http is insecure; that is expected on loopback.
warnings.simplefilter("ignore")
admin = QdrantClient(url=URL, api_key=os.environ["PLAIT_ADMIN_KEY"], timeout=30)
reader = QdrantClient(url=URL, api_key=os.environ["PLAIT_READ_KEY"], timeout=30)
scoped = QdrantClient(url=URL, api_key=os.environ["PLAIT_TOKEN"], timeout=30)
anonymous = QdrantClient(url=URL, timeout=30)

params = models.VectorParams(size=2, distance=models.Distance.COSINE)
check(admin.create_collection("open", vectors_config=params) is True, "admin creates a collection")
check(admin.create_collection("scoped", vectors_config=params) is True, "admin creates another")
admin.upsert("open", [models.PointStruct(id=1, vector=[1.0, 0.0], payload={"k": "v"})], wait=True)
check(admin.count("open").count == 1, "admin upserts and counts")

check(reader.count("open").count == 1, "the read-only key counts")
check(len(reader.query_points("open", query=[1.0, 0.0], limit=1).points) == 1, "the read-only key searches")
check(status_of(lambda: reader.upsert("open", [models.PointStruct(id=2, vector=[0.0, 1.0])], wait=True)) == 403,
      "the read-only key is refused an upsert with 403")
check(status_of(lambda: reader.delete_collection("open")) == 403, "the read-only key cannot drop a collection")

scoped.upsert("scoped", [models.PointStruct(id=7, vector=[0.0, 1.0])], wait=True)
check(scoped.count("scoped").count == 1, "the token writes and reads its collection")
check(status_of(lambda: scoped.count("open")) == 403, "the token cannot read another collection")
check(status_of(lambda: scoped.get_collections()) == 403, "the token cannot list the server's collections")

check(status_of(lambda: anonymous.count("open")) == 401, "no key gets 401")
check(admin.count("open").count == 1, "nothing the refused calls sent was applied")
print(f"ALL CHECKS PASSED ({passed})")
