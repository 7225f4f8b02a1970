//! [`JsonlSource`]: `{"id", "vector", "payload"}` per line (blank lines are skipped), the format
//! `plait export` writes.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use super::error::TransferError;
use super::record::Record;
use super::source::{Batch, Source};

/// Reads records from a JSONL file, checking that every vector has the first one's dimension.
pub struct JsonlSource {
    path: PathBuf,
    reader: BufReader<File>,
    line_no: u64,
    total: u64,
    /// The dimension and the line of the first record.
    first: Option<(usize, u64)>,
    buf: String,
}

impl JsonlSource {
    /// Opens `path` and counts its records (one pass over the bytes, for progress totals).
    pub fn open(path: &Path) -> Result<Self, TransferError> {
        let io = |source| TransferError::Io {
            path: path.to_path_buf(),
            source,
        };
        let total = count_nonblank_lines(path).map_err(io)?;
        let reader = BufReader::new(File::open(path).map_err(io)?);
        Ok(Self {
            path: path.to_path_buf(),
            reader,
            line_no: 0,
            total,
            first: None,
            buf: String::new(),
        })
    }

    fn bad(&self, reason: String) -> TransferError {
        TransferError::BadLine {
            path: self.path.clone(),
            line: self.line_no,
            reason,
        }
    }
}

/// Lines holding something besides whitespace.
pub fn count_nonblank_lines(path: &Path) -> std::io::Result<u64> {
    let mut reader = BufReader::with_capacity(1 << 20, File::open(path)?);
    let mut count = 0;
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(count);
        }
        if !line.iter().all(u8::is_ascii_whitespace) {
            count += 1;
        }
    }
}

impl Source for JsonlSource {
    fn total(&self) -> Option<u64> {
        Some(self.total)
    }

    fn next_batch(&mut self, max: usize) -> Result<Option<Batch>, TransferError> {
        let mut records = Vec::with_capacity(max);
        let mut first_line = None;
        while records.len() < max {
            self.buf.clear();
            let read = match self.reader.read_line(&mut self.buf) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                    self.line_no += 1;
                    return Err(self.bad("the line is not valid UTF-8".to_owned()));
                }
                Err(source) => {
                    return Err(TransferError::Io {
                        path: self.path.clone(),
                        source,
                    });
                }
            };
            if read == 0 {
                break;
            }
            self.line_no += 1;
            if self.buf.trim().is_empty() {
                continue;
            }
            let record = Record::from_line(&self.buf).map_err(|reason| self.bad(reason))?;
            let dim = record.vector.0.len();
            match self.first {
                None => self.first = Some((dim, self.line_no)),
                Some((want, line)) if want != dim => {
                    return Err(self.bad(format!(
                        "the vector has {dim} components, but the one on line {line} has {want}"
                    )));
                }
                Some(_) => {}
            }
            first_line.get_or_insert(self.line_no);
            records.push(record);
        }
        Ok(first_line.map(|first| Batch {
            records,
            origin: format!("lines {first}-{} of {}", self.line_no, self.path.display()),
            resume_after: None,
        }))
    }
}
