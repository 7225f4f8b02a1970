//! Checkpoint files: one durable image of a collection's state (or of one of its indexes) as of a
//! WAL sequence number. The container is the same for every image; its magic says which it is.
//!
//! ```text
//! 0   8  magic: "PLAITCKP" (points), "PLAITHNS" (HNSW graph), "PLAITQNT" (quantizer + codes)
//!        or "PLAITIDX" (payload field indexes)
//! 8   4  format version, u32 LE (2: slot-preserving point images, graph images; 3: point images
//!        may hold released slots, flag 2; 4: point images end with the payload index
//!        definitions; 5: point images end with the edges; versions 2 to 4 are still read)
//! 12  4  reserved, zero
//! 16  8  sequence number of the last WAL record the image includes, u64 LE
//! 24  4  reserved, zero
//! 28  4  CRC32C of bytes 0..28, u32 LE
//! 32  n  body (opaque to this module)
//! then   body length n, u64 LE; CRC32C of the body, u32 LE; end magic "PKND"
//! ```
//!
//! A checkpoint is written to `<name>.tmp`, `fsync`ed, renamed over `<name>` and the directory is
//! `fsync`ed, so a crash leaves either the previous checkpoint or the new one, never a mix. The WAL
//! is truncated only after the rename is durable.

use std::io;
use std::path::{Path, PathBuf};

use zerocopy::little_endian::{U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::file_header::{self, FileHeader};
use super::{FileSystem, WritableFile};

/// Magic bytes at the start of a collection checkpoint (points).
pub const MAGIC: &[u8; 8] = b"PLAITCKP";
/// Magic bytes at the start of a vector-index image (the HNSW graph) in the same container.
pub const GRAPH_MAGIC: &[u8; 8] = b"PLAITHNS";
/// Magic bytes at the start of a quantizer image (trained parameters and codes).
pub const QUANT_MAGIC: &[u8; 8] = b"PLAITQNT";
/// Magic bytes at the start of a payload field index image.
pub const INDEX_MAGIC: &[u8; 8] = b"PLAITIDX";
/// Magic of a collection's text index image (`texts.plait`).
pub const TEXT_MAGIC: &[u8; 8] = b"PLAITTXT";
/// Magic of a collection's sparse vector index image (`sparse.plait`).
pub const SPARSE_MAGIC: &[u8; 8] = b"PLAITSPX";
/// Magic bytes at the very end of a checkpoint.
pub const END_MAGIC: &[u8; 4] = b"PKND";
/// Current checkpoint format version.
pub const VERSION: u32 = 5;
/// Oldest version still read: a version 2 body is a version 3 body without released slots, and a
/// version 3 body a version 4 body without index definitions, a version 4 body a version 5 body
/// without edges.
pub const OLDEST_READ_VERSION: u32 = 2;
const HEADER_LEN: usize = file_header::LEN;
const TRAILER_LEN: usize = size_of::<Trailer>();

/// The bytes after the body.
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
struct Trailer {
    body_len: U64,
    body_crc: U32,
    end_magic: [u8; 4],
}
/// Bytes gathered before one `write` call while streaming a checkpoint.
const WRITE_CHUNK: usize = 1 << 20;

/// Why a checkpoint could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// The file could not be read or written.
    #[error("checkpoint I/O error during {op} on {path}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The file is damaged or not a checkpoint.
    #[error("checkpoint {path} is corrupt: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Which check failed.
        reason: String,
    },
}

/// Streams a checkpoint body into a temporary file and publishes it atomically on [`finish`].
///
/// [`finish`]: CheckpointWriter::finish
#[derive(Debug)]
pub struct CheckpointWriter<'a> {
    fs: &'a dyn FileSystem,
    target: PathBuf,
    tmp: PathBuf,
    file: Box<dyn WritableFile>,
    pending: Vec<u8>,
    body_len: u64,
    crc: u32,
}

