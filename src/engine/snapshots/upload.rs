//! [`UploadFile`]: an uploaded snapshot being received into a staging directory.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::engine::{Engine, EngineError};

/// An uploaded snapshot being written, chunk by chunk, into its own staging directory (removed
/// with [`Engine::discard_upload`] once the recovery is done, whatever its outcome).
#[derive(Debug)]
pub struct UploadFile {
    path: PathBuf,
    out: BufWriter<File>,
}

impl UploadFile {
    /// Creates the file in a new staging directory of `engine`.
    ///
    /// # Errors
    /// I/O errors.
    pub fn create(engine: &Engine) -> Result<Self, EngineError> {
        let path = engine.upload_path()?;
        let file = File::create(&path).map_err(|e| EngineError::io("create", &path, e))?;
        Ok(Self {
            path,
            out: BufWriter::with_capacity(1 << 20, file),
        })
    }

    /// Where the upload is written.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends a chunk.
    ///
    /// # Errors
    /// I/O errors.
    pub fn write(&mut self, chunk: &[u8]) -> Result<(), EngineError> {
        self.out
            .write_all(chunk)
            .map_err(|e| EngineError::io("write", &self.path, e))
    }

    /// Flushes the file; it is then read back by the recovery.
    ///
    /// # Errors
    /// I/O errors.
    pub fn finish(mut self) -> Result<(), EngineError> {
        self.out
            .flush()
            .map_err(|e| EngineError::io("write", &self.path, e))
    }
}
