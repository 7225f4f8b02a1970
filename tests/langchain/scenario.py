"""The LangChain scenario: `QdrantVectorStore` (dense mode) from PyPI, unchanged, against Plait.

Run by tests/it/langchain.rs through run.sh with QDRANT_URL set. The store names the unnamed
vector "" on create, upsert and query. Embeddings are LangChain's DeterministicFakeEmbedding (the
same text always gives the same vector), so a query equal to a stored text finds that text first.
Exits non-zero on the first failed check; prints ALL CHECKS PASSED at the end.
"""
import os
import sys
import uuid

from langchain_core.documents import Document
from langchain_core.embeddings import DeterministicFakeEmbedding
from langchain_qdrant import QdrantVectorStore, RetrievalMode
from qdrant_client import QdrantClient, models

URL = os.environ["QDRANT_URL"]
NAME = "langchain"
passed = 0


def check(cond, what):
    global passed
    if not cond:
        print(f"FAIL: {what}")
        sys.exit(1)
    passed += 1
    print(f"ok: {what}")


embedding = DeterministicFakeEmbedding(size=32)
texts = [
    "cats purr and sleep all day",
    "dogs bark at the postman",
    "rust has no garbage collector",
    "tea is brewed with hot water",
]
metadatas = [
    {"topic": "pets", "n": 1},
    {"topic": "pets", "n": 2},
    {"topic": "code", "n": 3, "tags": ["systems", "memory"]},
    {"topic": "drink", "n": 4},
]
ids = [str(uuid.uuid5(uuid.NAMESPACE_URL, t)) for t in texts]

store = QdrantVectorStore.from_texts(
    texts,
    embedding,
    metadatas=metadatas,
    ids=ids,
    url=URL,
    collection_name=NAME,
    retrieval_mode=RetrievalMode.DENSE,
)
check(store.vector_name == "", "the store names its vector \"\"")

raw = QdrantClient(url=URL, timeout=30)
vectors = raw.get_collection(NAME).config.params.vectors
check(isinstance(vectors, dict) and set(vectors) == {""} and vectors[""].size == 32,
      f"the collection is described as created, {{\"\": {{size: 32}}}} (got {vectors})")
check(raw.count(NAME, exact=True).count == 4, "add texts: 4 points stored")

hits = store.similarity_search_with_score(texts[2], k=2)
check(len(hits) == 2, "similarity_search_with_score returns k hits")
doc, score = hits[0]
check(doc.page_content == texts[2], f"the matching text comes first (got {doc.page_content!r})")
check(doc.metadata["topic"] == "code" and doc.metadata["tags"] == ["systems", "memory"],
      f"metadata comes back (got {doc.metadata})")
check(doc.metadata["_id"] == ids[2], "the point id comes back as _id")
check(abs(score - 1.0) < 1e-4, f"an identical text scores 1.0 under Cosine (got {score})")
check(hits[0][1] >= hits[1][1], "hits are best first")

plain = store.similarity_search(texts[3], k=1)
check([d.page_content for d in plain] == [texts[3]], "similarity_search")

by_vector = store.similarity_search_by_vector(embedding.embed_query(texts[0]), k=1)
check([d.page_content for d in by_vector] == [texts[0]], "similarity_search_by_vector")

retriever = store.as_retriever(search_kwargs={"k": 1})
found = retriever.invoke(texts[1])
check([d.page_content for d in found] == [texts[1]], "retriever.invoke")
check(found[0].metadata["n"] == 2, "retriever returns metadata")

extra_id = str(uuid.uuid5(uuid.NAMESPACE_URL, "extra"))
added = store.add_documents([Document(page_content="milk is white", metadata={"topic": "drink"})],
                            ids=[extra_id])
check(added == [extra_id], "add_documents")
check([d.page_content for d in store.get_by_ids([extra_id])] == ["milk is white"], "get_by_ids")

again = QdrantVectorStore.from_existing_collection(
    embedding=embedding, collection_name=NAME, url=URL, retrieval_mode=RetrievalMode.DENSE)
check([d.page_content for d in again.similarity_search(texts[2], k=1)] == [texts[2]],
      "from_existing_collection validates the collection and searches it")

# Metadata filters: LangChain keeps metadata under `metadata.*`; the same ids as evaluating the
# condition on the metadata written above.
pets = models.Filter(must=[models.FieldCondition(key="metadata.topic", match=models.MatchValue(value="pets"))])
found = store.similarity_search(texts[3], k=4, filter=pets)
check(sorted(d.metadata["_id"] for d in found) == sorted(ids[i] for i, m in enumerate(metadatas) if m["topic"] == "pets"),
      f"similarity_search with a metadata filter (got {[d.metadata for d in found]})")
tagged = models.Filter(must=[models.FieldCondition(key="metadata.tags", match=models.MatchAny(any=["memory"])),
                             models.FieldCondition(key="metadata.n", range=models.Range(gte=3))])
found = store.similarity_search_with_score(texts[0], k=4, filter=tagged)
check([d.metadata["_id"] for d, _ in found] == [ids[2]], "a filter on an array and a range")

check(store.delete(ids=[ids[0], extra_id]) is True, "delete returns True")
check(raw.count(NAME, exact=True).count == 3, "delete removed the points")
remaining = [d.metadata["_id"] for d in store.similarity_search(texts[0], k=4)]
check(ids[0] not in remaining and len(remaining) == 3, "a deleted text is no longer found")

print(f"ALL CHECKS PASSED ({passed})")
