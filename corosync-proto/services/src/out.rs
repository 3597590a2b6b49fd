//! What the engines produce for the daemon.

use std::collections::VecDeque;

use crate::ConnId;

/// Syslog-style priority of a log line (`LOGSYS_LEVEL_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum LogLevel {
    Crit = 2,
    Error = 3,
    Warning = 4,
    Notice = 5,
    Info = 6,
    Debug = 7,
    Trace = 8,
}

impl LogLevel {
    /// The name libqb prints (`%p`).
    pub fn name(self) -> &'static str {
        match self {
            LogLevel::Crit => "crit",
            LogLevel::Error => "error",
            LogLevel::Warning => "warning",
            LogLevel::Notice => "notice",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }
}

/// Something the daemon must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Write a response to the connection's response ring.
    Response {
        /// Connection.
        conn: ConnId,
        /// Message.
        bytes: Vec<u8>,
    },
    /// Send an event (dispatch) to the connection.
    Event {
        /// Connection.
        conn: ConnId,
        /// Message.
        bytes: Vec<u8>,
    },
    /// Log a line.
    Log {
        /// Priority.
        level: LogLevel,
        /// Subsystem tag (`MAIN`, `QUORUM`, `CPG`, …).
        subsys: &'static str,
        /// Text.
        text: String,
    },
    /// Leave the ring and exit in an orderly way (cfg shutdown, the
    /// config-version check). `reason` is logged by the daemon.
    Shutdown {
        /// Why.
        reason: String,
    },
    /// Exit at once with this status (killed by another node).
    Exit {
        /// Exit status.
        code: i32,
    },
    /// Re-read corosync.conf (cfg reload).
    ReloadConfig,
    /// Reopen log files (cfg).
    ReopenLogs,
    /// Force Totem into GATHER (runtime.force_gather).
    ForceGather,
    /// Close the connection.
    Close(ConnId),
}

/// The queue every engine writes to.
#[derive(Debug, Default)]
pub struct Outbox {
    q: VecDeque<Output>,
}

impl Outbox {
    /// A response.
    pub fn response(&mut self, conn: ConnId, bytes: Vec<u8>) {
        self.q.push_back(Output::Response { conn, bytes });
    }

    /// An event.
    pub fn event(&mut self, conn: ConnId, bytes: Vec<u8>) {
        self.q.push_back(Output::Event { conn, bytes });
    }

    /// A log line.
    pub fn log(&mut self, level: LogLevel, subsys: &'static str, text: impl Into<String>) {
        self.q.push_back(Output::Log {
            level,
            subsys,
            text: text.into(),
        });
    }

    /// Anything else.
    pub fn push(&mut self, o: Output) {
        self.q.push_back(o);
    }

    /// Next output.
    pub fn pop(&mut self) -> Option<Output> {
        self.q.pop_front()
    }

    /// Pending outputs.
    pub fn len(&self) -> usize {
        self.q.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.q.is_empty()
    }
}
