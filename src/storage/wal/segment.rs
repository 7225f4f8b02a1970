//! Segment files: the WAL directory holds `NNNNNNNNNNNNNNNNNNNN.wal` files, named by the sequence
//! number of their first record (20 zero-padded decimal digits, so names sort in log order).
//!
//! A version-2 segment is created at its full size with its blocks reserved (`allocate`), so an
//! append never needs new disk space: a full disk shows up when a segment is created, before any
//! record is accepted, and never in the middle of a write. Frames follow the header back to back;
//! the rest of the file is zeros.
//!
//! ```text
//! segment header, 64 bytes:
//! 0   8  magic "PLAITWAL"
//! 8   4  format version, u32 LE (2; 1 for segments written before preallocation)
//! 12  4  reserved, zero
//! 16  8  first sequence number, u64 LE
//! 24  4  reserved, zero
//! 28  4  CRC32C of bytes 0..28, u32 LE
//! 32 16  synced mark, slot 0                      (version 2 only)
//! 48 16  synced mark, slot 1                      (version 2 only)
//! 64 ..  frames (see `frame`), then zeros to the end of the file
//!
//! synced mark, 16 bytes:
//! 0   8  synced end: every byte before it was fsynced and holds whole frames, u64 LE
//! 8   4  reserved, zero
//! 12  4  CRC32C of bytes 0..12, u32 LE
//! ```
//!
//! The mark is written, and fsynced, after each `fsync` of the frames, alternating between the two
//! slots so that a torn mark write leaves the previous mark readable. Recovery takes the larger
//! valid mark: damage before it is damage to acknowledged data, damage after it is a torn tail.

use std::path::{Path, PathBuf};

use zerocopy::little_endian::{U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::storage::file_header::{self, FileHeader};

/// A synced mark, as laid out above.
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
struct Mark {
    synced_end: U64,
    reserved: [u8; 4],
    crc: U32,
}

/// Magic bytes at the start of every segment.
pub const MAGIC: &[u8; 8] = b"PLAITWAL";
/// Current segment format version.
pub const VERSION: u32 = 2;
/// The version of segments written before preallocation and synced marks (read, never written).
pub const VERSION_1: u32 = 1;
/// Size of the fixed part of the header, which both versions share.
pub const FIXED_HEADER_LEN: usize = file_header::LEN;
/// Size of one synced-mark slot.
pub const MARK_LEN: usize = size_of::<Mark>();
/// Offset of each synced-mark slot.
pub const MARK_SLOTS: [usize; 2] = [FIXED_HEADER_LEN, FIXED_HEADER_LEN + MARK_LEN];
/// Where the frames of a version-2 segment start (the header with both mark slots).
pub const HEADER_LEN: usize = FIXED_HEADER_LEN + 2 * MARK_LEN;
/// Where the frames of a version-1 segment start.
pub const HEADER_LEN_V1: usize = FIXED_HEADER_LEN;

/// The file name of the segment whose first record is `first_seq`.
#[must_use]
pub fn file_name(first_seq: u64) -> String {
    format!("{first_seq:020}.wal")
}

/// The path of a segment in `dir`.
#[must_use]
pub fn path(dir: &Path, first_seq: u64) -> PathBuf {
    dir.join(file_name(first_seq))
}

/// Parses a segment file name back into its first sequence number.
#[must_use]
pub fn parse_file_name(path: &Path) -> Option<u64> {
    let name = path.file_name()?.to_str()?;
    let digits = name.strip_suffix(".wal")?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Encodes a version-2 segment header whose mark says that nothing past the header is synced.
#[must_use]
pub fn encode_header(first_seq: u64) -> [u8; HEADER_LEN] {
    encode_header_version(first_seq, VERSION)
}

/// Encodes a segment header of `version` (tests write version-1 segments with it). A version-2
/// header carries an initial mark in slot 0; a version-1 header is only 32 bytes long.
#[must_use]
pub fn encode_header_version(first_seq: u64, version: u32) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..FIXED_HEADER_LEN].copy_from_slice(FileHeader::new(*MAGIC, version, first_seq).bytes());
    if version == VERSION {
        h[MARK_SLOTS[0]..MARK_SLOTS[0] + MARK_LEN].copy_from_slice(&encode_mark(HEADER_LEN as u64));
    }
    h
}

/// Encodes a synced mark saying that every byte before `synced_end` is durable.
#[must_use]
pub fn encode_mark(synced_end: u64) -> [u8; MARK_LEN] {
    let mut mark = Mark {
        synced_end: U64::new(synced_end),
        reserved: [0; 4],
        crc: U32::ZERO,
    };
    mark.crc = U32::new(crc32c::crc32c(&mark.as_bytes()[..MARK_LEN - 4]));
    let mut m = [0u8; MARK_LEN];
    m.copy_from_slice(mark.as_bytes());
    m
}

