//! Execution status of an agent action (`enum pcmk_exec_status`): whether the
//! agent could be run at all, as opposed to what it returned.

use std::fmt;

/// How the attempt to execute an action went.
#[doc(alias = "pcmk_exec_status")]
#[non_exhaustive]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ExecStatus {
    /// Used only to initialize variables.
    #[doc(alias = "PCMK_EXEC_UNKNOWN")]
    Unknown = -2,
    /// Action is in progress.
    #[doc(alias = "PCMK_EXEC_PENDING")]
    Pending = -1,
    /// Action completed, result is known.
    #[doc(alias = "PCMK_EXEC_DONE")]
    Done = 0,
    /// Action was cancelled.
    #[doc(alias = "PCMK_EXEC_CANCELLED")]
    Cancelled = 1,
    /// Action did not complete in time.
    #[doc(alias = "PCMK_EXEC_TIMEOUT")]
    Timeout = 2,
    /// Agent does not implement the requested action.
    #[doc(alias = "PCMK_EXEC_NOT_SUPPORTED")]
    NotSupported = 3,
    /// Execution failed, may be retried.
    #[doc(alias = "PCMK_EXEC_ERROR")]
    Error = 4,
    /// Execution failed, do not retry on this node.
    #[doc(alias = "PCMK_EXEC_ERROR_HARD")]
    ErrorHard = 5,
    /// Execution failed, do not retry anywhere.
    #[doc(alias = "PCMK_EXEC_ERROR_FATAL")]
    ErrorFatal = 6,
    /// Agent or dependency not available locally.
    #[doc(alias = "PCMK_EXEC_NOT_INSTALLED")]
    NotInstalled = 7,
    /// No connection to the executor.
    #[doc(alias = "PCMK_EXEC_NOT_CONNECTED")]
    NotConnected = 8,
    /// Action cannot be attempted (e.g. during shutdown).
    #[doc(alias = "PCMK_EXEC_INVALID")]
    Invalid = 9,
    /// No fence device is configured for the target.
    #[doc(alias = "PCMK_EXEC_NO_FENCE_DEVICE")]
    NoFenceDevice = 10,
    /// Necessary CIB secrets are unavailable.
    #[doc(alias = "PCMK_EXEC_NO_SECRETS")]
    NoSecrets = 11,
}

impl ExecStatus {
    /// Every status, in numeric order.
    pub const ALL: &'static [ExecStatus] = &[
        ExecStatus::Unknown,
        ExecStatus::Pending,
        ExecStatus::Done,
        ExecStatus::Cancelled,
        ExecStatus::Timeout,
        ExecStatus::NotSupported,
        ExecStatus::Error,
        ExecStatus::ErrorHard,
        ExecStatus::ErrorFatal,
        ExecStatus::NotInstalled,
        ExecStatus::NotConnected,
        ExecStatus::Invalid,
        ExecStatus::NoFenceDevice,
        ExecStatus::NoSecrets,
    ];

    /// The status with this wire value.
    pub fn from_raw(code: i32) -> Option<ExecStatus> {
        ExecStatus::ALL.iter().copied().find(|s| s.raw() == code)
    }

    /// The wire value (`op-status` in the CIB).
    pub const fn raw(self) -> i32 {
        self as i32
    }

    /// The text Pacemaker shows; `UNKNOWN!` for [`ExecStatus::Unknown`].
    #[doc(alias = "pcmk_exec_status_str")]
    pub fn description(self) -> &'static str {
        match self {
            ExecStatus::Pending => "pending",
            ExecStatus::Done => "complete",
            ExecStatus::Cancelled => "Cancelled",
            ExecStatus::Timeout => "Timed Out",
            ExecStatus::NotSupported => "NOT SUPPORTED",
            ExecStatus::Error => "Error",
            ExecStatus::ErrorHard => "Hard error",
            ExecStatus::ErrorFatal => "Fatal error",
            ExecStatus::NotInstalled => "Not installed",
            ExecStatus::NotConnected => "Internal communication failure",
            ExecStatus::Invalid => "Cannot execute now",
            ExecStatus::NoFenceDevice => "No fence device",
            ExecStatus::NoSecrets => "CIB secrets unavailable",
            ExecStatus::Unknown => "UNKNOWN!",
        }
    }
}

/// The text for any wire value (`UNKNOWN!` for values outside the enum).
pub fn description(code: i32) -> &'static str {
    ExecStatus::from_raw(code).map_or("UNKNOWN!", ExecStatus::description)
}

impl fmt::Display for ExecStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}
