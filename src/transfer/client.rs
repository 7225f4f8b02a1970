//! [`Server`]: the few Qdrant-compatible routes an import or export needs, over blocking
//! reqwest: collection facts, create, upsert (`wait=true`), count and scroll.

use std::time::Duration;

use plait::api::wire::point_id::WirePointId;
use reqwest::blocking::{Client, RequestBuilder};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::error::TransferError;
use super::record::{Record, describe};
use crate::cli_http::{client_for, excerpt, innermost};

/// How often an upsert answered 503 (write queue full, collection busy) is sent again.
const BUSY_RETRIES: u32 = 20;

/// One server, by its base URL.
#[derive(Debug)]
pub struct Server {
    base: String,
    http: Client,
}

/// One page of a scroll.
#[derive(Debug, Deserialize)]
pub struct Page {
    /// The points of the page, in id order.
    pub points: Vec<ScrolledPoint>,
    /// Where the next page starts; `None` after the last.
    pub next_page_offset: Option<WirePointId>,
}

/// A point as a scroll answers it (other fields, such as `shard_key`, are ignored).
#[derive(Debug, Deserialize)]
pub struct ScrolledPoint {
    /// Its id.
    pub id: WirePointId,
    /// Its vector; `None` when the server sent none.
    pub vector: Option<super::record::Vector>,
    /// Its payload.
    #[serde(default)]
    pub payload: Option<serde_json::Map<String, Value>>,
}

#[derive(Deserialize)]
struct Envelope<T> {
    result: T,
}

#[derive(Deserialize)]
struct Count {
    count: u64,
}

#[derive(Serialize)]
struct Upsert<'a> {
    points: &'a [Record],
}

impl Server {
    /// A client for the server at `url` (`http://host:port`, an optional path prefix).
    pub fn new(url: &str) -> Result<Self, TransferError> {
        let (http, base) = client_for(url).map_err(|reason| TransferError::BadUrl {
            url: url.to_owned(),
            reason,
        })?;
        Ok(Self { base, http })
    }

    /// The base URL, for messages.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn url(&self, collection: &str, rest: &str) -> String {
        format!("{}/collections/{collection}{rest}", self.base)
    }

    /// The dimension of `collection`'s unnamed vector, or `None` when the collection is missing.
    pub fn dimension(&self, collection: &str) -> Result<Option<usize>, TransferError> {
        let url = self.url(collection, "");
        let info: Value = match call(self.http.get(&url), &url) {
            Ok(v) => v,
            Err(TransferError::Refused { status: 404, .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let vectors = &info["config"]["params"]["vectors"];
        let size = vectors["size"]
            .as_u64()
            .or_else(|| vectors[""]["size"].as_u64())
            .ok_or_else(|| TransferError::BadAnswer {
                url: url.clone(),
                reason: format!(
                    "no config.params.vectors.size: the collection has named vectors \
                     ({vectors}); only the unnamed vector can be transferred"
                ),
            })?;
        usize::try_from(size)
            .map(Some)
            .map_err(|_| TransferError::BadAnswer {
                url,
                reason: format!("vector size {size} does not fit this machine"),
            })
    }

    /// Creates `collection` for vectors of `size` components compared by `distance`.
    pub fn create(
        &self,
        collection: &str,
        size: usize,
        distance: &str,
    ) -> Result<(), TransferError> {
        let url = self.url(collection, "");
        let body = json!({"vectors": {"size": size, "distance": distance}});
        call::<Value>(self.http.put(&url).json(&body), &url).map(drop)
    }

    /// The exact number of points in `collection`.
    pub fn count(&self, collection: &str) -> Result<u64, TransferError> {
        let url = self.url(collection, "/points/count");
        let count: Count = call(self.http.post(&url).json(&json!({"exact": true})), &url)?;
        Ok(count.count)
    }

    /// Writes `points` and returns once the server has applied them (`wait=true`). A 503 (a full
    /// write queue) is retried after the server's `Retry-After`: the upsert is idempotent.
    pub fn upsert(&self, collection: &str, points: &[Record]) -> Result<(), TransferError> {
        let url = self.url(collection, "/points?wait=true");
        let mut tries = 0;
        loop {
            let request = self.http.put(&url).json(&Upsert { points });
            match call::<Value>(request, &url) {
                Err(TransferError::Refused { status: 503, .. }) if tries < BUSY_RETRIES => {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(250 * u64::from(tries.min(4))));
                }
                other => return other.map(drop),
            }
        }
    }

    /// One page of `collection` from `offset` (the first page when `None`), with vectors and
    /// payloads.
    pub fn scroll(
        &self,
        collection: &str,
        offset: Option<&WirePointId>,
        limit: usize,
    ) -> Result<Page, TransferError> {
        let url = self.url(collection, "/points/scroll");
        let mut body = json!({"limit": limit, "with_payload": true, "with_vector": true});
        if let Some(offset) = offset {
            body["offset"] = json!(offset);
        }
        call(self.http.post(&url).json(&body), &url)
    }
}

/// Sends `request` and reads the `result` of a 2xx answer; any other status is
/// [`TransferError::Refused`] with the server's message.
fn call<T: DeserializeOwned>(request: RequestBuilder, url: &str) -> Result<T, TransferError> {
    let response = request.send().map_err(|e| TransferError::Unreachable {
        url: url.to_owned(),
        reason: innermost(&e),
    })?;
    let status = response.status();
    let bytes = response.bytes().map_err(|e| TransferError::Unreachable {
        url: url.to_owned(),
        reason: innermost(&e),
    })?;
    if !status.is_success() {
        let message = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|v| v["status"]["error"].as_str().map(str::to_owned))
            .unwrap_or_else(|| excerpt(&String::from_utf8_lossy(&bytes)));
        return Err(TransferError::Refused {
            url: url.to_owned(),
            status: status.as_u16(),
            message,
        });
    }
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    serde_path_to_error::deserialize::<_, Envelope<T>>(&mut de)
        .map(|e| e.result)
        .map_err(|e| TransferError::BadAnswer {
            url: url.to_owned(),
            reason: describe(&e),
        })
}
