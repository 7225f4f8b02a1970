//! Readers for the TEXMEX `.fvecs` / `.ivecs` formats: per row a little-endian `i32` dimension,
//! then that many little-endian `f32` (fvecs) or `i32` (ivecs) values.

use std::path::{Path, PathBuf};

use zerocopy::little_endian::{F32, I32};
use zerocopy::{FromBytes, Immutable, Unaligned};

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

/// Each row's values, as little-endian 4-byte words (`F32` or `I32`), checked and cast in place.
fn rows<T>(path: &Path) -> Result<Vec<Vec<T>>, VecsError>
where
    T: FromBytes + Immutable + Unaligned + Copy,
{
    let bytes = std::fs::read(path).map_err(|source| VecsError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let bad = |reason: String| VecsError::Format {
        path: path.to_path_buf(),
        reason,
    };
    let mut out: Vec<Vec<T>> = Vec::new();
    let mut rest = bytes.as_slice();
    while !rest.is_empty() {
        let at = bytes.len() - rest.len();
        let (dim, body) = I32::read_from_prefix(rest)
            .map_err(|_| bad(format!("truncated row header at byte {at}")))?;
        let dim = usize::try_from(dim.get())
            .map_err(|_| bad(format!("negative dimension at byte {at}")))?;
        if dim == 0 || dim > 1 << 20 {
            return Err(bad(format!("implausible dimension {dim} at byte {at}")));
        }
        let (row, tail) = <[T]>::ref_from_prefix_with_elems(body, dim)
            .map_err(|_| bad(format!("truncated row at byte {}", at + 4)))?;
        out.push(row.to_vec());
        rest = tail;
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
    Ok(rows::<F32>(path)?
        .into_iter()
        .map(|r| r.into_iter().map(F32::get).collect())
        .collect())
}

/// Reads an `.ivecs` file.
///
/// # Errors
/// [`VecsError`] for unreadable or malformed files.
pub fn read_ivecs(path: &Path) -> Result<Vec<Vec<i32>>, VecsError> {
    Ok(rows::<I32>(path)?
        .into_iter()
        .map(|r| r.into_iter().map(I32::get).collect())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::{VecsError, read_fvecs, read_ivecs};

    fn file(bytes: &[u8]) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(f.path(), bytes).unwrap_or_else(|e| panic!("{e}"));
        f
    }

    fn row(values: &[[u8; 4]]) -> Vec<u8> {
        let mut out = i32::try_from(values.len())
            .unwrap_or(i32::MAX)
            .to_le_bytes()
            .to_vec();
        values.iter().for_each(|v| out.extend_from_slice(v));
        out
    }

    #[test]
    fn reads_little_endian_rows_and_rejects_malformed_files() {
        let floats = [1.5f32.to_le_bytes(), (-2.0f32).to_le_bytes()];
        let f = file(&[row(&floats), row(&floats)].concat());
        let read = read_fvecs(f.path()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read, vec![vec![1.5, -2.0], vec![1.5, -2.0]]);
        let ints = file(&row(&[7i32.to_le_bytes(), (-1i32).to_le_bytes()]));
        let read = read_ivecs(ints.path()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read, vec![vec![7, -1]]);

        let whole = row(&floats);
        let malformed = [
            whole[..whole.len() - 1].to_vec(),
            whole[..2].to_vec(),
            (-1i32).to_le_bytes().to_vec(),
            [whole.clone(), row(&floats[..1])].concat(),
        ];
        for bytes in malformed {
            let f = file(&bytes);
            assert!(
                matches!(read_fvecs(f.path()), Err(VecsError::Format { .. })),
                "{bytes:?} accepted"
            );
        }
    }
}
