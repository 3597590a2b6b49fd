//! Configuration diagnostics: what the reference reports with
//! `pcmk__config_err` / `pcmk__config_warn` (and `pe_err` / `pe_warn` /
//! `pe_warn_once`, which go through them), plus the plain `crm_crit` /
//! `crm_err` / `crm_warn` logs made while scheduling, which `crm_verify -V`
//! shows.
//!
//! The reference keeps this in process globals (`crm_config_error`,
//! `crm_config_warning`, `pe_wo`) and the log. Here a caller that wants the
//! diagnostics runs the scheduler inside [`collect`], which gives a
//! per-thread sink; outside it every report is a no-op, so other users of
//! the scheduler (crm_simulate, the daemon) are unaffected.

use std::cell::RefCell;

/// Severity of one diagnostic (the reference's log priority).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// `LOG_CRIT`
    Crit,
    /// `LOG_ERR`
    Error,
    /// `LOG_WARNING`
    Warning,
    /// A failed `CRM_CHECK` (`log_assertion_as`): logged at `LOG_ERR` but
    /// always shown on stderr, whatever the verbosity.
    Assert,
}

/// One reported message, with the C function the reference logs it from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diag {
    pub level: Level,
    pub func: &'static str,
    pub message: String,
}

/// Everything reported during one [`collect`] call.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    /// The messages, in the order they were reported.
    pub entries: Vec<Diag>,
    /// `crm_config_error`: a configuration error was found.
    pub config_error: bool,
    /// `crm_config_warning`: a configuration warning was found.
    pub config_warning: bool,
    /// The reference would have aborted here (a failed `CRM_ASSERT`); the
    /// scheduler went on with a safe choice instead. The assertion text.
    pub fatal: Option<String>,
    /// `pe_wo`: which warn-once messages were already given.
    warned_once: u32,
}

/// What kind of report a call site makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `pcmk__config_err` (and `pe_err`).
    ConfigErr,
    /// `pcmk__config_warn` (and `pe_warn`).
    ConfigWarn,
    /// `crm_crit`.
    Crit,
    /// `crm_err` (and `pe_proc_err`).
    Err,
    /// `crm_warn` (and `pe_proc_warn`).
    Warn,
    /// A failed `CRM_CHECK`: the message is the whole assertion text.
    Assert,
}

/// The `pe_wo_*` bits of `pe_warn_once`.
pub mod once {
    pub const BLIND: u32 = 1 << 0;
    pub const RESTART_TYPE: u32 = 1 << 1;
    pub const ROLE_AFTER: u32 = 1 << 2;
    pub const POWEROFF: u32 = 1 << 3;
    pub const REQUIRE_ALL: u32 = 1 << 4;
    pub const ORDER_SCORE: u32 = 1 << 5;
    pub const NEG_THRESHOLD: u32 = 1 << 6;
    pub const REMOVE_AFTER: u32 = 1 << 7;
    pub const PING_NODE: u32 = 1 << 8;
    pub const ORDER_INST: u32 = 1 << 9;
    pub const COLOC_INST: u32 = 1 << 10;
    pub const GROUP_ORDER: u32 = 1 << 11;
    pub const GROUP_COLO: u32 = 1 << 12;
}

thread_local! {
    static SINK: RefCell<Option<Diagnostics>> = const { RefCell::new(None) };
}

/// Run `f` with diagnostics collected on this thread; return its result
/// and what was reported. Nested calls collect into the innermost.
pub fn collect<T>(f: impl FnOnce() -> T) -> (T, Diagnostics) {
    let saved = SINK.with(|s| s.borrow_mut().replace(Diagnostics::default()));
    let value = f();
    let diags = SINK
        .with(|s| std::mem::replace(&mut *s.borrow_mut(), saved))
        .unwrap_or_default();
    (value, diags)
}

/// Whether anything is collecting (lets call sites skip costly formatting).
pub fn active() -> bool {
    SINK.with(|s| s.borrow().is_some())
}

