//! Standard Pacemaker return codes (`enum pcmk_rc_e` plus system errno values).
//!
//! Zero is success, positive values are errno numbers, and Pacemaker's own
//! codes count down from -1001 (`pcmk_rc_error`). -1 through -1000 are left to
//! callers. [`Rc`] wraps any `int` so that codes read from the wire or given on
//! a command line keep their value; the associated constants name the custom
//! codes.

use std::borrow::Cow;
use std::fmt;

use crate::errno;
use crate::exit::CrmExit;
use crate::legacy;
use crate::ocf::OcfExit;

/// A standard Pacemaker return code.
#[doc(alias = "pcmk_rc_e")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rc(i32);

/// One of Pacemaker's custom (negative) return codes.
struct Custom {
    name: &'static str,
    text: &'static str,
    /// The legacy code `pcmk_rc2legacy()` maps it to (negative).
    legacy: i32,
}

const fn c(name: &'static str, text: &'static str, legacy: i32) -> Custom {
    Custom {
        name,
        text,
        legacy: -legacy,
    }
}

/// Custom codes from -1001 downwards (index `-1001 - code`).
static CUSTOM: &[Custom] = &[
    c("pcmk_rc_error", "Error", legacy::PCMK_ERR_GENERIC),
    c(
        "pcmk_rc_unknown_format",
        "Unknown output format",
        legacy::PCMK_ERR_UNKNOWN_FORMAT,
    ),
    c(
        "pcmk_rc_bad_nvpair",
        "Bad name/value pair given",
        legacy::PCMK_ERR_BAD_NVPAIR,
    ),
    c(
        "pcmk_rc_already",
        "Already in requested state",
        legacy::PCMK_ERR_ALREADY,
    ),
    c(
        "pcmk_rc_node_unknown",
        "Node not found",
        legacy::PCMK_ERR_NODE_UNKNOWN,
    ),
    c(
        "pcmk_rc_multiple",
        "Resource active on multiple nodes",
        legacy::PCMK_ERR_MULTIPLE,
    ),
    c(
        "pcmk_rc_cib_corrupt",
        "Could not parse on-disk configuration",
        legacy::PCMK_ERR_CIB_CORRUPT,
    ),
    c(
        "pcmk_rc_cib_save",
        "Could not save new configuration to disk",
        legacy::PCMK_ERR_CIB_SAVE,
    ),
    c(
        "pcmk_rc_cib_backup",
        "Could not archive previous configuration",
        legacy::PCMK_ERR_CIB_BACKUP,
    ),
    c(
        "pcmk_rc_cib_modified",
        "On-disk configuration was manually modified",
        legacy::PCMK_ERR_CIB_MODIFIED,
    ),
    c(
        "pcmk_rc_diff_resync",
        "Application of update diff failed, requesting full refresh",
        legacy::PCMK_ERR_DIFF_RESYNC,
    ),
    c(
        "pcmk_rc_diff_failed",
        "Application of update diff failed",
        legacy::PCMK_ERR_DIFF_FAILED,
    ),
    c(
        "pcmk_rc_old_data",
        "Update was older than existing configuration",
        legacy::PCMK_ERR_OLD_DATA,
    ),
    c(
        "pcmk_rc_transform_failed",
        "Schema transform failed",
        legacy::PCMK_ERR_TRANSFORM_FAILED,
    ),
    c(
        "pcmk_rc_schema_unchanged",
        "Schema is already the latest available",
        legacy::PCMK_ERR_SCHEMA_UNCHANGED,
    ),
    c(
        "pcmk_rc_schema_validation",
        "Update does not conform to the configured schema",
        legacy::PCMK_ERR_SCHEMA_VALIDATION,
    ),
    c(
        "pcmk_rc_no_quorum",
        "Operation requires quorum",
        legacy::PCMK_ERR_NO_QUORUM,
    ),
    c(
        "pcmk_rc_ipc_unauthorized",
        "IPC server is blocked by unauthorized process",
        legacy::PCMK_ERR_GENERIC,
    ),
    c(
        "pcmk_rc_ipc_unresponsive",
        "IPC server is unresponsive",
        legacy::PCMK_ERR_GENERIC,
    ),
    c(
        "pcmk_rc_ipc_pid_only",
        "IPC server process is active but not accepting connections",
        legacy::PCMK_ERR_GENERIC,
    ),
    c(
        "pcmk_rc_op_unsatisfied",
        "Not applicable under current conditions",
        legacy::PCMK_ERR_GENERIC,
    ),
    c(
        "pcmk_rc_undetermined",
        "Result undetermined",
        legacy::PCMK_ERR_GENERIC,
    ),
    c(
        "pcmk_rc_before_range",
        "Result occurs before given range",
        legacy::PCMK_ERR_GENERIC,
    ),
    c(
        "pcmk_rc_within_range",
        "Result occurs within given range",
        legacy::PCMK_ERR_GENERIC,
    ),
    c(
        "pcmk_rc_after_range",
        "Result occurs after given range",
        legacy::PCMK_ERR_GENERIC,
    ),
    c(
        "pcmk_rc_no_output",
        "Output message produced no output",
        legacy::PCMK_ERR_GENERIC,
    ),
    c(
        "pcmk_rc_no_input",
        "Input file not available",
        legacy::PCMK_ERR_GENERIC,
    ),
    c(
        "pcmk_rc_underflow",
        "Value too small to be stored in data type",
        legacy::PCMK_ERR_GENERIC,
    ),
    c(
        "pcmk_rc_dot_error",
        "Error writing dot(1) file",
        legacy::PCMK_ERR_GENERIC,
    ),
    c(
        "pcmk_rc_graph_error",
        "Error writing graph file",
        legacy::PCMK_ERR_GENERIC,
    ),
    c(
        "pcmk_rc_invalid_transition",
        "Cluster simulation produced invalid transition",
        legacy::PCMK_ERR_GENERIC,
    ),
    c(
        "pcmk_rc_unpack_error",
        "Unable to parse CIB XML",
        legacy::PCMK_ERR_GENERIC,
    ),
    c(
        "pcmk_rc_duplicate_id",
        "Two or more XML elements have the same ID",
        legacy::PCMK_ERR_GENERIC,
    ),
];

