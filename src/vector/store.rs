//! [`DenseVectors`]: fixed-dimension vectors in one contiguous buffer, addressed by slot.

/// Vectors of one dimension stored back to back; slot `s` occupies `data[s*dim..(s+1)*dim]`.
#[derive(Debug, Clone)]
pub struct DenseVectors {
    dim: usize,
    data: Vec<f32>,
}

impl DenseVectors {
    /// An empty arena for vectors of `dim` components.
    #[must_use]
    pub fn new(dim: usize) -> Self {
        Self {
            dim,
            data: Vec::new(),
        }
    }

    /// The dimension.
    #[must_use]
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of slots (live or not).
    #[must_use]
    pub fn slots(&self) -> usize {
        self.data.len().checked_div(self.dim).unwrap_or(0)
    }

    /// The vector in `slot`.
    #[must_use]
    pub fn get(&self, slot: u32) -> &[f32] {
        let at = slot as usize * self.dim;
        &self.data[at..at + self.dim]
    }

    /// Overwrites `slot` (which must exist) with `v` (which must have `dim` components).
    pub fn set(&mut self, slot: u32, v: &[f32]) {
        let at = slot as usize * self.dim;
        self.data[at..at + self.dim].copy_from_slice(v);
    }

    /// Appends a vector in a new slot and returns the slot.
    pub fn push(&mut self, v: &[f32]) -> u32 {
        let slot = self.slots();
        self.data.extend_from_slice(v);
        u32::try_from(slot).unwrap_or(u32::MAX)
    }

    /// Bytes held by the vectors.
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        self.data.capacity() * std::mem::size_of::<f32>()
    }
}
