//! Log lines the way corosync's logsys (over libqb's logging) writes them:
//!
//! - file:   `%T [%P] %H %N %7p [%6g] %b` — `Nov 22 01:55:47.482 [14] n1 corosync notice  [MAIN  ] …`
//! - stderr: `%T %7p [%6g] %b`
//! - syslog: `[%6g] %b` with the daemon facility
//!
//! Settings come from the `logging` section (to_logfile, logfile, to_stderr,
//! to_syslog, syslog_facility, debug, timestamp, logfile_priority,
//! syslog_priority).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;

use corosync_config::{ConfigMap, Value};
use corosync_services::LogLevel;

use crate::localtime;

/// Timestamp style (`logging.timestamp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    /// No timestamp.
    Off,
    /// Seconds.
    On,
    /// Milliseconds (the default).
    Hires,
}

/// The logging settings.
#[derive(Debug, Clone)]
pub struct LogConfig {
    /// to_logfile.
    pub to_logfile: bool,
    /// logfile.
    pub logfile: Option<PathBuf>,
    /// to_stderr.
    pub to_stderr: bool,
    /// to_syslog.
    pub to_syslog: bool,
    /// Facility number (LOG_DAEMON = 3 by default).
    pub facility: u32,
    /// debug: on (or trace).
    pub debug: bool,
    /// timestamp.
    pub stamp: Stamp,
    /// Threshold for the file and stderr.
    pub file_priority: LogLevel,
    /// Threshold for syslog.
    pub syslog_priority: LogLevel,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            to_logfile: false,
            logfile: None,
            to_stderr: true,
            to_syslog: true,
            facility: 3,
            debug: false,
            stamp: Stamp::Hires,
            file_priority: LogLevel::Info,
            syslog_priority: LogLevel::Info,
        }
    }
}

fn level_by_name(s: &str) -> Option<LogLevel> {
    Some(match s {
        "alert" | "crit" => LogLevel::Crit,
        "err" | "error" => LogLevel::Error,
        "warning" => LogLevel::Warning,
        "notice" => LogLevel::Notice,
        "info" => LogLevel::Info,
        "debug" => LogLevel::Debug,
        "trace" => LogLevel::Trace,
        _ => return None,
    })
}

fn facility_by_name(s: &str) -> Option<u32> {
    Some(match s {
        "daemon" => 3,
        "local0" => 16,
        "local1" => 17,
        "local2" => 18,
        "local3" => 19,
        "local4" => 20,
        "local5" => 21,
        "local6" => 22,
        "local7" => 23,
        "user" => 1,
        _ => return None,
    })
}

impl LogConfig {
    /// corosync_log_config_read for the top-level `logging` section.
    /// `Err` is the reason printed with "parse error in config: ".
    pub fn from_map(map: &ConfigMap) -> Result<LogConfig, String> {
        let s = |k: &str| match map.get(k) {
            Some(Value::Str(v)) => Some(v.as_str()),
            _ => None,
        };
        let mut c = LogConfig::default();
        let yes_no = |k: &str, cur: bool| -> Result<bool, String> {
            match s(&format!("logging.{k}")) {
                None => Ok(cur),
                Some("yes") | Some("on") => Ok(true),
                Some("no") | Some("off") => Ok(false),
                Some(_) => Err(format!("unknown value for {k}")),
            }
        };
        c.to_stderr = yes_no("to_stderr", true)?;
        c.to_syslog = yes_no("to_syslog", true)?;
        c.to_logfile = yes_no("to_logfile", false)?;
        c.logfile = s("logging.logfile").map(PathBuf::from);
        if c.to_logfile && c.logfile.is_none() {
            return Err("logfile not specified and to_logfile=yes".into());
        }
        if let Some(f) = s("logging.syslog_facility") {
            c.facility = facility_by_name(f).ok_or("unknown syslog facility specified")?;
        }
        if let Some(p) = s("logging.logfile_priority") {
            c.file_priority = level_by_name(p).ok_or("unknown logfile priority specified")?;
        }
        if let Some(p) = s("logging.syslog_priority") {
            c.syslog_priority = level_by_name(p).ok_or("unknown syslog priority specified")?;
        }
        c.debug = match s("logging.debug") {
            None | Some("off") => false,
            Some("on") | Some("trace") => true,
            Some(_) => return Err("unknown value for debug".into()),
        };
        c.stamp = match s("logging.timestamp") {
            None | Some("hires") => Stamp::Hires,
            Some("on") => Stamp::On,
            Some("off") => Stamp::Off,
            Some(_) => return Err("unknown value for timestamp".into()),
        };
        Ok(c)
    }
}

