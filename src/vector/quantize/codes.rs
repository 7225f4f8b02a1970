//! [`Codes`]: fixed-width byte codes in one contiguous buffer, addressed by slot.
//!
//! The compressed counterpart of [`crate::vector::DenseVectors`]: slot `s` occupies
//! `data[s*width..(s+1)*width]`. It only stores bytes; what they mean belongs to the quantizer.

/// Codes of one width stored back to back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Codes {
    width: usize,
    data: Vec<u8>,
}

impl Codes {
    /// An empty store for codes of `width` bytes.
    #[must_use]
    pub fn new(width: usize) -> Self {
        Self {
            width,
            data: Vec::new(),
        }
    }

    /// Codes read back from `data` (whose length must be a multiple of `width`).
    #[must_use]
    pub fn from_raw(width: usize, data: Vec<u8>) -> Option<Self> {
        (width > 0 && data.len().is_multiple_of(width)).then_some(Self { width, data })
    }

    /// Bytes per code.
    #[must_use]
    pub fn width(&self) -> usize {
        self.width
    }

    /// Number of slots.
    #[must_use]
    pub fn slots(&self) -> usize {
        self.data.len().checked_div(self.width).unwrap_or(0)
    }

    /// The code of `slot`.
    #[inline]
    #[must_use]
    pub fn get(&self, slot: u32) -> &[u8] {
        let at = slot as usize * self.width;
        &self.data[at..at + self.width]
    }

    /// Starts loading the first cache line of `slot`'s code.
    #[inline]
    pub fn prefetch_start(&self, slot: u32) {
        crate::vector::distance::prefetch(self.get(slot).as_ptr());
    }

    /// Starts loading the rest of `slot`'s code, one 64-byte line at a time.
    #[inline]
    pub fn prefetch_rest(&self, slot: u32) {
        crate::vector::distance::prefetch_rest(self.get(slot));
    }

    /// Writes the code of `slot`, growing the store by zero codes when `slot` is past the end
    /// (slots are written in order by the point store, so the gap is at most the new slot).
    pub fn set(&mut self, slot: u32, code: &[u8]) {
        let at = slot as usize * self.width;
        if self.data.len() < at + self.width {
            self.data.resize(at + self.width, 0);
        }
        self.data[at..at + self.width].copy_from_slice(&code[..self.width]);
    }

    /// Every code, back to back (for persistence).
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }

    /// Bytes held by the codes.
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        self.data.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::Codes;

    #[test]
    fn set_grows_and_get_reads_back() {
        let mut c = Codes::new(3);
        c.set(1, &[4, 5, 6]);
        assert_eq!(c.slots(), 2);
        assert_eq!(c.get(0), &[0, 0, 0]);
        assert_eq!(c.get(1), &[4, 5, 6]);
        c.set(0, &[1, 2, 3]);
        assert_eq!(c.as_bytes(), &[1, 2, 3, 4, 5, 6]);
        assert!(Codes::from_raw(3, vec![0; 4]).is_none());
    }
}
