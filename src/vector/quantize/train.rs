//! Training a quantizer on a sample of stored vectors and encoding every slot.
//!
//! Runs on the caller's thread (the collection writer) while only reading the vectors, so the
//! caller can hold a read lock (readers keep running) and install the result under a short write
//! lock. PQ's k-means and encoding run in parallel on the current rayon pool (the caller's
//! `ThreadPool::install` picks the thread count; the global pool uses every core).

use rayon::prelude::*;

use super::{
    Codes, MAX_SAMPLE, Pq, QuantizationConfig, QuantizationMethod, Quantized, Quantizer, Sq8,
};
use crate::vector::{DenseVectors, Metric};

/// At most [`MAX_SAMPLE`] of `live` slots, evenly spaced (deterministic), copied back to back.
fn sample(vectors: &DenseVectors, live: &[u32]) -> Vec<f32> {
    let take = live.len().min(MAX_SAMPLE);
    let mut out = Vec::with_capacity(take * vectors.dim());
    for i in 0..take {
        out.extend_from_slice(vectors.get(live[i * live.len() / take]));
    }
    out
}

/// Trains the quantizer `config` asks for on a sample of the `live` slots of `vectors`, then
/// encodes every slot of `vectors` (free slots too: the graph still routes through them).
#[must_use]
pub fn train(
    config: &QuantizationConfig,
    metric: Metric,
    vectors: &DenseVectors,
    live: &[u32],
) -> Quantized {
    let dim = vectors.dim();
    let rows = sample(vectors, live);
    let quantizer = match config.method {
        QuantizationMethod::Scalar { quantile } => {
            Quantizer::Sq8(Sq8::train(metric, dim, &rows, quantile))
        }
        QuantizationMethod::Product { compression } => {
            Quantizer::Pq(Pq::train(metric, dim, compression.sub_dim(), &rows))
        }
    };
    let codes = encode_all(&quantizer, vectors);
    Quantized { quantizer, codes }
}

/// Slots one rayon task encodes at least (one code is microseconds of work).
const ENCODE_CHUNK: usize = 256;

/// The code of every slot, encoded in parallel on the current rayon pool.
fn encode_all(quantizer: &Quantizer, vectors: &DenseVectors) -> Codes {
    let width = quantizer.code_width();
    let slots = vectors.slots();
    let mut data = vec![0u8; slots * width];
    data.par_chunks_exact_mut(width.max(1))
        .with_min_len(ENCODE_CHUNK)
        .enumerate()
        .for_each(|(slot, out)| {
            let slot = u32::try_from(slot).unwrap_or(u32::MAX);
            quantizer.encode(vectors.get(slot), out);
        });
    Codes::from_raw(width, data).unwrap_or_else(|| Codes::new(width))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vector::quantize::Compression;

    #[test]
    fn encodes_every_slot_like_the_quantizer_alone() {
        let mut vectors = DenseVectors::new(6);
        for i in 0..300 {
            let v: Vec<f32> = (0..6)
                .map(|d| ((i * 7 + d * 3) % 11) as f32 - 5.0)
                .collect();
            vectors.push(&v).unwrap_or_else(|e| panic!("{e}"));
        }
        let live: Vec<u32> = (0..300).collect();
        for method in [
            QuantizationMethod::Scalar { quantile: 0.99 },
            QuantizationMethod::Product {
                compression: Compression::X8,
            },
        ] {
            let config = QuantizationConfig {
                method,
                always_ram: true,
            };
            let q = train(&config, Metric::Euclid, &vectors, &live);
            assert_eq!(q.codes().slots(), 300);
            let mut code = vec![0u8; q.quantizer().code_width()];
            for slot in [0u32, 149, 299] {
                q.quantizer().encode(vectors.get(slot), &mut code);
                assert_eq!(q.codes().get(slot), code.as_slice());
            }
            assert!(q.quantizer().matches(&config));
        }
    }
}
