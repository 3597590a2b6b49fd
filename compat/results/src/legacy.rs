//! Legacy return codes (deprecated in Pacemaker, still on the wire).
//!
//! Older APIs return `-errno` or `-pcmk_err_*`; the absolute value is what
//! counts. The CIB manager still replies with these in `cib_rc`, so they stay
//! part of the protocol.

use std::borrow::Cow;

use crate::rc::Rc;

/// Success.
#[doc(alias = "pcmk_ok")]
pub const PCMK_OK: i32 = 0;
/// Base of the replacement errno values on non-Linux systems.
pub const PCMK_ERROR_OFFSET: i32 = 190;
/// Base of the purely custom codes.
pub const PCMK_CUSTOM_OFFSET: i32 = 200;
/// Generic error.
#[doc(alias = "pcmk_err_generic")]
pub const PCMK_ERR_GENERIC: i32 = 201;
/// Quorum required.
#[doc(alias = "pcmk_err_no_quorum")]
pub const PCMK_ERR_NO_QUORUM: i32 = 202;
/// Update does not validate.
#[doc(alias = "pcmk_err_schema_validation")]
pub const PCMK_ERR_SCHEMA_VALIDATION: i32 = 203;
/// XSLT upgrade failed.
#[doc(alias = "pcmk_err_transform_failed")]
pub const PCMK_ERR_TRANSFORM_FAILED: i32 = 204;
/// Update older than the current configuration.
#[doc(alias = "pcmk_err_old_data")]
pub const PCMK_ERR_OLD_DATA: i32 = 205;
/// Diff did not apply.
#[doc(alias = "pcmk_err_diff_failed")]
pub const PCMK_ERR_DIFF_FAILED: i32 = 206;
/// Diff did not apply; full refresh requested.
#[doc(alias = "pcmk_err_diff_resync")]
pub const PCMK_ERR_DIFF_RESYNC: i32 = 207;
/// On-disk CIB edited by hand.
#[doc(alias = "pcmk_err_cib_modified")]
pub const PCMK_ERR_CIB_MODIFIED: i32 = 208;
/// Previous CIB could not be archived.
#[doc(alias = "pcmk_err_cib_backup")]
pub const PCMK_ERR_CIB_BACKUP: i32 = 209;
/// New CIB could not be written.
#[doc(alias = "pcmk_err_cib_save")]
pub const PCMK_ERR_CIB_SAVE: i32 = 210;
/// Schema already the newest (has no name of its own in `pcmk_errorname()`).
#[doc(alias = "pcmk_err_schema_unchanged")]
pub const PCMK_ERR_SCHEMA_UNCHANGED: i32 = 211;
/// On-disk CIB could not be parsed.
#[doc(alias = "pcmk_err_cib_corrupt")]
pub const PCMK_ERR_CIB_CORRUPT: i32 = 212;
/// Resource active on several nodes.
#[doc(alias = "pcmk_err_multiple")]
pub const PCMK_ERR_MULTIPLE: i32 = 213;
/// No such node.
#[doc(alias = "pcmk_err_node_unknown")]
pub const PCMK_ERR_NODE_UNKNOWN: i32 = 214;
/// Already in the requested state.
#[doc(alias = "pcmk_err_already")]
pub const PCMK_ERR_ALREADY: i32 = 215;
/// Malformed name=value pair (Linux numbering; HPPA uses 250).
#[doc(alias = "pcmk_err_bad_nvpair")]
pub const PCMK_ERR_BAD_NVPAIR: i32 = 216;
/// Output format not supported (Linux numbering; HPPA uses 252).
#[doc(alias = "pcmk_err_unknown_format")]
pub const PCMK_ERR_UNKNOWN_FORMAT: i32 = 217;

/// The symbolic name of a legacy code (either sign): `pcmk_err_*`, an errno
/// name, `pcmk_rc_ok` for 0, or `Unknown`.
#[doc(alias = "pcmk_errorname")]
pub fn name(legacy_rc: i32) -> &'static str {
    let code = legacy_rc.wrapping_abs();
    match code {
        PCMK_ERR_GENERIC => "pcmk_err_generic",
        PCMK_ERR_NO_QUORUM => "pcmk_err_no_quorum",
        PCMK_ERR_SCHEMA_VALIDATION => "pcmk_err_schema_validation",
        PCMK_ERR_TRANSFORM_FAILED => "pcmk_err_transform_failed",
        PCMK_ERR_OLD_DATA => "pcmk_err_old_data",
        PCMK_ERR_DIFF_FAILED => "pcmk_err_diff_failed",
        PCMK_ERR_DIFF_RESYNC => "pcmk_err_diff_resync",
        PCMK_ERR_CIB_MODIFIED => "pcmk_err_cib_modified",
        PCMK_ERR_CIB_BACKUP => "pcmk_err_cib_backup",
        PCMK_ERR_CIB_SAVE => "pcmk_err_cib_save",
        PCMK_ERR_CIB_CORRUPT => "pcmk_err_cib_corrupt",
        PCMK_ERR_MULTIPLE => "pcmk_err_multiple",
        PCMK_ERR_NODE_UNKNOWN => "pcmk_err_node_unknown",
        PCMK_ERR_ALREADY => "pcmk_err_already",
        PCMK_ERR_BAD_NVPAIR => "pcmk_err_bad_nvpair",
        PCMK_ERR_UNKNOWN_FORMAT => "pcmk_err_unknown_format",
        // Reference quirk: 211 falls through to the errno names.
        other => Rc::from_raw(other).name(),
    }
}

/// The description of a legacy code (either sign).
#[doc(alias = "pcmk_strerror")]
pub fn description(legacy_rc: i32) -> Cow<'static, str> {
    Rc::from_legacy(legacy_rc).description()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_texts_follow_the_standard_codes() {
        assert_eq!(name(-201), "pcmk_err_generic");
        assert_eq!(name(211), "Unknown");
        assert_eq!(description(211), "Schema is already the latest available");
        assert_eq!(name(-5), "EIO");
        assert_eq!(name(0), "pcmk_rc_ok");
        assert_eq!(name(i32::MIN), "Unknown");
        assert_eq!(description(i32::MIN), "Error");
        assert_eq!(description(-1033), "Unknown error 1033");
    }
}
