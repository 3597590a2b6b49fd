//! What the reference prints on stderr while performing CIB operations,
//! collected in order instead of printed (the library does no I/O):
//! text written straight to stderr (numbered dumps of invalid CIBs,
//! schema complaints when a grammar reports to stderr) and log messages,
//! which a tool shows according to its verbosity and
//! `PCMK_trace_functions`.
//!
//! Only log messages users can meet are produced: the ACL traces of
//! `pcmk__check_acl` / `pcmk__apply_creation_acl` (which cts-cli and
//! administrators enable by function name), schema complaints logged by
//! `xml_log`, and a few errors of the file backend. Each carries the C
//! function, source file and line the reference logs them from.

/// Severity of a log message (syslog order, plus trace).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Crit,
    Error,
    Warning,
    Notice,
    Info,
    Debug,
    Trace,
}

impl Level {
    /// libqb's name for the level.
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

/// One log message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// The C function that logs it.
    pub function: &'static str,
    /// Its source file (base name).
    pub file: &'static str,
    /// Its line in Pacemaker 2.1.5.
    pub line: u32,
    pub level: Level,
    pub message: String,
}

impl Event {
    /// The stderr line libqb writes: `(function) \tlevel: message`, or
    /// `(function@file:line) \tlevel: message` when tracing is enabled.
    pub fn stderr_line(&self, with_location: bool) -> String {
        if with_location {
            format!(
                "({}@{}:{}) \t{}: {}",
                self.function,
                self.file,
                self.line,
                self.level.name(),
                self.message
            )
        } else {
            format!(
                "({}) \t{}: {}",
                self.function,
                self.level.name(),
                self.message
            )
        }
    }
}

/// One item of stderr output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Diag {
    /// Written to stderr as is.
    Stderr(String),
    /// Logged (shown or not by the tool's log settings).
    Log(Event),
    /// Written to stderr when the tool's log level, raised by four, admits
    /// `level` (stylesheet messages during `cibadmin --upgrade -V`,
    /// `cib_upgrade_err`).
    StderrAt(Level, String),
}

/// Stderr output in the order it was produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diags {
    pub items: Vec<Diag>,
}

impl Diags {
    /// Record a log message.
    pub fn log(
        &mut self,
        function: &'static str,
        file: &'static str,
        line: u32,
        level: Level,
        message: String,
    ) {
        self.items.push(Diag::Log(Event {
            function,
            file,
            line,
            level,
            message,
        }));
    }

    /// Record text written to stderr.
    pub fn stderr(&mut self, text: impl Into<String>) {
        self.items.push(Diag::Stderr(text.into()));
    }

    /// Append another collection.
    pub fn append(&mut self, mut other: Diags) {
        self.items.append(&mut other.items);
    }

    /// The log messages only.
    pub fn events(&self) -> impl Iterator<Item = &Event> {
        self.items.iter().filter_map(|d| match d {
            Diag::Log(e) => Some(e),
            Diag::Stderr(_) | Diag::StderrAt(..) => None,
        })
    }
}
