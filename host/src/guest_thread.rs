//! The threads guests run on: reused, each with a large native stack.
//!
//! A guest needs a native stack well above wasmtime's `max_wasm_stack`
//! ([`RUN_THREAD_STACK`]), more than a caller's thread may have. Spawning a
//! thread with such a stack for every run (an `mmap`, a `clone`, a join and an
//! `munmap`) costs more than instantiating the component, so every calling
//! thread gets one long-lived guest thread of its own, created on its first run
//! and ended with it. Runs from one caller therefore never wait for each other's
//! guest thread, and as many guests run at once as there are callers, as before.
//!
//! Reusing the thread changes nothing a guest can observe: every run still gets
//! a fresh store and instance, and wasmtime measures the wasm stack limit from
//! the stack pointer at entry, so a guest sees the same limit on a reused thread
//! as on a new one (the stack-overflow tests prove it).

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::engine::RUN_THREAD_STACK;

thread_local! {
    /// This thread's guest thread: a one-thread pool, dropped (and ended) with the caller.
    static GUEST: RefCell<Option<rayon::ThreadPool>> = const { RefCell::new(None) };
}

/// Why a job could not run on a guest thread.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuestThreadError {
    /// The thread could not be started.
    #[error("cannot start the guest thread: {0}")]
    Start(String),
    /// The job panicked (a host bug: guests trap, they do not unwind into the host).
    #[error("the guest thread panicked")]
    Panicked,
}

fn new_pool() -> Result<rayon::ThreadPool, GuestThreadError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .stack_size(RUN_THREAD_STACK)
        .thread_name(|_| "imr-guest".into())
        .build()
        .map_err(|e| GuestThreadError::Start(e.to_string()))
}

/// Runs `job` on this thread's guest thread (a native stack of
/// [`RUN_THREAD_STACK`] bytes) and returns its result. Blocks until it is done.
pub fn run_on_guest_thread<R: Send>(job: impl FnOnce() -> R + Send) -> Result<R, GuestThreadError> {
    let job = move || catch_unwind(AssertUnwindSafe(job)).map_err(|_| GuestThreadError::Panicked);
    with_guest_pool(|pool| pool?.install(job))
}

/// Runs `job` on this thread's guest thread as [`run_on_guest_thread`] does and, while it
/// runs, `beside` on the calling thread (work that needs no large stack, done in the time
/// the caller would otherwise wait); returns both results once both are done.
///
/// `beside` always runs, also when the guest thread cannot start (then `job` is dropped
/// unrun first, so that `beside` never waits for something `job` would have sent).
pub fn run_beside_guest_thread<R: Send, B>(
    job: impl FnOnce() -> R + Send,
    beside: impl FnOnce() -> B,
) -> (Result<R, GuestThreadError>, B) {
    with_guest_pool(|pool| match pool {
        Ok(pool) => {
            let mut done = None;
            let b = pool.in_place_scope(|s| {
                let done = &mut done;
                s.spawn(move |_| *done = Some(catch_unwind(AssertUnwindSafe(job))));
                beside()
            });
            let r = done
                .ok_or(GuestThreadError::Panicked)
                .and_then(|r| r.map_err(|_| GuestThreadError::Panicked));
            (r, b)
        }
        Err(e) => {
            drop(job);
            (Err(e), beside())
        }
    })
}

/// Calls `f` with this thread's guest thread (created on first use).
fn with_guest_pool<T>(f: impl FnOnce(Result<&rayon::ThreadPool, GuestThreadError>) -> T) -> T {
    GUEST.with(|slot| {
        // A job that itself runs a guest (nested runs) finds the slot borrowed: give it a
        // thread of its own rather than deadlock on the one that is running it.
        let Ok(mut slot) = slot.try_borrow_mut() else {
            return match new_pool() {
                Ok(pool) => f(Ok(&pool)),
                Err(e) => f(Err(e)),
            };
        };
        if slot.is_none() {
            match new_pool() {
                Ok(pool) => *slot = Some(pool),
                Err(e) => return f(Err(e)),
            }
        }
        f(Ok(slot.as_ref().expect("set above")))
    })
}

