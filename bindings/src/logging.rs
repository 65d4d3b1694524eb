//! Forwards Redline's log lines to the app (Logcat, os_log, a file the
//! support team asks for).
//!
//! Rust code logs through the `log` facade, so whatever the core gains later
//! (the sync client will want to say why a batch was retried) reaches the app
//! without new plumbing. The app installs one [`LogSink`]; until it does,
//! lines are dropped, which is what a release build wants by default.

use std::sync::{Arc, Once, RwLock};

/// Severity of a log line, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LogLevel {
    /// Something failed and the user may notice.
    Error,
    /// Something unexpected that Redline worked around.
    Warn,
    /// Milestones: a store opened, a sync finished.
    Info,
    /// Detail for developers, e.g. every error returned to the app.
    Debug,
    /// Very chatty detail.
    Trace,
}

/// Receives Redline's log lines. Called on whatever thread logged, possibly
/// several at once: hand the line to the platform logger and return. Must
/// not call back into Redline.
#[uniffi::export(foreign)]
pub trait LogSink: Send + Sync {
    /// One log line: its level, the part of Redline that wrote it (e.g.
    /// `redline_ffi::answer`) and the message.
    fn log(&self, level: LogLevel, target: String, message: String);
}

static SINK: RwLock<Option<Arc<dyn LogSink>>> = RwLock::new(None);
static INSTALL: Once = Once::new();

/// The `log` facade's logger: reads the current sink on every line, so the
/// app can replace or clear it at any time (the facade accepts one logger
/// per process, installed once).
struct Forwarder;

impl log::Log for Forwarder {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let sink = SINK.read().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(sink) = sink {
            let level = match record.level() {
                log::Level::Error => LogLevel::Error,
                log::Level::Warn => LogLevel::Warn,
                log::Level::Info => LogLevel::Info,
                log::Level::Debug => LogLevel::Debug,
                log::Level::Trace => LogLevel::Trace,
            };
            // A sink that throws must not take the logging call down with it
            // (it may be logging an error on the way out of a failed call).
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                sink.log(level, record.target().to_string(), record.args().to_string())
            }));
        }
    }

    fn flush(&self) {}
}

/// Sends Redline's log lines at `max_level` and above to `sink`, replacing
/// any sink set before.
#[uniffi::export]
pub fn set_log_sink(sink: Arc<dyn LogSink>, max_level: LogLevel) {
    INSTALL.call_once(|| {
        // Fails only if the host process installed its own `log` logger,
        // which an app embedding the library does not.
        let _ = log::set_logger(&Forwarder);
    });
    *SINK.write().unwrap_or_else(|p| p.into_inner()) = Some(sink);
    log::set_max_level(match max_level {
        LogLevel::Error => log::LevelFilter::Error,
        LogLevel::Warn => log::LevelFilter::Warn,
        LogLevel::Info => log::LevelFilter::Info,
        LogLevel::Debug => log::LevelFilter::Debug,
        LogLevel::Trace => log::LevelFilter::Trace,
    });
}

/// Stops forwarding log lines; the sink set before is released.
#[uniffi::export]
pub fn clear_log_sink() {
    log::set_max_level(log::LevelFilter::Off);
    *SINK.write().unwrap_or_else(|p| p.into_inner()) = None;
}

/// A line from the bindings themselves, attributed to the exported call
/// (`redline_ffi::submit`) so the app's log says which call failed.
pub(crate) fn emit(level: log::Level, call: &str, message: &str) {
    if level <= log::max_level() {
        log::logger()
            .log(&log::Record::builder().level(level).target(&format!("redline_ffi::{call}")).args(format_args!("{message}")).build());
    }
}
