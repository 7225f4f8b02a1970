//! The request sets a run sends, built once from the dataset before the clock starts.

use bytes::Bytes;
use hyper::Method;
use serde_json::{Value, json};

use crate::connection::Prepared;

/// The collection's create body: the dataset's dimension, cosine, the given HNSW settings.
pub fn create_collection(
    collection: &str,
    dim: usize,
    m: usize,
    ef_construct: usize,
    durability: &str,
) -> Prepared {
    Prepared {
        method: Method::PUT,
        path: format!("/collections/{collection}"),
        body: Bytes::from(
            json!({
                "vectors": {"size": dim, "distance": "Cosine"},
                "hnsw_config": {"m": m, "ef_construct": ef_construct},
                "durability": durability,
            })
            .to_string(),
        ),
    }
}

pub fn delete_collection(collection: &str) -> Prepared {
    Prepared {
        method: Method::DELETE,
        path: format!("/collections/{collection}"),
        body: Bytes::new(),
    }
}

/// An upsert of `rows` under the ids `first_id..`, acknowledged once durable.
pub fn upsert(collection: &str, first_id: u64, rows: &[Vec<f32>]) -> Prepared {
    let points: Vec<Value> = rows
        .iter()
        .zip(first_id..)
        .map(|(v, id)| json!({"id": id, "vector": v, "payload": {"row": id}}))
        .collect();
    Prepared {
        method: Method::PUT,
        path: format!("/collections/{collection}/points?wait=true"),
        body: Bytes::from(json!({"points": points}).to_string()),
    }
}

/// One nearest-neighbour query per query vector.
pub fn searches(
    collection: &str,
    queries: &[Vec<f32>],
    limit: usize,
    ef: Option<usize>,
    exact: bool,
) -> Vec<Prepared> {
    queries
        .iter()
        .map(|q| {
            let mut params = json!({"exact": exact});
            if let Some(ef) = ef {
                params["hnsw_ef"] = json!(ef);
            }
            Prepared {
                method: Method::POST,
                path: format!("/collections/{collection}/points/query"),
                body: Bytes::from(
                    json!({"query": q, "limit": limit, "params": params}).to_string(),
                ),
            }
        })
        .collect()
}

/// A count of every point.
pub fn count(collection: &str) -> Prepared {
    Prepared {
        method: Method::POST,
        path: format!("/collections/{collection}/points/count"),
        body: Bytes::from(json!({"exact": true}).to_string()),
    }
}

/// A retrieve of `ids` without payloads or vectors.
pub fn retrieve(collection: &str, ids: &[u64]) -> Prepared {
    Prepared {
        method: Method::POST,
        path: format!("/collections/{collection}/points"),
        body: Bytes::from(
            json!({"ids": ids, "with_payload": false, "with_vector": false}).to_string(),
        ),
    }
}

/// The point ids of a query answer (`result.points[].id`), best first.
pub fn answer_ids(body: &[u8]) -> Vec<u64> {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    let points = v["result"]["points"]
        .as_array()
        .or_else(|| v["result"].as_array());
    points
        .map(|ps| ps.iter().filter_map(|p| p["id"].as_u64()).collect())
        .unwrap_or_default()
}
