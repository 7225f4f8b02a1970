//! Segment files: the WAL directory holds `NNNNNNNNNNNNNNNNNNNN.wal` files, named by the sequence
//! number of their first record (20 zero-padded decimal digits, so names sort in log order).
//!
//! ```text
//! segment header, 32 bytes:
//! 0   8  magic "PLAITWAL"
//! 8   4  format version, u32 LE (1)
//! 12  4  reserved, zero
//! 16  8  first sequence number, u64 LE
//! 24  4  reserved, zero
//! 28  4  CRC32C of bytes 0..28, u32 LE
//! 32 ..  frames (see `frame`)
//! ```

use std::path::{Path, PathBuf};

/// Magic bytes at the start of every segment.
pub const MAGIC: &[u8; 8] = b"PLAITWAL";
/// Current segment format version.
pub const VERSION: u32 = 1;
/// Size of the segment header.
pub const HEADER_LEN: usize = 32;

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

/// Encodes a segment header.
#[must_use]
pub fn encode_header(first_seq: u64) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[0..8].copy_from_slice(MAGIC);
    h[8..12].copy_from_slice(&VERSION.to_le_bytes());
    h[16..24].copy_from_slice(&first_seq.to_le_bytes());
    let crc = crc32c::crc32c(&h[0..28]);
    h[28..32].copy_from_slice(&crc.to_le_bytes());
    h
}

/// Why a segment header was rejected.
#[derive(Debug, PartialEq, Eq)]
pub enum HeaderError {
    /// Fewer than [`HEADER_LEN`] bytes.
    Short,
    /// Wrong magic, version, checksum or first sequence number.
    Invalid(String),
}

/// Checks a segment header against the sequence number its file name promises.
///
/// # Errors
/// [`HeaderError`] describing the failed check.
pub fn check_header(bytes: &[u8], expected_first_seq: u64) -> Result<(), HeaderError> {
    let Some(h) = bytes.get(..HEADER_LEN) else {
        return Err(HeaderError::Short);
    };
    if &h[0..8] != MAGIC {
        return Err(HeaderError::Invalid("bad segment magic".into()));
    }
    let mut crc = [0u8; 4];
    crc.copy_from_slice(&h[28..32]);
    if crc32c::crc32c(&h[0..28]) != u32::from_le_bytes(crc) {
        return Err(HeaderError::Invalid(
            "segment header checksum mismatch".into(),
        ));
    }
    let mut v = [0u8; 4];
    v.copy_from_slice(&h[8..12]);
    let version = u32::from_le_bytes(v);
    if version != VERSION {
        return Err(HeaderError::Invalid(format!(
            "unsupported segment version {version} (this build reads {VERSION})"
        )));
    }
    let mut s = [0u8; 8];
    s.copy_from_slice(&h[16..24]);
    let first = u64::from_le_bytes(s);
    if first != expected_first_seq {
        return Err(HeaderError::Invalid(format!(
            "segment header says first sequence {first}, file name says {expected_first_seq}"
        )));
    }
    Ok(())
}