/// What one mark slot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkSlot {
    /// A valid mark.
    Valid(u64),
    /// Zeros: never written.
    Empty,
    /// Neither: a torn mark write, or damage.
    Damaged,
}

/// Decodes one mark slot.
#[must_use]
pub fn decode_mark(bytes: &[u8]) -> MarkSlot {
    let Ok((mark, _)) = Mark::ref_from_prefix(bytes) else {
        return MarkSlot::Damaged;
    };
    let raw = mark.as_bytes();
    if raw.iter().all(|&b| b == 0) {
        return MarkSlot::Empty;
    }
    if crc32c::crc32c(&raw[..MARK_LEN - 4]) != mark.crc.get() {
        return MarkSlot::Damaged;
    }
    MarkSlot::Valid(mark.synced_end.get())
}

/// Why a segment header was rejected.
#[derive(Debug, PartialEq, Eq)]
pub enum HeaderError {
    /// Fewer than [`FIXED_HEADER_LEN`] bytes, or only zeros where the fixed header belongs: the
    /// segment's creation never completed.
    Short,
    /// Wrong magic, version, checksum or first sequence number.
    Invalid(String),
}

/// Checks a segment header against the sequence number its file name promises, and returns the
/// segment's format version.
///
/// # Errors
/// [`HeaderError`] describing the failed check.
pub fn check_header(bytes: &[u8], expected_first_seq: u64) -> Result<u32, HeaderError> {
    let Some(h) = FileHeader::parse(bytes) else {
        return Err(HeaderError::Short);
    };
    if h.bytes().iter().all(|&b| b == 0) {
        // A preallocated file whose header never reached the disk.
        return Err(HeaderError::Short);
    }
    if h.magic() != MAGIC {
        return Err(HeaderError::Invalid("bad segment magic".into()));
    }
    if !h.checksum_ok() {
        return Err(HeaderError::Invalid(
            "segment header checksum mismatch".into(),
        ));
    }
    let version = h.version();
    if version != VERSION && version != VERSION_1 {
        return Err(HeaderError::Invalid(format!(
            "unsupported segment version {version} (this build reads {VERSION_1} and {VERSION})"
        )));
    }
    if version == VERSION && bytes.len() < HEADER_LEN {
        return Err(HeaderError::Invalid(
            "segment shorter than its header".into(),
        ));
    }
    let first = h.seq();
    if first != expected_first_seq {
        return Err(HeaderError::Invalid(format!(
            "segment header says first sequence {first}, file name says {expected_first_seq}"
        )));
    }
    Ok(version)
}

/// The synced end of a version-2 segment, the larger valid mark, and the slot holding it.
///
/// # Errors
/// A description when neither slot holds a valid mark: slot 0 is written with the header, so the
/// header then cannot say which bytes were acknowledged.
pub fn synced_end(bytes: &[u8]) -> Result<(u64, usize), String> {
    MARK_SLOTS
        .iter()
        .enumerate()
        .filter_map(
            |(slot, &at)| match decode_mark(bytes.get(at..).unwrap_or_default()) {
                MarkSlot::Valid(end) => Some((end, slot)),
                MarkSlot::Empty | MarkSlot::Damaged => None,
            },
        )
        .max()
        .ok_or_else(|| "neither synced-mark slot holds a valid mark".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_and_marks_are_laid_out_as_documented() {
        let h = encode_header(7);
        assert_eq!(&h[0..8], MAGIC);
        assert_eq!(h[8..12], 2u32.to_le_bytes());
        assert_eq!(h[12..16], [0; 4]);
        assert_eq!(h[16..24], 7u64.to_le_bytes());
        assert_eq!(h[24..28], [0; 4]);
        assert_eq!(h[28..32], crc32c::crc32c(&h[0..28]).to_le_bytes());
        assert_eq!(h[32..40], 64u64.to_le_bytes());
        assert_eq!(h[40..44], [0; 4]);
        assert_eq!(h[44..48], crc32c::crc32c(&h[32..44]).to_le_bytes());
        assert_eq!(h[48..64], [0; 16]);
        assert_eq!(check_header(&h, 7), Ok(VERSION));
        assert!(matches!(check_header(&h, 8), Err(HeaderError::Invalid(_))));
        assert_eq!(synced_end(&h), Ok((64, 0)));
        assert_eq!(decode_mark(&encode_mark(12_345)), MarkSlot::Valid(12_345));
        assert_eq!(decode_mark(&[0; MARK_LEN]), MarkSlot::Empty);
        assert_eq!(decode_mark(&[1; 3]), MarkSlot::Damaged);
        assert_eq!(check_header(&h[..20], 7), Err(HeaderError::Short));
    }
}
