//! Full-text search against the real server: a text index (`PUT /collections/{name}/index` with
//! `type: text`) ranks by BM25 through the Query API (`query: {"text": ...}`), answers
//! `match: {"text" | "text_any" | "phrase"}` filters, survives a clean restart (from its image,
//! nothing re-tokenized), a lost image (rebuilt) and `kill -9` (replayed from the WAL) agreeing
//! with the stored payloads, and refuses bad input with 422.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

type Error = Box<dyn std::error::Error>;

fn ok(r: reqwest::blocking::Response) -> Result<Value, Error> {
    let status = r.status();
    let body: Value = r.json()?;
    if status != 200 {
        return Err(format!("{status}: {body}").into());
    }
    Ok(body)
}

fn upsert(s: &TestServer, points: &Value) -> TestResult {
    ok(s.put_json(
        "/collections/c/points?wait=true",
        &json!({"points": points}),
    )?)?;
    Ok(())
}

fn text_index(
    s: &TestServer,
    field: &str,
    schema: &Value,
) -> Result<reqwest::blocking::Response, Error> {
    Ok(s.put_json(
        "/collections/c/index?wait=true",
        &json!({"field_name": field, "field_schema": schema}),
    )?)
}

/// `(id, score)` of a BM25 query, best first.
fn ranked(s: &TestServer, query: &str, filter: Option<Value>) -> Result<Vec<(u64, f64)>, Error> {
    ranked_in(s, "c", query, filter)
}

/// `(id, score)` of a BM25 query on collection `name`, best first.
fn ranked_in(
    s: &TestServer,
    name: &str,
    query: &str,
    filter: Option<Value>,
) -> Result<Vec<(u64, f64)>, Error> {
    let mut body = json!({"query": {"text": {"field": "body", "query": query}}, "limit": 10});
    if let Some(f) = filter {
        body["filter"] = f;
    }
    let answer = ok(s.post_json(&format!("/collections/{name}/points/query"), &body)?)?;
    answer["result"]["points"]
        .as_array()
        .ok_or("no points")?
        .iter()
        .map(|p| {
            Ok((
                p["id"].as_u64().ok_or("id")?,
                p["score"].as_f64().ok_or("score")?,
            ))
        })
        .collect()
}

/// Ids whose points match `filter`, by scrolling.
fn matching(s: &TestServer, filter: &Value) -> Result<BTreeSet<u64>, Error> {
    let answer = ok(s.post_json(
        "/collections/c/points/scroll",
        &json!({"filter": filter, "limit": 1000}),
    )?)?;
    Ok(answer["result"]["points"]
        .as_array()
        .ok_or("no points")?
        .iter()
        .filter_map(|p| p["id"].as_u64())
        .collect())
}

fn text_filter(kind: &str, words: &str) -> Value {
    json!({"must": [{"key": "body", "match": {kind: words}}]})
}

/// Lowercased Unicode-ish words of every stored `body` (strings and arrays of strings), by id:
/// what the default analyzer makes of the test documents, which are plain ASCII words.
fn documents(s: &TestServer) -> Result<BTreeMap<u64, Vec<String>>, Error> {
    let words = |t: &str| -> Vec<String> {
        t.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let mut out = BTreeMap::new();
    for p in s.all_points("c")? {
        let id = p["id"].as_u64().ok_or("id")?;
        let doc: Vec<String> = match &p["payload"]["body"] {
            Value::String(t) => words(t),
            Value::Array(items) => items
                .iter()
                .filter_map(Value::as_str)
                .flat_map(words)
                .collect(),
            _ => Vec::new(),
        };
        if !doc.is_empty() {
            out.insert(id, doc);
        }
    }
    Ok(out)
}

/// BM25 of one term over `docs`, as Lucene defines it (k1 1.2, b 0.75).
fn bm25(docs: &BTreeMap<u64, Vec<String>>, term: &str) -> BTreeMap<u64, f64> {
    let n = docs.len() as f64;
    let avgdl = docs.values().map(Vec::len).sum::<usize>() as f64 / n;
    let holding = docs
        .values()
        .filter(|d| d.iter().any(|w| w == term))
        .count() as f64;
    let idf = (1.0 + (n - holding + 0.5) / (holding + 0.5)).ln();
    docs.iter()
        .filter_map(|(id, d)| {
            let tf = d.iter().filter(|w| *w == term).count() as f64;
            let dl = d.len() as f64;
            (tf > 0.0).then(|| {
                (
                    *id,
                    idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * dl / avgdl)),
                )
            })
        })
        .collect()
}

