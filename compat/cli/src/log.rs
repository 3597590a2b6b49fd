//! Logging to stderr the way Pacemaker's command-line tools do (does I/O).
//!
//! Tools start with stderr logging off at level `error`. Each `-V` first
//! turns stderr logging on, then raises the level by one (warning, notice,
//! info, debug, trace). `PCMK_debug` (or `HA_debug`) set to a true value or
//! containing the tool's name starts at `debug`; `PCMK_stderr` likewise turns
//! stderr logging on without `-V`. Lines look like libqb's
//! `(function) \tlevel: message` and are cut to 511 bytes like libqb's.
//!
//! Log lines are an interface (crmsh and scripts grep them), so callers pass
//! the C function name the reference logs from as `func`.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

/// Syslog priorities as Pacemaker uses them (`LOG_ERR` = 3 ... `LOG_TRACE` = 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Level {
    /// `LOG_CRIT`
    Crit = 2,
    /// `LOG_ERR`
    Error = 3,
    /// `LOG_WARNING`
    Warning = 4,
    /// `LOG_NOTICE`
    Notice = 5,
    /// `LOG_INFO`
    Info = 6,
    /// `LOG_DEBUG`
    Debug = 7,
    /// `LOG_TRACE` (Pacemaker's extension)
    Trace = 8,
}

impl Level {
    /// libqb's name for the priority.
    pub fn name(self) -> &'static str {
        match self {
            Level::Crit => "crit",
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
            Level::Info => "info",
            Level::Debug => "debug",
            Level::Trace => "trace",
        }
    }
}

static STDERR_ON: AtomicBool = AtomicBool::new(false);
static LEVEL: AtomicU8 = AtomicU8::new(Level::Error as u8);

/// Longest line libqb writes (without the newline) before cutting it.
const MAX_LINE: usize = 510;

/// `crm_is_true()`: Pacemaker's true spellings.
pub fn is_true(value: &str) -> bool {
    ["true", "on", "yes", "y", "1"]
        .iter()
        .any(|t| value.eq_ignore_ascii_case(t))
}

/// `pcmk__env_option()`: `PCMK_<option>`, else `HA_<option>`.
#[doc(alias = "pcmk__env_option")]
pub fn env_option(option: &str) -> Option<String> {
    ["PCMK_", "HA_"]
        .iter()
        .find_map(|prefix| std::env::var(format!("{prefix}{option}")).ok())
}

/// `pcmk__env_option_enabled()`: true, or a list mentioning `daemon`.
#[doc(alias = "pcmk__env_option_enabled")]
pub fn env_option_enabled(daemon: &str, option: &str) -> bool {
    env_option(option).is_some_and(|v| is_true(&v) || v.contains(daemon))
}

/// `pcmk__cli_init_logging()`: set up stderr logging for a tool called
/// `name` given `-V` `verbosity` times.
#[doc(alias = "pcmk__cli_init_logging")]
pub fn init_cli(name: &str, verbosity: u32) {
    let mut level = Level::Error as u8;
    if env_option_enabled(name, "debug") {
        level = Level::Debug as u8;
    }
    LEVEL.store(level, Ordering::Relaxed);
    STDERR_ON.store(env_option_enabled(name, "stderr"), Ordering::Relaxed);
    for _ in 0..verbosity {
        bump_level();
    }
}

/// `crm_bump_log_level()`: turn stderr on, or raise the level by one.
#[doc(alias = "crm_bump_log_level")]
pub fn bump_level() {
    if !STDERR_ON.swap(true, Ordering::Relaxed) {
        return;
    }
    let level = (LEVEL.load(Ordering::Relaxed) + 1).min(Level::Trace as u8);
    LEVEL.store(level, Ordering::Relaxed);
    log(
        Level::Trace,
        "set_crm_log_level",
        format_args!("New log level: {level}"),
    );
}

/// Whether a message at `level` would be written.
pub fn enabled(level: Level) -> bool {
    STDERR_ON.load(Ordering::Relaxed) && level as u8 <= LEVEL.load(Ordering::Relaxed)
}

/// Write one log line from C function `func` if `level` is enabled.
pub fn log(level: Level, func: &str, message: std::fmt::Arguments<'_>) {
    if !enabled(level) {
        return;
    }
    let mut line = format!("({func}) \t{}: {message}", level.name()).into_bytes();
    if line.len() > MAX_LINE {
        line.truncate(MAX_LINE - 2);
        line.extend_from_slice(b"...");
    }
    line.push(b'\n');
    // Logging must never fail the tool; a closed stderr loses the line.
    let _ = std::io::stderr().write_all(&line);
}

/// What `crm_exit()` logs on the way out (every tool, same lines).
#[doc(alias = "crm_exit")]
pub fn exiting(name: &str, status: u8) {
    if enabled(Level::Trace) {
        // mainloop_cleanup() tears down the signal table: NSIG entries.
        for sig in 0..65 {
            log(
                Level::Trace,
                "mainloop_destroy_signal_entry",
                format_args!("Destroying signal {sig}"),
            );
        }
    }
    log(
        Level::Info,
        "crm_exit",
        format_args!("Exiting {name} | with status {status}"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn true_spellings() {
        assert!(is_true("YES") && is_true("1") && is_true("On"));
        assert!(!is_true("2") && !is_true("") && !is_true("no"));
    }
}
