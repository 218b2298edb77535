//! Log lines recorded by the host in the run's log. They never change a result.
//!
//! Natively (in unit tests and benchmarks) the lines are kept in a thread-local
//! buffer that [`take_native`] drains.

/// Severity of a log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Detail for the mechanism's author.
    Debug,
    /// Normal progress.
    Info,
    /// Something an operator should look at.
    Warn,
}

/// Logs at debug level.
pub fn debug(message: &str) {
    write(Level::Debug, message);
}

/// Logs at info level.
pub fn info(message: &str) {
    write(Level::Info, message);
}

/// Logs at warn level.
pub fn warn(message: &str) {
    write(Level::Warn, message);
}

/// Logs one line.
#[cfg(target_arch = "wasm32")]
pub fn write(level: Level, message: &str) {
    use crate::bindings::imr::mechanism::host;
    let level = match level {
        Level::Debug => host::Level::Debug,
        Level::Info => host::Level::Info,
        Level::Warn => host::Level::Warn,
    };
    host::log(level, message);
}

#[cfg(not(target_arch = "wasm32"))]
thread_local! {
    static NATIVE_LOG: std::cell::RefCell<Vec<(Level, String)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Logs one line.
#[cfg(not(target_arch = "wasm32"))]
pub fn write(level: Level, message: &str) {
    NATIVE_LOG.with(|l| l.borrow_mut().push((level, message.to_string())));
}

/// Drains the lines logged natively on this thread so far.
#[cfg(not(target_arch = "wasm32"))]
pub fn take_native() -> Vec<(Level, String)> {
    NATIVE_LOG.with(|l| std::mem::take(&mut *l.borrow_mut()))
}
