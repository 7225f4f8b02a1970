"""The LlamaIndex scenario: `QdrantVectorStore` from PyPI, unchanged, against Plait: dense mode, and
hybrid mode (`enable_hybrid=True`: a named dense and a named sparse vector, sparse and hybrid
queries sent as `query_batch_points`), with a deterministic sparse encoder (hashed word counts).

Run by tests/it/llama_index.rs through run.sh with QDRANT_URL set. The store creates the
collection, creates a `doc_id` payload index, and names the unnamed vector "" on upsert and
query. Embeddings are a bag of hashed words (deterministic; texts sharing words are close). Calls
that need payload filters (`has_id`, `doc_id` matches) are checked to fail with a clear 422 until
filtering arrives. Exits non-zero on the first failed check; prints ALL CHECKS PASSED at the end.
"""
import hashlib
import os
import sys
import uuid
from typing import List

from llama_index.core import StorageContext, VectorStoreIndex
from llama_index.core.embeddings import BaseEmbedding
from llama_index.core.schema import MetadataMode, TextNode
from llama_index.core.vector_stores.types import (
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
    VectorStoreQuery,
    VectorStoreQueryMode,
)
from llama_index.vector_stores.qdrant import QdrantVectorStore
from llama_index.vector_stores.qdrant.utils import relative_score_fusion
from qdrant_client import QdrantClient
from qdrant_client.models import SparseVector

URL = os.environ["QDRANT_URL"]
NAME = "llama"
DIM = 64
passed = 0


def check(cond, what):
    global passed
    if not cond:
        print(f"FAIL: {what}")
        sys.exit(1)
    passed += 1
    print(f"ok: {what}")


class HashedWords(BaseEmbedding):
    """Counts words hashed into DIM buckets: deterministic, no model, no network."""

    def _vector(self, text: str) -> List[float]:
        v = [0.0] * DIM
        for word in text.lower().split():
            v[int(hashlib.sha256(word.encode()).hexdigest(), 16) % DIM] += 1.0
        return v

    def _get_text_embedding(self, text: str) -> List[float]:
        return self._vector(text)

    def _get_query_embedding(self, query: str) -> List[float]:
        return self._vector(query)

    async def _aget_query_embedding(self, query: str) -> List[float]:
        return self._vector(query)


embed = HashedWords()
texts = [
    "cats purr and sleep all day",
    "dogs bark at the postman",
    "rust has no garbage collector",
    "green tea is brewed with hot water",
]
nodes = [
    TextNode(id_=str(uuid.uuid5(uuid.NAMESPACE_URL, t)), text=t,
             metadata={"topic": topic, "n": i})
    for i, (t, topic) in enumerate(zip(texts, ["pets", "pets", "code", "drink"]))
]
ids = [n.node_id for n in nodes]

client = QdrantClient(url=URL, timeout=30)
store = QdrantVectorStore(collection_name=NAME, client=client)
index = VectorStoreIndex(
    nodes, storage_context=StorageContext.from_defaults(vector_store=store), embed_model=embed)
check(client.count(NAME, exact=True).count == 4,
      "add nodes (creating the collection and its doc_id index): 4 points stored")
check(store.dense_vector_name == "", "the store names its vector \"\"")

retriever = index.as_retriever(similarity_top_k=2)
found = retriever.retrieve("why do cats purr")
check(len(found) == 2, "retriever returns similarity_top_k nodes")
check(found[0].node.node_id == ids[0], f"the closest text comes first (got {found[0].node.get_content()!r})")
check(found[0].node.metadata["topic"] == "pets", f"metadata comes back (got {found[0].node.metadata})")
check(found[0].score is not None and found[0].score > found[1].score, "scores, best first")

result = store.query(VectorStoreQuery(query_embedding=embed.get_query_embedding("hot tea"),
                                      similarity_top_k=1))
check(result.ids == [ids[3]], f"vector store query (got {result.ids})")
check(result.nodes[0].get_content() == texts[3], "the node text comes back")
check(0.0 < result.similarities[0] < 1.0, f"a Cosine score comes back (got {result.similarities})")

reopened = QdrantVectorStore(collection_name=NAME, client=client)
check(reopened.dense_vector_name == "", "a store on the existing collection detects the unnamed vector")
again = VectorStoreIndex.from_vector_store(reopened, embed_model=embed).as_retriever(similarity_top_k=1)
check([n.node.node_id for n in again.retrieve("garbage collector")] == [ids[2]],
      "retriever on the existing collection")

# Metadata filters: the same nodes as evaluating the condition on the metadata written above.
pets = MetadataFilters(filters=[MetadataFilter(key="topic", value="pets")])
found = index.as_retriever(similarity_top_k=4, filters=pets).retrieve("hot tea")
check(sorted(n.node.node_id for n in found) == sorted(n.node_id for n in nodes if n.metadata["topic"] == "pets"),
      f"retriever with a metadata filter (got {[n.node.metadata for n in found]})")
