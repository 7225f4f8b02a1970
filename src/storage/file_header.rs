//! [`FileHeader`]: the 32 bytes that open every file this layer writes (WAL segments and
//! checkpoint images), read and written through checked byte casts.
//!
//! ```text
//! 0   8  magic (says which kind of file)
//! 8   4  format version, u32 LE
//! 12  4  reserved, zero
//! 16  8  a sequence number, u64 LE (a segment's first record; the last record an image holds)
//! 24  4  reserved, zero
//! 28  4  CRC32C of bytes 0..28, u32 LE
//! ```

use zerocopy::little_endian::{U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// The common file header, laid out as above.
#[derive(Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct FileHeader {
    magic: [u8; 8],
    version: U32,
    reserved: [u8; 4],
    seq: U64,
    reserved_2: [u8; 4],
    crc: U32,
}

/// Size of the header in bytes.
pub const LEN: usize = size_of::<FileHeader>();

impl FileHeader {
    /// A header with its checksum.
    #[must_use]
    pub fn new(magic: [u8; 8], version: u32, seq: u64) -> Self {
        let mut header = Self {
            magic,
            version: U32::new(version),
            reserved: [0; 4],
            seq: U64::new(seq),
            reserved_2: [0; 4],
            crc: U32::ZERO,
        };
        header.crc = U32::new(header.checksum());
        header
    }

    /// The header at the start of `bytes`, unchecked; `None` when `bytes` is shorter.
    #[must_use]
    pub fn parse(bytes: &[u8]) -> Option<&Self> {
        Self::ref_from_prefix(bytes).ok().map(|(header, _)| header)
    }

    fn checksum(&self) -> u32 {
        crc32c::crc32c(&self.as_bytes()[..LEN - 4])
    }

    /// Whether the stored checksum matches the other fields.
    #[must_use]
    pub fn checksum_ok(&self) -> bool {
        self.checksum() == self.crc.get()
    }

    /// The magic.
    #[must_use]
    pub fn magic(&self) -> &[u8; 8] {
        &self.magic
    }

    /// The format version.
    #[must_use]
    pub fn version(&self) -> u32 {
        self.version.get()
    }

    /// The sequence number.
    #[must_use]
    pub fn seq(&self) -> u64 {
        self.seq.get()
    }

    /// The bytes to write.
    #[must_use]
    pub fn bytes(&self) -> &[u8] {
        self.as_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_is_laid_out_as_documented() {
        let h = FileHeader::new(*b"ABCDEFGH", 3, 0x0102_0304_0506_0708);
        let b = h.bytes();
        assert_eq!(b.len(), 32);
        assert_eq!(&b[0..8], b"ABCDEFGH");
        assert_eq!(b[8..12], 3u32.to_le_bytes());
        assert_eq!(b[12..16], [0; 4]);
        assert_eq!(b[16..24], 0x0102_0304_0506_0708u64.to_le_bytes());
        assert_eq!(b[24..28], [0; 4]);
        assert_eq!(b[28..32], crc32c::crc32c(&b[0..28]).to_le_bytes());
        let parsed = FileHeader::parse(b).map(|p| (p.checksum_ok(), p.version(), p.seq()));
        assert_eq!(parsed, Some((true, 3, 0x0102_0304_0506_0708)));
        assert!(FileHeader::parse(&b[..31]).is_none());
    }
}