/// The ranking of `term` agrees with BM25 recomputed from the stored payloads.
fn agrees_with_payloads(s: &TestServer, term: &str) -> TestResult {
    let docs = documents(s)?;
    let expected = bm25(&docs, term);
    let got = ranked(s, term, None)?;
    assert_eq!(
        got.len(),
        expected.len().min(10),
        "{term}: {got:?} vs {expected:?}"
    );
    for (id, score) in &got {
        let want = expected
            .get(id)
            .ok_or(format!("{term}: unexpected id {id}"))?;
        assert!(
            (score - want).abs() < 1e-4,
            "{term} id {id}: {score} vs {want}"
        );
    }
    assert!(got.windows(2).all(|w| w[0].1 >= w[1].1), "{got:?}");
    let with_term: BTreeSet<u64> = expected.keys().copied().collect();
    assert_eq!(
        matching(s, &text_filter("text", term))?,
        with_term,
        "{term}"
    );
    Ok(())
}

#[test]
fn text_index_ranks_filters_and_survives_restarts_and_kill9() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    s.create_collection("c", 2, "Dot")?;
    upsert(
        &s,
        &json!([
            {"id": 1, "vector": [1.0, 0.0], "payload": {"body": "The quick brown fox jumps", "lang": "en"}},
            {"id": 2, "vector": [0.0, 1.0], "payload": {"body": "quick quick fox", "lang": "fr"}},
            {"id": 3, "vector": [1.0, 1.0], "payload": {"body": "lazy dog sleeps", "lang": "en"}},
            {"id": 4, "vector": [0.5, 1.0], "payload": {"body": ["brown bear", "fox den"], "lang": "en"}},
            {"id": 5, "vector": [0.2, 1.0], "payload": {"body": 42}},
        ]),
    )?;
    // Before any index, text conditions read the payloads with the default analyzer.
    assert_eq!(
        matching(&s, &text_filter("text", "QUICK fox"))?,
        BTreeSet::from([1, 2])
    );
    let r = s.post_json(
        "/collections/c/points/query",
        &json!({"query": {"text": {"field": "body", "query": "fox"}}}),
    )?;
    assert_eq!(r.status(), 422);
    assert!(r.text()?.contains("no text index"));

    let r = text_index(
        &s,
        "body",
        &json!({"type": "text", "tokenizer": "word", "lowercase": true}),
    )?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    let described = ok(s.get("/collections/c")?)?;
    let info = &described["result"]["payload_schema"]["body"];
    assert_eq!(info["data_type"], "text", "{info}");
    assert_eq!(info["params"]["tokenizer"], "word", "{info}");
    assert_eq!(info["params"]["k1"], 1.2, "{info}");
    assert_eq!(info["points"], 4, "{info}");
    assert_eq!(info["plait"]["wrong_type_points"], 1, "{info}");

    // BM25 by the definition, best first; 2 is the shortest document holding "fox".
    agrees_with_payloads(&s, "fox")?;
    assert_eq!(ranked(&s, "fox", None)?.first().map(|h| h.0), Some(2));
    // The filter applies before ranking, and the limit is filled from what it allows.
    let en = json!({"must": [{"key": "lang", "match": {"value": "en"}}]});
    let ids: Vec<u64> = ranked(&s, "fox", Some(en))?.iter().map(|h| h.0).collect();
    assert_eq!(ids, [4, 1]);
    // Must, must not and phrases.
    let ids: Vec<u64> = ranked(&s, "+brown fox", None)?
        .iter()
        .map(|h| h.0)
        .collect();
    assert_eq!(
        ids.iter().copied().collect::<BTreeSet<_>>(),
        BTreeSet::from([1, 4])
    );
    let ids: Vec<u64> = ranked(&s, "fox -quick", None)?
        .iter()
        .map(|h| h.0)
        .collect();
    assert_eq!(ids, [4]);
    assert_eq!(
        matching(&s, &text_filter("phrase", "brown fox"))?,
        BTreeSet::from([1])
    );
    // A phrase never spans two elements of an array.
    assert!(matching(&s, &text_filter("phrase", "bear fox"))?.is_empty());
    assert_eq!(
        matching(&s, &text_filter("text_any", "dog bear"))?,
        BTreeSet::from([3, 4])
    );
    // Only punctuation: no term, nothing matches.
    assert!(ranked(&s, "?!", None)?.is_empty());
    let explained = ok(s.post_json(
        "/collections/c/points/query",
        &json!({"query": {"text": {"field": "body", "query": "fox"}}, "params": {"explain": true}}),
    )?)?;
    assert_eq!(
        explained["result"]["explain"]["strategy"], "text_bm25",
        "{explained}"
    );

    // A clean restart reads the text image: nothing is re-tokenized.
    let before = ranked(&s, "quick fox", None)?;
    s.terminate()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    assert_eq!(s.metric("plait_payload_index_rebuilds_total")?, Some(0.0));
    assert_eq!(ranked(&s, "quick fox", None)?, before);

    // A lost image costs a rebuild, never the index.
    s.terminate()?;
    std::fs::remove_file(dir.path().join("collections/c/texts.plait"))?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    assert_eq!(s.metric("plait_payload_index_rebuilds_total")?, Some(1.0));
    assert_eq!(ranked(&s, "quick fox", None)?, before);

    // Writes after the last checkpoint, then kill -9: replayed from the WAL.
    upsert(
        &s,
        &json!([
            {"id": 6, "vector": [1.0, 0.3], "payload": {"body": "fox fox fox"}},
            {"id": 2, "vector": [0.0, 1.0], "payload": {"body": "slow turtle"}},
        ]),
    )?;
    ok(s.post_json(
        "/collections/c/points/delete?wait=true",
        &json!({"points": [1]}),
    )?)?;
    ok(s.post_json(
        "/collections/c/points/payload?wait=true",
        &json!({"payload": {"body": "dog and fox"}, "points": [3]}),
    )?)?;
    s.kill9()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    for term in ["fox", "dog", "turtle", "quick", "brown"] {
        agrees_with_payloads(&s, term)?;
    }
    Ok(())
}

