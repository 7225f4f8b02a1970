//! [`FvecsSource`]: vectors from an `.fvecs` file (per row a little-endian `i32` dimension, then
//! that many little-endian `f32`), with payloads from a JSONL file whose line *n* belongs to row
//! *n*. A payload line's `"id"`, when present, becomes the point's id (and leaves the payload);
//! otherwise row *n* gets id *n*.
//!
//! The file is streamed row by row rather than read whole as `bench::fvecs` does, so an import
//! holds one batch in memory whatever the file's size.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use plait::api::wire::point_id::WirePointId;
use plait::engine::point::PointId;
use serde_json::{Map, Value};

use super::error::TransferError;
use super::record::{Record, Vector};
use super::source::{Batch, Source};

/// The largest row dimension accepted (the server's own bound is lower).
const MAX_DIMENSION: usize = 1 << 20;

/// Reads points from an fvecs file and an optional payload JSONL.
pub struct FvecsSource {
    path: PathBuf,
    reader: BufReader<File>,
    dimension: usize,
    rows: u64,
    row: u64,
    payloads: Option<Payloads>,
}

struct Payloads {
    path: PathBuf,
    reader: BufReader<File>,
    buf: String,
}

impl FvecsSource {
    /// Opens both files and checks, before anything is imported, that the vectors file is whole
    /// rows of one dimension's size and that the payload file has one line per row.
    pub fn open(path: &Path, payloads: Option<&Path>) -> Result<Self, TransferError> {
        let io = |p: &Path| {
            let p = p.to_path_buf();
            move |source| TransferError::Io { path: p, source }
        };
        let bad = |reason: String| TransferError::BadVectors {
            path: path.to_path_buf(),
            reason,
        };
        let file = File::open(path).map_err(io(path))?;
        let len = file.metadata().map_err(io(path))?.len();
        let mut reader = BufReader::with_capacity(1 << 20, file);
        let dimension = if len == 0 {
            0
        } else {
            let mut head = [0u8; 4];
            reader.read_exact(&mut head).map_err(io(path))?;
            let dim = i32::from_le_bytes(head);
            usize::try_from(dim)
                .ok()
                .filter(|d| (1..=MAX_DIMENSION).contains(d))
                .ok_or_else(|| bad(format!("implausible dimension {dim} in the first row")))?
        };
        let rows = if dimension == 0 {
            0
        } else {
            let row_bytes = 4 + 4 * dimension as u64;
            if len % row_bytes != 0 {
                return Err(bad(format!(
                    "{len} bytes is not a whole number of rows of dimension {dimension} \
                     ({row_bytes} bytes each)"
                )));
            }
            len / row_bytes
        };
        let payloads = match payloads {
            None => None,
            Some(p) => {
                let lines = count_lines(p).map_err(io(p))?;
                if lines != rows {
                    return Err(TransferError::BadVectors {
                        path: path.to_path_buf(),
                        reason: format!(
                            "it holds {rows} rows but the payload file {} has {lines} lines; \
                             each row needs its line",
                            p.display()
                        ),
                    });
                }
                Some(Payloads {
                    path: p.to_path_buf(),
                    reader: BufReader::new(File::open(p).map_err(io(p))?),
                    buf: String::new(),
                })
            }
        };
        Ok(Self {
            path: path.to_path_buf(),
            reader,
            dimension,
            rows,
            row: 0,
            payloads,
        })
    }

    /// Row `self.row`'s vector; the first row's header was read by `open`.
    fn read_vector(&mut self) -> Result<Vec<f32>, TransferError> {
        let io = |source| TransferError::Io {
            path: self.path.clone(),
            source,
        };
        if self.row > 0 {
            let mut head = [0u8; 4];
            self.reader.read_exact(&mut head).map_err(io)?;
            let dim = i32::from_le_bytes(head);
            if usize::try_from(dim).ok() != Some(self.dimension) {
                return Err(self.bad_row(format!(
                    "dimension {dim}, but the first row has {}",
                    self.dimension
                )));
            }
        }
        let mut bytes = vec![0u8; 4 * self.dimension];
        self.reader.read_exact(&mut bytes).map_err(io)?;
        let vector: Vec<f32> = bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        if let Some(i) = vector.iter().position(|x| !x.is_finite()) {
            return Err(self.bad_row(format!("component {i} is {}", vector[i])));
        }
        Ok(vector)
    }

