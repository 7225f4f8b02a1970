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

use std::path::{Path, PathBuf};

use super::WalError;
use super::frame::{self, Decoded};
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

/// What recovery found in a WAL directory.
#[derive(Debug, Default)]
pub struct RecoveredLog {
    /// First sequence number of each remaining segment, ascending.
    pub segments: Vec<u64>,
    /// The newest segment, when there is one.
    pub last_segment: Option<LastSegment>,
    /// Sequence number of the last valid record (0 when there is none).
    pub last_seq: u64,
    /// Records with a sequence number `>= from`, in order.
    pub records: Vec<(u64, Vec<u8>)>,
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

fn valid_frame_after(bytes: &[u8], start: usize) -> bool {
    (start..bytes.len()).any(|at| matches!(frame::decode(&bytes[at..]), Decoded::Record { .. }))
}

/// How the frames of one segment ended.
struct SegmentScan {
    /// End of the valid frames.
    end: usize,
    /// Sequence number after the last valid frame.
    next_seq: u64,
    /// A torn tail: the first bad frame's reason and the end of the bytes it spoils.
    torn: Option<(&'static str, usize)>,
}

fn bad_frame_reason(bytes: &[u8]) -> &'static str {
    match frame::decode(bytes) {
        Decoded::Invalid(r) => r,
        Decoded::Incomplete | Decoded::Record { .. } => "frame incomplete",
    }
}

/// Reads the frames of a version-2 segment. `synced` is its synced mark.
fn scan_frames(
    bytes: &[u8],
    path: &Path,
    first: u64,
    synced: usize,
    from: u64,
    records: &mut Vec<(u64, Vec<u8>)>,
) -> Result<SegmentScan, WalError> {
    let mut at = segment::HEADER_LEN;
    let mut next_seq = first;
    while at < bytes.len() {
        match frame::decode(&bytes[at..]) {
            Decoded::Record {
                seq,
                payload,
                frame_len,
            } if seq == next_seq => {
                if seq >= from {
                    records.push((seq, payload.to_vec()));
                }
                next_seq += 1;
                at += frame_len;
            }
            _ if at >= synced => break,
            Decoded::Record { seq, .. } => {
                return Err(WalError::Corrupt {
                    path: path.to_path_buf(),
                    offset: at as u64,
                    reason: format!("record has sequence {seq}, expected {next_seq}"),
                });
            }
            Decoded::Incomplete | Decoded::Invalid(_) => {
                return Err(WalError::Corrupt {
                    path: path.to_path_buf(),
                    offset: at as u64,
                    reason: format!(
                        "record {next_seq} is damaged ({}) before the synced mark at byte {synced}: \
                         it was acknowledged as durable",
                        bad_frame_reason(&bytes[at..])
                    ),
                });
            }
        }
    }
    if at < synced {
        return Err(WalError::Corrupt {
            path: path.to_path_buf(),
            offset: at as u64,
            reason: format!(
                "segment ends at byte {at}, before its synced mark at byte {synced}: \
                 acknowledged records from {next_seq} on are missing"
            ),
        });
    }
    let dirty_end = bytes
        .iter()
        .rposition(|&b| b != 0)
        .map_or(0, |last| last + 1);
    let torn = (dirty_end > at).then(|| (bad_frame_reason(&bytes[at..]), dirty_end));
    Ok(SegmentScan {
        end: at,
        next_seq,
        torn,
    })
}

/// Reads the frames of a version-1 segment with the old torn-tail rule.
fn scan_frames_v1(
    bytes: &[u8],
    path: &Path,
    first: u64,
    is_last: bool,
    from: u64,
    records: &mut Vec<(u64, Vec<u8>)>,
) -> Result<SegmentScan, WalError> {
    let mut at = segment::HEADER_LEN_V1;
    let mut next_seq = first;
    while at < bytes.len() {
        match frame::decode(&bytes[at..]) {
            Decoded::Record {
                seq,
                payload,
                frame_len,
            } => {
                if seq != next_seq {
                    return Err(WalError::Corrupt {
                        path: path.to_path_buf(),
                        offset: at as u64,
                        reason: format!("record has sequence {seq}, expected {next_seq}"),
                    });
                }
                if seq >= from {
                    records.push((seq, payload.to_vec()));
                }
                next_seq += 1;
                at += frame_len;
            }
            Decoded::Incomplete | Decoded::Invalid(_)
                if is_last && !valid_frame_after(bytes, at + 1) =>
            {
                return Ok(SegmentScan {
                    end: at,
                    next_seq,
                    torn: Some((bad_frame_reason(&bytes[at..]), bytes.len())),
                });
            }
            Decoded::Incomplete => {
                return Err(WalError::Corrupt {
                    path: path.to_path_buf(),
                    offset: at as u64,
                    reason: "frame incomplete before valid data".into(),
                });
            }
            Decoded::Invalid(reason) => {
                return Err(WalError::Corrupt {
                    path: path.to_path_buf(),
                    offset: at as u64,
                    reason: reason.into(),
                });
            }
        }
    }
    Ok(SegmentScan {
        end: at,
        next_seq,
        torn: None,
    })
}

/// Overwrites `start..end` of a preallocated segment with zeros and, when the valid frames run past
/// the synced mark, moves the mark to their end, each step fsynced before the next.
fn repair_v2(
    fs: &dyn FileSystem,
    path: &Path,
    zero: Option<(usize, usize)>,
    new_mark: Option<(u64, usize)>,
) -> Result<(), WalError> {
    let io = |e| WalError::io("repair", path, e);
    let mut file = fs.open_write(path).map_err(io)?;
    if let Some((start, end)) = zero {
        const CHUNK: usize = 1 << 16;
        let zeros = vec![0u8; CHUNK.min(end - start)];
        let mut at = start;
        while at < end {
            let n = CHUNK.min(end - at);
            file.write_all_at(&zeros[..n], at as u64).map_err(io)?;
            at += n;
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

/// Scans every segment of `dir`, collecting records with a sequence number `>= from`.
///
/// With `repair`, a torn tail is cut off (zeroed in a preallocated segment, truncated in a
/// version-1 one), a header-less newest segment is removed, and the synced mark of the newest
/// segment is moved to the end of its valid frames, so the log can be appended to afterwards.
///
/// # Errors
/// [`WalError::Corrupt`] for damage that is not a torn tail; I/O errors.
pub fn scan(
    fs: &dyn FileSystem,
    dir: &Path,
    from: u64,
    repair: bool,
) -> Result<RecoveredLog, WalError> {
    let firsts = list_segments(fs, dir)?;
    let mut out = RecoveredLog::default();
    let mut expected_next: Option<u64> = None;
    for (i, &first) in firsts.iter().enumerate() {
        let path = segment::path(dir, first);
        let is_last = i + 1 == firsts.len();
        let bytes = fs.read(&path).map_err(|e| WalError::io("read", &path, e))?;
        let version = match segment::check_header(&bytes, first) {
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
                    dropped_bytes: bytes.len() as u64,
                    reason: "segment header incomplete".into(),
                });
                break;
            }
            Err(HeaderError::Short) => {
                return Err(WalError::Corrupt {
                    path,
                    offset: 0,
                    reason: "segment header incomplete in a sealed segment".into(),
                });
            }
            Err(HeaderError::Invalid(reason)) => {
                return Err(WalError::Corrupt {
                    path,
                    offset: 0,
                    reason,
                });
            }
        };
        if let Some(expected) = expected_next
            && first != expected
        {
            return Err(WalError::Corrupt {
                path,
                offset: 0,
                reason: format!("segment starts at sequence {first}, expected {expected}"),
            });
        }
        let mut mark_slot = 0;
        let scanned = if version == segment::VERSION {
            let (synced, slot) =
                segment::synced_end(&bytes).map_err(|reason| WalError::Corrupt {
                    path: path.clone(),
                    offset: segment::FIXED_HEADER_LEN as u64,
                    reason,
                })?;
            mark_slot = slot;
            let synced = usize::try_from(synced)
                .ok()
                .filter(|&s| (segment::HEADER_LEN..=bytes.len()).contains(&s))
                .ok_or_else(|| WalError::Corrupt {
                    path: path.clone(),
                    offset: segment::FIXED_HEADER_LEN as u64,
                    reason: format!(
                        "synced mark {synced} outside the segment's {} bytes",
                        bytes.len()
                    ),
                })?;
            let scanned = scan_frames(&bytes, &path, first, synced, from, &mut out.records)?;
            if repair && is_last {
                let zero = scanned.torn.map(|(_, dirty_end)| (scanned.end, dirty_end));
                let new_mark = (scanned.end > synced).then_some((scanned.end as u64, 1 - slot));
                if zero.is_some() || new_mark.is_some() {
                    repair_v2(fs, &path, zero, new_mark)?;
                }
                if new_mark.is_some() {
                    mark_slot = 1 - slot;
                }
            }
            scanned
        } else {
            let scanned = scan_frames_v1(&bytes, &path, first, is_last, from, &mut out.records)?;
            if repair && scanned.torn.is_some() {
                fs.truncate(&path, scanned.end as u64)
                    .map_err(|e| WalError::io("truncate", &path, e))?;
            }
            scanned
        };
        if is_last && let Some((reason, dirty_end)) = scanned.torn {
            out.tail = Some(TailRepair {
                path: path.clone(),
                offset: scanned.end as u64,
                dropped_bytes: (dirty_end - scanned.end) as u64,
                reason: reason.into(),
            });
        }
        out.segments.push(first);
        out.last_segment = Some(LastSegment {
            first,
            version,
            valid_len: scanned.end as u64,
            capacity: bytes.len() as u64,
            mark_slot,
        });
        out.last_seq = scanned.next_seq - 1;
        expected_next = Some(scanned.next_seq);
    }
    Ok(out)
}