#[test]
fn analyzer_settings_apply_to_documents_and_queries() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    s.create_collection("c", 2, "Dot")?;
    let r = text_index(
        &s,
        "body",
        &json!({"type": "text", "stopwords": "english", "stemmer": {"type": "snowball", "language": "english"},
                "ascii_folding": true, "k1": 1.5, "b": 0.5}),
    )?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    upsert(
        &s,
        &json!([
            {"id": 1, "vector": [1.0, 0.0], "payload": {"body": "The runners were running at the café"}},
            {"id": 2, "vector": [0.0, 1.0], "payload": {"body": "A quiet cafe"}},
        ]),
    )?;
    let ids = |q: &str| -> Result<BTreeSet<u64>, Error> {
        Ok(ranked(&s, q, None)?.into_iter().map(|h| h.0).collect())
    };
    assert_eq!(ids("runs")?, BTreeSet::from([1]));
    assert_eq!(ids("CAFÉ")?, BTreeSet::from([1, 2]));
    assert!(ids("the")?.is_empty());
    // The filter goes through the index's analyzer too.
    assert_eq!(
        matching(&s, &text_filter("text", "run cafe"))?,
        BTreeSet::from([1])
    );
    let described = ok(s.get("/collections/c")?)?;
    let params = &described["result"]["payload_schema"]["body"]["params"];
    assert_eq!(params["stemmer"]["language"], "english", "{params}");
    assert_eq!(params["b"], 0.5, "{params}");
    Ok(())
}