/// How many custom (negative) codes exist (`pcmk__n_rc`).
#[doc(alias = "pcmk__n_rc")]
pub const N_CUSTOM: i32 = CUSTOM.len() as i32;

impl Rc {
    /// Success.
    #[doc(alias = "pcmk_rc_ok")]
    pub const OK: Rc = Rc(0);
    /// Generic error; use a more specific code where one fits.
    #[doc(alias = "pcmk_rc_error")]
    pub const ERROR: Rc = Rc(-1001);
    /// Output format not supported.
    #[doc(alias = "pcmk_rc_unknown_format")]
    pub const UNKNOWN_FORMAT: Rc = Rc(-1002);
    /// Malformed name=value pair.
    #[doc(alias = "pcmk_rc_bad_nvpair")]
    pub const BAD_NVPAIR: Rc = Rc(-1003);
    /// Already in the requested state.
    #[doc(alias = "pcmk_rc_already")]
    pub const ALREADY: Rc = Rc(-1004);
    /// No such node.
    #[doc(alias = "pcmk_rc_node_unknown")]
    pub const NODE_UNKNOWN: Rc = Rc(-1005);
    /// Resource active on several nodes.
    #[doc(alias = "pcmk_rc_multiple")]
    pub const MULTIPLE: Rc = Rc(-1006);
    /// On-disk CIB could not be parsed.
    #[doc(alias = "pcmk_rc_cib_corrupt")]
    pub const CIB_CORRUPT: Rc = Rc(-1007);
    /// New CIB could not be written.
    #[doc(alias = "pcmk_rc_cib_save")]
    pub const CIB_SAVE: Rc = Rc(-1008);
    /// Previous CIB could not be archived.
    #[doc(alias = "pcmk_rc_cib_backup")]
    pub const CIB_BACKUP: Rc = Rc(-1009);
    /// On-disk CIB was edited by hand (digest mismatch).
    #[doc(alias = "pcmk_rc_cib_modified")]
    pub const CIB_MODIFIED: Rc = Rc(-1010);
    /// Diff did not apply; a full refresh is needed.
    #[doc(alias = "pcmk_rc_diff_resync")]
    pub const DIFF_RESYNC: Rc = Rc(-1011);
    /// Diff did not apply.
    #[doc(alias = "pcmk_rc_diff_failed")]
    pub const DIFF_FAILED: Rc = Rc(-1012);
    /// Update older than the current configuration.
    #[doc(alias = "pcmk_rc_old_data")]
    pub const OLD_DATA: Rc = Rc(-1013);
    /// XSLT upgrade failed.
    #[doc(alias = "pcmk_rc_transform_failed")]
    pub const TRANSFORM_FAILED: Rc = Rc(-1014);
    /// Schema already the newest.
    #[doc(alias = "pcmk_rc_schema_unchanged")]
    pub const SCHEMA_UNCHANGED: Rc = Rc(-1015);
    /// Update does not validate.
    #[doc(alias = "pcmk_rc_schema_validation")]
    pub const SCHEMA_VALIDATION: Rc = Rc(-1016);
    /// Quorum required.
    #[doc(alias = "pcmk_rc_no_quorum")]
    pub const NO_QUORUM: Rc = Rc(-1017);
    /// IPC server owned by an unexpected process.
    #[doc(alias = "pcmk_rc_ipc_unauthorized")]
    pub const IPC_UNAUTHORIZED: Rc = Rc(-1018);
    /// IPC server does not answer.
    #[doc(alias = "pcmk_rc_ipc_unresponsive")]
    pub const IPC_UNRESPONSIVE: Rc = Rc(-1019);
    /// IPC server process exists but does not accept connections.
    #[doc(alias = "pcmk_rc_ipc_pid_only")]
    pub const IPC_PID_ONLY: Rc = Rc(-1020);
    /// Not applicable under current conditions.
    #[doc(alias = "pcmk_rc_op_unsatisfied")]
    pub const OP_UNSATISFIED: Rc = Rc(-1021);
    /// Result could not be determined.
    #[doc(alias = "pcmk_rc_undetermined")]
    pub const UNDETERMINED: Rc = Rc(-1022);
    /// Before a date range.
    #[doc(alias = "pcmk_rc_before_range")]
    pub const BEFORE_RANGE: Rc = Rc(-1023);
    /// Within a date range.
    #[doc(alias = "pcmk_rc_within_range")]
    pub const WITHIN_RANGE: Rc = Rc(-1024);
    /// After a date range.
    #[doc(alias = "pcmk_rc_after_range")]
    pub const AFTER_RANGE: Rc = Rc(-1025);
    /// An output message printed nothing.
    #[doc(alias = "pcmk_rc_no_output")]
    pub const NO_OUTPUT: Rc = Rc(-1026);
    /// Input file missing.
    #[doc(alias = "pcmk_rc_no_input")]
    pub const NO_INPUT: Rc = Rc(-1027);
    /// Value below the type's minimum.
    #[doc(alias = "pcmk_rc_underflow")]
    pub const UNDERFLOW: Rc = Rc(-1028);
    /// dot(1) file could not be written.
    #[doc(alias = "pcmk_rc_dot_error")]
    pub const DOT_ERROR: Rc = Rc(-1029);
    /// Transition graph file could not be written.
    #[doc(alias = "pcmk_rc_graph_error")]
    pub const GRAPH_ERROR: Rc = Rc(-1030);
    /// Simulated transition was invalid.
    #[doc(alias = "pcmk_rc_invalid_transition")]
    pub const INVALID_TRANSITION: Rc = Rc(-1031);
    /// CIB XML could not be unpacked.
    #[doc(alias = "pcmk_rc_unpack_error")]
    pub const UNPACK_ERROR: Rc = Rc(-1032);
    /// Duplicate XML ids.
    #[doc(alias = "pcmk_rc_duplicate_id")]
    pub const DUPLICATE_ID: Rc = Rc(-1033);

