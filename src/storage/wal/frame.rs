//! The record frame: how one WAL record is laid out in a segment.
//!
//! ```text
//! offset size  field
//! 0      4     payload length, u32 LE
//! 4      8     sequence number, u64 LE
//! 12     4     CRC32C of the payload, u32 LE
//! 16     4     CRC32C of bytes 0..16, u32 LE   (so a damaged length is never trusted)
//! 20     len   payload
//! ```

use zerocopy::little_endian::{U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// The frame header, as laid out above.
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
struct Header {
    len: U32,
    seq: U64,
    payload_crc: U32,
    header_crc: U32,
}

/// Size of the frame header in bytes.
pub const HEADER_LEN: usize = size_of::<Header>();
/// The bytes the header checksum covers.
const CHECKED_LEN: usize = HEADER_LEN - 4;
/// The largest payload one frame may carry (1 GiB).
pub const MAX_PAYLOAD: usize = 1 << 30;

/// Appends the frame for `payload` with sequence number `seq` to `out`.
pub fn encode(seq: u64, payload: &[u8], out: &mut Vec<u8>) {
    let mut header = Header {
        // The caller checks MAX_PAYLOAD, which fits in u32.
        len: U32::new(u32::try_from(payload.len()).unwrap_or(u32::MAX)),
        seq: U64::new(seq),
        payload_crc: U32::new(crc32c::crc32c(payload)),
        header_crc: U32::ZERO,
    };
    header.header_crc = U32::new(crc32c::crc32c(&header.as_bytes()[..CHECKED_LEN]));
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(payload);
}

/// The outcome of decoding the frame that starts at some offset.
#[derive(Debug, PartialEq, Eq)]
pub enum Decoded<'a> {
    /// A whole, valid frame.
    Record {
        /// Its sequence number.
        seq: u64,
        /// Its payload.
        payload: &'a [u8],
        /// Total frame length (header + payload).
        frame_len: usize,
    },
    /// The bytes end before the frame does.
    Incomplete,
    /// The frame is whole but a checksum or field check failed.
    Invalid(&'static str),
}

/// The header at the start of `bytes` when it is whole and its checksum holds.
fn checked_header(bytes: &[u8]) -> Result<&Header, Decoded<'static>> {
    let (header, _) = Header::ref_from_prefix(bytes).map_err(|_| Decoded::Incomplete)?;
    if crc32c::crc32c(&header.as_bytes()[..CHECKED_LEN]) != header.header_crc.get() {
        return Err(Decoded::Invalid("frame header checksum mismatch"));
    }
    Ok(header)
}

/// The whole length (header and payload) that a frame header claims, when the header is intact
/// and the length within the limit: how many bytes [`decode`] needs to see.
#[must_use]
pub fn claimed_len(bytes: &[u8]) -> Option<usize> {
    let len = checked_header(bytes).ok()?.len.get() as usize;
    (len <= MAX_PAYLOAD).then_some(HEADER_LEN + len)
}

/// Decodes the frame at the start of `bytes`.
#[must_use]
pub fn decode(bytes: &[u8]) -> Decoded<'_> {
    let header = match checked_header(bytes) {
        Ok(header) => header,
        Err(outcome) => return outcome,
    };
    let len = header.len.get() as usize;
    if len > MAX_PAYLOAD {
        return Decoded::Invalid("frame length over the limit");
    }
    let Some(payload) = bytes.get(HEADER_LEN..HEADER_LEN + len) else {
        return Decoded::Incomplete;
    };
    if crc32c::crc32c(payload) != header.payload_crc.get() {
        return Decoded::Invalid("frame payload checksum mismatch");
    }
    Decoded::Record {
        seq: header.seq.get(),
        payload,
        frame_len: HEADER_LEN + len,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut buf = Vec::new();
        encode(7, b"hello", &mut buf);
        assert_eq!(
            decode(&buf),
            Decoded::Record {
                seq: 7,
                payload: b"hello",
                frame_len: HEADER_LEN + 5
            }
        );
    }

    #[test]
    fn the_header_is_laid_out_as_documented() {
        let mut buf = Vec::new();
        encode(0x0102_0304_0506_0708, b"hello", &mut buf);
        assert_eq!(buf.len(), 20 + 5);
        assert_eq!(buf[0..4], 5u32.to_le_bytes());
        assert_eq!(buf[4..12], 0x0102_0304_0506_0708u64.to_le_bytes());
        assert_eq!(buf[12..16], crc32c::crc32c(b"hello").to_le_bytes());
        assert_eq!(buf[16..20], crc32c::crc32c(&buf[0..16]).to_le_bytes());
        assert_eq!(&buf[20..], b"hello");
    }

    #[test]
    fn every_prefix_is_incomplete_and_every_bit_flip_is_detected() {
        let mut buf = Vec::new();
        encode(42, b"some payload bytes", &mut buf);
        for cut in 0..buf.len() {
            assert_eq!(decode(&buf[..cut]), Decoded::Incomplete, "cut at {cut}");
        }
        for bit in 0..buf.len() * 8 {
            let mut damaged = buf.clone();
            damaged[bit / 8] ^= 1 << (bit % 8);
            assert!(
                !matches!(decode(&damaged), Decoded::Record { .. }),
                "bit {bit} flip went undetected"
            );
        }
    }
}