late = MetadataFilters(filters=[MetadataFilter(key="n", value=2, operator=FilterOperator.GTE)])
found = index.as_retriever(similarity_top_k=4, filters=late).retrieve("cats")
check(sorted(n.node.node_id for n in found) == sorted(ids[2:]), "a range filter")
got = store.get_nodes(node_ids=[ids[1], ids[3]])
check(sorted(n.node_id for n in got) == sorted([ids[1], ids[3]]), "get_nodes (has_id)")
store.delete(ref_doc_id="none")
check(client.count(NAME, exact=True).count == 4, "delete by an unknown ref_doc_id deletes nothing")
store.delete_nodes(node_ids=[ids[0]])
check(client.count(NAME, exact=True).count == 3 and store.get_nodes(node_ids=[ids[0]]) == [],
      "delete_nodes (has_id)")

client.delete(NAME, points_selector=[ids[1]], wait=True)
remaining = [n.node.node_id for n in index.as_retriever(similarity_top_k=4).retrieve("dogs bark")]
check(ids[1] not in remaining and len(remaining) == 2, "a node deleted by id is no longer retrieved")

store.clear()
check(not client.collection_exists(NAME), "clear deletes the collection")


def hashed_counts(text):
    counts = {}
    for word in text.lower().split():
        index = int(hashlib.sha256(word.encode()).hexdigest(), 16) % 1_000_003
        counts[index] = counts.get(index, 0.0) + 1.0
    return counts


def sparse_encoder(batch):
    vectors = [hashed_counts(t) for t in batch]
    return [list(v) for v in vectors], [list(v.values()) for v in vectors]


hybrid = QdrantVectorStore(collection_name="llama_hybrid", client=client, enable_hybrid=True,
                           sparse_doc_fn=sparse_encoder, sparse_query_fn=sparse_encoder)
hybrid_index = VectorStoreIndex(
    nodes, storage_context=StorageContext.from_defaults(vector_store=hybrid), embed_model=embed)
params = client.get_collection("llama_hybrid").config.params
check(set(params.vectors) == {hybrid.dense_vector_name}
      and set(params.sparse_vectors or {}) == {hybrid.sparse_vector_name},
      f"hybrid mode creates a named dense and a named sparse vector (got {params.vectors}, {params.sparse_vectors})")


def sparse_ranking(query):
    q = hashed_counts(query)
    scored = []
    for n in nodes:
        d = hashed_counts(n.get_content(metadata_mode=MetadataMode.EMBED))
        score = sum(w * d.get(i, 0.0) for i, w in q.items())
        if any(i in d for i in q):
            scored.append((-score, n.node_id))
    return [(node_id, -neg) for neg, node_id in sorted(scored)]


for query in ["cats purr", "hot water and tea"]:
    result = hybrid.query(VectorStoreQuery(query_str=query, query_embedding=embed.get_query_embedding(query),
                                           similarity_top_k=2, mode=VectorStoreQueryMode.SPARSE))
    want = sparse_ranking(query)[:2]
    check(result.ids == [i for i, _ in want]
          and all(abs(s - w) < 1e-4 for s, (_, w) in zip(result.similarities, want)),
          f"sparse mode ranks {query!r} by dot product (got {list(zip(result.ids, result.similarities))}, want {want})")
    dense = client.query_points("llama_hybrid", query=embed.get_query_embedding(query),
                                using=hybrid.dense_vector_name, limit=2, with_payload=True).points
    sparse = client.query_points("llama_hybrid", query=SparseVector(
        indices=list(hashed_counts(query)), values=list(hashed_counts(query).values())),
        using=hybrid.sparse_vector_name, limit=2, with_payload=True).points
    want = relative_score_fusion(hybrid.parse_to_query_result(dense),
                                 hybrid.parse_to_query_result(sparse), alpha=0.5, top_k=2)
    result = hybrid.query(VectorStoreQuery(query_str=query, query_embedding=embed.get_query_embedding(query),
                                           similarity_top_k=2, mode=VectorStoreQueryMode.HYBRID))
    check(result.ids == want.ids and result.ids[0] == sparse_ranking(query)[0][0],
          f"hybrid mode fuses the dense and sparse answers for {query!r} (got {result.ids}, want {want.ids})")
found = hybrid_index.as_retriever(similarity_top_k=4, filters=pets,
                                  vector_store_query_mode="hybrid").retrieve("hot tea cats")
check(sorted(n.node.node_id for n in found) == sorted(n.node_id for n in nodes if n.metadata["topic"] == "pets"),
      f"hybrid retrieval applies the metadata filter in both branches (got {[n.node.metadata for n in found]})")
hybrid.clear()

print(f"ALL CHECKS PASSED ({passed})")
