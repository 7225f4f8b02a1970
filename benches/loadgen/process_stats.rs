//! CPU time, resident memory and open files of a process, read from `/proc` (Linux only), so a
//! run can report the server's CPU time per request next to the generator's own.

use std::time::Duration;

/// A reading of one process.
#[derive(Clone, Copy, Debug)]
pub struct Reading {
    /// User plus system CPU time so far.
    pub cpu: Duration,
    /// Resident set size in bytes.
    pub rss_bytes: u64,
    /// Open file descriptors.
    pub open_files: usize,
}

fn clock_ticks_per_second() -> u64 {
    // SAFETY: sysconf only reads a configuration value; it has no memory effects.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(ticks).ok().filter(|t| *t > 0).unwrap_or(100)
}

/// Reads `/proc/<pid>`; `None` when the process is gone or `/proc` is unreadable.
pub fn read(pid: u32) -> Option<Reading> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis are
    // plain numbers: state is field 3, utime field 14 and stime field 15.
    let after_name = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    let ticks = clock_ticks_per_second();
    let cpu = Duration::from_secs_f64((utime + stime) as f64 / ticks as f64);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss_kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let open_files = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0);
    Some(Reading {
        cpu,
        rss_bytes: rss_kib * 1024,
        open_files,
    })
}

/// CPU time this process (the generator) has used so far.
pub fn own_cpu() -> Duration {
    read(std::process::id()).map_or(Duration::ZERO, |r| r.cpu)
}
