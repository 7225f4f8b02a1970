//! [`DenseVectors`]: fixed-dimension vectors in one contiguous memory map, addressed by slot.
//!
//! A collection's vectors live in a file-backed map ([`DenseVectors::in_file`]), so the page cache
//! holds them and a collection larger than RAM still works; benchmarks, tests and scratch sets
//! use anonymous memory ([`DenseVectors::new`]). Owns the layout only: what a slot means is the
//! caller's business.

use std::io;
use std::path::Path;

use super::mapped_floats::MappedFloats;

/// Vectors of one dimension stored back to back; slot `s` occupies floats `s*dim..(s+1)*dim`.
#[derive(Debug)]
pub struct DenseVectors {
    dim: usize,
    data: MappedFloats,
}

impl DenseVectors {
    /// An empty arena for vectors of `dim` components, in anonymous memory.
    #[must_use]
    pub fn new(dim: usize) -> Self {
        Self {
            dim,
            data: MappedFloats::anonymous(),
        }
    }

    /// An empty arena backed by the working file `path` (created or truncated).
    ///
    /// # Errors
    /// The I/O error from creating the file.
    pub fn in_file(path: &Path, dim: usize) -> io::Result<Self> {
        Ok(Self {
            dim,
            data: MappedFloats::create(path)?,
        })
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
    #[inline]
    pub fn get(&self, slot: u32) -> &[f32] {
        let at = slot as usize * self.dim;
        &self.data.as_slice()[at..at + self.dim]
    }

    /// Overwrites `slot` (which must exist) with `v` (which must have `dim` components).
    pub fn set(&mut self, slot: u32, v: &[f32]) {
        let at = slot as usize * self.dim;
        self.data.as_mut_slice()[at..at + self.dim].copy_from_slice(v);
    }

    /// Makes room for `additional` more slots, so that many pushes cannot fail.
    ///
    /// # Errors
    /// The I/O error from growing the map (`ENOSPC` when the disk is full).
    pub fn reserve(&mut self, additional: usize) -> io::Result<()> {
        self.data
            .reserve(additional.saturating_mul(self.dim.max(1)))
    }

    /// Appends a vector in a new slot and returns the slot.
    ///
    /// # Errors
    /// As [`DenseVectors::reserve`].
    pub fn push(&mut self, v: &[f32]) -> io::Result<u32> {
        let slot = self.slots();
        self.data.extend_from_slice(v)?;
        Ok(u32::try_from(slot).unwrap_or(u32::MAX))
    }

    /// Bytes of the vectors in use (slots × dimension × 4).
    #[must_use]
    pub fn bytes(&self) -> usize {
        self.data.len() * std::mem::size_of::<f32>()
    }

    /// Bytes mapped for the vectors.
    #[must_use]
    pub fn mapped_bytes(&self) -> usize {
        self.data.mapped_bytes()
    }

    /// Bytes of the vectors in memory now (page cache for a file-backed map, from `mincore`).
    #[must_use]
    pub fn resident_bytes(&self) -> usize {
        self.data.resident_bytes()
    }

    /// Lets the kernel drop file-backed vector pages from this process's memory (they are read
    /// back on demand); a no-op for anonymous memory.
    pub fn release_resident(&self) {
        self.data.release_resident();
    }
}
