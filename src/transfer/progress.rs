//! [`Progress`]: how far a transfer has come. On a terminal, an `indicatif` bar with rate and
//! ETA; otherwise (a log, a pipe, CI) a plain line on stderr every `every`, so logs stay
//! readable; and a one-line summary on stdout at the end.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// Reports the progress of one import or export.
pub struct Progress {
    verb: &'static str,
    total: Option<u64>,
    done: u64,
    started: Instant,
    last_line: Instant,
    every: Duration,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Starts the clock. `verb` is `imported` or `exported`; `total` the points expected.
    pub fn start(verb: &'static str, total: Option<u64>, every: Duration) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = total.map_or_else(ProgressBar::new_spinner, ProgressBar::new);
            let template = if total.is_some() {
                "{bar:40.cyan/blue} {human_pos}/{human_len} points {per_sec} ETA {eta} {msg}"
            } else {
                "{spinner} {human_pos} points {per_sec} {msg}"
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
            // Drawn at once, not only after the first batch.
            bar.tick();
            bar
        });
        let now = Instant::now();
        Self {
            verb,
            total,
            done: 0,
            started: now,
            last_line: now,
            every,
            bar,
        }
    }

    /// Counts `n` more points; `note` (such as the offset to resume from) is shown with them.
    pub fn advance(&mut self, n: u64, note: Option<&str>) {
        self.done += n;
        if let Some(bar) = &self.bar {
            bar.inc(n);
            if let Some(note) = note {
                bar.set_message(note.to_owned());
            }
            return;
        }
        if self.last_line.elapsed() < self.every {
            return;
        }
        self.last_line = Instant::now();
        let total = self.total.map_or(String::new(), |t| format!("/{t}"));
        let note = note.map_or(String::new(), |n| format!("; {n}"));
        // A closed stderr must not stop the transfer.
        let _ = writeln!(
            std::io::stderr(),
            "{} {}{total} points ({:.0} points/s){note}",
            self.verb,
            self.done,
            self.rate()
        );
    }

    fn rate(&self) -> f64 {
        let secs = self.started.elapsed().as_secs_f64();
        if secs > 0.0 {
            self.done as f64 / secs
        } else {
            0.0
        }
    }

    /// Clears the bar and prints the summary: points, seconds, points per second, and `note`.
    pub fn finish(self, note: Option<&str>) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        let note = note.map_or(String::new(), |n| format!("; {n}"));
        let _ = writeln!(
            std::io::stdout(),
            "{} {} points in {:.2} s ({:.0} points/s){note}",
            self.verb,
            self.done,
            self.started.elapsed().as_secs_f64(),
            self.rate()
        );
    }
}