/// Runs `job` on a newly spawned thread with a stack of [`RUN_THREAD_STACK`]
/// bytes: what every run paid before guest threads were reused. For benchmarks.
#[doc(hidden)]
pub fn run_on_new_thread<R: Send>(job: impl FnOnce() -> R + Send) -> Result<R, GuestThreadError> {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("imr-guest".into())
            .stack_size(RUN_THREAD_STACK)
            .spawn_scoped(s, job)
            .map_err(|e| GuestThreadError::Start(e.to_string()))?
            .join()
            .map_err(|_| GuestThreadError::Panicked)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack_address() -> usize {
        let x = 0u8;
        std::hint::black_box(&x) as *const u8 as usize
    }

    #[test]
    fn jobs_of_one_caller_reuse_one_thread_with_a_large_stack() {
        let first = run_on_guest_thread(|| (std::thread::current().id(), stack_address())).unwrap();
        let second = run_on_guest_thread(|| std::thread::current().id()).unwrap();
        assert_eq!(first.0, second);
        assert_ne!(first.0, std::thread::current().id());
        // Deep recursion that would overflow a default 2 MiB thread stack.
        fn depth(n: u32) -> u64 {
            let pad = std::hint::black_box([n as u64; 64]);
            if n == 0 {
                pad[1]
            } else {
                depth(n - 1).wrapping_add(pad[3])
            }
        }
        assert_eq!(
            run_on_guest_thread(|| depth(20_000)).unwrap(),
            20_000 * 20_001 / 2
        );
    }

    #[test]
    fn callers_on_different_threads_get_different_guest_threads() {
        let here = run_on_guest_thread(|| std::thread::current().id()).unwrap();
        let there = std::thread::spawn(|| run_on_guest_thread(|| std::thread::current().id()))
            .join()
            .unwrap()
            .unwrap();
        assert_ne!(here, there);
    }

    #[test]
    fn a_panicking_job_is_an_error_and_the_thread_survives() {
        let r: Result<(), _> = run_on_guest_thread(|| panic!("boom"));
        assert_eq!(r, Err(GuestThreadError::Panicked));
        assert_eq!(run_on_guest_thread(|| 7).unwrap(), 7);
    }

    #[test]
    fn nested_jobs_run() {
        let r = run_on_guest_thread(|| run_on_guest_thread(|| 5).unwrap() + 1).unwrap();
        assert_eq!(r, 6);
    }

    #[test]
    fn work_beside_the_guest_thread_runs_on_the_caller_at_the_same_time() {
        let (tx, rx) = std::sync::mpsc::channel();
        let caller = std::thread::current().id();
        // The job waits for what the caller sends: both must run at once, on different threads.
        let (job, beside) = run_beside_guest_thread(
            move || (rx.recv().unwrap(), std::thread::current().id()),
            || {
                tx.send(11u32).unwrap();
                std::thread::current().id()
            },
        );
        let (got, job_thread) = job.unwrap();
        assert_eq!((got, beside), (11, caller));
        assert_ne!(job_thread, caller);
        assert_eq!(
            job_thread,
            run_on_guest_thread(|| std::thread::current().id()).unwrap()
        );
        // A panicking job is an error; the caller's result is still there.
        let (r, b): (Result<(), _>, _) = run_beside_guest_thread(|| panic!("boom"), || 3);
        assert_eq!((r, b), (Err(GuestThreadError::Panicked), 3));
        // Nested: a job that runs work beside its own guest thread.
        let (r, b) = run_beside_guest_thread(|| run_beside_guest_thread(|| 1, || 2), || 3);
        let (inner_job, inner_beside) = r.unwrap();
        assert_eq!((inner_job.unwrap(), inner_beside, b), (1, 2, 3));
    }

    #[test]
    fn borrowed_data_is_usable() {
        let data = [1u64, 2, 3];
        assert_eq!(run_on_guest_thread(|| data.iter().sum::<u64>()).unwrap(), 6);
        assert_eq!(run_on_new_thread(|| data.len()).unwrap(), 3);
    }
}