impl<'a> CheckpointWriter<'a> {
    /// Starts an image with `magic` that will replace `target`, covering the WAL through `seq`.
    ///
    /// # Errors
    /// The I/O error of creating the temporary file.
    pub fn create(
        fs: &'a dyn FileSystem,
        target: &Path,
        magic: &[u8; 8],
        seq: u64,
    ) -> Result<Self, CheckpointError> {
        let mut tmp_name = target.file_name().unwrap_or_default().to_os_string();
        tmp_name.push(".tmp");
        let tmp = target.with_file_name(tmp_name);
        let mut file = fs.create(&tmp).map_err(|source| CheckpointError::Io {
            op: "create",
            path: tmp.clone(),
            source,
        })?;
        file.write_all(FileHeader::new(*magic, VERSION, seq).bytes())
            .map_err(|source| CheckpointError::Io {
                op: "write",
                path: tmp.clone(),
                source,
            })?;
        Ok(Self {
            fs,
            target: target.to_path_buf(),
            tmp,
            file,
            pending: Vec::with_capacity(WRITE_CHUNK),
            body_len: 0,
            crc: 0,
        })
    }

    fn io(&self, op: &'static str, source: io::Error) -> CheckpointError {
        CheckpointError::Io {
            op,
            path: self.tmp.clone(),
            source,
        }
    }

    /// Appends bytes to the body.
    ///
    /// # Errors
    /// The I/O error of writing.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), CheckpointError> {
        self.crc = crc32c::crc32c_append(self.crc, bytes);
        self.body_len += bytes.len() as u64;
        self.pending.extend_from_slice(bytes);
        if self.pending.len() >= WRITE_CHUNK {
            self.flush_pending()?;
        }
        Ok(())
    }

    fn flush_pending(&mut self) -> Result<(), CheckpointError> {
        if let Err(e) = self.file.write_all(&self.pending) {
            return Err(self.io("write", e));
        }
        self.pending.clear();
        Ok(())
    }

    /// Writes the trailer, makes the file durable and renames it over the target.
    ///
    /// # Errors
    /// Any I/O error; the previous checkpoint then stays in place.
    pub fn finish(mut self) -> Result<(), CheckpointError> {
        let trailer = Trailer {
            body_len: U64::new(self.body_len),
            body_crc: U32::new(self.crc),
            end_magic: *END_MAGIC,
        };
        self.pending.extend_from_slice(trailer.as_bytes());
        self.flush_pending()?;
        if let Err(e) = self.file.sync_data() {
            return Err(self.io("fsync", e));
        }
        self.fs
            .rename(&self.tmp, &self.target)
            .map_err(|e| self.io("rename", e))?;
        let dir = self.target.parent().unwrap_or_else(|| Path::new("."));
        self.fs.sync_dir(dir).map_err(|source| CheckpointError::Io {
            op: "sync dir",
            path: dir.to_path_buf(),
            source,
        })
    }
}

