//! Log messages the reference emits from inside CIB operations, collected
//! instead of printed (the library does no I/O).
//!
//! Only messages that users can actually see are kept: the ACL checks trace
//! from `pcmk__check_acl` and `pcmk__apply_creation_acl`, which cts-cli (and
//! administrators debugging ACLs) enable with
//! `PCMK_trace_functions=pcmk__check_acl,pcmk__apply_creation_acl`. Each
//! event carries the C function, source file and line the reference logs
//! them from, so a tool can print them exactly as libqb does.

/// Severity of a collected message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// `LOG_NOTICE`.
    Notice,
    /// `LOG_TRACE`.
    Trace,
}

impl Level {
    /// libqb's name for the level.
    pub fn name(self) -> &'static str {
        match self {
            Level::Notice => "notice",
            Level::Trace => "trace",
        }
    }
}

/// One message.
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
    /// The line libqb writes to stderr when tracing is on:
    /// `(function@file:line) \tlevel: message`.
    pub fn stderr_line(&self) -> String {
        format!(
            "({}@{}:{}) \t{}: {}",
            self.function,
            self.file,
            self.line,
            self.level.name(),
            self.message
        )
    }
}

/// Messages in the order they were produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    pub events: Vec<Event>,
}

impl Trace {
    pub(crate) fn push(
        &mut self,
        function: &'static str,
        file: &'static str,
        line: u32,
        level: Level,
        message: String,
    ) {
        self.events.push(Event {
            function,
            file,
            line,
            level,
            message,
        });
    }

    /// Append another trace's events.
    pub fn append(&mut self, mut other: Trace) {
        self.events.append(&mut other.events);
    }
}
