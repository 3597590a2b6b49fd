//! Resource agent exit statuses (`enum ocf_exitcode`).
//!
//! Besides OCF agents, the executor maps every agent standard's result onto
//! these. [`OcfExit`] wraps any `int` since agents can exit with anything.

use std::fmt;

/// An agent exit status.
#[doc(alias = "ocf_exitcode")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OcfExit(i32);

impl OcfExit {
    /// Success.
    #[doc(alias = "PCMK_OCF_OK")]
    pub const OK: OcfExit = OcfExit(0);
    /// Unspecified error.
    #[doc(alias = "PCMK_OCF_UNKNOWN_ERROR")]
    pub const UNKNOWN_ERROR: OcfExit = OcfExit(1);
    /// Parameter invalid (in local context).
    #[doc(alias = "PCMK_OCF_INVALID_PARAM")]
    pub const INVALID_PARAM: OcfExit = OcfExit(2);
    /// Requested action not implemented.
    #[doc(alias = "PCMK_OCF_UNIMPLEMENT_FEATURE")]
    pub const UNIMPLEMENT_FEATURE: OcfExit = OcfExit(3);
    /// Insufficient privileges.
    #[doc(alias = "PCMK_OCF_INSUFFICIENT_PRIV")]
    pub const INSUFFICIENT_PRIV: OcfExit = OcfExit(4);
    /// Dependencies not available locally.
    #[doc(alias = "PCMK_OCF_NOT_INSTALLED")]
    pub const NOT_INSTALLED: OcfExit = OcfExit(5);
    /// Parameter invalid (inherently).
    #[doc(alias = "PCMK_OCF_NOT_CONFIGURED")]
    pub const NOT_CONFIGURED: OcfExit = OcfExit(6);
    /// Service safely stopped.
    #[doc(alias = "PCMK_OCF_NOT_RUNNING")]
    pub const NOT_RUNNING: OcfExit = OcfExit(7);
    /// Service active and promoted.
    #[doc(alias = "PCMK_OCF_RUNNING_PROMOTED")]
    #[doc(alias = "PCMK_OCF_RUNNING_MASTER")]
    pub const RUNNING_PROMOTED: OcfExit = OcfExit(8);
    /// Service failed and possibly in promoted role.
    #[doc(alias = "PCMK_OCF_FAILED_PROMOTED")]
    #[doc(alias = "PCMK_OCF_FAILED_MASTER")]
    pub const FAILED_PROMOTED: OcfExit = OcfExit(9);
    /// Pacemaker extension, only from older DCs: the connection died.
    #[doc(alias = "PCMK_OCF_CONNECTION_DIED")]
    pub const CONNECTION_DIED: OcfExit = OcfExit(189);
    /// Service active but more likely to fail soon.
    #[doc(alias = "PCMK_OCF_DEGRADED")]
    pub const DEGRADED: OcfExit = OcfExit(190);
    /// Service promoted but more likely to fail soon.
    #[doc(alias = "PCMK_OCF_DEGRADED_PROMOTED")]
    #[doc(alias = "PCMK_OCF_DEGRADED_MASTER")]
    pub const DEGRADED_PROMOTED: OcfExit = OcfExit(191);
    /// Deprecated, unused.
    #[doc(alias = "PCMK_OCF_EXEC_ERROR")]
    pub const EXEC_ERROR: OcfExit = OcfExit(192);
    /// Pacemaker extension: the action is pending.
    #[doc(alias = "PCMK_OCF_UNKNOWN")]
    pub const UNKNOWN: OcfExit = OcfExit(193);
    /// Deprecated, unused.
    #[doc(alias = "PCMK_OCF_SIGNAL")]
    pub const SIGNAL: OcfExit = OcfExit(194);
    /// Deprecated, unused.
    #[doc(alias = "PCMK_OCF_NOT_SUPPORTED")]
    pub const NOT_SUPPORTED: OcfExit = OcfExit(195);
    /// Deprecated, unused.
    #[doc(alias = "PCMK_OCF_PENDING")]
    pub const PENDING: OcfExit = OcfExit(196);
    /// Deprecated, unused.
    #[doc(alias = "PCMK_OCF_CANCELLED")]
    pub const CANCELLED: OcfExit = OcfExit(197);
    /// Deprecated, unused.
    #[doc(alias = "PCMK_OCF_TIMEOUT")]
    pub const TIMEOUT: OcfExit = OcfExit(198);
    /// Deprecated, unused.
    #[doc(alias = "PCMK_OCF_OTHER_ERROR")]
    pub const OTHER_ERROR: OcfExit = OcfExit(199);

    /// Wrap any integer.
    pub const fn from_raw(code: i32) -> OcfExit {
        OcfExit(code)
    }

    /// The integer value.
    pub const fn raw(self) -> i32 {
        self.0
    }

    /// The short text Pacemaker shows for the status (crm_mon, logs).
    #[doc(alias = "services_ocf_exitcode_str")]
    pub fn description(self) -> &'static str {
        match self.0 {
            0 => "ok",
            1 => "error",
            2 => "invalid parameter",
            3 => "unimplemented feature",
            4 => "insufficient privileges",
            5 => "not installed",
            6 => "not configured",
            7 => "not running",
            8 => "promoted",
            9 => "promoted (failed)",
            190 => "OCF_DEGRADED",
            191 => "promoted (degraded)",
            195 => "not supported (DEPRECATED STATUS)",
            197 => "cancelled (DEPRECATED STATUS)",
            199 => "other error (DEPRECATED STATUS)",
            194 => "interrupted by signal (DEPRECATED STATUS)",
            196 => "pending (DEPRECATED STATUS)",
            198 => "timeout (DEPRECATED STATUS)",
            _ => "unknown",
        }
    }
}

impl fmt::Display for OcfExit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

impl fmt::Debug for OcfExit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OcfExit({})", self.0)
    }
}
