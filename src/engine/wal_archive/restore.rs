//! `plait restore`: rebuilds one collection, offline, as it was at a chosen sequence number or
//! moment, from the WAL archive (and, when asked, the live WAL of a stopped server).
//!
//! The newest archived checkpoint at or before the target is copied into a staging directory of
//! the destination data directory; every record after it up to and including the target is read
//! from the archived segments (then the live ones), checked (checksums, order, gaps, and that it
//! decodes), and appended with its own sequence number to a fresh WAL there. The staging
//! directory then becomes `collections/<name>/` and the manifest names it, so `plait serve` opens
//! it like any collection (replaying that WAL once). The destination's lock is held throughout,
//! so a running server there refuses the restore, and a collection that exists is never touched.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::checkpoints;
use super::{ArchivedCheckpoint, CollectionArchive, RestoreError, unix_ms_now};
use crate::engine::collection::record_codec::{decode_mutation, time_mark};
use crate::engine::dir_lock::DirLock;
use crate::engine::{manifest, name};
use crate::storage::wal::{
    Durability, LocalWal, WalError, WalOptions, WriteAheadLog, list_segments, replay_segment,
};
use crate::storage::{FileSystem, RealFs};

/// What to restore to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The state right after the record with this sequence number (a write's `operation_id`).
    Seq(u64),
    /// The state at this moment (unix milliseconds): every write acknowledged before it, none
    /// sent after it.
    Time {
        /// The moment.
        unix_ms: u64,
        /// As the operator wrote it, for messages.
        text: String,
    },
}

/// A restore to run.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The WAL archive directory (`--wal-archive` of the server).
    pub archive_dir: &'a Path,
    /// The collection.
    pub collection: &'a str,
    /// The point to restore to.
    pub target: Target,
    /// The data directory to write the collection into.
    pub data_dir: &'a Path,
    /// The data directory of the (stopped) server whose live WAL continues the archive.
    pub live_data_dir: Option<&'a Path>,
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    /// The sequence number the collection now ends at.
    pub seq: u64,
    /// The archived checkpoint it started from.
    pub checkpoint_seq: u64,
    /// Records replayed after the checkpoint.
    pub records: u64,
    /// The collection's new directory.
    pub dir: PathBuf,
}

/// One segment to read: archived, or live (the newest live one may lack a header after a crash).
#[derive(Debug)]
struct Segment {
    first: u64,
    path: PathBuf,
    newest: bool,
}

