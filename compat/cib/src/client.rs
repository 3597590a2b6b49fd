//! How a client reaches a CIB (`cib_new()`, lib/cib/cib_client.c): the
//! [`CibBackend`] trait every connection kind implements, and the choice
//! made from the environment (`CIB_shadow`, `CIB_file`, `CIB_port`, else
//! the local CIB manager).
//!
//! The file backend lives in [`crate::file`]. The IPC ("native") and TLS
//! ("remote") backends belong to the messaging layer; until a caller plugs
//! one in, [`Unconnected`] stands in and fails sign-on the way the
//! reference does when no cluster is running.

use std::path::PathBuf;

use pcmk_results::errno::ENOTCONN;

use crate::api::{Op, Reply, Request};

/// One connection to a CIB: sign on, run operations, sign off
/// (`cib_api_operations_t`).
pub trait CibBackend {
    /// Connect (`signon`). `name` is the client name. The reply's `rc` is
    /// the legacy return code; its `stderr` holds what the reference would
    /// have printed while connecting.
    fn signon(&mut self, name: &str) -> Reply;
    /// Run one operation synchronously.
    fn perform(&mut self, op: Op, req: &Request<'_>) -> Reply;
    /// Disconnect, writing back whatever must be written. Legacy rc.
    fn signoff(&mut self) -> i32;
}

/// Which backend the environment selects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A file (`CIB_file`, or the file of shadow `CIB_shadow`).
    File(PathBuf),
    /// A remote CIB manager over TLS (`CIB_port`).
    Remote { server: String, port: String },
    /// The local CIB manager over IPC.
    Native,
}

/// `cib_new()`: what `CIB_shadow` (non-empty), `CIB_file`, `CIB_port`
/// select, in that order.
pub fn target_from_env() -> Target {
    match std::env::var("CIB_shadow") {
        Ok(s) if !s.is_empty() => return Target::File(crate::system::shadow_file(&s)),
        _ => {}
    }
    if let Some(f) = std::env::var_os("CIB_file") {
        return Target::File(PathBuf::from(f));
    }
    if let Ok(port) = std::env::var("CIB_port") {
        let server = std::env::var("CIB_server").unwrap_or_else(|_| "localhost".to_owned());
        return Target::Remote { server, port };
    }
    Target::Native
}

/// A backend that cannot connect (no messaging layer yet): sign-on fails
/// with `-ENOTCONN`, as the reference's does with no CIB manager running.
#[derive(Clone, Copy, Debug, Default)]
pub struct Unconnected;

impl CibBackend for Unconnected {
    fn signon(&mut self, _name: &str) -> Reply {
        Reply {
            rc: -ENOTCONN,
            ..Reply::default()
        }
    }

    fn perform(&mut self, _op: Op, _req: &Request<'_>) -> Reply {
        Reply {
            rc: -ENOTCONN,
            ..Reply::default()
        }
    }

    fn signoff(&mut self) -> i32 {
        0
    }
}
