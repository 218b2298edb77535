//! Per-run store state: limits, the captured log, and the `host` import.

use wasmtime::component::Linker;
use wasmtime::{ResourceLimiter, StoreContextMut, Trap};

use crate::bindings::imr::mechanism::host::Level;
use crate::engine::LOG_CALL_FUEL;
use crate::limits::Limits;

pub use imr_runlog::LogLine;

/// The state of one run's store.
pub struct Sandbox {
    limits: Limits,
    /// Set when the guest asked for more memory than the cap.
    pub(crate) memory_refused: Option<u64>,
    /// Lines kept.
    pub(crate) log: Vec<LogLine>,
    log_bytes: usize,
    /// Lines dropped because a log cap was reached.
    pub(crate) log_dropped: u64,
}

impl Sandbox {
    pub(crate) fn new(limits: Limits) -> Self {
        Self {
            limits,
            memory_refused: None,
            log: Vec::new(),
            log_bytes: 0,
            log_dropped: 0,
        }
    }

    fn record(&mut self, level: Level, message: String) {
        if self.log.len() >= self.limits.max_log_lines
            || self.log_bytes + message.len() > self.limits.max_log_bytes
        {
            self.log_dropped += 1;
            return;
        }
        self.log_bytes += message.len();
        let level = match level {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
        };
        self.log.push(LogLine {
            level: level.to_string(),
            message,
        });
    }

    /// The guest's panic message, if the SDK's panic hook logged one.
    pub(crate) fn panic_message(&self) -> Option<String> {
        self.log
            .iter()
            .rev()
            .find_map(|l| l.message.strip_prefix("panic: ").map(str::to_string))
    }
}

impl ResourceLimiter for Sandbox {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired as u64 > self.limits.memory_bytes {
            self.memory_refused = Some(desired as u64);
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= self.limits.table_elements)
    }

    fn instances(&self) -> usize {
        self.limits.instances
    }

    fn tables(&self) -> usize {
        self.limits.tables
    }

    fn memories(&self) -> usize {
        self.limits.memories
    }
}

/// Defines `imr:mechanism/host.log` in the linker. It charges fuel
/// ([`LOG_CALL_FUEL`] plus one unit per byte) so that logging is metered like
/// any other work, and never changes a result.
pub(crate) fn add_host_to_linker(linker: &mut Linker<Sandbox>) -> wasmtime::Result<()> {
    let mut host = linker.instance("imr:mechanism/host@0.1.0")?;
    host.func_wrap(
        "log",
        |mut store: StoreContextMut<'_, Sandbox>, (level, message): (Level, String)| {
            let cost = LOG_CALL_FUEL.saturating_add(message.len() as u64);
            let left = store.get_fuel()?;
            if left < cost {
                store.set_fuel(0)?;
                return Err(Trap::OutOfFuel.into());
            }
            store.set_fuel(left - cost)?;
            store.data_mut().record(level, message);
            Ok(())
        },
    )?;
    Ok(())
}
