//! [`ScrollSource`]: the points of a collection on a running Qdrant-compatible server, paged
//! with `POST /collections/{name}/points/scroll` (vectors and payloads) from an optional offset.
//! Each batch carries the offset after it, so an interrupted import resumes where the last
//! acknowledged batch ended.

use plait::api::wire::bounds::MAX_RETURNED_COMPONENTS;
use plait::api::wire::point_id::WirePointId;

use super::client::Server;
use super::error::TransferError;
use super::record::Record;
use super::source::{Batch, Source};

/// Pages through one collection of a source server.
pub struct ScrollSource {
    server: Server,
    collection: String,
    dimension: usize,
    /// Where the next page starts; `None` before the first page of a fresh scroll.
    offset: Option<WirePointId>,
    done: bool,
    total: Option<u64>,
}

impl ScrollSource {
    /// Checks that the source collection exists and reads its size; from `resume_from` (an id)
    /// when given, else from the first point.
    pub fn open(
        url: &str,
        collection: &str,
        resume_from: Option<WirePointId>,
    ) -> Result<Self, TransferError> {
        let server = Server::new(url)?;
        let dimension =
            server
                .dimension(collection)?
                .ok_or_else(|| TransferError::NoSuchCollection {
                    url: server.base().to_owned(),
                    collection: collection.to_owned(),
                    hint: " (the source)",
                })?;
        // When resuming, the points before the offset are not counted: no total, no ETA.
        let total = match resume_from {
            None => Some(server.count(collection)?),
            Some(_) => None,
        };
        Ok(Self {
            server,
            collection: collection.to_owned(),
            dimension,
            offset: resume_from,
            done: false,
            total,
        })
    }

    fn offset_text(&self) -> String {
        self.offset
            .map_or_else(|| "start".to_owned(), |o| o.0.to_string())
    }
}

impl Source for ScrollSource {
    fn total(&self) -> Option<u64> {
        self.total
    }

    fn resume_at_start(&self) -> Option<String> {
        self.offset.map(|o| o.0.to_string())
    }

    fn next_batch(&mut self, max: usize) -> Result<Option<Batch>, TransferError> {
        loop {
            if self.done {
                return Ok(None);
            }
            let at = self.offset_text();
            let asked = self.offset;
            let records = self.page(max, &at)?;
            if !records.is_empty() {
                return Ok(Some(Batch {
                    records,
                    origin: format!("the page at source offset {at}"),
                    resume_after: self.offset.map(|o| o.0.to_string()),
                }));
            }
            // An empty page that names a next offset (points deleted meanwhile) is not the end,
            // unless it names the offset just asked for.
            if !self.done && self.offset == asked {
                return Err(TransferError::BadSourcePage {
                    offset: at,
                    reason: "an empty page whose next_page_offset is its own offset".to_owned(),
                });
            }
        }
    }
}

impl ScrollSource {
    /// The records of the page at `self.offset` (`at` names it), checked; moves the offset on.
    fn page(&mut self, max: usize, at: &str) -> Result<Vec<Record>, TransferError> {
        // A page with vectors is bounded by the components it returns.
        let limit = max
            .min(MAX_RETURNED_COMPONENTS / self.dimension.max(1))
            .max(1);
        let bad = |reason: String| TransferError::BadSourcePage {
            offset: at.to_owned(),
            reason,
        };
        let page = self
            .server
            .scroll(&self.collection, self.offset.as_ref(), limit)
            .map_err(|e| match e {
                TransferError::BadAnswer { reason, .. } => bad(reason),
                other => other,
            })?;
        let mut records = Vec::with_capacity(page.points.len());
        for (i, point) in page.points.into_iter().enumerate() {
            let Some(vector) = point.vector else {
                return Err(bad(format!(
                    "point {} (result.points[{i}]) has no vector",
                    point.id.0
                )));
            };
            if vector.0.len() != self.dimension {
                return Err(bad(format!(
                    "point {} has {} components, but the source collection's vectors have {}",
                    point.id.0,
                    vector.0.len(),
                    self.dimension
                )));
            }
            records.push(Record {
                id: point.id,
                vector,
                payload: point.payload,
            });
        }
        self.offset = page.next_page_offset;
        self.done = self.offset.is_none();
        Ok(records)
    }
}
