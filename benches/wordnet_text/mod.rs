//! The glosses of the shared wordnet set, for the text and sparse benches (included with
//! `#[path]`): `texts.jsonl` (the base, row `n` is id `n`) and `queries.jsonl` (1,000 glosses
//! that are not in the base); and the benches' settings and round statistics.

use std::error::Error;
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// The dataset directory: `$PLAIT_DATASET`, or `../shared/data/wordnet-minilm-384`.
pub fn dataset_dir() -> PathBuf {
    std::env::var_os("PLAIT_DATASET").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/wordnet-minilm-384"),
        PathBuf::from,
    )
}

#[derive(serde::Deserialize)]
struct Row {
    id: usize,
    text: String,
}

/// The `text` of every line of `path`, checking that line `n` has id `n`.
pub fn read_texts(path: &Path) -> Result<Vec<String>, Box<dyn Error>> {
    let file = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut out = Vec::new();
    for line in file.lines() {
        let row: Row = serde_json::from_str(&line?)?;
        if row.id != out.len() {
            return Err(format!("{}: id {} on line {}", path.display(), row.id, out.len()).into());
        }
        out.push(row.text);
    }
    Ok(out)
}

/// How many queries to run: `$TEXT_BENCH_QUERIES` or all 1,000.
pub fn query_count(available: usize) -> usize {
    std::env::var("TEXT_BENCH_QUERIES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(available)
        .min(available)
}

/// Timed rounds: `$TEXT_BENCH_ROUNDS` or 5.
pub fn rounds() -> usize {
    std::env::var("TEXT_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5)
}

/// Median, min and max of `values`.
pub fn spread(values: &[f64]) -> (f64, f64, f64) {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let median = if v.is_empty() {
        f64::NAN
    } else {
        v[v.len() / 2]
    };
    (
        median,
        v.first().copied().unwrap_or(f64::NAN),
        v.last().copied().unwrap_or(f64::NAN),
    )
}