    fn bad_row(&self, reason: String) -> TransferError {
        TransferError::BadVectors {
            path: self.path.clone(),
            reason: format!("row {} (0-based): {reason}", self.row),
        }
    }
}

impl Payloads {
    /// The payload of row `row` (line `row + 1`) and the id it names, if any.
    fn next(
        &mut self,
        row: u64,
    ) -> Result<(Option<WirePointId>, Map<String, Value>), TransferError> {
        let line = row + 1;
        let bad = |reason: String| TransferError::BadLine {
            path: self.path.clone(),
            line,
            reason,
        };
        self.buf.clear();
        match self.reader.read_line(&mut self.buf) {
            Ok(0) => return Err(bad("the file ends before this line".to_owned())),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                return Err(bad("the line is not valid UTF-8".to_owned()));
            }
            Err(source) => {
                return Err(TransferError::Io {
                    path: self.path.clone(),
                    source,
                });
            }
        }
        let mut payload: Map<String, Value> =
            serde_json::from_str(&self.buf).map_err(|e| bad(format!("not a JSON object: {e}")))?;
        let id = match payload.remove("id") {
            None => None,
            Some(Value::Number(n)) if n.as_u64().is_some() => {
                n.as_u64().map(|n| WirePointId(PointId::Num(n)))
            }
            Some(Value::String(s)) => match s.parse::<PointId>() {
                Ok(id @ PointId::Uuid(_)) => Some(WirePointId(id)),
                _ => return Err(bad(format!("\"id\" {s:?} is not a UUID"))),
            },
            Some(other) => {
                return Err(bad(format!(
                    "\"id\" {other} is neither an unsigned integer nor a UUID"
                )));
            }
        };
        Ok((id, payload))
    }
}

/// Lines, counting a last line without a newline.
fn count_lines(path: &Path) -> std::io::Result<u64> {
    let mut reader = BufReader::with_capacity(1 << 20, File::open(path)?);
    let mut count = 0;
    let mut last = b'\n';
    loop {
        let chunk = reader.fill_buf()?;
        let Some(&end) = chunk.last() else {
            return Ok(count + u64::from(last != b'\n'));
        };
        count += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
        last = end;
        let n = chunk.len();
        reader.consume(n);
    }
}

impl Source for FvecsSource {
    fn total(&self) -> Option<u64> {
        Some(self.rows)
    }

    fn next_batch(&mut self, max: usize) -> Result<Option<Batch>, TransferError> {
        let first = self.row;
        let mut records = Vec::with_capacity(max);
        while records.len() < max && self.row < self.rows {
            let vector = self.read_vector()?;
            let (id, payload) = match &mut self.payloads {
                None => (None, None),
                Some(p) => {
                    let (id, payload) = p.next(self.row)?;
                    (id, Some(payload))
                }
            };
            records.push(Record {
                id: id.unwrap_or(WirePointId(PointId::Num(self.row))),
                vector: Vector(vector),
                payload,
            });
            self.row += 1;
        }
        if records.is_empty() {
            return Ok(None);
        }
        let payload_note = self.payloads.as_ref().map_or(String::new(), |p| {
            format!(
                " and lines {}-{} of {}",
                first + 1,
                self.row,
                p.path.display()
            )
        });
        Ok(Some(Batch {
            records,
            origin: format!(
                "rows {first}-{} of {}{payload_note}",
                self.row - 1,
                self.path.display()
            ),
            resume_after: None,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_last_line_without_a_newline_counts() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("p.jsonl");
        for (text, lines) in [("", 0), ("{}", 1), ("{}\n", 1), ("{}\n{}", 2), ("\n\n", 2)] {
            std::fs::write(&path, text)?;
            assert_eq!(count_lines(&path)?, lines, "{text:?}");
        }
        Ok(())
    }
}
