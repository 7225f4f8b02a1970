//! Reading a WAL directory back: segment by segment, frame by frame, with the synced-mark rule.
//!
//! Every version-2 segment says in its header how far it was fsynced (the synced mark, see
//! [`segment`]). A write is acknowledged only after its frames and then the mark covering them are
//! fsynced, so the mark separates two kinds of damage:
//!
//! - a frame that is incomplete or fails a checksum **before** the mark is damage to data that was
//!   acknowledged (media damage, a lost block): recovery stops with [`WalError::Corrupt`] naming the
//!   record, instead of silently dropping it;
//! - anything **after** the mark was never acknowledged: the first bad frame there ends the log.
//!   In the newest segment, bytes other than zeros from there on are a *torn tail* (an append or a
//!   write-back cut short by a crash, possibly a hole followed by stale bytes); when repairing they
//!   are overwritten with zeros and reported. Zeros alone are the unused, preallocated end.
//!
//! Valid frames after the mark are kept (their `fsync` finished but the mark's did not) and, when
//! repairing, the mark is moved past them so the next crash cannot lose them.
//!
//! Version-1 segments (no mark, not preallocated) keep the old rule: a bad frame is a torn tail only
//! in the newest segment with no valid frame anywhere after it; anything else is corruption.
//!
//! Segments are read through [`SegmentReader`], a window at a time, and records are handed to a
//! visitor as they are read, never collected: memory is bounded by the largest record.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use super::WalError;
use super::frame::Decoded;
use super::reader::{SegmentReader, WINDOW};
use super::segment::{self, HeaderError};
use crate::storage::FileSystem;

/// A torn tail found (and, when repairing, cut off) during recovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TailRepair {
    /// The segment file.
    pub path: PathBuf,
    /// Where the valid part of the segment ends.
    pub offset: u64,
    /// How many bytes after it were dropped (zeroed in a preallocated segment).
    pub dropped_bytes: u64,
    /// Which check the first dropped frame failed.
    pub reason: String,
}

/// Where the newest segment ends, for reopening it for appends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastSegment {
    /// Its first sequence number.
    pub first: u64,
    /// Its format version; only the current version is appended to.
    pub version: u32,
    /// The end of its valid frames.
    pub valid_len: u64,
    /// The file's length: the space reserved for it.
    pub capacity: u64,
    /// The mark slot holding the synced mark in force (the next mark goes to the other one).
    pub mark_slot: usize,
}

/// What a scan does besides reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanMode {
    /// Ready the log for appends: cut a torn tail (zeroed in a preallocated segment, truncated in
    /// a version-1 one), remove a header-less newest segment, and move the newest segment's
    /// synced mark to the end of its valid frames.
    Repair,
    /// Check every segment and report a torn tail; change nothing.
    Check,
    /// Read the records; check what is read, but stop at the end of the newest segment's valid
    /// frames without reading the rest of it (a torn tail is not looked for).
    Replay,
}

/// Receives each record read, in order; [`ControlFlow::Break`] ends the scan early.
pub type Visit<'a> = &'a mut dyn FnMut(u64, &[u8]) -> ControlFlow<()>;

/// What recovery found in a WAL directory.
#[derive(Debug, Default)]
pub struct RecoveredLog {
    /// First sequence number of each remaining segment, ascending.
    pub segments: Vec<u64>,
    /// The newest segment, when there is one.
    pub last_segment: Option<LastSegment>,
    /// Sequence number of the last valid record (0 when there is none).
    pub last_seq: u64,
    /// The torn tail, when one was found.
    pub tail: Option<TailRepair>,
}

/// Lists the segments of `dir` by first sequence number, ascending. Other files are ignored.
///
/// # Errors
/// The I/O error of listing the directory.
pub fn list_segments(fs: &dyn FileSystem, dir: &Path) -> Result<Vec<u64>, WalError> {
    let mut firsts: Vec<u64> = fs
        .list_dir(dir)
        .map_err(|e| WalError::io("list", dir, e))?
        .iter()
        .filter_map(|p| segment::parse_file_name(p))
        .collect();
    firsts.sort_unstable();
    Ok(firsts)
}

