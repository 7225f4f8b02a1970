//! Where the server's log lines go: standard error, through a writer that can never fail.
//!
//! `tracing-subscriber` reports a failed write with `eprintln!`, which panics when standard error
//! itself is the thing failing (a full disk, `/dev/full`, a closed pipe). Logging must never take
//! the server down, so this writer swallows write errors; the lines are lost, the server runs on.

use std::io::{self, Write};

/// Standard error, with write errors dropped instead of reported.
#[derive(Debug, Clone, Copy, Default)]
pub struct LossyStderr;

impl Write for LossyStderr {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // A line that cannot be written is dropped whole: reporting success for all of it keeps
        // the caller from retrying (and from reporting the failure on the same stream).
        let _ = io::stderr().lock().write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let _ = io::stderr().lock().flush();
        Ok(())
    }
}
