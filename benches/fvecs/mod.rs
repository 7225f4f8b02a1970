//! Reading the shared fvecs datasets; included by the benchmark programs with `#[path]`.

use std::path::{Path, PathBuf};

/// The dataset directory: `$PLAIT_DATASET`, or `../shared/data/wordnet-minilm-384`.
pub fn dataset_dir() -> PathBuf {
    std::env::var_os("PLAIT_DATASET").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/wordnet-minilm-384"),
        PathBuf::from,
    )
}

/// Reads an `.fvecs` file: per row a little-endian i32 dimension then that many f32.
pub fn read_fvecs(path: &Path) -> Result<Vec<Vec<f32>>, Box<dyn std::error::Error>> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut rows = Vec::new();
    let mut at = 0;
    while at + 4 <= bytes.len() {
        let dim =
            i32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize;
        at += 4;
        let end = at + dim * 4;
        let row = bytes.get(at..end).ok_or("truncated fvecs row")?;
        rows.push(
            row.chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        );
        at = end;
    }
    Ok(rows)
}