/// How the frames of one segment ended.
struct SegmentScan {
    /// End of the valid frames.
    end: u64,
    /// Sequence number after the last valid frame.
    next_seq: u64,
    /// A torn tail: the first bad frame's reason and the end of the bytes it spoils.
    torn: Option<(&'static str, u64)>,
}

fn bad_frame_reason(reader: &mut SegmentReader, at: u64) -> Result<&'static str, WalError> {
    Ok(match reader.frame(at)? {
        Decoded::Invalid(r) => r,
        Decoded::Incomplete | Decoded::Record { .. } => "frame incomplete",
    })
}

/// Reads the records that follow each other from byte `at` on (sequence numbers `first`,
/// `first + 1`, ...) up to the first frame that is anything else or the end of the file, handing
/// those numbered `>= from` to `visit`. Returns where the run ended (no tail judged yet) and
/// whether the visitor asked to stop.
fn read_run(
    reader: &mut SegmentReader,
    mut at: u64,
    first: u64,
    from: u64,
    visit: Visit<'_>,
) -> Result<(SegmentScan, bool), WalError> {
    let mut next_seq = first;
    while at < reader.len() {
        let Decoded::Record {
            seq,
            payload,
            frame_len,
        } = reader.frame(at)?
        else {
            break;
        };
        if seq != next_seq {
            break;
        }
        at += frame_len as u64;
        next_seq += 1;
        if seq >= from && visit(seq, payload).is_break() {
            return Ok((run_end(at, next_seq), true));
        }
    }
    Ok((run_end(at, next_seq), false))
}

fn run_end(end: u64, next_seq: u64) -> SegmentScan {
    SegmentScan {
        end,
        next_seq,
        torn: None,
    }
}

fn corrupt(reader: &SegmentReader, offset: u64, reason: impl Into<String>) -> WalError {
    WalError::Corrupt {
        path: reader.path().to_path_buf(),
        offset,
        reason: reason.into(),
    }
}

/// Reads the frames of a version-2 segment. `synced` is its synced mark.
fn scan_frames(
    reader: &mut SegmentReader,
    first: u64,
    synced: u64,
    from: u64,
    mode: ScanMode,
    visit: Visit<'_>,
) -> Result<(SegmentScan, bool), WalError> {
    let (scan, stopped) = read_run(reader, segment::HEADER_LEN as u64, first, from, visit)?;
    let (at, next_seq) = (scan.end, scan.next_seq);
    if stopped {
        return Ok((scan, true));
    }
    if at < reader.len() && at < synced {
        let reason = match reader.frame(at)? {
            Decoded::Record { seq, .. } => {
                format!("record has sequence {seq}, expected {next_seq}")
            }
            Decoded::Incomplete | Decoded::Invalid(_) => format!(
                "record {next_seq} is damaged ({}) before the synced mark at byte {synced}: \
                 it was acknowledged as durable",
                bad_frame_reason(reader, at)?
            ),
        };
        return Err(corrupt(reader, at, reason));
    }
    if at < synced {
        return Err(corrupt(
            reader,
            at,
            format!(
                "segment ends at byte {at}, before its synced mark at byte {synced}: \
                 acknowledged records from {next_seq} on are missing"
            ),
        ));
    }
    if mode == ScanMode::Replay {
        return Ok((scan, false));
    }
    let dirty_end = reader.dirty_end(at)?;
    let torn = if dirty_end > at {
        Some((bad_frame_reason(reader, at)?, dirty_end))
    } else {
        None
    };
    Ok((SegmentScan { torn, ..scan }, false))
}

/// Reads the frames of a version-1 segment with the old torn-tail rule.
fn scan_frames_v1(
    reader: &mut SegmentReader,
    first: u64,
    is_last: bool,
    from: u64,
    visit: Visit<'_>,
) -> Result<(SegmentScan, bool), WalError> {
    let (mut scan, stopped) = read_run(reader, segment::HEADER_LEN_V1 as u64, first, from, visit)?;
    let (at, next_seq) = (scan.end, scan.next_seq);
    if stopped || at >= reader.len() {
        return Ok((scan, stopped));
    }
    let (reason, torn_reason) = match reader.frame(at)? {
        Decoded::Record { seq, .. } => (
            format!("record has sequence {seq}, expected {next_seq}"),
            None,
        ),
        Decoded::Incomplete => (
            "frame incomplete before valid data".to_owned(),
            Some("frame incomplete"),
        ),
        Decoded::Invalid(reason) => (reason.to_owned(), Some(reason)),
    };
    if let Some(torn_reason) = torn_reason
        && is_last
        && !reader.valid_frame_from(at + 1)?
    {
        scan.torn = Some((torn_reason, reader.len()));
        return Ok((scan, false));
    }
    Err(corrupt(reader, at, reason))
}

