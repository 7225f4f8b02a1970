// The JavaScript scenario: the official @qdrant/js-client-rest from npm, unchanged, against Plait.
// Run by tests/it/js_client.rs through run.sh with QDRANT_URL set. Exits non-zero on the first
// failed check; prints ALL CHECKS PASSED at the end.
'use strict';
const { QdrantClient } = require('@qdrant/js-client-rest');

const NAME = 'js_scenario';
let passed = 0;

function check(cond, what) {
  if (!cond) {
    console.log(`FAIL: ${what}`);
    process.exit(1);
  }
  passed += 1;
  console.log(`ok: ${what}`);
}

async function main() {
  const warnings = [];
  const warn = console.warn;
  console.warn = (...args) => warnings.push(args.join(' '));
  const client = new QdrantClient({ url: process.env.QDRANT_URL });
  await new Promise((resolve) => setTimeout(resolve, 500)); // the version check runs in the background
  console.warn = warn;
  check(warnings.length === 0, `no client warning (got ${JSON.stringify(warnings)})`);

  check((await client.collectionExists(NAME)).exists === false, 'collectionExists is false before create');
  check(await client.createCollection(NAME, { vectors: { size: 4, distance: 'Euclid' } }), 'createCollection');
  const info = await client.getCollection(NAME);
  check(info.config.params.vectors.size === 4, 'getCollection size');

  const vectors = [[0, 0, 0, 0], [1, 0, 0, 0], [2, 0, 0, 0], [0, 5, 0, 0]];
  const upserted = await client.upsert(NAME, {
    wait: true,
    points: vectors.map((vector, i) => ({ id: i + 1, vector, payload: { n: i + 1, even: (i + 1) % 2 === 0 } })),
  });
  check(upserted.status === 'completed', 'upsert (wait) is completed');

  const queried = await client.query(NAME, { query: [0.9, 0, 0, 0], limit: 2, with_payload: true });
  check(queried.points.map((p) => p.id).join() === '2,1', `query: nearest first (got ${JSON.stringify(queried.points)})`);
  check(queried.points[0].payload.n === 2, 'query returns the payload');

  const searched = await client.search(NAME, { vector: [1.9, 0, 0, 0], limit: 1, with_vector: true });
  check(searched.length === 1 && searched[0].id === 3, 'search');
  check(JSON.stringify(searched[0].vector) === '[2,0,0,0]', 'search returns the vector');

  const queryBatch = await client.queryBatch(NAME, {
    searches: [
      { query: [0, 4, 0, 0], limit: 1 },
      { query: [0.1, 0, 0, 0], limit: 3, with_payload: true },
    ],
  });
  check(queryBatch.length === 2, 'queryBatch: one result per query');
  check(queryBatch[0].points.map((p) => p.id).join() === '4', 'queryBatch: first query');
  check(queryBatch[1].points.map((p) => p.id).join() === '1,2,3', 'queryBatch: second query, in order');
  check(queryBatch[1].points[2].payload.n === 3, 'queryBatch returns payloads when asked');

  const searchBatch = await client.searchBatch(NAME, {
    searches: [
      { vector: [2.1, 0, 0, 0], limit: 2 },
      { vector: [0, 6, 0, 0], limit: 1 },
    ],
  });
  check(searchBatch.length === 2, 'searchBatch: one list per search');
  check(searchBatch[0].map((p) => p.id).join() === '3,2', 'searchBatch: first search');
  check(searchBatch[1].map((p) => p.id).join() === '4', 'searchBatch: second search');
  check(Math.abs(searchBatch[1][0].score - 1) < 1e-6, 'searchBatch: Euclid distance as the score');

  const page = await client.scroll(NAME, { limit: 3, with_payload: true });
  check(page.points.map((p) => p.id).join() === '1,2,3', 'scroll: first page in id order');
  check(page.next_page_offset === 4, 'scroll: next page offset');
  const rest = await client.scroll(NAME, { limit: 3, offset: page.next_page_offset });
  check(rest.points.map((p) => p.id).join() === '4' && rest.next_page_offset == null, 'scroll: last page');

  check((await client.count(NAME, { exact: true })).count === 4, 'count');
  const deleted = await client.delete(NAME, { wait: true, points: [1, 4] });
  check(deleted.status === 'completed', 'delete');
  check((await client.count(NAME, { exact: true })).count === 2, 'count after delete');
  const after = await client.query(NAME, { query: [0, 0, 0, 0], limit: 10 });
  check(after.points.map((p) => p.id).join() === '2,3', 'deleted points are not found');

  check(await client.deleteCollection(NAME), 'deleteCollection');
  console.log(`ALL CHECKS PASSED (${passed})`);
}

main().catch((e) => {
  console.log(`FAIL: ${e && e.stack ? e.stack : e}`);
  if (e && e.data) console.log(JSON.stringify(e.data));
  process.exit(1);
});
