//! Reading a WAL directory back: segment by segment, frame by frame, with the torn-tail rule.
//!
//! The rule: a frame that is incomplete or fails a checksum is a *torn tail* when it is in the newest
//! segment and no valid frame follows it anywhere in that segment. A torn tail is what a crash in the
//! middle of an append leaves, so it is cut off (when repairing) and reported. Any other damaged frame
//! or header is corruption: recovery stops with [`WalError::Corrupt`] instead of skipping records.

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
    /// How many bytes after it were dropped.
    pub dropped_bytes: u64,
    /// Which check the first dropped frame failed.
    pub reason: String,
}

/// What recovery found in a WAL directory.
#[derive(Debug, Default)]
pub struct RecoveredLog {
    /// First sequence number of each remaining segment, ascending.
    pub segments: Vec<u64>,
    /// Valid length of the newest segment (0 when there is none).
    pub last_segment_len: u64,
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

/// Scans every segment of `dir`, collecting records with a sequence number `>= from`.
///
/// With `repair`, a torn tail is cut off the file (or a header-less newest segment removed), so the
/// log can be appended to afterwards.
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
        match segment::check_header(&bytes, first) {
            Ok(()) => {}
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
        }
        if let Some(expected) = expected_next
            && first != expected
        {
            return Err(WalError::Corrupt {
                path,
                offset: 0,
                reason: format!("segment starts at sequence {first}, expected {expected}"),
            });
        }
        let mut at = segment::HEADER_LEN;
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
                            path,
                            offset: at as u64,
                            reason: format!("record has sequence {seq}, expected {next_seq}"),
                        });
                    }
                    if seq >= from {
                        out.records.push((seq, payload.to_vec()));
                    }
                    next_seq += 1;
                    at += frame_len;
                }
                Decoded::Incomplete | Decoded::Invalid(_)
                    if is_last && !valid_frame_after(&bytes, at + 1) =>
                {
                    let reason = match frame::decode(&bytes[at..]) {
                        Decoded::Invalid(r) => r,
                        _ => "frame incomplete",
                    };
                    if repair {
                        fs.truncate(&path, at as u64)
                            .map_err(|e| WalError::io("truncate", &path, e))?;
                    }
                    out.tail = Some(TailRepair {
                        path: path.clone(),
                        offset: at as u64,
                        dropped_bytes: (bytes.len() - at) as u64,
                        reason: reason.into(),
                    });
                    break;
                }
                Decoded::Incomplete => {
                    return Err(WalError::Corrupt {
                        path,
                        offset: at as u64,
                        reason: "frame incomplete before valid data".into(),
                    });
                }
                Decoded::Invalid(reason) => {
                    return Err(WalError::Corrupt {
                        path,
                        offset: at as u64,
                        reason: reason.into(),
                    });
                }
            }
        }
        out.segments.push(first);
        out.last_segment_len = at as u64;
        out.last_seq = next_seq - 1;
        expected_next = Some(next_seq);
    }
    Ok(out)
}