/// Overwrites `start..end` of a preallocated segment with zeros and, when the valid frames run past
/// the synced mark, moves the mark to their end, each step fsynced before the next.
fn repair_v2(
    fs: &dyn FileSystem,
    path: &Path,
    zero: Option<(u64, u64)>,
    new_mark: Option<(u64, usize)>,
) -> Result<(), WalError> {
    let io = |e| WalError::io("repair", path, e);
    let mut file = fs.open_write(path).map_err(io)?;
    if let Some((start, end)) = zero {
        let zeros = [0u8; WINDOW];
        let mut at = start;
        while at < end {
            let n = usize::try_from(end - at).map_or(WINDOW, |left| left.min(WINDOW));
            file.write_all_at(&zeros[..n], at).map_err(io)?;
            at += n as u64;
        }
    }
    file.sync_data().map_err(io)?;
    if let Some((end, slot)) = new_mark {
        file.write_all_at(&segment::encode_mark(end), segment::MARK_SLOTS[slot] as u64)
            .map_err(io)?;
        file.sync_data().map_err(io)?;
    }
    Ok(())
}

/// Scans every segment of `dir` in log order, handing each record numbered `>= from` to `visit` as
/// it is read. [`ScanMode`] says what else it does.
///
/// # Errors
/// [`WalError::Corrupt`] for damage that is not a torn tail; I/O errors.
pub fn scan(
    fs: &dyn FileSystem,
    dir: &Path,
    from: u64,
    mode: ScanMode,
    visit: Visit<'_>,
) -> Result<RecoveredLog, WalError> {
    let repair = mode == ScanMode::Repair;
    let firsts = list_segments(fs, dir)?;
    let mut out = RecoveredLog::default();
    let mut expected_next: Option<u64> = None;
    for (i, &first) in firsts.iter().enumerate() {
        let path = segment::path(dir, first);
        let is_last = i + 1 == firsts.len();
        let mut reader = SegmentReader::open(fs, &path)?;
        let version = match segment::check_header(reader.bytes(0, segment::HEADER_LEN)?, first) {
            Ok(version) => version,
            Err(HeaderError::Short) if is_last => {
                // The crash came while the segment was being created: it holds no record.
                if repair {
                    fs.remove_file(&path)
                        .map_err(|e| WalError::io("remove", &path, e))?;
                    fs.sync_dir(dir).map_err(|e| WalError::io("sync", dir, e))?;
                }
                out.tail = Some(TailRepair {
                    path,
                    offset: 0,
                    dropped_bytes: reader.len(),
                    reason: "segment header incomplete".into(),
                });
                break;
            }
            Err(HeaderError::Short) => {
                return Err(corrupt(
                    &reader,
                    0,
                    "segment header incomplete in a sealed segment",
                ));
            }
            Err(HeaderError::Invalid(reason)) => return Err(corrupt(&reader, 0, reason)),
        };
        if let Some(expected) = expected_next
            && first != expected
        {
            return Err(corrupt(
                &reader,
                0,
                format!("segment starts at sequence {first}, expected {expected}"),
            ));
        }
        let mut mark_slot = 0;
        let (scanned, stopped) = if version == segment::VERSION {
            let mark_at = segment::FIXED_HEADER_LEN as u64;
            let (synced, slot) = segment::synced_end(reader.bytes(0, segment::HEADER_LEN)?)
                .map_err(|reason| corrupt(&reader, mark_at, reason))?;
            mark_slot = slot;
            if !(segment::HEADER_LEN as u64..=reader.len()).contains(&synced) {
                let reason = format!(
                    "synced mark {synced} outside the segment's {} bytes",
                    reader.len()
                );
                return Err(corrupt(&reader, mark_at, reason));
            }
            let (scanned, stopped) = scan_frames(&mut reader, first, synced, from, mode, visit)?;
            if repair && is_last {
                let zero = scanned.torn.map(|(_, dirty_end)| (scanned.end, dirty_end));
                let new_mark = (scanned.end > synced).then_some((scanned.end, 1 - slot));
                if zero.is_some() || new_mark.is_some() {
                    repair_v2(fs, &path, zero, new_mark)?;
                }
                if new_mark.is_some() {
                    mark_slot = 1 - slot;
                }
            }
            (scanned, stopped)
        } else {
            let (scanned, stopped) = scan_frames_v1(&mut reader, first, is_last, from, visit)?;
            if repair && scanned.torn.is_some() {
                fs.truncate(&path, scanned.end)
                    .map_err(|e| WalError::io("truncate", &path, e))?;
            }
            (scanned, stopped)
        };
        if is_last && let Some((reason, dirty_end)) = scanned.torn {
            out.tail = Some(TailRepair {
                path: path.clone(),
                offset: scanned.end,
                dropped_bytes: dirty_end - scanned.end,
                reason: reason.into(),
            });
        }
        out.segments.push(first);
        out.last_segment = Some(LastSegment {
            first,
            version,
            valid_len: scanned.end,
            capacity: reader.len(),
            mark_slot,
        });
        out.last_seq = scanned.next_seq - 1;
        expected_next = Some(scanned.next_seq);
        if stopped {
            break;
        }
    }
    Ok(out)
}

