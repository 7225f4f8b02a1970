"""The LangChain scenario: `QdrantVectorStore` from PyPI, unchanged, against Plait, in its dense,
sparse and hybrid retrieval modes.

Run by tests/it/langchain.rs through run.sh with QDRANT_URL set. The store names the unnamed
vector "" on create, upsert and query. Dense embeddings are LangChain's DeterministicFakeEmbedding
(the same text always gives the same vector), so a query equal to a stored text finds that text
first. Sparse embeddings are hashed word counts (deterministic, no model), so a query finds the
texts sharing its words; the sparse ranking is checked against a dot product computed here, and
the hybrid one against reciprocal rank fusion of the two, computed here.
Exits non-zero on the first failed check; prints ALL CHECKS PASSED at the end.
"""
import hashlib
import os
import sys
import uuid

from langchain_core.documents import Document
from langchain_core.embeddings import DeterministicFakeEmbedding
from langchain_qdrant import QdrantVectorStore, RetrievalMode, SparseEmbeddings, SparseVector
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



class HashedWords(SparseEmbeddings):
    """Each lower-cased word hashed to a dimension, weighted by its count."""

    @staticmethod
    def vector(text):
        counts = {}
        for word in text.lower().split():
            index = int(hashlib.sha256(word.encode()).hexdigest(), 16) % 1_000_003
            counts[index] = counts.get(index, 0.0) + 1.0
        return SparseVector(indices=list(counts), values=list(counts.values()))

    def embed_documents(self, texts):
        return [self.vector(t) for t in texts]

    def embed_query(self, text):
        return self.vector(text)


sparse = HashedWords()
corpus = [
    "cats purr and cats sleep",
    "dogs bark at cats",
    "rust has no garbage collector",
    "tea is brewed with hot water",
    "hot water makes tea and cats nap",
]
corpus_ids = [str(uuid.uuid5(uuid.NAMESPACE_URL, "sparse " + t)) for t in corpus]


def dot(a, b):
    weights = dict(zip(b.indices, b.values))
    return sum(v * weights.get(i, 0.0) for i, v in zip(a.indices, a.values))


def sparse_ranking(query):
    q = sparse.embed_query(query)
    scored = [(dot(q, sparse.vector(t)), i) for i, t in enumerate(corpus)]
    return [(i, s) for s, i in sorted(((s, i) for s, i in scored if s > 0), key=lambda x: (-x[0], x[1]))]


sparse_store = QdrantVectorStore.from_texts(
    corpus,
    sparse_embedding=sparse,
    ids=corpus_ids,
    url=URL,
    collection_name="langchain_sparse",
    retrieval_mode=RetrievalMode.SPARSE,
)
described = raw.get_collection("langchain_sparse").config.params
check(described.sparse_vectors is not None and sparse_store.sparse_vector_name in described.sparse_vectors,
      f"the sparse collection declares its sparse vector (got {described.sparse_vectors})")
for query in ["cats", "hot water tea", "garbage collector rust cats"]:
    found = sparse_store.similarity_search_with_score(query, k=3)
    want = sparse_ranking(query)[:3]
    check([corpus_ids.index(d.metadata["_id"]) for d, _ in found] == [i for i, _ in want]
          and all(abs(s - w) < 1e-4 for (_, s), (_, w) in zip(found, want)),
          f"sparse mode ranks {query!r} by dot product (got {[(d.page_content, s) for d, s in found]}, want {want})")
again = QdrantVectorStore.from_existing_collection(
    sparse_embedding=sparse, collection_name="langchain_sparse", url=URL,
    retrieval_mode=RetrievalMode.SPARSE)
check(again.similarity_search("rust", k=1)[0].page_content == corpus[2],
      "from_existing_collection in sparse mode validates the sparse vector and searches it")

hybrid_store = QdrantVectorStore.from_texts(
    corpus,
    embedding,
    sparse_embedding=sparse,
    ids=corpus_ids,
    url=URL,
    collection_name="langchain_hybrid",
    retrieval_mode=RetrievalMode.HYBRID,
)
for query in ["cats", "hot water tea"]:
    k = 3
    dense_hits = raw.query_points("langchain_hybrid", query=embedding.embed_query(query),
                                  using=hybrid_store.vector_name, limit=k).points
    sparse_hits = sparse_ranking(query)[:k]
    fused = {}
    for rank, p in enumerate(dense_hits):
        fused[str(p.id)] = fused.get(str(p.id), 0.0) + 1.0 / (rank + 2)
    for rank, (i, _) in enumerate(sparse_hits):
        fused[corpus_ids[i]] = fused.get(corpus_ids[i], 0.0) + 1.0 / (rank + 2)
    want = sorted(fused.items(), key=lambda x: -x[1])[:k]
    found = hybrid_store.similarity_search_with_score(query, k=k)
    got = [(d.metadata["_id"], s) for d, s in found]
    check(len(got) == len(want) and all(abs(s - w) < 1e-6 for (_, s), (_, w) in zip(got, want))
          and {i for i, _ in got} == {i for i, _ in want},
          f"hybrid mode fuses dense and sparse by RRF for {query!r} (got {got}, want {want})")
topic = models.Filter(must=[models.FieldCondition(key="page_content", match=models.MatchText(text="rust"))])
found = hybrid_store.similarity_search("cats", k=3, filter=topic)
check([d.page_content for d in found] == [corpus[2]],
      f"hybrid mode applies the filter inside both branches (got {[d.page_content for d in found]})")

print(f"ALL CHECKS PASSED ({passed})")
