//! Exit statuses of Pacemaker tools and daemons (`crm_exit_t`).
//!
//! [`CrmExit`] wraps any `int` because callers pass through values they did
//! not choose (an agent's exit status, a number typed to `crm_error -X`); the
//! associated constants are the documented ones. A process can only exit with
//! 0..=255: [`CrmExit::process_status`] applies `crm_exit()`'s clamp.

use std::fmt;

/// An exit status.
#[doc(alias = "crm_exit_t")]
#[doc(alias = "crm_exit_e")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CrmExit(i32);

macro_rules! exit_codes {
    ($( $(#[$doc:meta])* $konst:ident = $value:literal, $cname:literal, $text:literal; )*) => {
        impl CrmExit {
            $(
                $(#[$doc])*
                #[doc(alias = $cname)]
                pub const $konst: CrmExit = CrmExit($value);
            )*

            /// Every documented exit status, in increasing order (without `CRM_EX_MAX`).
            pub const ALL: &'static [CrmExit] = &[$(CrmExit::$konst),*];
        }

        fn lookup(code: i32) -> Option<(&'static str, &'static str)> {
            match code {
                $($value => Some(($cname, $text)),)*
                _ => None,
            }
        }
    };
}

exit_codes! {
    /// Success.
    OK = 0, "CRM_EX_OK", "OK";
    /// Unspecified error.
    ERROR = 1, "CRM_EX_ERROR", "Error occurred";
    /// Parameter invalid (in local context).
    INVALID_PARAM = 2, "CRM_EX_INVALID_PARAM", "Invalid parameter";
    /// Requested action not implemented.
    UNIMPLEMENT_FEATURE = 3, "CRM_EX_UNIMPLEMENT_FEATURE", "Unimplemented";
    /// Insufficient privileges.
    INSUFFICIENT_PRIV = 4, "CRM_EX_INSUFFICIENT_PRIV", "Insufficient privileges";
    /// Dependencies not available locally.
    NOT_INSTALLED = 5, "CRM_EX_NOT_INSTALLED", "Not installed";
    /// Parameter invalid (inherently).
    NOT_CONFIGURED = 6, "CRM_EX_NOT_CONFIGURED", "Not configured";
    /// Service safely stopped.
    NOT_RUNNING = 7, "CRM_EX_NOT_RUNNING", "Not running";
    /// Service active and promoted.
    PROMOTED = 8, "CRM_EX_PROMOTED", "Promoted";
    /// Service failed and possibly promoted.
    FAILED_PROMOTED = 9, "CRM_EX_FAILED_PROMOTED", "Failed in promoted role";
    /// Command-line usage error.
    USAGE = 64, "CRM_EX_USAGE", "Incorrect usage";
    /// User-supplied data incorrect.
    DATAERR = 65, "CRM_EX_DATAERR", "Invalid data given";
    /// Input file not available.
    NOINPUT = 66, "CRM_EX_NOINPUT", "Input file not available";
    /// User does not exist.
    NOUSER = 67, "CRM_EX_NOUSER", "User does not exist";
    /// Host unknown.
    NOHOST = 68, "CRM_EX_NOHOST", "Host does not exist";
    /// Needed service unavailable.
    UNAVAILABLE = 69, "CRM_EX_UNAVAILABLE", "Necessary service unavailable";
    /// Internal software bug.
    SOFTWARE = 70, "CRM_EX_SOFTWARE", "Internal software bug";
    /// External (OS/environmental) problem.
    OSERR = 71, "CRM_EX_OSERR", "Operating system error occurred";
    /// System file not usable.
    OSFILE = 72, "CRM_EX_OSFILE", "System file not available";
    /// File could not be created.
    CANTCREAT = 73, "CRM_EX_CANTCREAT", "Cannot create output file";
    /// File I/O error.
    IOERR = 74, "CRM_EX_IOERR", "I/O error occurred";
    /// Try again.
    TEMPFAIL = 75, "CRM_EX_TEMPFAIL", "Temporary failure, try again";
    /// Protocol violated.
    PROTOCOL = 76, "CRM_EX_PROTOCOL", "Protocol violated";
    /// Non-file permission issue.
    NOPERM = 77, "CRM_EX_NOPERM", "Insufficient privileges";
    /// Misconfiguration.
    CONFIG = 78, "CRM_EX_CONFIG", "Invalid configuration";
    /// Do not respawn.
    FATAL = 100, "CRM_EX_FATAL", "Fatal error occurred, will not respawn";
    /// Panic the local host.
    PANIC = 101, "CRM_EX_PANIC", "System panic required";
    /// Lost connection to something.
    DISCONNECT = 102, "CRM_EX_DISCONNECT", "Not connected";
    /// Update older than existing config.
    OLD = 103, "CRM_EX_OLD", "Update was older than existing configuration";
    /// Digest comparison failed.
    DIGEST = 104, "CRM_EX_DIGEST", "Digest mismatch";
    /// Requested item does not exist.
    NOSUCH = 105, "CRM_EX_NOSUCH", "No such object";
    /// Local partition does not have quorum.
    QUORUM = 106, "CRM_EX_QUORUM", "Quorum required";
    /// Requires --force or new conditions.
    UNSAFE = 107, "CRM_EX_UNSAFE", "Operation not safe";
    /// Requested item already exists.
    EXISTS = 108, "CRM_EX_EXISTS", "Requested item already exists";
    /// Requested item has multiple matches.
    MULTIPLE = 109, "CRM_EX_MULTIPLE", "Multiple items match request";
    /// Requested item has expired.
    EXPIRED = 110, "CRM_EX_EXPIRED", "Requested item has expired";
    /// Requested item is not yet in effect.
    NOT_YET_IN_EFFECT = 111, "CRM_EX_NOT_YET_IN_EFFECT", "Requested item is not yet in effect";
    /// Could not determine status.
    INDETERMINATE = 112, "CRM_EX_INDETERMINATE", "Could not determine status";
    /// Requested item does not satisfy constraints.
    UNSATISFIED = 113, "CRM_EX_UNSATISFIED", "Not applicable under current conditions";
    /// Timed out (the convention of timeout(1)).
    TIMEOUT = 124, "CRM_EX_TIMEOUT", "Timeout occurred";
    /// Service active but more likely to fail soon.
    DEGRADED = 190, "CRM_EX_DEGRADED", "Service is active but might fail soon";
    /// Service promoted but more likely to fail soon.
    DEGRADED_PROMOTED = 191, "CRM_EX_DEGRADED_PROMOTED", "Service is promoted but might fail soon";
    /// No exit status available (also marks pending actions).
    NONE = 193, "CRM_EX_NONE", "No exit status available";
}

impl CrmExit {
    /// Highest value an exit status can hold; it has no name of its own.
    #[doc(alias = "CRM_EX_MAX")]
    pub const MAX: CrmExit = CrmExit(255);

    /// Wrap any integer.
    pub const fn from_raw(code: i32) -> CrmExit {
        CrmExit(code)
    }

    /// The integer value.
    pub const fn raw(self) -> i32 {
        self.0
    }

    /// The constant's name, or `CRM_EX_UNKNOWN`.
    #[doc(alias = "crm_exit_name")]
    pub fn name(self) -> &'static str {
        lookup(self.0).map_or("CRM_EX_UNKNOWN", |(name, _)| name)
    }

    /// The human-readable description.
    #[doc(alias = "crm_exit_str")]
    pub fn description(self) -> &'static str {
        match lookup(self.0) {
            Some((_, text)) => text,
            None if self == CrmExit::MAX => "Error occurred",
            None if self.0 > 128 && self.0 < 255 => "Interrupted by signal",
            None => "Unknown exit status",
        }
    }

    /// The status the process actually exits with: values outside 0..=255
    /// become [`CrmExit::ERROR`], as `crm_exit()` does.
    #[doc(alias = "crm_exit")]
    pub fn process_status(self) -> u8 {
        u8::try_from(self.0).unwrap_or(1)
    }
}

impl From<CrmExit> for std::process::ExitCode {
    fn from(code: CrmExit) -> std::process::ExitCode {
        std::process::ExitCode::from(code.process_status())
    }
}

impl fmt::Display for CrmExit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

impl fmt::Debug for CrmExit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.name(), self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_texts_and_unknowns() {
        assert_eq!(CrmExit::USAGE.name(), "CRM_EX_USAGE");
        assert_eq!(CrmExit::NOPERM.description(), "Insufficient privileges");
        assert_eq!(CrmExit::MAX.name(), "CRM_EX_UNKNOWN");
        assert_eq!(CrmExit::MAX.description(), "Error occurred");
        assert_eq!(
            CrmExit::from_raw(150).description(),
            "Interrupted by signal"
        );
        assert_eq!(CrmExit::from_raw(128).description(), "Unknown exit status");
        assert_eq!(CrmExit::from_raw(-1).description(), "Unknown exit status");
        assert_eq!(CrmExit::from_raw(300).process_status(), 1);
        assert_eq!(CrmExit::ALL.len(), 43);
        assert!(CrmExit::ALL.windows(2).all(|w| w[0] < w[1]));
    }
}
