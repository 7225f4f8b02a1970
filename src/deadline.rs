//! A time limit for the query work running on this thread: [`within`] sets it for a closure, and
//! the long loops under it (payload evaluation over a domain, aggregation over payloads, the HNSW
//! walk, exact scans) call [`stop_at`] and stop early once it has gone by. The closure's
//! result is then incomplete, so [`within`] reports [`Expired`] instead of returning it: the work
//! really stops, and nobody sees a partial answer.
//!
//! A leaf: it imports nothing from Plait, so the vector layer can read it as the query layer does.
//! Without [`within`] (REST searches, which end with their request) every check is one
//! thread-local read.

use std::cell::Cell;
use std::time::Instant;

/// Points a loop processes between two looks at the clock.
pub const CHECK_EVERY: u64 = 1024;

thread_local! {
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
    static EXPIRED: Cell<bool> = const { Cell::new(false) };
}

/// The work ran past its time limit and was stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the query ran past its time limit and was stopped")]
pub struct Expired;

/// Runs `work` with `deadline` as this thread's limit.
///
/// # Errors
/// [`Expired`] when a loop inside stopped because the deadline passed.
pub fn within<R>(deadline: Instant, work: impl FnOnce() -> R) -> Result<R, Expired> {
    let outer = DEADLINE.with(|d| d.replace(Some(deadline)));
    let outer_expired = EXPIRED.with(|e| e.replace(false));
    let result = work();
    let expired = EXPIRED.with(|e| e.replace(outer_expired));
    DEADLINE.with(|d| d.set(outer));
    if expired { Err(Expired) } else { Ok(result) }
}

/// Whether this thread's deadline has passed (always `false` without one). Once it has, it
/// stays passed for the rest of [`within`]'s work.
#[must_use]
pub fn passed() -> bool {
    if EXPIRED.with(Cell::get) {
        return true;
    }
    let Some(deadline) = DEADLINE.with(Cell::get) else {
        return false;
    };
    let late = Instant::now() >= deadline;
    if late {
        EXPIRED.with(|e| e.set(true));
    }
    late
}

/// Whether the `n`-th point of a loop should stop it: looks at the clock every
/// [`CHECK_EVERY`] points.
#[must_use]
pub fn stop_at(n: u64) -> bool {
    n.is_multiple_of(CHECK_EVERY) && passed()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_passed_deadline_stops_loops_and_reports_expired() {
        let past = Instant::now();
        let done = within(past, || {
            (0..1_000_000u64).take_while(|&n| !stop_at(n)).count()
        });
        assert_eq!(done, Err(Expired));
        let future = Instant::now() + Duration::from_secs(60);
        let done = within(future, || {
            (0..10_000u64).take_while(|&n| !stop_at(n)).count()
        });
        assert_eq!(done, Ok(10_000));
        assert!(!passed(), "no limit outside within");
    }
}
