//! The request vocabulary shared by every CIB backend: operation names,
//! call options (`enum cib_call_options`) and the result of a call. Pure.

use std::fmt;

use pcmk_results::Rc;
use pcmk_xml::tree::Element;

use crate::trace::Diags;

/// A CIB operation (`PCMK__CIB_REQUEST_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Op {
    Query,
    Modify,
    Create,
    Replace,
    Delete,
    Erase,
    Bump,
    Upgrade,
    ApplyPatch,
    /// `cib_delete_alt` (absolute delete; unknown to the file backend).
    AbsDelete,
    IsPrimary,
    Primary,
    Secondary,
    Sync,
    Noop,
}

impl Op {
    /// The wire name (`cib_query`, …).
    pub fn name(self) -> &'static str {
        match self {
            Op::Query => "cib_query",
            Op::Modify => "cib_modify",
            Op::Create => "cib_create",
            Op::Replace => "cib_replace",
            Op::Delete => "cib_delete",
            Op::Erase => "cib_erase",
            Op::Bump => "cib_bump",
            Op::Upgrade => "cib_upgrade",
            Op::ApplyPatch => "cib_apply_diff",
            Op::AbsDelete => "cib_delete_alt",
            Op::IsPrimary => "cib_ismaster",
            Op::Primary => "cib_master",
            Op::Secondary => "cib_slave",
            Op::Sync => "cib_sync",
            Op::Noop => "noop",
        }
    }

    /// The operation with this wire name (ASCII case-insensitive, as the
    /// file backend looks names up).
    pub fn from_name(name: &str) -> Option<Op> {
        const ALL: [Op; 15] = [
            Op::Query,
            Op::Modify,
            Op::Create,
            Op::Replace,
            Op::Delete,
            Op::Erase,
            Op::Bump,
            Op::Upgrade,
            Op::ApplyPatch,
            Op::AbsDelete,
            Op::IsPrimary,
            Op::Primary,
            Op::Secondary,
            Op::Sync,
            Op::Noop,
        ];
        ALL.into_iter()
            .find(|o| o.name().eq_ignore_ascii_case(name))
    }

    /// Whether the operation only reads.
    pub fn is_query(self) -> bool {
        matches!(self, Op::Query | Op::IsPrimary | Op::Noop)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `enum cib_call_options` (bit values are the wire values).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CallOptions(pub u32);

#[allow(missing_docs)]
impl CallOptions {
    pub const NONE: CallOptions = CallOptions(0);
    pub const VERBOSE: CallOptions = CallOptions(0x0000_0001);
    pub const XPATH: CallOptions = CallOptions(0x0000_0002);
    pub const MULTIPLE: CallOptions = CallOptions(0x0000_0004);
    pub const CAN_CREATE: CallOptions = CallOptions(0x0000_0008);
    pub const DISCARD_REPLY: CallOptions = CallOptions(0x0000_0010);
    pub const NO_CHILDREN: CallOptions = CallOptions(0x0000_0020);
    pub const XPATH_ADDRESS: CallOptions = CallOptions(0x0000_0040);
    pub const MIXED_UPDATE: CallOptions = CallOptions(0x0000_0080);
    pub const SCOPE_LOCAL: CallOptions = CallOptions(0x0000_0100);
    pub const DRYRUN: CallOptions = CallOptions(0x0000_0200);
    pub const SYNC_CALL: CallOptions = CallOptions(0x0000_1000);
    pub const NO_MTIME: CallOptions = CallOptions(0x0000_2000);
    pub const ZERO_COPY: CallOptions = CallOptions(0x0000_4000);
    pub const INHIBIT_NOTIFY: CallOptions = CallOptions(0x0001_0000);
    pub const QUORUM_OVERRIDE: CallOptions = CallOptions(0x0010_0000);
    pub const INHIBIT_BCAST: CallOptions = CallOptions(0x0100_0000);
    pub const FORCE_DIFF: CallOptions = CallOptions(0x1000_0000);

    /// Whether every bit of `other` is set.
    pub fn has(self, other: CallOptions) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for CallOptions {
    type Output = CallOptions;
    fn bitor(self, rhs: CallOptions) -> CallOptions {
        CallOptions(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for CallOptions {
    fn bitor_assign(&mut self, rhs: CallOptions) {
        self.0 |= rhs.0;
    }
}

/// One call: what a client asks of the CIB (`cib_create_op()` fields).
#[derive(Clone, Debug, Default)]
pub struct Request<'a> {
    /// The section name, or the XPath when `options` has `XPATH`.
    pub section: Option<&'a str>,
    /// The call data.
    pub data: Option<&'a Element>,
    pub options: CallOptions,
    /// The ACL user (`CIB_user`, `--user`).
    pub user: Option<&'a str>,
    /// Who sent it (`F_ORIG`), client name (`F_CIB_CLIENTNAME`): the
    /// `update-origin`/`update-client` attributes written on changes.
    pub origin: Option<&'a str>,
    pub client_name: Option<&'a str>,
    /// Upper schema bound for upgrades (`F_CIB_SCHEMA_MAX`).
    pub schema_max: Option<&'a str>,
}

/// What a call returned.
#[derive(Clone, Debug, Default)]
pub struct Reply {
    /// Legacy return code (0, or a negative errno / `-pcmk_err_*`).
    pub rc: i32,
    /// The call's output (query result, `<failed>` list, …).
    pub output: Option<Element>,
    /// What the reference prints on stderr (or logs) while performing the
    /// call, in order (see [`crate::trace`]).
    pub diag: Diags,
}

impl Reply {
    /// The standard return code.
    pub fn rc(&self) -> Rc {
        Rc::from_legacy(self.rc)
    }
}
