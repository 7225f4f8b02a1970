//! The advisory lock that keeps a second process off a data directory.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::Path;

use super::EngineError;

/// Holds the exclusive lock on `<data_dir>/LOCK` for as long as it lives.
#[derive(Debug)]
pub struct DirLock {
    _file: File,
}

impl DirLock {
    /// Takes the lock, or fails at once if another process holds it.
    ///
    /// # Errors
    /// [`EngineError::DirLocked`] when held elsewhere; I/O errors.
    pub fn acquire(dir: &Path) -> Result<Self, EngineError> {
        let path = dir.join("LOCK");
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| EngineError::io("open", &path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(EngineError::DirLocked {
                    path: dir.to_path_buf(),
                });
            }
            Err(TryLockError::Error(e)) => return Err(EngineError::io("lock", &path, e)),
        }
        // The pid is informational only; the lock is what excludes.
        file.set_len(0)
            .map_err(|e| EngineError::io("truncate", &path, e))?;
        writeln!(file, "{}", std::process::id()).map_err(|e| EngineError::io("write", &path, e))?;
        Ok(Self { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_on_the_same_directory_fails_clearly() -> Result<(), EngineError> {
        let dir = tempfile::tempdir().map_err(|e| EngineError::io("tempdir", "/tmp", e))?;
        let first = DirLock::acquire(dir.path())?;
        assert!(matches!(
            DirLock::acquire(dir.path()),
            Err(EngineError::DirLocked { .. })
        ));
        drop(first);
        DirLock::acquire(dir.path())?;
        Ok(())
    }
}