    /// The lowest (most negative) custom code.
    pub const MOST_NEGATIVE: Rc = Rc(-1000 - N_CUSTOM);

    /// Wrap any integer.
    pub const fn from_raw(code: i32) -> Rc {
        Rc(code)
    }

    /// The code for a system errno value (positive).
    pub const fn from_errno(errno: i32) -> Rc {
        Rc(errno)
    }

    /// The integer value.
    pub const fn raw(self) -> i32 {
        self.0
    }

    /// Whether this is [`Rc::OK`].
    pub const fn is_ok(self) -> bool {
        self.0 == 0
    }

    fn custom(self) -> Option<&'static Custom> {
        if self.0 <= Rc::ERROR.0 {
            // Widen before subtracting: self.0 may be i32::MIN.
            let index = i64::from(Rc::ERROR.0) - i64::from(self.0);
            usize::try_from(index).ok().and_then(|i| CUSTOM.get(i))
        } else {
            None
        }
    }

    /// The constant's name (`pcmk_rc_ok`, `pcmk_rc_error`, `EAGAIN`, ...), or
    /// `Unknown`.
    #[doc(alias = "pcmk_rc_name")]
    pub fn name(self) -> &'static str {
        if let Some(c) = self.custom() {
            return c.name;
        }
        if self.0 == 0 {
            return "pcmk_rc_ok";
        }
        errno::pcmk_name(self.0).unwrap_or("Unknown")
    }

    /// The human-readable description.
    #[doc(alias = "pcmk_rc_str")]
    pub fn description(self) -> Cow<'static, str> {
        if self.0 == 0 {
            return Cow::Borrowed("OK");
        }
        if let Some(c) = self.custom() {
            return Cow::Borrowed(c.text);
        }
        if self.0 < 0 {
            return Cow::Borrowed("Error");
        }
        errno::strerror(self.0)
    }

    /// The most similar exit status.
    #[doc(alias = "pcmk_rc2exitc")]
    pub fn to_exit(self) -> CrmExit {
        use errno::*;
        match self {
            Rc::OK | Rc::WITHIN_RANGE => CrmExit::OK,
            Rc::NO_QUORUM => CrmExit::QUORUM,
            Rc::OLD_DATA => CrmExit::OLD,
            Rc::SCHEMA_VALIDATION | Rc::TRANSFORM_FAILED | Rc::UNPACK_ERROR => CrmExit::CONFIG,
            Rc::BAD_NVPAIR => CrmExit::INVALID_PARAM,
            Rc::UNDERFLOW => CrmExit::SOFTWARE,
            Rc::ALREADY => CrmExit::EXISTS,
            Rc::NO_OUTPUT | Rc::DOT_ERROR | Rc::GRAPH_ERROR => CrmExit::IOERR,
            Rc::MULTIPLE | Rc::DUPLICATE_ID => CrmExit::MULTIPLE,
            Rc::NODE_UNKNOWN | Rc::UNKNOWN_FORMAT => CrmExit::NOSUCH,
            Rc::BEFORE_RANGE => CrmExit::NOT_YET_IN_EFFECT,
            Rc::AFTER_RANGE => CrmExit::EXPIRED,
            Rc::UNDETERMINED => CrmExit::INDETERMINATE,
            Rc::OP_UNSATISFIED => CrmExit::UNSATISFIED,
            Rc::NO_INPUT => CrmExit::NOINPUT,
            Rc(e) => match e {
                EACCES => CrmExit::INSUFFICIENT_PRIV,
                EBADF | EINVAL | EFAULT | ENOSYS | EOVERFLOW => CrmExit::SOFTWARE,
                EBADMSG | EMSGSIZE | ENOMSG | ENOPROTOOPT | EPROTO | EPROTONOSUPPORT
                | EPROTOTYPE => CrmExit::PROTOCOL,
                ECOMM | ENOMEM => CrmExit::OSERR,
                ECONNABORTED | ECONNREFUSED | ECONNRESET | ENOTCONN => CrmExit::DISCONNECT,
                EEXIST => CrmExit::EXISTS,
                EIO => CrmExit::IOERR,
                EOPNOTSUPP => CrmExit::UNIMPLEMENT_FEATURE,
                ENOTUNIQ => CrmExit::MULTIPLE,
                ENODEV | ENOENT | ENXIO => CrmExit::NOSUCH,
                ETIME | ETIMEDOUT => CrmExit::TIMEOUT,
                EAGAIN | EBUSY => CrmExit::UNSATISFIED,
                _ => CrmExit::ERROR,
            },
        }
    }

    /// The most similar OCF agent exit status.
    #[doc(alias = "pcmk_rc2ocf")]
    pub fn to_ocf(self) -> OcfExit {
        match self.0 {
            0 => OcfExit::OK,
            c if c == Rc::BAD_NVPAIR.0 => OcfExit::INVALID_PARAM,
            errno::EACCES => OcfExit::INSUFFICIENT_PRIV,
            errno::EOPNOTSUPP => OcfExit::UNIMPLEMENT_FEATURE,
            _ => OcfExit::UNKNOWN_ERROR,
        }
    }

    /// The legacy (negative errno / negative `pcmk_err_*`) equivalent.
    #[doc(alias = "pcmk_rc2legacy")]
    pub fn to_legacy(self) -> i32 {
        if self.0 >= 0 {
            return -self.0;
        }
        match self.custom() {
            Some(c) => c.legacy,
            None => -legacy::PCMK_ERR_GENERIC,
        }
    }

    /// Convert a legacy return code (either sign) to a standard one.
    #[doc(alias = "pcmk_legacy2rc")]
    pub fn from_legacy(legacy_rc: i32) -> Rc {
        use legacy::*;
        // C's abs(INT_MIN) stays INT_MIN; wrapping_abs does the same.
        let code = legacy_rc.wrapping_abs();
        Rc(match code {
            PCMK_ERR_NO_QUORUM => Rc::NO_QUORUM.0,
            PCMK_ERR_SCHEMA_VALIDATION => Rc::SCHEMA_VALIDATION.0,
            PCMK_ERR_SCHEMA_UNCHANGED => Rc::SCHEMA_UNCHANGED.0,
            PCMK_ERR_TRANSFORM_FAILED => Rc::TRANSFORM_FAILED.0,
            PCMK_ERR_OLD_DATA => Rc::OLD_DATA.0,
            PCMK_ERR_DIFF_FAILED => Rc::DIFF_FAILED.0,
            PCMK_ERR_DIFF_RESYNC => Rc::DIFF_RESYNC.0,
            PCMK_ERR_CIB_MODIFIED => Rc::CIB_MODIFIED.0,
            PCMK_ERR_CIB_BACKUP => Rc::CIB_BACKUP.0,
            PCMK_ERR_CIB_SAVE => Rc::CIB_SAVE.0,
            PCMK_ERR_CIB_CORRUPT => Rc::CIB_CORRUPT.0,
            PCMK_ERR_MULTIPLE => Rc::MULTIPLE.0,
            PCMK_ERR_NODE_UNKNOWN => Rc::NODE_UNKNOWN.0,
            PCMK_ERR_ALREADY => Rc::ALREADY.0,
            PCMK_ERR_BAD_NVPAIR => Rc::BAD_NVPAIR.0,
            PCMK_ERR_UNKNOWN_FORMAT => Rc::UNKNOWN_FORMAT.0,
            PCMK_ERR_GENERIC => Rc::ERROR.0,
            other => other,
        })
    }

    /// Every custom code, from [`Rc::ERROR`] downwards.
    pub fn customs() -> impl Iterator<Item = Rc> {
        (0..N_CUSTOM).map(|i| Rc(Rc::ERROR.0 - i))
    }
}

