//! Readers for the TEXMEX `.fvecs` / `.ivecs` formats: per row a little-endian `i32` dimension,
//! then that many little-endian `f32` (fvecs) or `i32` (ivecs) values.

use std::path::{Path, PathBuf};

/// Why a vectors file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum VecsError {
    /// I/O failure.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// Not a well-formed file.
    #[error("{path} is not a valid vecs file: {reason}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

fn rows(path: &Path) -> Result<Vec<Vec<[u8; 4]>>, VecsError> {
    let bytes = std::fs::read(path).map_err(|source| VecsError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let bad = |reason: String| VecsError::Format {
        path: path.to_path_buf(),
        reason,
    };
    let mut out: Vec<Vec<[u8; 4]>> = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let head = bytes
            .get(at..at + 4)
            .ok_or_else(|| bad(format!("truncated row header at byte {at}")))?;
        let dim = i32::from_le_bytes([head[0], head[1], head[2], head[3]]);
        let dim =
            usize::try_from(dim).map_err(|_| bad(format!("negative dimension at byte {at}")))?;
        if dim == 0 || dim > 1 << 20 {
            return Err(bad(format!("implausible dimension {dim} at byte {at}")));
        }
        at += 4;
        let body = bytes
            .get(at..at + dim * 4)
            .ok_or_else(|| bad(format!("truncated row at byte {at}")))?;
        out.push(
            body.chunks_exact(4)
                .map(|c| [c[0], c[1], c[2], c[3]])
                .collect(),
        );
        at += dim * 4;
    }
    if let (Some(first), true) = (out.first(), out.iter().any(|r| r.len() != out[0].len())) {
        return Err(bad(format!(
            "rows of different dimensions (first has {})",
            first.len()
        )));
    }
    Ok(out)
}

/// Reads an `.fvecs` file.
///
/// # Errors
/// [`VecsError`] for unreadable or malformed files.
pub fn read_fvecs(path: &Path) -> Result<Vec<Vec<f32>>, VecsError> {
    Ok(rows(path)?
        .into_iter()
        .map(|r| r.into_iter().map(f32::from_le_bytes).collect())
        .collect())
}

/// Reads an `.ivecs` file.
///
/// # Errors
/// [`VecsError`] for unreadable or malformed files.
pub fn read_ivecs(path: &Path) -> Result<Vec<Vec<i32>>, VecsError> {
    Ok(rows(path)?
        .into_iter()
        .map(|r| r.into_iter().map(i32::from_le_bytes).collect())
        .collect())
}