#[test]
fn bad_text_input_is_refused_and_large_documents_are_indexed() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    s.create_collection("c", 2, "Dot")?;
    let refused = |field: &str, schema: Value, says: &str| -> TestResult {
        let r = text_index(&s, field, &schema)?;
        let status = r.status();
        let text = r.text()?;
        assert_eq!(status, 422, "{schema} -> {text}");
        assert!(text.contains(says), "{schema} -> {text}");
        Ok(())
    };
    refused(
        "body",
        json!({"type": "text", "tokenizer": "multilingual"}),
        "multilingual",
    )?;
    refused(
        "body",
        json!({"type": "text", "tokenizer": "klingon"}),
        "klingon",
    )?;
    refused(
        "body",
        json!({"type": "text", "stemmer": {"type": "snowball", "language": "elvish"}}),
        "elvish",
    )?;
    refused(
        "body",
        json!({"type": "text", "stopwords": {"languages": ["orcish"]}}),
        "orcish",
    )?;
    refused("body", json!({"type": "text", "k1": -1}), "k1")?;
    refused("body", json!({"type": "text", "b": 2}), "b must be")?;
    refused(
        "body",
        json!({"type": "text", "min_token_len": 0}),
        "min_token_len",
    )?;
    refused("body", json!({"type": "text", "sparkle": true}), "sparkle")?;

    // A text index on a field that holds no strings indexes nothing and counts them.
    upsert(
        &s,
        &json!([
            {"id": 1, "vector": [1.0, 0.0], "payload": {"n": 5, "body": "x"}},
            {"id": 2, "vector": [0.0, 1.0], "payload": {"n": [1, 2]}},
        ]),
    )?;
    let r = text_index(&s, "n", &json!("text"))?;
    assert_eq!(r.status(), 200);
    let described = ok(s.get("/collections/c")?)?;
    let info = &described["result"]["payload_schema"]["n"];
    assert_eq!(
        (
            info["points"].as_u64(),
            info["plait"]["wrong_type_points"].as_u64()
        ),
        (Some(0), Some(2)),
        "{info}"
    );

    // A 1 MiB document is indexed and found.
    let r = text_index(&s, "body", &json!("text"))?;
    assert_eq!(r.status(), 200);
    let mut big = "lorem ipsum ".repeat((1 << 20) / 12);
    big.push_str(" needle");
    upsert(
        &s,
        &json!([{"id": 3, "vector": [1.0, 1.0], "payload": {"body": big}}]),
    )?;
    let hits = ranked(&s, "needle", None)?;
    assert_eq!(hits.iter().map(|h| h.0).collect::<Vec<_>>(), [3]);

    // Empty and over-long queries, in the Query API and in filters.
    let bound = 4096;
    for q in [String::new(), "   ".into(), "a".repeat(bound + 1)] {
        let r = s.post_json(
            "/collections/c/points/query",
            &json!({"query": {"text": {"field": "body", "query": q}}}),
        )?;
        assert_eq!(r.status(), 422, "{}", r.text()?);
        let r = s.post_json(
            "/collections/c/points/scroll",
            &json!({"filter": text_filter("text", &q)}),
        )?;
        assert_eq!(r.status(), 422, "{}", r.text()?);
    }
    let r = s.post_json(
        "/collections/c/points/query",
        &json!({"query": {"text": {"field": "body", "query": "a".repeat(bound)}}}),
    )?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    let r = s.post_json(
        "/collections/c/points/query",
        &json!({"query": {"text": {"field": "body", "query": "x", "boost": 2}}}),
    )?;
    assert_eq!(r.status(), 400, "{}", r.text()?);
    Ok(())
}

