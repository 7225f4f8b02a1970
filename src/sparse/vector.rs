//! [`SparseVector`]: a checked sparse vector (dimension indices ascending, one finite weight
//! each), and the bounds every front end enforces on one.

/// Most non-zero entries one sparse vector may carry: far above what learned sparse models emit
/// (SPLADE keeps a few hundred), and it bounds the postings one write touches and the terms one
/// query walks.
pub const MAX_NON_ZEROS: usize = 65_536;

/// Largest dimension index accepted. `u32::MAX` itself is kept out so that `index + 1` never
/// overflows and no sentinel is needed.
pub const MAX_INDEX: u32 = u32::MAX - 1;

/// Why a sparse vector was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SparseError {
    /// `indices` and `values` differ in length.
    #[error("sparse vector has {indices} indices but {values} values; they must pair up")]
    LengthMismatch {
        /// Number of indices sent.
        indices: usize,
        /// Number of values sent.
        values: usize,
    },
    /// More entries than [`MAX_NON_ZEROS`].
    #[error("sparse vector has {got} entries; at most {max} are allowed")]
    TooManyEntries {
        /// Entries sent.
        got: usize,
        /// The bound.
        max: usize,
    },
    /// A value is NaN or infinite.
    #[error("sparse vector value for index {index} is {value}; values must be finite")]
    NonFinite {
        /// The dimension whose value is bad.
        index: u32,
        /// The value.
        value: f32,
    },
    /// The same index appears twice. Refused rather than summed or overwritten: either choice
    /// would silently store something other than what the client sent.
    #[error("sparse vector index {index} appears more than once; each index may appear once")]
    DuplicateIndex {
        /// The repeated dimension.
        index: u32,
    },
    /// An index above [`MAX_INDEX`].
    #[error("sparse vector index {index} is out of range; indices go up to {max}")]
    IndexOutOfRange {
        /// The index sent.
        index: u32,
        /// The bound.
        max: u32,
    },
}

/// A sparse vector: ascending, distinct dimension indices, each with a finite weight. Only
/// [`SparseVector::new`] makes one, so every holder can rely on those properties.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseVector {
    indices: Vec<u32>,
    values: Vec<f32>,
}

impl SparseVector {
    /// Checks `indices` and `values` (pairs in any order are accepted and sorted by index).
    ///
    /// # Errors
    /// [`SparseError`] naming the first problem found.
    pub fn new(indices: Vec<u32>, values: Vec<f32>) -> Result<Self, SparseError> {
        if indices.len() != values.len() {
            return Err(SparseError::LengthMismatch {
                indices: indices.len(),
                values: values.len(),
            });
        }
        if indices.len() > MAX_NON_ZEROS {
            return Err(SparseError::TooManyEntries {
                got: indices.len(),
                max: MAX_NON_ZEROS,
            });
        }
        for (&index, &value) in indices.iter().zip(&values) {
            if index > MAX_INDEX {
                return Err(SparseError::IndexOutOfRange {
                    index,
                    max: MAX_INDEX,
                });
            }
            if !value.is_finite() {
                return Err(SparseError::NonFinite { index, value });
            }
        }
        let (indices, values) = if indices.is_sorted_by(|a, b| a < b) {
            (indices, values)
        } else {
            let mut pairs: Vec<(u32, f32)> = indices.into_iter().zip(values).collect();
            pairs.sort_unstable_by_key(|p| p.0);
            if let Some(w) = pairs.windows(2).find(|w| w[0].0 == w[1].0) {
                return Err(SparseError::DuplicateIndex { index: w[0].0 });
            }
            pairs.into_iter().unzip()
        };
        Ok(Self { indices, values })
    }

    /// The dimension indices, ascending.
    #[must_use]
    pub fn indices(&self) -> &[u32] {
        &self.indices
    }

    /// The weights, paired with [`SparseVector::indices`].
    #[must_use]
    pub fn values(&self) -> &[f32] {
        &self.values
    }

    /// Number of entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.indices.len()
    }

    /// Whether the vector has no entry.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    /// `(index, value)` pairs, ascending by index.
    pub fn iter(&self) -> impl Iterator<Item = (u32, f32)> + '_ {
        self.indices
            .iter()
            .copied()
            .zip(self.values.iter().copied())
    }

    /// Dot product with `other` (a merge over the two index lists).
    #[must_use]
    pub fn dot(&self, other: &Self) -> f64 {
        let (mut i, mut j, mut sum) = (0, 0, 0.0f64);
        while i < self.indices.len() && j < other.indices.len() {
            match self.indices[i].cmp(&other.indices[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    sum += f64::from(self.values[i]) * f64::from(other.values[j]);
                    i += 1;
                    j += 1;
                }
            }
        }
        sum
    }

    /// Approximate heap bytes held.
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        self.indices.capacity() * 4 + self.values.capacity() * 4
    }
}
