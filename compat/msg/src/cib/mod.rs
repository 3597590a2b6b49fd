//! The CIB manager's client protocol (lib/cib/cib_native.c, cib_utils.c,
//! cib_client.c; daemons/based): operation names, call options, message
//! field names ([`field`]), the messages themselves ([`message`], pure) and
//! the clients: [`CibClient`] (blocking, for tools) and, with `tokio`,
//! [`AsyncCibClient`] (for daemons).
//!
//! Return codes are the reference's legacy ones: 0, or a negative errno
//! or `-pcmk_err_*` (what `cib_rc` carries); [`CibError::rc`] maps them to
//! [`pcmk_results::Rc`].
//!
//! A tool's "native" backend (what `cib_new()` picks when neither
//! `CIB_file`, `CIB_shadow` nor `CIB_port` is set) is a thin layer:
//!
//! ```ignore
//! // signon: like cib->cmds->signon(cib, crm_system_name, cib_command)
//! let conn = match CibClient::signon(name, ConnType::Command) {
//!     Ok(c) => c,
//!     Err(e) => return Reply { rc: e.legacy_rc, ..Reply::default() }, // -ENOTCONN, ...
//! };
//! // perform: every operation goes through `call` with the op's wire name
//! // and the call options bits unchanged (cib_sync_call present = the
//! // reply comes on the response ring, as `cibadmin -s`; absent = as an
//! // event, as plain `cibadmin`).
//! let r = conn.call(&CibRequest {
//!     op: op.name(),             // "cib_query", "cib_modify", ...
//!     host: None,
//!     section: req.section,      // or the XPath with call_options::XPATH
//!     data: req.data,
//!     options: req.options.0,
//!     user: req.user,            // None: CIB_user from the environment
//! });
//! let reply = match r {
//!     Ok(r) => Reply { rc: r.rc, output: r.output, ..Reply::default() },
//!     Err(e) => Reply { rc: e.legacy_rc, ..Reply::default() }, // -ECOMM, -ETIME, ...
//! };
//! ```

#[cfg(feature = "tokio")]
mod async_client;
mod client;
pub mod message;

use std::fmt;

use pcmk_results::Rc;

#[cfg(feature = "tokio")]
pub use async_client::AsyncCibClient;
pub use client::CibClient;
pub use message::{CibNotification, CibReply, CibRequest};

/// Operation names (`PCMK__CIB_REQUEST_*`, `CRM_OP_*`).
pub mod op {
    /// `cib_query`.
    pub const QUERY: &str = "cib_query";
    /// `cib_modify` (also `update`).
    pub const MODIFY: &str = "cib_modify";
    /// `cib_create`.
    pub const CREATE: &str = "cib_create";
    /// `cib_replace`.
    pub const REPLACE: &str = "cib_replace";
    /// `cib_delete`.
    pub const DELETE: &str = "cib_delete";
    /// `cib_delete_alt`.
    pub const ABS_DELETE: &str = "cib_delete_alt";
    /// `cib_erase`.
    pub const ERASE: &str = "cib_erase";
    /// `cib_bump`.
    pub const BUMP: &str = "cib_bump";
    /// `cib_upgrade`.
    pub const UPGRADE: &str = "cib_upgrade";
    /// `cib_apply_diff`.
    pub const APPLY_PATCH: &str = "cib_apply_diff";
    /// `cib_ismaster`.
    pub const IS_PRIMARY: &str = "cib_ismaster";
    /// `cib_master`.
    pub const PRIMARY: &str = "cib_master";
    /// `cib_slave`.
    pub const SECONDARY: &str = "cib_slave";
    /// `cib_slave_all`.
    pub const ALL_SECONDARY: &str = "cib_slave_all";
    /// `cib_sync`.
    pub const SYNC_TO_ALL: &str = "cib_sync";
    /// `cib_sync_one`.
    pub const SYNC_TO_ONE: &str = "cib_sync_one";
    /// `noop`.
    pub const NOOP: &str = "noop";
    /// `cib_shutdown_req`.
    pub const SHUTDOWN: &str = "cib_shutdown_req";
    /// `ping` (`CRM_OP_PING`).
    pub const PING: &str = "ping";
    /// `register` (`CRM_OP_REGISTER`): sign-on.
    pub const REGISTER: &str = "register";
    /// `cib_notify` (`T_CIB_NOTIFY`): notification (un)subscription.
    pub const NOTIFY: &str = "cib_notify";
}

/// `enum cib_call_options` bits (the values on the wire in `cib_callopt`).
#[allow(missing_docs)]
pub mod call_options {
    pub const NONE: u32 = 0x0000_0000;
    pub const VERBOSE: u32 = 0x0000_0001;
    pub const XPATH: u32 = 0x0000_0002;
    pub const MULTIPLE: u32 = 0x0000_0004;
    pub const CAN_CREATE: u32 = 0x0000_0008;
    pub const DISCARD_REPLY: u32 = 0x0000_0010;
    pub const NO_CHILDREN: u32 = 0x0000_0020;
    pub const XPATH_ADDRESS: u32 = 0x0000_0040;
    pub const MIXED_UPDATE: u32 = 0x0000_0080;
    pub const SCOPE_LOCAL: u32 = 0x0000_0100;
    pub const DRYRUN: u32 = 0x0000_0200;
    pub const SYNC_CALL: u32 = 0x0000_1000;
    pub const NO_MTIME: u32 = 0x0000_2000;
    pub const ZERO_COPY: u32 = 0x0000_4000;
    pub const INHIBIT_NOTIFY: u32 = 0x0001_0000;
    pub const QUORUM_OVERRIDE: u32 = 0x0010_0000;
    pub const INHIBIT_BCAST: u32 = 0x0100_0000;
    pub const FORCE_DIFF: u32 = 0x1000_0000;
}

