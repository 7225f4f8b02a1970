//! [`export`]: scrolls a collection with vectors and payloads and writes it as JSONL, the format
//! `plait import --from-jsonl` reads. The file is written under a temporary name beside the
//! output, synced, and renamed at the end, so an error never leaves a partial file at `out`.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Duration;

use plait::api::wire::bounds::MAX_RETURNED_COMPONENTS;

use super::client::Server;
use super::error::TransferError;
use super::progress::Progress;
use super::record::Record;

/// Writes every point of `collection` on `server` to `out`, in pages of `batch`.
pub fn export(
    server: &Server,
    collection: &str,
    out: &Path,
    batch: usize,
    every: Duration,
) -> Result<(), TransferError> {
    let dimension =
        server
            .dimension(collection)?
            .ok_or_else(|| TransferError::NoSuchCollection {
                url: server.base().to_owned(),
                collection: collection.to_owned(),
                hint: "",
            })?;
    let limit = batch.min(MAX_RETURNED_COMPONENTS / dimension.max(1)).max(1);
    let io = |source| TransferError::Io {
        path: out.to_path_buf(),
        source,
    };
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let temp = tempfile::Builder::new()
        .prefix(".plait-export-")
        .tempfile_in(dir)
        .map_err(io)?;
    let mut writer = BufWriter::with_capacity(1 << 20, temp);
    let mut progress = Progress::start("exported", Some(server.count(collection)?), every);
    let mut offset = None;
    loop {
        let page = server.scroll(collection, offset.as_ref(), limit)?;
        let n = page.points.len() as u64;
        for point in page.points {
            let Some(vector) = point.vector else {
                return Err(TransferError::BadAnswer {
                    url: server.base().to_owned(),
                    reason: format!("point {} came without its vector", point.id.0),
                });
            };
            let record = Record {
                id: point.id,
                vector,
                payload: point.payload,
            };
            serde_json::to_writer(&mut writer, &record).map_err(|e| io(e.into()))?;
            writer.write_all(b"\n").map_err(io)?;
        }
        progress.advance(n, None);
        offset = page.next_page_offset;
        if offset.is_none() {
            break;
        }
    }
    let temp = writer.into_inner().map_err(|e| io(e.into_error()))?;
    temp.as_file().sync_all().map_err(io)?;
    temp.persist(out).map_err(|e| io(e.error))?;
    progress.finish(Some(&format!("wrote {}", out.display())));
    Ok(())
}
