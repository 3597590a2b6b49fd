//! The daemon's log (does I/O): lines in the format libqb gives
//! Pacemaker's daemons, appended to `PCMK_logfile`
//! (/var/log/pacemaker/pacemaker.log by default) and, with `PCMK_stderr`,
//! to stderr:
//!
//! ```text
//! Nov 22 03:15:06.475 n1 pacemaker-based     [38] (main) <TAB>notice: Starting Pacemaker CIB manager
//! ```
//!
//! Operators and tools grep these lines, so callers name the C function the
//! reference logs from. Events of the libraries (`tracing`) land in the
//! same file through [`TracingBridge`].

use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU8, Ordering};
use std::sync::{Mutex, OnceLock};

pub use pcmk_cli::log::Level;

/// The default log file of the daemons.
pub const DEFAULT_LOGFILE: &str = "/var/log/pacemaker/pacemaker.log";

struct Logger {
    file: Mutex<Option<File>>,
    host: String,
    name: String,
    pid: u32,
}

static LOGGER: OnceLock<Logger> = OnceLock::new();
static LEVEL: AtomicU8 = AtomicU8::new(Level::Info as u8);
static STDERR: AtomicBool = AtomicBool::new(false);
/// UTC offset of the local zone (refreshed every ten minutes).
static OFFSET: AtomicI64 = AtomicI64::new(0);
static OFFSET_AT: AtomicI64 = AtomicI64::new(i64::MIN);

/// Where and how much to log.
#[derive(Clone, Debug)]
pub struct LogConfig {
    /// The daemon's name (`crm_system_name`).
    pub name: String,
    /// Log file; `None` (or `PCMK_logfile=none`) logs nowhere but stderr.
    pub file: Option<String>,
    /// Also write to stderr.
    pub stderr: bool,
    /// Most verbose level written.
    pub level: Level,
}

impl LogConfig {
    /// What the environment pacemakerd gives its children asks for
    /// (`crm_log_init` for a daemon): `PCMK_logfile`, `PCMK_debug`,
    /// `PCMK_stderr`; each `-V` raises the level once.
    pub fn from_env(name: &str, verbosity: u32) -> LogConfig {
        let env = pcmk_cli::log::env_option;
        let file = match env("logfile") {
            Some(f) if f.eq_ignore_ascii_case("none") => None,
            Some(f) if !f.is_empty() => Some(f),
            _ => Some(DEFAULT_LOGFILE.to_owned()),
        };
        let mut level = if pcmk_cli::log::env_option_enabled(name, "debug") {
            Level::Debug as u8
        } else {
            Level::Info as u8
        };
        level = (level + verbosity as u8).min(Level::Trace as u8);
        LogConfig {
            name: name.to_owned(),
            file,
            stderr: pcmk_cli::log::env_option_enabled(name, "stderr"),
            level: level_from(level),
        }
    }
}

fn level_from(v: u8) -> Level {
    match v {
        0..=2 => Level::Crit,
        3 => Level::Error,
        4 => Level::Warning,
        5 => Level::Notice,
        6 => Level::Info,
        7 => Level::Debug,
        _ => Level::Trace,
    }
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "localhost".to_owned())
}

/// Start logging (once; later calls only change the level and stderr).
pub fn init(cfg: &LogConfig) {
    LEVEL.store(cfg.level as u8, Ordering::Relaxed);
    STDERR.store(cfg.stderr, Ordering::Relaxed);
    let file = cfg.file.as_ref().and_then(|p| {
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(p)
            .map_err(|e| {
                if cfg.stderr {
                    eprintln!("Could not open log file {p}: {e}");
                }
            })
            .ok()
    });
    let _ = LOGGER.set(Logger {
        file: Mutex::new(file),
        host: host_name(),
        name: cfg.name.clone(),
        pid: std::process::id(),
    });
    let _ = tracing::subscriber::set_global_default(TracingBridge);
}

/// Raise the level by one (`-V`).
pub fn bump() {
    let v = LEVEL.load(Ordering::Relaxed).saturating_add(1);
    LEVEL.store(v.min(Level::Trace as u8), Ordering::Relaxed);
}

/// Whether `level` is written.
pub fn enabled(level: Level) -> bool {
    level as u8 <= LEVEL.load(Ordering::Relaxed)
}

fn offset(secs: i64) -> i64 {
    if secs.saturating_sub(OFFSET_AT.load(Ordering::Relaxed)) > 600 {
        OFFSET.store(pcmk_cib::time::local_offset(secs), Ordering::Relaxed);
        OFFSET_AT.store(secs, Ordering::Relaxed);
    }
    OFFSET.load(Ordering::Relaxed)
}

/// "Nov 22 03:15:06.475" in local time.
fn stamp() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs() as i64;
    // ctime(): "Sun Nov 22 03:15:07 2026".
    let c = pcmk_cib::time::ctime(secs, offset(secs));
    let f: Vec<&str> = c.split_whitespace().collect();
    let (mon, day, hms) = match f.as_slice() {
        [_, mon, day, hms, _] => (*mon, day.parse::<u32>().unwrap_or(1), *hms),
        _ => ("Jan", 1, "00:00:00"),
    };
    format!("{mon} {day:02} {hms}.{:03}", now.subsec_millis())
}

/// Write one line from C function `func` at `level`.
pub fn log(level: Level, func: &str, message: std::fmt::Arguments<'_>) {
    if !enabled(level) {
        return;
    }
    let Some(l) = LOGGER.get() else {
        return;
    };
    let mut line = String::with_capacity(128);
    let _ = write!(
        line,
        "{} {} {:<20}[{}] ({func}) \t{}: {message}",
        stamp(),
        l.host,
        l.name,
        l.pid,
        level.name()
    );
    line.push('\n');
    if let Ok(mut f) = l.file.lock() {
        if let Some(f) = f.as_mut() {
            // A full disk must not stop the daemon: the line is lost.
            let _ = f.write_all(line.as_bytes());
        }
    }
    if STDERR.load(Ordering::Relaxed) {
        let _ = std::io::stderr().write_all(line.as_bytes());
    }
}

/// `crm_crit` and friends: `log!(Level::Notice, "func", "fmt", args)`.
#[macro_export]
macro_rules! log {
    ($level:expr, $func:expr, $($arg:tt)*) => {
        $crate::log::log($level, $func, format_args!($($arg)*))
    };
}

/// Routes `tracing` events of the libraries (IPC, CPG) into the log, named
/// after their module.
pub struct TracingBridge;

struct Message(String);

impl tracing::field::Visit for Message {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }
}

fn tracing_level(l: &tracing::Level) -> Level {
    match *l {
        tracing::Level::ERROR => Level::Error,
        tracing::Level::WARN => Level::Warning,
        tracing::Level::INFO => Level::Info,
        tracing::Level::DEBUG => Level::Debug,
        tracing::Level::TRACE => Level::Trace,
    }
}

impl tracing::Subscriber for TracingBridge {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        enabled(tracing_level(metadata.level()))
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut m = Message(String::new());
        event.record(&mut m);
        let target = event.metadata().target();
        let func = target.rsplit("::").next().unwrap_or(target);
        log(
            tracing_level(event.metadata().level()),
            func,
            format_args!("{}", m.0),
        );
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}
