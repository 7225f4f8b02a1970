//! The binary encoding of payloads, used inside WAL records and checkpoints.
//!
//! ```text
//! payload := u32 LE entry count, then per entry: string key, value
//! string  := u32 LE byte length, UTF-8 bytes
//! value   := tag u8, then
//!   0 null | 1 false | 2 true | 3 i64 LE | 4 u64 LE | 5 f64 LE | 6 string
//!   7 array: u32 LE count, values | 8 object: same layout as a payload
//! ```
//! Decoding is depth-limited ([`MAX_DEPTH`]) and bounds-checked, so a damaged record yields an
//! error rather than a panic or unbounded recursion.

use std::collections::BTreeMap;

use super::{Payload, Value};

/// Deepest nesting the decoder accepts (serde_json's parser already stops at 128).
pub const MAX_DEPTH: usize = 256;

/// Why payload bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The bytes end in the middle of a value.
    #[error("payload bytes end early")]
    Truncated,
    /// An unknown type tag.
    #[error("unknown payload value tag {0}")]
    BadTag(u8),
    /// A string is not UTF-8.
    #[error("payload string is not valid UTF-8")]
    BadUtf8,
    /// A payload index definition names an invalid field path or an unknown index type.
    #[error("invalid payload index definition")]
    BadIndex,
    /// Nesting deeper than [`MAX_DEPTH`].
    #[error("payload nesting deeper than {MAX_DEPTH}")]
    TooDeep,
    /// A record names a vector space the collection does not declare.
    #[error("vector space {0} is not declared by the collection")]
    BadSpace(usize),
    /// A sparse vector whose indices are not strictly ascending, or with a non-finite value or
    /// an index out of range.
    #[error("a sparse vector breaks the rules every stored one keeps")]
    BadSparse,
}

fn put_len(out: &mut Vec<u8>, len: usize) {
    out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn put_value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.push(0),
        Value::Bool(false) => out.push(1),
        Value::Bool(true) => out.push(2),
        Value::Int(i) => {
            out.push(3);
            out.extend_from_slice(&i.to_le_bytes());
        }
        Value::UInt(u) => {
            out.push(4);
            out.extend_from_slice(&u.to_le_bytes());
        }
        Value::Float(f) => {
            out.push(5);
            out.extend_from_slice(&f.to_le_bytes());
        }
        Value::String(s) => {
            out.push(6);
            put_str(out, s);
        }
        Value::Array(items) => {
            out.push(7);
            put_len(out, items.len());
            for item in items {
                put_value(out, item);
            }
        }
        Value::Object(map) => {
            out.push(8);
            encode_payload(map, out);
        }
    }
}

/// Appends the encoding of `payload` to `out`.
pub fn encode_payload(payload: &Payload, out: &mut Vec<u8>) {
    put_len(out, payload.len());
    for (k, v) in payload {
        put_str(out, k);
        put_value(out, v);
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if self.bytes.len() < n {
            return Err(DecodeError::Truncated);
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn len(&mut self) -> Result<usize, DecodeError> {
        Ok(u32::from_le_bytes(self.array()?) as usize)
    }

    fn string(&mut self) -> Result<String, DecodeError> {
        let len = self.len()?;
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| DecodeError::BadUtf8)
    }

    fn value(&mut self, depth: usize) -> Result<Value, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(DecodeError::TooDeep);
        }
        let [tag] = self.array::<1>()?;
        Ok(match tag {
            0 => Value::Null,
            1 => Value::Bool(false),
            2 => Value::Bool(true),
            3 => Value::Int(i64::from_le_bytes(self.array()?)),
            4 => Value::UInt(u64::from_le_bytes(self.array()?)),
            5 => Value::Float(f64::from_le_bytes(self.array()?)),
            6 => Value::String(self.string()?),
            7 => {
                let n = self.len()?;
                // Every value takes at least one byte: a count larger than what is left is damage.
                if n > self.bytes.len() {
                    return Err(DecodeError::Truncated);
                }
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.value(depth + 1)?);
                }
                Value::Array(items)
            }
            8 => Value::Object(self.payload(depth + 1)?),
            other => return Err(DecodeError::BadTag(other)),
        })
    }

    fn payload(&mut self, depth: usize) -> Result<Payload, DecodeError> {
        let n = self.len()?;
        if n > self.bytes.len() {
            return Err(DecodeError::Truncated);
        }
        let mut map = BTreeMap::new();
        for _ in 0..n {
            let k = self.string()?;
            let v = self.value(depth)?;
            map.insert(k, v);
        }
        Ok(map)
    }
}

/// Decodes a payload from the front of `bytes`, returning it and the bytes after it.
///
/// # Errors
/// [`DecodeError`] when the bytes are not a valid encoding.
pub fn decode_payload(bytes: &[u8]) -> Result<(Payload, &[u8]), DecodeError> {
    let mut r = Reader { bytes };
    let p = r.payload(0)?;
    Ok((p, r.bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_kind_and_rejects_every_truncation() {
        let mut p = Payload::new();
        p.insert("n".into(), Value::Null);
        p.insert("b".into(), Value::Bool(true));
        p.insert("i".into(), Value::Int(-5));
        p.insert("u".into(), Value::UInt(u64::MAX));
        p.insert("f".into(), Value::Float(1.5));
        p.insert("s".into(), Value::String("héllo".into()));
        let mut inner = BTreeMap::new();
        inner.insert(
            "x".into(),
            Value::Array(vec![Value::Int(1), Value::String("y".into())]),
        );
        p.insert("o".into(), Value::Object(inner));
        let mut bytes = Vec::new();
        encode_payload(&p, &mut bytes);
        let (back, rest) = decode_payload(&bytes).unwrap_or_default();
        assert_eq!(back, p);
        assert!(rest.is_empty());
        for cut in 0..bytes.len() {
            assert!(decode_payload(&bytes[..cut]).is_err(), "cut {cut}");
        }
    }
}