/// Restores `request.collection` into `request.data_dir` (see the module doc).
///
/// # Errors
/// [`RestoreError`]: the destination has the collection or is locked, the target is outside
/// what the archive holds, a segment is missing, damaged or undecodable, or an I/O error.
pub fn restore(request: &Request<'_>) -> Result<Restored, RestoreError> {
    name::validate(request.collection).map_err(|e| RestoreError::BadName {
        name: request.collection.to_owned(),
        reason: e.to_string(),
    })?;
    let archive = CollectionArchive::new(request.archive_dir, request.collection);
    if !archive.root().is_dir() {
        return Err(RestoreError::NoArchive {
            collection: request.collection.to_owned(),
            path: archive.root().to_path_buf(),
        });
    }
    let collections = request.data_dir.join("collections");
    std::fs::create_dir_all(&collections)
        .map_err(|e| RestoreError::io("create", &collections, e))?;
    let _lock = DirLock::acquire(request.data_dir)?;
    let names = destination_names(request)?;
    let _live_lock = request.live_data_dir.map(DirLock::acquire).transpose()?;
    let live_wal = request
        .live_data_dir
        .map(|d| d.join("collections").join(request.collection).join("wal"));
    let segments = gather(&archive.wal_dir(), live_wal.as_deref())?;
    let checkpoints = archive.checkpoints()?;
    let Some(oldest) = checkpoints.first() else {
        return Err(RestoreError::NoCheckpoint {
            path: archive.checkpoints_dir(),
        });
    };
    let target_seq = match &request.target {
        Target::Seq(seq) => *seq,
        Target::Time { unix_ms, text } => resolve_time(&segments, oldest, *unix_ms, text)?,
    };
    let Some(checkpoint) = checkpoints.iter().rev().find(|c| c.seq <= target_seq) else {
        return Err(RestoreError::TargetBeforeOldest {
            target: format!("sequence {target_seq}"),
            oldest: format!("sequence {}", oldest.seq),
        });
    };
    let staging = request.data_dir.join("staging").join(format!(
        "restore-{}-{}",
        request.collection,
        unix_ms_now()
    ));
    let built = build(&staging, checkpoint, &segments, target_seq);
    let records = match built {
        Ok(records) => records,
        Err(e) => {
            // Only this restore's own staging directory: nothing else of the destination.
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    let dir = collections.join(request.collection);
    std::fs::rename(&staging, &dir).map_err(|e| RestoreError::io("move into place", &dir, e))?;
    sync_dir(&collections)?;
    let mut names = names;
    names.push(request.collection.to_owned());
    manifest::write_manifest(&RealFs, request.data_dir, &names)?;
    Ok(Restored {
        seq: target_seq,
        checkpoint_seq: checkpoint.seq,
        records,
        dir,
    })
}

/// The destination's collections, refusing one that has the collection (or holds collection
/// directories without a manifest).
fn destination_names(request: &Request<'_>) -> Result<Vec<String>, RestoreError> {
    let exists = || RestoreError::Exists {
        collection: request.collection.to_owned(),
        data_dir: request.data_dir.to_path_buf(),
    };
    let collections = request.data_dir.join("collections");
    let names = match manifest::read_manifest(&RealFs, request.data_dir)? {
        Some(names) => names,
        None => {
            let entries = RealFs
                .list_dir(&collections)
                .map_err(|e| RestoreError::io("list", &collections, e))?;
            if !entries.is_empty() {
                return Err(crate::engine::EngineError::ManifestMissing {
                    path: manifest::manifest_path(request.data_dir),
                    entries: entries
                        .iter()
                        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                        .collect(),
                }
                .into());
            }
            Vec::new()
        }
    };
    if names.iter().any(|n| n == request.collection)
        || collections.join(request.collection).exists()
    {
        return Err(exists());
    }
    Ok(names)
}

/// The segments to read, by first sequence number: the archived ones, then the live ones the
/// archive lacks.
fn gather(archive_wal: &Path, live_wal: Option<&Path>) -> Result<Vec<Segment>, RestoreError> {
    let mut by_first = BTreeMap::new();
    if let Some(live) = live_wal.filter(|d| d.is_dir()) {
        let firsts = list_segments(&RealFs, live).map_err(RestoreError::Damaged)?;
        let newest = firsts.last().copied();
        for first in firsts {
            let path = crate::storage::wal::segment::path(live, first);
            let newest = Some(first) == newest;
            by_first.insert(
                first,
                Segment {
                    first,
                    path,
                    newest,
                },
            );
        }
    }
    if archive_wal.is_dir() {
        for first in list_segments(&RealFs, archive_wal).map_err(RestoreError::Damaged)? {
            let path = crate::storage::wal::segment::path(archive_wal, first);
            // An archived segment is sealed: it wins over a live copy left by a failed delete.
            let newest = false;
            by_first.insert(
                first,
                Segment {
                    first,
                    path,
                    newest,
                },
            );
        }
    }
    Ok(by_first.into_values().collect())
}

/// Receives each record with its segment's path; breaking with an error ends the read with it.
type RecordVisit<'a> =
    &'a mut dyn FnMut(u64, &[u8], &Path) -> ControlFlow<Result<(), RestoreError>>;

/// Hands every record from `from` on to `visit`, segment after segment, checking that each
/// segment starts where the previous one ended. Returns the last sequence number read.
fn for_each_record(
    segments: &[Segment],
    from: u64,
    visit: RecordVisit<'_>,
) -> Result<u64, RestoreError> {
    // The segment holding `from` is the last one starting at or before it.
    let start = segments.iter().rposition(|s| s.first <= from).unwrap_or(0);
    let mut expected = from;
    let mut outcome = Ok(());
    for segment in &segments[start..] {
        if segment.first > expected {
            return Err(RestoreError::Gap {
                from: expected,
                to: segment.first - 1,
                next: segment.path.clone(),
            });
        }
        let mut stopped = false;
        let next = replay_segment(
            &RealFs,
            &segment.path,
            segment.first,
            segment.newest,
            from,
            &mut |seq, bytes| match visit(seq, bytes, &segment.path) {
                ControlFlow::Continue(()) => ControlFlow::Continue(()),
                ControlFlow::Break(result) => {
                    outcome = result;
                    stopped = true;
                    ControlFlow::Break(())
                }
            },
        )
        .map_err(RestoreError::Damaged)?;
        if stopped {
            return outcome.map(|()| next - 1);
        }
        expected = expected.max(next);
    }
    Ok(expected - 1)
}

/// The last sequence number appended at or before `unix_ms`, from the time marks.
fn resolve_time(
    segments: &[Segment],
    oldest: &ArchivedCheckpoint,
    unix_ms: u64,
    text: &str,
) -> Result<u64, RestoreError> {
    let mut last_ok = None;
    let mut marked = false;
    for_each_record(segments, oldest.seq + 1, &mut |seq, bytes, _| {
        match time_mark(bytes) {
            Some(ms) if ms > unix_ms => return ControlFlow::Break(Ok(())),
            // Records before the first mark were appended before it, so a mark at or before
            // the target covers them too.
            Some(_) => marked = true,
            None if !marked => return ControlFlow::Continue(()),
            None => {}
        }
        last_ok = Some(seq);
        ControlFlow::Continue(())
    })?;
    match last_ok {
        Some(seq) => Ok(seq),
        None if oldest.unix_ms <= unix_ms => Ok(oldest.seq),
        None => Err(RestoreError::TargetBeforeOldest {
            target: text.to_owned(),
            oldest: format!(
                "sequence {}, archived at {}",
                oldest.seq,
                format_unix_ms(oldest.unix_ms)
            ),
        }),
    }
}

fn format_unix_ms(unix_ms: u64) -> String {
    i64::try_from(unix_ms)
        .ok()
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map_or_else(|| format!("{unix_ms} ms"), |t| t.to_rfc3339())
}

/// Copies `checkpoint` into `staging` and writes the records after it through `target` into a
/// WAL there; returns how many records it wrote.
fn build(
    staging: &Path,
    checkpoint: &ArchivedCheckpoint,
    segments: &[Segment],
    target: u64,
) -> Result<u64, RestoreError> {
    std::fs::create_dir_all(staging).map_err(|e| RestoreError::io("create", staging, e))?;
    for file in checkpoints::files(checkpoint)? {
        let to = staging.join(file.file_name().unwrap_or_default());
        std::fs::copy(&file, &to).map_err(|e| RestoreError::io("copy", &file, e))?;
        sync_file(&to)?;
    }
    let config = manifest::read_settings(&RealFs, staging)?;
    let fs: Arc<dyn FileSystem> = Arc::new(RealFs);
    let opts = WalOptions {
        durability: Durability::Flush,
        segment_bytes: 64 << 20,
    };
    let wal_err = |e: WalError| RestoreError::Damaged(e);
    let (mut wal, _) =
        LocalWal::open(fs, &staging.join("wal"), opts, checkpoint.seq).map_err(wal_err)?;
    let mut records = 0u64;
    let mut unsynced = 0usize;
    let last = if target > checkpoint.seq {
        for_each_record(segments, checkpoint.seq + 1, &mut |seq, bytes, path| {
            if let Err(e) =
                decode_mutation(bytes, &config.dimensions(), config.sparse_vectors.len())
            {
                return ControlFlow::Break(Err(RestoreError::Undecodable {
                    seq,
                    path: path.to_path_buf(),
                    detail: e.to_string(),
                }));
            }
            let appended = wal.append(bytes).and_then(|s| {
                unsynced += bytes.len();
                if unsynced >= 8 << 20 {
                    unsynced = 0;
                    wal.wait_durable(s)?;
                }
                Ok(s)
            });
            match appended {
                Ok(s) if s == seq => {}
                Ok(s) => {
                    return ControlFlow::Break(Err(RestoreError::BadArchive {
                        path: path.to_path_buf(),
                        reason: format!("record {seq} would be written as {s}"),
                    }));
                }
                Err(e) => return ControlFlow::Break(Err(RestoreError::Damaged(e))),
            }
            records += 1;
            if seq >= target {
                ControlFlow::Break(Ok(()))
            } else {
                ControlFlow::Continue(())
            }
        })?
    } else {
        checkpoint.seq
    };
    if last < target {
        return Err(RestoreError::TargetBeyondEnd { target, last });
    }
    wal.sync_all().map_err(wal_err)?;
    drop(wal);
    sync_dir(staging)?;
    Ok(records)
}

fn sync_file(path: &Path) -> Result<(), RestoreError> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| RestoreError::io("fsync", path, e))
}

fn sync_dir(path: &Path) -> Result<(), RestoreError> {
    sync_file(path)
}
