//! The checkpoint image of a [`FieldIndex`]: written with every checkpoint so that reopening a
//! collection does not re-read every payload.
//!
//! ```text
//! image   := path, schema u8, bitmap indexed, bitmap wrong_type, u64 LE key count,
//!            count × (key, bitmap)                      keys ascending
//! path    := u32 LE byte length, UTF-8
//! bitmap  := u64 LE byte length, roaring's portable serialization
//! key     := keyword: u32 LE length, UTF-8 | integer, datetime: i64 LE | float: f64 LE
//!            | bool: u8 | uuid: u128 LE
//! ```

use std::collections::BTreeMap;

use roaring::RoaringBitmap;
use zerocopy::FromBytes;
use zerocopy::little_endian::{F64, I64, U32, U64, U128};

use super::field_index::FieldIndex;
use super::histogram::Histogram;
use super::schema::{Float, IndexKey, IndexSchema};
use crate::columns::FieldPath;

/// Why an index image cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("payload index image is damaged: {0}")]
pub struct ImageError(pub String);

fn put_bitmap(out: &mut Vec<u8>, bitmap: &RoaringBitmap) {
    out.extend_from_slice(&(bitmap.serialized_size() as u64).to_le_bytes());
    // Writing into a Vec cannot fail.
    let _ = bitmap.serialize_into(&mut *out);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&u32::try_from(s.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// Appends the image of `index` to `out`.
pub fn encode(index: &FieldIndex, out: &mut Vec<u8>) {
    put_str(out, index.path.as_str());
    out.push(index.schema.code());
    put_bitmap(out, &index.indexed);
    put_bitmap(out, &index.wrong_type);
    out.extend_from_slice(&(index.postings.len() as u64).to_le_bytes());
    for (key, slots) in &index.postings {
        match key {
            IndexKey::Text(s) => put_str(out, s),
            IndexKey::Int(i) => out.extend_from_slice(&i.to_le_bytes()),
            IndexKey::Float(f) => out.extend_from_slice(&f.get().to_le_bytes()),
            IndexKey::Bool(b) => out.push(u8::from(*b)),
            IndexKey::Uuid(u) => out.extend_from_slice(&u.to_le_bytes()),
        }
        put_bitmap(out, slots);
    }
}

/// Reads one image from the front of `bytes`; returns the index and the bytes after it.
///
/// # Errors
/// [`ImageError`] when the bytes are truncated or not an image.
pub fn decode(bytes: &[u8]) -> Result<(FieldIndex, &[u8]), ImageError> {
    let mut r = Reader(bytes);
    let path = r.string()?;
    let path = FieldPath::parse(&path).map_err(|e| ImageError(e.to_string()))?;
    let code = r.byte()?;
    let schema =
        IndexSchema::from_code(code).ok_or_else(|| ImageError(format!("unknown schema {code}")))?;
    let indexed = r.bitmap()?;
    let wrong_type = r.bitmap()?;
    let count = r.fixed::<U64>()?.get();
    let mut postings = BTreeMap::new();
    let mut previous: Option<IndexKey> = None;
    for _ in 0..count {
        let key = match schema {
            IndexSchema::Keyword => IndexKey::Text(r.string()?),
            IndexSchema::Integer | IndexSchema::Datetime => IndexKey::Int(r.fixed::<I64>()?.get()),
            IndexSchema::Float => {
                let x = r.fixed::<F64>()?.get();
                if !x.is_finite() {
                    return Err(ImageError("a float key is not finite".into()));
                }
                IndexKey::Float(Float::new(x))
            }
            IndexSchema::Bool => IndexKey::Bool(r.byte()? != 0),
            IndexSchema::Uuid => IndexKey::Uuid(r.fixed::<U128>()?.get()),
        };
        if previous.as_ref().is_some_and(|p| *p >= key) {
            return Err(ImageError("keys are not in ascending order".into()));
        }
        previous = Some(key.clone());
        let slots = r.bitmap()?;
        if !slots.is_subset(&indexed) {
            return Err(ImageError(
                "a posting names a slot not marked indexed".into(),
            ));
        }
        postings.insert(key, slots);
    }
    let mut index = FieldIndex {
        path,
        schema,
        postings,
        indexed,
        wrong_type,
        histogram: Histogram::default(),
    };
    index.redraw_histogram();
    Ok((index, r.0))
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ImageError> {
        if self.0.len() < n {
            return Err(ImageError("truncated".into()));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn fixed<T: FromBytes + zerocopy::Immutable + zerocopy::KnownLayout + zerocopy::Unaligned>(
        &mut self,
    ) -> Result<T, ImageError> {
        let (value, rest) =
            T::read_from_prefix(self.0).map_err(|_| ImageError("truncated".into()))?;
        self.0 = rest;
        Ok(value)
    }

    fn byte(&mut self) -> Result<u8, ImageError> {
        Ok(self.take(1)?[0])
    }

    fn string(&mut self) -> Result<String, ImageError> {
        let len = self.fixed::<U32>()?.get() as usize;
        String::from_utf8(self.take(len)?.to_vec()).map_err(|_| ImageError("bad UTF-8".into()))
    }

    fn bitmap(&mut self) -> Result<RoaringBitmap, ImageError> {
        let len = usize::try_from(self.fixed::<U64>()?.get())
            .map_err(|_| ImageError("bitmap length overflows".into()))?;
        RoaringBitmap::deserialize_from(self.take(len)?).map_err(|e| ImageError(e.to_string()))
    }
}
