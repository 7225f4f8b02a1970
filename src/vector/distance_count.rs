//! How many distances a search computed on this thread: the cost figure the planner reports in
//! an explanation. Searches add to a thread-local counter in batches (one addition per graph node
//! expanded or per scan), so counting costs nothing measurable next to the distances themselves;
//! [`counting`] reads the count for one closure. A search that runs on other threads (parallel
//! index builds) is not counted; every query path runs on the thread that asked.

use std::cell::Cell;

thread_local! {
    static DISTANCES: Cell<u64> = const { Cell::new(0) };
}

/// Records `n` distance computations on this thread.
pub fn add(n: usize) {
    DISTANCES.with(|c| c.set(c.get().wrapping_add(n as u64)));
}

/// Runs `f` and returns its result with the number of distances it computed on this thread.
pub fn counting<R>(f: impl FnOnce() -> R) -> (R, u64) {
    let before = DISTANCES.with(Cell::get);
    let result = f();
    let after = DISTANCES.with(Cell::get);
    (result, after.wrapping_sub(before))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_only_what_the_closure_adds_and_nests() {
        add(5);
        let ((_, inner), outer) = counting(|| {
            add(3);
            counting(|| add(4))
        });
        assert_eq!(inner, 4);
        assert_eq!(outer, 7);
    }
}