impl From<std::io::Error> for Rc {
    /// The errno of an I/O error, or [`Rc::ERROR`] when it carries none.
    fn from(err: std::io::Error) -> Rc {
        err.raw_os_error().map_or(Rc::ERROR, Rc::from_errno)
    }
}

impl From<Rc> for CrmExit {
    fn from(rc: Rc) -> CrmExit {
        rc.to_exit()
    }
}

impl fmt::Display for Rc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.description())
    }
}

impl fmt::Debug for Rc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.name(), self.0)
    }
}

impl std::error::Error for Rc {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_table_is_dense_and_named_after_its_constants() {
        // Ref: include/crm/common/results.h enum pcmk_rc_e
        assert_eq!(Rc::MOST_NEGATIVE, Rc::DUPLICATE_ID);
        assert_eq!(Rc::customs().count(), 33);
        for rc in Rc::customs() {
            assert!(rc.name().starts_with("pcmk_rc_"), "{rc:?}");
        }
        assert_eq!(Rc::from_raw(-1034).name(), "Unknown");
        assert_eq!(Rc::from_raw(-1034).description(), "Error");
        assert_eq!(Rc::from_raw(-1000).description(), "Error");
        assert_eq!(Rc::from_raw(i32::MIN).name(), "Unknown");
    }

