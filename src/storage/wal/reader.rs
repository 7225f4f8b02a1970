//! [`SegmentReader`]: one segment file read through a bounded window, a frame at a time.
//!
//! Segments are preallocated (64 MiB by default) and a log may hold many, so recovery never reads
//! one whole: the reader keeps a window of [`WINDOW`] bytes, or of one frame when a frame is
//! larger, and moves it forward as frames are consumed. Memory is bounded by the largest record,
//! not by the segment or the log.

use std::path::{Path, PathBuf};

use super::WalError;
use super::frame::{self, Decoded};
use crate::storage::{FileSystem, ReadableFile};

/// Bytes read from the file at once, unless one frame needs more.
pub const WINDOW: usize = 1 << 16;

/// A segment file opened for reading.
#[derive(Debug)]
pub struct SegmentReader {
    file: Box<dyn ReadableFile>,
    path: PathBuf,
    len: u64,
    /// Bytes `start..start + window.len()` of the file.
    window: Vec<u8>,
    start: u64,
}

impl SegmentReader {
    /// Opens the segment at `path`.
    ///
    /// # Errors
    /// The I/O error of opening it.
    pub fn open(fs: &dyn FileSystem, path: &Path) -> Result<Self, WalError> {
        let file = fs
            .open_read(path)
            .map_err(|e| WalError::io("open", path, e))?;
        Ok(Self {
            len: file.size(),
            file,
            path: path.to_path_buf(),
            window: Vec::new(),
            start: 0,
        })
    }

    /// The file's length.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The path it reads.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The bytes from `at` on, `want` of them or fewer where the file ends first (none at or
    /// past its end). Reads only when the window does not hold them already.
    ///
    /// # Errors
    /// The I/O error of the read.
    pub fn bytes(&mut self, at: u64, want: usize) -> Result<&[u8], WalError> {
        let at = at.min(self.len);
        let end = at.saturating_add(want as u64).min(self.len);
        let held_end = self.start + self.window.len() as u64;
        if at < self.start || end > held_end {
            // Read ahead a whole window (or the one large frame), never past the end.
            let n = usize::try_from(self.len - at)
                .unwrap_or(usize::MAX)
                .min(want.max(WINDOW));
            self.window.clear();
            self.window.resize(n, 0);
            self.file
                .read_exact_at(&mut self.window, at)
                .map_err(|e| WalError::io("read", &self.path, e))?;
            self.start = at;
        }
        let from = usize::try_from(at - self.start).unwrap_or(usize::MAX);
        let to = usize::try_from(end - self.start).unwrap_or(usize::MAX);
        Ok(&self.window[from..to])
    }

    /// Decodes the frame at `at` exactly as [`frame::decode`] decodes the file's bytes from `at`
    /// on, reading only the frame's own bytes.
    ///
    /// # Errors
    /// The I/O error of the read.
    pub fn frame(&mut self, at: u64) -> Result<Decoded<'_>, WalError> {
        let want =
            frame::claimed_len(self.bytes(at, frame::HEADER_LEN)?).unwrap_or(frame::HEADER_LEN);
        Ok(frame::decode(self.bytes(at, want)?))
    }

    /// The end of the last byte other than zero at or after `from` (`from` itself when there is
    /// none): how far a torn tail's bytes reach.
    ///
    /// # Errors
    /// The I/O error of a read.
    pub fn dirty_end(&mut self, from: u64) -> Result<u64, WalError> {
        let mut dirty_end = from;
        let mut at = from;
        while at < self.len {
            let chunk = self.bytes(at, WINDOW)?;
            if let Some(last) = chunk.iter().rposition(|&b| b != 0) {
                dirty_end = at + last as u64 + 1;
            }
            at += chunk.len() as u64;
        }
        Ok(dirty_end)
    }

    /// Whether a valid frame starts anywhere from `from` on.
    ///
    /// # Errors
    /// The I/O error of a read.
    pub fn valid_frame_from(&mut self, from: u64) -> Result<bool, WalError> {
        for at in from..self.len {
            if matches!(self.frame(at)?, Decoded::Record { .. }) {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
