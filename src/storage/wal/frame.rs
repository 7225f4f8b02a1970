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

/// Size of the frame header in bytes.
pub const HEADER_LEN: usize = 20;
/// The largest payload one frame may carry (1 GiB).
pub const MAX_PAYLOAD: usize = 1 << 30;

/// Appends the frame for `payload` with sequence number `seq` to `out`.
pub fn encode(seq: u64, payload: &[u8], out: &mut Vec<u8>) {
    let mut header = [0u8; HEADER_LEN];
    // The caller checks MAX_PAYLOAD, which fits in u32.
    let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
    header[0..4].copy_from_slice(&len.to_le_bytes());
    header[4..12].copy_from_slice(&seq.to_le_bytes());
    header[12..16].copy_from_slice(&crc32c::crc32c(payload).to_le_bytes());
    let header_crc = crc32c::crc32c(&header[0..16]);
    header[16..20].copy_from_slice(&header_crc.to_le_bytes());
    out.extend_from_slice(&header);
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

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(b)
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(b)
}

/// The whole length (header and payload) that a frame header claims, when the header is intact
/// and the length within the limit: how many bytes [`decode`] needs to see.
#[must_use]
pub fn claimed_len(bytes: &[u8]) -> Option<usize> {
    if bytes.len() < HEADER_LEN || crc32c::crc32c(&bytes[0..16]) != u32_at(bytes, 16) {
        return None;
    }
    let len = u32_at(bytes, 0) as usize;
    (len <= MAX_PAYLOAD).then_some(HEADER_LEN + len)
}

/// Decodes the frame at the start of `bytes`.
#[must_use]
pub fn decode(bytes: &[u8]) -> Decoded<'_> {
    if bytes.len() < HEADER_LEN {
        return Decoded::Incomplete;
    }
    if crc32c::crc32c(&bytes[0..16]) != u32_at(bytes, 16) {
        return Decoded::Invalid("frame header checksum mismatch");
    }
    let len = u32_at(bytes, 0) as usize;
    if len > MAX_PAYLOAD {
        return Decoded::Invalid("frame length over the limit");
    }
    let seq = u64_at(bytes, 4);
    let Some(payload) = bytes.get(HEADER_LEN..HEADER_LEN + len) else {
        return Decoded::Incomplete;
    };
    if crc32c::crc32c(payload) != u32_at(bytes, 12) {
        return Decoded::Invalid("frame payload checksum mismatch");
    }
    Decoded::Record {
        seq,
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