/// The statements of one `POST /query`, checked to answer 200.
fn velesql(s: &TestServer, query: &str, params: &Value) -> Result<Vec<Value>, Error> {
    let answer = ok(s.post_json("/query", &json!({"query": query, "params": params}))?)?;
    Ok(answer["result"]["statements"]
        .as_array()
        .cloned()
        .unwrap_or_default())
}

#[test]
fn velesql_match_filters_and_ranks_by_bm25() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    s.create_collection("c", 2, "Dot")?;
    upsert(
        &s,
        &json!([
            {"id": 1, "vector": [1.0, 0.0], "payload": {"body": "The quick brown fox jumps", "lang": "en"}},
            {"id": 2, "vector": [0.0, 1.0], "payload": {"body": "quick quick fox", "lang": "fr"}},
            {"id": 3, "vector": [1.0, 1.0], "payload": {"body": "lazy dog sleeps", "lang": "en"}},
            {"id": 4, "vector": [0.5, 1.0], "payload": {"body": ["brown bear", "fox den"], "lang": "en"}},
        ]),
    )?;
    // Without a text index MATCH filters (on payloads) but cannot rank.
    let r = s.post_json(
        "/query",
        &json!({"query": "SELECT id FROM c WHERE body MATCH 'fox'"}),
    )?;
    assert_eq!(r.status(), 400);
    assert!(r.text()?.contains("no text index"));
    let done = velesql(&s, "CREATE INDEX ON c (body) TYPE text", &json!({}))?;
    assert_eq!(done[0]["rows"][0][1], "text", "{done:?}");

    // Ranked by BM25, the score column equal to the Query API's score.
    let statements = velesql(
        &s,
        "SELECT id, score FROM c WHERE body MATCH $q LIMIT 10",
        &json!({"q": "fox"}),
    )?;
    let rows: Vec<(u64, f64)> = statements[0]["rows"]
        .as_array()
        .ok_or("rows")?
        .iter()
        .filter_map(|r| Some((r[0].as_u64()?, r[1].as_f64()?)))
        .collect();
    let api = ranked(&s, "fox", None)?;
    assert_eq!(rows.len(), api.len());
    for ((id, score), (api_id, api_score)) in rows.iter().zip(&api) {
        assert_eq!(id, api_id);
        assert!((score - api_score).abs() < 1e-6, "{score} vs {api_score}");
    }
    // Every word must be present; other filters apply before ranking.
    let statements = velesql(
        &s,
        "SELECT id FROM c WHERE body MATCH 'quick fox' AND lang = 'en'",
        &json!({}),
    )?;
    let ids: Vec<u64> = statements[0]["rows"]
        .as_array()
        .ok_or("rows")?
        .iter()
        .filter_map(|r| r[0].as_u64())
        .collect();
    assert_eq!(ids, [1]);
    // Under OR a MATCH is a filter only: the result is in id order.
    let statements = velesql(
        &s,
        "SELECT id FROM c WHERE body MATCH 'dog' OR lang = 'fr'",
        &json!({}),
    )?;
    let ids: Vec<u64> = statements[0]["rows"]
        .as_array()
        .ok_or("rows")?
        .iter()
        .filter_map(|r| r[0].as_u64())
        .collect();
    assert_eq!(ids, [2, 3]);
    // EXPLAIN shows the text stage.
    let statements = velesql(
        &s,
        "EXPLAIN SELECT id FROM c WHERE body MATCH 'fox' LIMIT 3",
        &json!({}),
    )?;
    let plan = statements[0].to_string();
    assert!(
        plan.contains("text_search") && plan.contains("bm25"),
        "{plan}"
    );
    let r = s.post_json(
        "/query",
        &json!({"query": "SELECT id FROM c WHERE body MATCH ''"}),
    )?;
    assert_eq!(r.status(), 400, "{}", r.text()?);
    Ok(())
}

