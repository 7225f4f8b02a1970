//! The byte image of a trained quantizer and its codes (the body of `quant.plait`; the
//! checkpoint container around it is `storage::checkpoint`'s).
//!
//! ```text
//! u8      kind: 1 = SQ8, 2 = PQ
//! u32 LE  dimension
//! SQ8:    dimension × f32 LE min, dimension × f32 LE scale
//! PQ:     u32 LE sub_dim, 256 · dimension × f32 LE centroids (subspace after subspace)
//! u64 LE  slots
//! u32 LE  code width (dimension for SQ8, ceil(dimension / sub_dim) for PQ)
//! slots × width bytes of codes, slot order
//! ```
//!
//! The metric is not stored: it is the collection's.

use zerocopy::FromBytes;
use zerocopy::little_endian::{F32, U32, U64};

use super::pq::CENTROIDS;
use super::{Codes, Pq, Quantized, Quantizer, Sq8};
use crate::vector::Metric;

const KIND_SQ8: u8 = 1;
const KIND_PQ: u8 = 2;

/// Why a quantizer image cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum QuantImageError {
    /// The image ends early.
    #[error("quantizer image truncated at byte {at}")]
    Truncated {
        /// Offset of the failed read.
        at: usize,
    },
    /// A field holds an impossible value.
    #[error("quantizer image invalid: {reason}")]
    Invalid {
        /// Which check failed.
        reason: String,
    },
}

/// Serialises `q`.
#[must_use]
pub fn encode(q: &Quantized) -> Vec<u8> {
    let mut out = Vec::with_capacity(q.codes.as_bytes().len() + 64);
    let put_f32s = |out: &mut Vec<u8>, xs: &[f32]| {
        for x in xs {
            out.extend_from_slice(&x.to_le_bytes());
        }
    };
    let dim = |d: usize| u32::try_from(d).unwrap_or(u32::MAX).to_le_bytes();
    match &q.quantizer {
        Quantizer::Sq8(s) => {
            out.push(KIND_SQ8);
            out.extend_from_slice(&dim(s.dim()));
            put_f32s(&mut out, s.min());
            put_f32s(&mut out, s.scale());
        }
        Quantizer::Pq(p) => {
            out.push(KIND_PQ);
            out.extend_from_slice(&dim(p.dim()));
            out.extend_from_slice(&dim(p.sub_dim()));
            put_f32s(&mut out, p.centroids());
        }
    }
    out.extend_from_slice(&(q.codes.slots() as u64).to_le_bytes());
    out.extend_from_slice(&dim(q.codes.width()));
    out.extend_from_slice(q.codes.as_bytes());
    out
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], QuantImageError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or(QuantImageError::Truncated { at: self.at })?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    /// `n` unaligned little-endian values of `T` (`U32`, `F32`, ...), checked against the length.
    fn values<T: FromBytes + zerocopy::Immutable + zerocopy::Unaligned>(
        &mut self,
        n: usize,
    ) -> Result<&'a [T], QuantImageError> {
        let at = self.at;
        let rest = self.bytes.get(at..).unwrap_or_default();
        let (values, tail) = <[T]>::ref_from_prefix_with_elems(rest, n)
            .map_err(|_| QuantImageError::Truncated { at })?;
        self.at = self.bytes.len() - tail.len();
        Ok(values)
    }
    fn u32(&mut self) -> Result<usize, QuantImageError> {
        Ok(self
            .values::<U32>(1)?
            .first()
            .map_or(0, |v| v.get() as usize))
    }
    fn u64(&mut self) -> Result<u64, QuantImageError> {
        Ok(self.values::<U64>(1)?.first().map_or(0, |v| v.get()))
    }
    fn f32s(&mut self, n: usize) -> Result<Vec<f32>, QuantImageError> {
        Ok(self.values::<F32>(n)?.iter().map(|v| v.get()).collect())
    }
}

/// Reads an image for a collection of `dim` components under `metric` with `slots` slots.
///
/// # Errors
/// [`QuantImageError`] when the image is truncated or does not fit the collection.
pub fn decode(
    bytes: &[u8],
    metric: Metric,
    dim: usize,
    slots: usize,
) -> Result<Quantized, QuantImageError> {
    let invalid = |reason: String| QuantImageError::Invalid { reason };
    let mut r = Reader { bytes, at: 0 };
    let kind = r.take(1)?[0];
    let stored_dim = r.u32()?;
    if stored_dim != dim {
        return Err(invalid(format!(
            "dimension {stored_dim}, the collection's is {dim}"
        )));
    }
    let quantizer = match kind {
        KIND_SQ8 => {
            let (min, scale) = (r.f32s(dim)?, r.f32s(dim)?);
            Quantizer::Sq8(
                Sq8::from_parts(metric, min, scale)
                    .ok_or_else(|| invalid("non-finite SQ8 parameters".into()))?,
            )
        }
        KIND_PQ => {
            let sub_dim = r.u32()?;
            let centroids = r.f32s(CENTROIDS * dim)?;
            Quantizer::Pq(
                Pq::from_parts(metric, dim, sub_dim, centroids)
                    .ok_or_else(|| invalid(format!("PQ sub_dim {sub_dim} or centroids")))?,
            )
        }
        other => return Err(invalid(format!("unknown kind {other}"))),
    };
    let stored_slots = r.u64()?;
    if stored_slots != slots as u64 {
        return Err(invalid(format!("{stored_slots} codes for {slots} slots")));
    }
    let width = r.u32()?;
    if width != quantizer.code_width() {
        return Err(invalid(format!(
            "code width {width}, expected {}",
            quantizer.code_width()
        )));
    }
    let data = r.take(
        slots
            .checked_mul(width)
            .ok_or(QuantImageError::Truncated { at: r.at })?,
    )?;
    if r.at != bytes.len() {
        return Err(invalid("trailing bytes after the codes".into()));
    }
    let codes =
        Codes::from_raw(width, data.to_vec()).ok_or_else(|| invalid("zero code width".into()))?;
    Quantized::new(quantizer, codes).ok_or_else(|| invalid("code width mismatch".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vector::DenseVectors;
    use crate::vector::quantize::{Compression, QuantizationConfig, QuantizationMethod, train};

    #[test]
    fn images_round_trip_and_reject_damage() {
        let mut vectors = DenseVectors::new(5);
        for i in 0..40 {
            vectors
                .push(&[i as f32, 1.0, -(i as f32), 0.5, (i % 3) as f32])
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let live: Vec<u32> = (0..40).collect();
        for method in [
            QuantizationMethod::Scalar { quantile: 1.0 },
            QuantizationMethod::Product {
                compression: Compression::X16,
            },
        ] {
            let config = QuantizationConfig {
                method,
                always_ram: true,
            };
            let q = train(&config, Metric::Dot, &vectors, &live);
            let bytes = encode(&q);
            assert_eq!(decode(&bytes, Metric::Dot, 5, 40).ok(), Some(q));
            assert!(decode(&bytes, Metric::Dot, 5, 41).is_err());
            assert!(decode(&bytes, Metric::Dot, 6, 40).is_err());
            assert!(decode(&bytes[..bytes.len() - 1], Metric::Dot, 5, 40).is_err());
            let mut longer = bytes.clone();
            longer.push(0);
            assert!(decode(&longer, Metric::Dot, 5, 40).is_err());
        }
    }
}