/// The writer.
pub struct Logger {
    cfg: LogConfig,
    file: Option<File>,
    syslog: Option<UnixDatagram>,
    host: String,
    pid: u32,
}

impl Logger {
    /// A logger with `cfg` (opening the log file; failures are reported
    /// as `Err` with the reference's wording).
    pub fn new(cfg: LogConfig) -> Result<Logger, String> {
        let mut l = Logger {
            cfg,
            file: None,
            syslog: None,
            host: std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|h| h.trim().to_string())
                .unwrap_or_default(),
            pid: std::process::id(),
        };
        l.reopen()?;
        Ok(l)
    }

    /// Logs before the configuration is read: stderr only.
    pub fn early() -> Logger {
        Logger {
            cfg: LogConfig {
                to_syslog: false,
                ..Default::default()
            },
            file: None,
            syslog: None,
            host: String::new(),
            pid: std::process::id(),
        }
    }

    /// Reopen the log file (cfg reopen_log_files, SIGHUP-style rotation).
    pub fn reopen(&mut self) -> Result<(), String> {
        self.file = None;
        if self.cfg.to_logfile {
            if let Some(p) = &self.cfg.logfile {
                let f = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .map_err(|e| format!("Can't open logfile '{}' for reason: {e}", p.display()))?;
                self.file = Some(f);
            }
        }
        if self.cfg.to_syslog && self.syslog.is_none() {
            if let Ok(s) = UnixDatagram::unbound() {
                if s.connect("/dev/log").is_ok() {
                    self.syslog = Some(s);
                }
            }
        }
        Ok(())
    }

    fn passes(&self, level: LogLevel, threshold: LogLevel) -> bool {
        if self.cfg.debug {
            level <= LogLevel::Debug
        } else {
            level <= threshold
        }
    }

    /// Log one line.
    pub fn log(&mut self, level: LogLevel, subsys: &str, text: &str) {
        let text = text.trim_end_matches('\n');
        let body = format!("{:<7} [{:<6}] {}", level.name(), subsys, text);
        let stamp = match self.cfg.stamp {
            Stamp::Off => None,
            Stamp::On => Some(localtime::stamp(false)),
            Stamp::Hires => Some(localtime::stamp(true)),
        };
        if self.passes(level, self.cfg.file_priority) {
            if let Some(f) = &mut self.file {
                let line = match &stamp {
                    Some(t) => format!("{t} [{}] {} corosync {body}\n", self.pid, self.host),
                    None => format!("[{}] {} corosync {body}\n", self.pid, self.host),
                };
                let _ = f.write_all(line.as_bytes());
            }
            if self.cfg.to_stderr {
                let line = match &stamp {
                    Some(t) => format!("{t} {body}\n"),
                    None => format!("{body}\n"),
                };
                let _ = std::io::stderr().write_all(line.as_bytes());
            }
        }
        if self.passes(level, self.cfg.syslog_priority) {
            if let Some(s) = &self.syslog {
                let pri = self.cfg.facility * 8 + (level as u32).min(7);
                let msg = format!("<{pri}>corosync[{}]: [{:<6}] {text}", self.pid, subsys);
                let _ = s.send(msg.as_bytes());
            }
        }
    }
}
