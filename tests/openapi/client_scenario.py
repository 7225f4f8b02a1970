"""A scenario driven by the client openapi-python-client generates from openapi/openapi.json.

Every call must come back with a status the document declares (the client raises on any other)
and a body the generated models parse. Run by run.sh with the generated package on PYTHONPATH and
the server's address in PLAIT_URL.
"""

import os
import uuid

from plait_client import Client
from plait_client.api.collections import (
    collection_exists,
    create_collection,
    delete_collection,
    get_collection,
    get_collections,
)
from plait_client.api.points import (
    count_points,
    delete_points,
    get_point,
    get_points,
    scroll_points,
    upsert_points,
)
from plait_client.api.search import query_points, search_points
from plait_client.models import (
    CollectionExistsResponse200,
    CountPointsResponse200,
    CountRequest,
    CreateCollection,
    CreateCollectionResponse200,
    DeleteCollectionResponse200,
    DeletePoints,
    DeletePointsResponse200,
    Distance,
    ErrorBody,
    Filter,
    GetCollectionResponse200,
    GetCollectionsResponse200,
    GetPointResponse200,
    GetPointsResponse200,
    PointStruct,
    PointStructPayloadType0,
    QueryPointsResponse200,
    QueryRequest,
    RetrievePoints,
    ScrollPointsResponse200,
    ScrollRequest,
    SearchPointsResponse200,
    SearchRequestBody,
    UpdateStatus,
    UpsertPoints,
    UpsertPointsResponse200,
    VectorParams,
)

NAME = "generated_client"
UUID_ID = uuid.UUID("5c56c793-69f3-4fbf-87e6-c4bf54c28c26")


def ok(response, model):
    """The result of a 200 answer, which the client must have parsed as `model`."""
    assert response.status_code == 200, (response.status_code, response.content)
    assert isinstance(response.parsed, model), (type(response.parsed), response.content)
    assert response.parsed.status == "ok", response.content
    return response.parsed.result


def error(response, status):
    """The message of an error answer, which the client must have parsed as the error body."""
    assert response.status_code == status, (response.status_code, response.content)
    assert isinstance(response.parsed, ErrorBody), (type(response.parsed), response.content)
    return response.parsed.status.error


def point(id_, vector, colour):
    payload = PointStructPayloadType0.from_dict({"colour": colour})
    return PointStruct(id=id_, vector=vector, payload=payload)


def main():
    client = Client(base_url=os.environ["PLAIT_URL"], raise_on_unexpected_status=True)

    body = CreateCollection(vectors=VectorParams(size=4, distance=Distance.COSINE))
    assert ok(create_collection.sync_detailed(NAME, client=client, body=body),
              CreateCollectionResponse200) is True
    assert "exists" in error(create_collection.sync_detailed(NAME, client=client, body=body), 409)
    assert ok(collection_exists.sync_detailed(NAME, client=client),
              CollectionExistsResponse200).exists is True
    names = [c.name for c in ok(get_collections.sync_detailed(client=client),
                                GetCollectionsResponse200).collections]
    assert NAME in names, names

    points = [
        point(1, [1.0, 0.0, 0.0, 0.0], "red"),
        point(2, [0.0, 1.0, 0.0, 0.0], "green"),
        point(UUID_ID, [0.9, 0.1, 0.0, 0.0], "blue"),
    ]
    written = ok(upsert_points.sync_detailed(NAME, client=client, body=UpsertPoints(points=points),
                                             wait=True), UpsertPointsResponse200)
    assert written.status == UpdateStatus.COMPLETED, written
    info = ok(get_collection.sync_detailed(NAME, client=client), GetCollectionResponse200)
    assert info.points_count == 3, info

    hits = ok(query_points.sync_detailed(
        NAME, client=client,
        body=QueryRequest(query=[1.0, 0.0, 0.0, 0.0], limit=2, with_payload=True)),
        QueryPointsResponse200).points
    assert [h.id for h in hits] == [1, UUID_ID], hits
    assert hits[0].payload.additional_properties == {"colour": "red"}, hits[0]
    hits = ok(search_points.sync_detailed(
        NAME, client=client, body=SearchRequestBody(vector=[0.0, 1.0, 0.0, 0.0], limit=1)),
        SearchPointsResponse200)
    assert [h.id for h in hits] == [2], hits

    records = ok(get_points.sync_detailed(
        NAME, client=client, body=RetrievePoints(ids=[2, UUID_ID], with_vector=True)),
        GetPointsResponse200)
    assert sorted(str(r.id) for r in records) == sorted(["2", str(UUID_ID)]), records
    record = ok(get_point.sync_detailed(NAME, "1", client=client), GetPointResponse200)
    assert record.id == 1 and record.payload.additional_properties == {"colour": "red"}, record
    assert "does not exist" in error(get_point.sync_detailed(NAME, "7", client=client), 404)

    page = ok(scroll_points.sync_detailed(NAME, client=client, body=ScrollRequest(limit=2)),
              ScrollPointsResponse200)
    assert [r.id for r in page.points] == [1, 2], page
    assert page.next_page_offset == UUID_ID, page
    page = ok(scroll_points.sync_detailed(
        NAME, client=client, body=ScrollRequest(offset=page.next_page_offset, limit=2)),
        ScrollPointsResponse200)
    assert [r.id for r in page.points] == [UUID_ID] and page.next_page_offset is None, page

    count = ok(count_points.sync_detailed(NAME, client=client, body=CountRequest(exact=True)),
               CountPointsResponse200).count
    assert count == 3, count
    red = CountRequest(filter_=Filter.from_dict({"must": [{"key": "colour", "match": {"value": "red"}}]}))
    count = ok(count_points.sync_detailed(NAME, client=client, body=red), CountPointsResponse200).count
    assert count == 1, count

    deleted = ok(delete_points.sync_detailed(NAME, client=client, body=DeletePoints(points=[1]),
                                             wait=True), DeletePointsResponse200)
    assert deleted.status == UpdateStatus.COMPLETED, deleted
    # The body of a count is optional and nullable; the generated client sends `null` for None.
    count = ok(count_points.sync_detailed(NAME, client=client, body=None),
               CountPointsResponse200).count
    assert count == 2, count

    assert ok(delete_collection.sync_detailed(NAME, client=client),
              DeleteCollectionResponse200) is True
    assert ok(collection_exists.sync_detailed(NAME, client=client),
              CollectionExistsResponse200).exists is False
    assert "does not exist" in error(get_collection.sync_detailed(NAME, client=client), 404)
    print("ALL CHECKS PASSED")


if __name__ == "__main__":
    main()