/// Reads the records of one segment file, wherever it lies (an archived segment, or one of a live
/// log that is not open), handing those numbered `>= from` to `visit`; returns the sequence number
/// after its last valid record. Frames are checked as in [`ScanMode::Replay`]: damage before the
/// synced mark is [`WalError::Corrupt`] naming the file. An incomplete header is corruption too,
/// unless `newest` (the newest segment of a log, which a crash can leave without a header): then
/// the segment holds no record.
///
/// # Errors
/// [`WalError::Corrupt`] for a damaged segment; I/O errors.
pub fn replay_segment(
    fs: &dyn FileSystem,
    path: &Path,
    first: u64,
    newest: bool,
    from: u64,
    visit: Visit<'_>,
) -> Result<u64, WalError> {
    let mut reader = SegmentReader::open(fs, path)?;
    let version = match segment::check_header(reader.bytes(0, segment::HEADER_LEN)?, first) {
        Ok(version) => version,
        Err(HeaderError::Short) if newest => return Ok(first),
        Err(HeaderError::Short) => return Err(corrupt(&reader, 0, "segment header incomplete")),
        Err(HeaderError::Invalid(reason)) => return Err(corrupt(&reader, 0, reason)),
    };
    let (scanned, _) = if version == segment::VERSION {
        let mark_at = segment::FIXED_HEADER_LEN as u64;
        let (synced, _) = segment::synced_end(reader.bytes(0, segment::HEADER_LEN)?)
            .map_err(|reason| corrupt(&reader, mark_at, reason))?;
        if !(segment::HEADER_LEN as u64..=reader.len()).contains(&synced) {
            let reason = format!(
                "synced mark {synced} outside the segment's {} bytes",
                reader.len()
            );
            return Err(corrupt(&reader, mark_at, reason));
        }
        scan_frames(&mut reader, first, synced, from, ScanMode::Replay, visit)?
    } else {
        scan_frames_v1(&mut reader, first, newest, from, visit)?
    };
    Ok(scanned.next_seq)
}

/// Records as tests collect them: sequence number and payload.
#[cfg(test)]
pub(crate) type Records = Vec<(u64, Vec<u8>)>;

/// Every record a scan hands over, collected, with what the scan found (tests only: recovery
/// itself never collects records).
#[cfg(test)]
pub(crate) fn collect(
    fs: &dyn FileSystem,
    dir: &Path,
    from: u64,
    mode: ScanMode,
) -> Result<(Records, RecoveredLog), WalError> {
    let mut records = Vec::new();
    let found = scan(fs, dir, from, mode, &mut |seq, payload| {
        records.push((seq, payload.to_vec()));
        ControlFlow::Continue(())
    })?;
    Ok((records, found))
}

/// Every record [`super::WriteAheadLog::replay`] hands over from `from` on, collected (tests only).
#[cfg(test)]
pub(crate) fn collect_replay(
    wal: &dyn super::WriteAheadLog,
    from: u64,
) -> Result<Records, WalError> {
    let mut records = Vec::new();
    wal.replay(from, &mut |seq, payload| {
        records.push((seq, payload.to_vec()));
        ControlFlow::Continue(())
    })?;
    Ok(records)
}