/// Notification types a client can subscribe to.
pub mod notify {
    /// `cib_pre_notify`.
    pub const PRE: &str = "cib_pre_notify";
    /// `cib_post_notify`.
    pub const POST: &str = "cib_post_notify";
    /// `cib_update_confirmation`.
    pub const CONFIRM: &str = "cib_update_confirmation";
    /// `cib_diff_notify`: a v2 patchset after every change.
    pub const DIFF: &str = "cib_diff_notify";
    /// `cib_refresh_notify`: the CIB was replaced or erased.
    pub const REPLACE: &str = "cib_refresh_notify";
}

/// Message attribute and element names (`F_CIB_*`, `F_*`, `T_*`).
#[allow(missing_docs)]
pub mod field {
    pub const TYPE: &str = "t";
    pub const SUBTYPE: &str = "subt";
    pub const ORIGIN: &str = "src";
    pub const XML_TAGNAME: &str = "__name__";
    pub const CLIENTID: &str = "cib_clientid";
    pub const CALLOPTS: &str = "cib_callopt";
    pub const CALLID: &str = "cib_callid";
    pub const CALLDATA: &str = "cib_calldata";
    pub const OPERATION: &str = "cib_op";
    pub const ISREPLY: &str = "cib_isreplyto";
    pub const SECTION: &str = "cib_section";
    pub const HOST: &str = "cib_host";
    pub const RC: &str = "cib_rc";
    pub const UPGRADE_RC: &str = "cib_upgrade_rc";
    pub const DELEGATED: &str = "cib_delegated_from";
    pub const OBJID: &str = "cib_object";
    pub const OBJTYPE: &str = "cib_object_type";
    pub const EXISTING: &str = "cib_existing_object";
    pub const SEENCOUNT: &str = "cib_seen";
    pub const TIMEOUT: &str = "cib_timeout";
    pub const UPDATE: &str = "cib_update";
    pub const CALLBACK_TOKEN: &str = "cib_async_id";
    pub const GLOBAL_UPDATE: &str = "cib_update";
    pub const UPDATE_RESULT: &str = "cib_update_result";
    pub const CLIENTNAME: &str = "cib_clientname";
    pub const NOTIFY_TYPE: &str = "cib_notify_type";
    pub const NOTIFY_ACTIVATE: &str = "cib_notify_activate";
    pub const UPDATE_DIFF: &str = "cib_update_diff";
    pub const USER: &str = "cib_user";
    pub const LOCAL_NOTIFY_ID: &str = "cib_local_notify_id";
    pub const PING_ID: &str = "cib_ping_id";
    pub const SCHEMA_MAX: &str = "cib_schema_max";
    pub const CHANGE_SECTION: &str = "cib_change_section";
    pub const ACL_TARGET: &str = "acl_target";
    /// `T_CIB`: the `t` of requests and replies.
    pub const T_CIB: &str = "cib";
    /// `T_CIB_NOTIFY`: the `t` of notifications.
    pub const T_CIB_NOTIFY: &str = "cib_notify";
}

/// `enum cib_conn_type`: which of the CIB manager's three services.
#[doc(alias = "cib_conn_type")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnType {
    /// `cib_command`: read-write, service `cib_rw`.
    Command,
    /// `cib_query`: read-only, service `cib_ro`.
    Query,
    /// `cib_command_nonblocking`: read-write, service `cib_shm`.
    CommandNonblocking,
}

impl ConnType {
    /// The IPC service name.
    pub fn service(self) -> &'static str {
        match self {
            ConnType::Command => "cib_rw",
            ConnType::Query => "cib_ro",
            ConnType::CommandNonblocking => "cib_shm",
        }
    }
}

/// How long synchronous calls wait (`PCMK__IPC_TIMEOUT`, 120 s).
pub const CALL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// The buffer size the native CIB client asks for (512 KiB).
pub const CLIENT_BUFFER_SIZE: usize = 512 * 1024;

/// A failed call: a legacy return code (negative) and what happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CibError {
    /// Legacy return code: `-ENOTCONN`, `-ECOMM`, `-EPROTO`, `-ENOMSG`,
    /// `-ETIME`, ... (what the C API returns).
    pub legacy_rc: i32,
    /// Details for logs.
    pub detail: String,
}

impl CibError {
    /// A legacy code with a message.
    pub fn new(legacy_rc: i32, detail: impl Into<String>) -> CibError {
        CibError {
            legacy_rc,
            detail: detail.into(),
        }
    }

    /// The standard return code (`pcmk_legacy2rc`).
    pub fn rc(&self) -> Rc {
        Rc::from_legacy(self.legacy_rc)
    }
}

impl fmt::Display for CibError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.rc().description(),
            self.legacy_rc,
            self.detail
        )
    }
}

impl std::error::Error for CibError {}

/// The user the reference puts on calls that name none (`CIB_user`).
pub fn user_from_env() -> Option<String> {
    std::env::var("CIB_user").ok()
}
