//! The shared dataset: base rows, queries and the exact top-100 of each query.

use std::path::Path;

#[path = "../fvecs/mod.rs"]
mod fvecs;

pub use fvecs::dataset_dir;

pub struct Dataset {
    pub base: Vec<Vec<f32>>,
    pub queries: Vec<Vec<f32>>,
    /// Per query, the ids of its exact nearest neighbours, best first.
    pub truth: Vec<Vec<u64>>,
}

type DataResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Reads an `.ivecs` file: per row a little-endian i32 count then that many i32.
fn read_ivecs(path: &Path) -> DataResult<Vec<Vec<u64>>> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let word = |at: usize| -> DataResult<i32> {
        let b = bytes.get(at..at + 4).ok_or("truncated ivecs row")?;
        Ok(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let mut rows = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let n = usize::try_from(word(at)?)?;
        at += 4;
        let mut row = Vec::with_capacity(n);
        for _ in 0..n {
            row.push(u64::try_from(word(at)?)?);
            at += 4;
        }
        rows.push(row);
    }
    Ok(rows)
}

/// Reads the dataset in `dir`; `base_limit` keeps only that many base rows.
pub fn load(dir: &Path, base_limit: Option<usize>) -> DataResult<Dataset> {
    let mut base = fvecs::read_fvecs(&dir.join("base.fvecs"))?;
    if let Some(n) = base_limit {
        base.truncate(n);
    }
    Ok(Dataset {
        base,
        queries: fvecs::read_fvecs(&dir.join("queries.fvecs"))?,
        truth: read_ivecs(&dir.join("groundtruth.ivecs"))?,
    })
}