/// Record one report (used through the macros).
pub fn emit(kind: Kind, func: &'static str, message: std::fmt::Arguments<'_>) {
    SINK.with(|s| {
        let mut sink = s.borrow_mut();
        let Some(d) = sink.as_mut() else {
            return;
        };
        let level = match kind {
            Kind::ConfigErr => {
                d.config_error = true;
                Level::Error
            }
            Kind::ConfigWarn => {
                d.config_warning = true;
                Level::Warning
            }
            Kind::Crit => Level::Crit,
            Kind::Err => Level::Error,
            Kind::Warn => Level::Warning,
            Kind::Assert => Level::Assert,
        };
        d.entries.push(Diag {
            level,
            func,
            message: message.to_string(),
        });
    });
}

/// A condition on which the reference aborts (`CRM_ASSERT`): remembered
/// (first one only) so the caller can report the configuration as unusable.
pub fn fatal(func: &'static str, at: &str, cond: &str) {
    SINK.with(|s| {
        if let Some(d) = s.borrow_mut().as_mut() {
            if d.fatal.is_none() {
                d.fatal = Some(format!(
                    "{func}: Triggered fatal assertion at {at} : {cond}"
                ));
            }
        }
    });
}

/// `pe_warn_once`: a configuration warning given once per run (the
/// "blind faith" one is a plain warning).
pub fn emit_once(bit: u32, func: &'static str, message: std::fmt::Arguments<'_>) {
    let first = SINK.with(|s| {
        let mut sink = s.borrow_mut();
        let Some(d) = sink.as_mut() else {
            return false;
        };
        let first = d.warned_once & bit == 0;
        d.warned_once |= bit;
        first
    });
    if first {
        let kind = if bit == once::BLIND {
            Kind::Warn
        } else {
            Kind::ConfigWarn
        };
        emit(kind, func, message);
    }
}

/// `pcmk__config_err(...)` from C function `$func`.
#[macro_export]
macro_rules! config_err {
    ($func:expr, $($arg:tt)*) => {
        $crate::diag::emit($crate::diag::Kind::ConfigErr, $func, format_args!($($arg)*))
    };
}

/// `pcmk__config_warn(...)` from C function `$func`.
#[macro_export]
macro_rules! config_warn {
    ($func:expr, $($arg:tt)*) => {
        $crate::diag::emit($crate::diag::Kind::ConfigWarn, $func, format_args!($($arg)*))
    };
}

/// `crm_err(...)` from C function `$func`.
#[macro_export]
macro_rules! log_err {
    ($func:expr, $($arg:tt)*) => {
        $crate::diag::emit($crate::diag::Kind::Err, $func, format_args!($($arg)*))
    };
}

/// `crm_warn(...)` from C function `$func`.
#[macro_export]
macro_rules! log_warn {
    ($func:expr, $($arg:tt)*) => {
        $crate::diag::emit($crate::diag::Kind::Warn, $func, format_args!($($arg)*))
    };
}

/// `crm_crit(...)` from C function `$func`.
#[macro_export]
macro_rules! log_crit {
    ($func:expr, $($arg:tt)*) => {
        $crate::diag::emit($crate::diag::Kind::Crit, $func, format_args!($($arg)*))
    };
}

/// A failed `CRM_CHECK(condition)` in C function `$func`, at the
/// reference's `file:line`.
#[macro_export]
macro_rules! check_failed {
    ($func:expr, $at:expr, $cond:expr) => {
        $crate::diag::emit(
            $crate::diag::Kind::Assert,
            "log_assertion_as",
            format_args!(
                "{}: Triggered fatal assertion at {} : {}",
                $func, $at, $cond
            ),
        )
    };
}

/// `pe_warn_once(bit, ...)` from C function `$func`.
#[macro_export]
macro_rules! warn_once {
    ($bit:expr, $func:expr, $($arg:tt)*) => {
        $crate::diag::emit_once($bit, $func, format_args!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silent_outside_collect_and_flags_inside() {
        config_err!("f", "not collected {}", 1);
        let ((), d) = collect(|| {
            config_warn!("g", "w {}", 2);
            warn_once!(once::BLIND, "h", "blind");
            warn_once!(once::BLIND, "h", "blind");
            log_err!("i", "e");
        });
        assert!(!d.config_error && d.config_warning);
        assert_eq!(d.entries.len(), 3);
        assert_eq!(d.entries[0].message, "w 2");
        assert_eq!(d.entries[2].level, Level::Error);
        let ((), d) = collect(|| warn_once!(once::BLIND, "h", "blind"));
        assert!(!d.config_warning && d.entries.len() == 1);
    }
}