#[test]
fn velesql_create_index_with_settings_equals_the_rest_field_schema() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    let points = json!([
        {"id": 1, "vector": [1.0, 0.0], "payload": {"body": "The foxes were jumping over the fences"}},
        {"id": 2, "vector": [0.0, 1.0], "payload": {"body": "a fox jumps; another fox jumped"}},
        {"id": 3, "vector": [1.0, 1.0], "payload": {"body": "Élan of the café fences"}},
        {"id": 4, "vector": [0.5, 1.0], "payload": {"body": "the the the fox"}},
    ]);
    for name in ["rest", "sql"] {
        s.create_collection(name, 2, "Dot")?;
        ok(s.put_json(
            &format!("/collections/{name}/points?wait=true"),
            &json!({"points": points}),
        )?)?;
    }
    ok(s.put_json(
        "/collections/rest/index?wait=true",
        &json!({"field_name": "body", "field_schema": {
            "type": "text", "tokenizer": "word", "lowercase": true, "ascii_folding": true,
            "min_token_len": 2, "max_token_len": 20,
            "stopwords": {"languages": ["english"], "custom": ["another"]},
            "stemmer": {"type": "snowball", "language": "english"}, "k1": 1.5, "b": 0.5}}),
    )?)?;
    let done = velesql(
        &s,
        "CREATE INDEX ON sql (body) TYPE text WITH (tokenizer = 'word', lowercase = true, \
         ascii_folding = true, min_token_len = 2, max_token_len = 20, stopwords = ['english'], \
         custom_stopwords = ['another'], stemmer = 'english', k1 = 1.5, b = 0.5)",
        &json!({}),
    )?;
    assert_eq!(done[0]["rows"][0][1], "text", "{done:?}");
    // The same index: the same parameters shown, the same BM25 scores.
    let schema = |name: &str| -> Result<Value, Error> {
        let info = ok(s.get(&format!("/collections/{name}"))?)?;
        Ok(info["result"]["payload_schema"]["body"].clone())
    };
    let rest_schema = schema("rest")?;
    assert_eq!(rest_schema, schema("sql")?);
    assert_eq!(rest_schema["params"]["k1"], 1.5, "{rest_schema}");
    for query in ["jump", "fences", "cafe", "the fox", "another fox"] {
        let rest = ranked_in(&s, "rest", query, None)?;
        let sql = ranked_in(&s, "sql", query, None)?;
        assert_eq!(rest, sql, "{query}");
    }
    // Stemming and folding took effect: "jump" finds every form, "cafe" finds "café".
    let ids: BTreeSet<u64> = ranked_in(&s, "sql", "jump", None)?
        .iter()
        .map(|h| h.0)
        .collect();
    assert_eq!(ids, BTreeSet::from([1, 2]));
    assert_eq!(ranked_in(&s, "sql", "cafe", None)?.len(), 1);

    // Mistakes are positioned 422s naming the setting.
    for (statement, names) in [
        (
            "CREATE INDEX ON sql (x) TYPE text WITH (stemmer = 'klingon')",
            "klingon",
        ),
        (
            "CREATE INDEX ON sql (x) TYPE text WITH (tokenizer = 'prefix')",
            "prefix",
        ),
        (
            "CREATE INDEX ON sql (x) TYPE text WITH (colour = 'red')",
            "colour",
        ),
        (
            "CREATE INDEX ON sql (x) TYPE text WITH (lowercase = 'yes')",
            "lowercase",
        ),
        (
            "CREATE INDEX ON sql (x) TYPE text WITH (max_token_len = 5000)",
            "max_token_len",
        ),
        ("CREATE INDEX ON sql (x) TYPE text WITH (k1 = -1)", "k1"),
        (
            "CREATE INDEX ON sql (x) TYPE keyword WITH (lowercase = true)",
            "text indexes only",
        ),
    ] {
        let r = s.post_json("/query", &json!({"query": statement}))?;
        let status = r.status();
        let body = r.text()?;
        assert_eq!(status, 422, "{statement}: {body}");
        assert!(body.contains(names), "{statement}: {body}");
        assert!(body.contains("invalid_setting"), "{statement}: {body}");
    }
    let info = ok(s.get("/collections/sql")?)?;
    assert!(info["result"]["payload_schema"]["x"].is_null(), "{info}");
    Ok(())
}