    #[test]
    fn legacy_round_trip_for_codes_with_a_legacy_twin() {
        for rc in Rc::customs().filter(|rc| rc.raw() >= Rc::NO_QUORUM.raw()) {
            assert_eq!(Rc::from_legacy(rc.to_legacy()), rc, "{rc:?}");
        }
        for e in 0..200 {
            assert_eq!(Rc::from_legacy(Rc::from_errno(e).to_legacy()).raw(), e);
        }
        assert_eq!(Rc::IPC_PID_ONLY.to_legacy(), -legacy::PCMK_ERR_GENERIC);
        assert_eq!(Rc::from_legacy(i32::MIN).raw(), i32::MIN);
    }

    #[test]
    fn exit_mapping_examples() {
        assert_eq!(Rc::OK.to_exit(), CrmExit::OK);
        assert_eq!(
            Rc::from_errno(errno::ENOTCONN).to_exit(),
            CrmExit::DISCONNECT
        );
        assert_eq!(Rc::from_errno(errno::EPERM).to_exit(), CrmExit::ERROR);
        assert_eq!(Rc::from_raw(-5).to_exit(), CrmExit::ERROR);
        assert_eq!(CrmExit::from(Rc::NO_INPUT), CrmExit::NOINPUT);
        assert_eq!(
            Rc::from_errno(errno::EACCES).to_ocf(),
            OcfExit::INSUFFICIENT_PRIV
        );
    }
}