/// Reads and verifies the image with `magic` at `path`: returns the sequence number and the body,
/// or `None` when there is none yet.
///
/// # Errors
/// [`CheckpointError::Corrupt`] when any check fails; I/O errors.
pub fn read(
    fs: &dyn FileSystem,
    path: &Path,
    magic: &[u8; 8],
) -> Result<Option<(u64, Vec<u8>)>, CheckpointError> {
    if !fs.exists(path) {
        return Ok(None);
    }
    let mut bytes = fs.read(path).map_err(|source| CheckpointError::Io {
        op: "read",
        path: path.to_path_buf(),
        source,
    })?;
    let corrupt = |reason: &str| CheckpointError::Corrupt {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    if bytes.len() < HEADER_LEN + TRAILER_LEN {
        return Err(corrupt("file shorter than header and trailer"));
    }
    let body_end = bytes.len() - TRAILER_LEN;
    let (Some(header), Ok(trailer)) = (
        FileHeader::parse(&bytes),
        Trailer::ref_from_bytes(&bytes[body_end..]),
    ) else {
        return Err(corrupt("file shorter than header and trailer"));
    };
    if header.magic() != magic {
        return Err(corrupt("bad magic"));
    }
    if !header.checksum_ok() {
        return Err(corrupt("header checksum mismatch"));
    }
    if !(OLDEST_READ_VERSION..=VERSION).contains(&header.version()) {
        return Err(corrupt(&format!(
            "unsupported version {}",
            header.version()
        )));
    }
    let seq = header.seq();
    if &trailer.end_magic != END_MAGIC {
        return Err(corrupt("bad end magic (file truncated?)"));
    }
    if trailer.body_len.get() != (body_end - HEADER_LEN) as u64 {
        return Err(corrupt("body length does not match the file size"));
    }
    if crc32c::crc32c(&bytes[HEADER_LEN..body_end]) != trailer.body_crc.get() {
        return Err(corrupt("body checksum mismatch"));
    }
    bytes.truncate(body_end);
    bytes.drain(..HEADER_LEN);
    Ok(Some((seq, bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::RealFs;

    #[test]
    fn round_trip_and_every_bit_flip_is_detected() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("checkpoint.plait");
        let mut w = CheckpointWriter::create(&RealFs, &path, MAGIC, 99)?;
        w.write(b"abc")?;
        w.write(&[7u8; 3000])?;
        w.finish()?;
        let (seq, body) = read(&RealFs, &path, MAGIC)?.ok_or("missing")?;
        assert_eq!(seq, 99);
        assert_eq!(body.len(), 3003);
        let good = std::fs::read(&path)?;
        for bit in (0..good.len() * 8).step_by(7) {
            let mut bad = good.clone();
            bad[bit / 8] ^= 1 << (bit % 8);
            std::fs::write(&path, &bad)?;
            assert!(
                read(&RealFs, &path, MAGIC).is_err(),
                "flip of bit {bit} undetected"
            );
        }
        for cut in [0, 10, 40, good.len() - 1] {
            std::fs::write(&path, &good[..cut])?;
            assert!(
                read(&RealFs, &path, MAGIC).is_err(),
                "truncation at {cut} undetected"
            );
        }
        Ok(())
    }

    #[test]
    fn the_container_is_laid_out_as_documented() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("checkpoint.plait");
        let mut w = CheckpointWriter::create(&RealFs, &path, MAGIC, 0x0102_0304_0506_0708)?;
        w.write(b"body")?;
        w.finish()?;
        let f = std::fs::read(&path)?;
        assert_eq!(f.len(), 32 + 4 + 16);
        assert_eq!(&f[0..8], MAGIC);
        assert_eq!(f[8..12], VERSION.to_le_bytes());
        assert_eq!(f[12..16], [0; 4]);
        assert_eq!(f[16..24], 0x0102_0304_0506_0708u64.to_le_bytes());
        assert_eq!(f[24..28], [0; 4]);
        assert_eq!(f[28..32], crc32c::crc32c(&f[0..28]).to_le_bytes());
        assert_eq!(&f[32..36], b"body");
        assert_eq!(f[36..44], 4u64.to_le_bytes());
        assert_eq!(f[44..48], crc32c::crc32c(b"body").to_le_bytes());
        assert_eq!(&f[48..52], END_MAGIC);
        Ok(())
    }

    #[test]
    fn version_2_is_still_read_and_unknown_versions_are_refused()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("checkpoint.plait");
        let mut w = CheckpointWriter::create(&RealFs, &path, MAGIC, 5)?;
        w.write(b"body")?;
        w.finish()?;
        let good = std::fs::read(&path)?;
        for (version, readable) in [
            (1u32, false),
            (2, true),
            (3, true),
            (4, true),
            (5, true),
            (6, false),
        ] {
            let mut file = good.clone();
            file[8..12].copy_from_slice(&version.to_le_bytes());
            let crc = crc32c::crc32c(&file[0..28]);
            file[28..32].copy_from_slice(&crc.to_le_bytes());
            std::fs::write(&path, &file)?;
            let got = read(&RealFs, &path, MAGIC);
            assert_eq!(got.is_ok(), readable, "version {version}");
            if readable {
                assert_eq!(got?.ok_or("missing")?.1, b"body".to_vec());
            }
        }
        Ok(())
    }
}
