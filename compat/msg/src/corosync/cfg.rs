//! libcfg (corosync 3.1.7 `ipc_cfg.h`, lib/cfg.c), the part pacemakerd
//! uses: the local node id, shutdown tracking (corosync asks every tracking
//! client before it shuts down; pacemakerd answers "no" while it runs),
//! asking corosync to shut down, reloading the configuration.

use std::time::Duration;

use super::bytes::{put_u32, u32_at};
use super::{request, Conn, CsError, ResHeader, RES_HEADER_SIZE};

/// Sizes and offsets (checked against gcc in tests/tests/msg_layout.rs).
pub mod layout {
    /// `req_lib_cfg_trackstart`: track_flags (u8) @16.
    pub const TRACKSTART_REQ_SIZE: usize = 24;
    /// `req_lib_cfg_tryshutdown`: flags @16.
    pub const TRYSHUTDOWN_REQ_SIZE: usize = 24;
    /// `req_lib_cfg_replytoshutdown`: response @16.
    pub const REPLYTOSHUTDOWN_REQ_SIZE: usize = 24;
    /// `res_lib_cfg_testshutdown`: flags @24.
    pub const TESTSHUTDOWN_SIZE: usize = 32;
    /// `res_lib_cfg_local_get`: local_nodeid @24.
    pub const LOCAL_GET_RES_SIZE: usize = 32;
}

/// `enum req_lib_cfg_types`.
#[allow(missing_docs)]
pub mod req {
    pub const RINGSTATUSGET: i32 = 0;
    pub const RINGREENABLE: i32 = 1;
    pub const KILLNODE: i32 = 2;
    pub const TRYSHUTDOWN: i32 = 3;
    pub const REPLYTOSHUTDOWN: i32 = 4;
    pub const GET_NODE_ADDRS: i32 = 5;
    pub const LOCAL_GET: i32 = 6;
    pub const RELOAD_CONFIG: i32 = 7;
    pub const REOPEN_LOG_FILES: i32 = 8;
    pub const NODESTATUSGET: i32 = 9;
    pub const TRACKSTART: i32 = 10;
    pub const TRACKSTOP: i32 = 11;
}

/// `MESSAGE_RES_CFG_TESTSHUTDOWN`: corosync asks whether it may shut down.
pub const RES_TESTSHUTDOWN: i32 = 10;

/// `corosync_cfg_shutdown_flags_t`.
#[allow(missing_docs)]
pub mod shutdown {
    /// Ask tracking clients; any "no" vetoes.
    pub const REQUEST: u32 = 0;
    /// Shut down whatever the clients say.
    pub const REGARDLESS: u32 = 1;
    /// Shut down without asking.
    pub const IMMEDIATE: u32 = 2;
}

/// `corosync_cfg_shutdown_reply_flags_t`.
#[allow(missing_docs)]
pub mod reply {
    pub const NO: u32 = 0;
    pub const YES: u32 = 1;
}

/// A notification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CfgEvent {
    /// `corosync_cfg_shutdown_callback`: answer with
    /// [`CfgClient::replyto_shutdown`].
    Shutdown {
        /// [`shutdown`] flags of the request.
        flags: u32,
    },
}

/// Decode a notification.
pub fn decode_event(b: &[u8]) -> Result<CfgEvent, CsError> {
    let h = ResHeader::decode(b, RES_HEADER_SIZE)?;
    match h.id {
        RES_TESTSHUTDOWN => {
            if b.len() < 28 {
                return Err(CsError::MESSAGE_ERROR);
            }
            Ok(CfgEvent::Shutdown {
                flags: u32_at(b, 24),
            })
        }
        _ => Err(CsError::LIBRARY),
    }
}

/// A blocking cfg connection (`corosync_cfg_handle_t`).
pub struct CfgClient {
    conn: Conn,
}

impl CfgClient {
    /// `corosync_cfg_initialize`.
    #[doc(alias = "corosync_cfg_initialize")]
    pub fn initialize() -> Result<CfgClient, CsError> {
        Ok(CfgClient {
            conn: Conn::connect("cfg")?,
        })
    }

    /// The connection.
    pub fn conn(&self) -> &Conn {
        &self.conn
    }

    /// `corosync_cfg_local_get`.
    #[doc(alias = "corosync_cfg_local_get")]
    pub fn local_get(&self) -> Result<u32, CsError> {
        let r = self
            .conn
            .call(&[&request(req::LOCAL_GET, 16)], layout::LOCAL_GET_RES_SIZE)?;
        Ok(u32_at(&r, 24))
    }

    /// `corosync_cfg_trackstart`: be asked before corosync shuts down.
    #[doc(alias = "corosync_cfg_trackstart")]
    pub fn trackstart(&self, flags: u8) -> Result<(), CsError> {
        let mut q = request(req::TRACKSTART, layout::TRACKSTART_REQ_SIZE);
        q[16] = flags;
        self.conn.call(&[&q], RES_HEADER_SIZE).map(|_| ())
    }

    /// `corosync_cfg_trackstop`.
    #[doc(alias = "corosync_cfg_trackstop")]
    pub fn trackstop(&self) -> Result<(), CsError> {
        self.conn
            .call(&[&request(req::TRACKSTOP, 16)], RES_HEADER_SIZE)
            .map(|_| ())
    }

    /// `corosync_cfg_try_shutdown`.
    #[doc(alias = "corosync_cfg_try_shutdown")]
    pub fn try_shutdown(&self, flags: u32) -> Result<(), CsError> {
        let mut q = request(req::TRYSHUTDOWN, layout::TRYSHUTDOWN_REQ_SIZE);
        put_u32(&mut q, 16, flags);
        self.conn.call(&[&q], RES_HEADER_SIZE).map(|_| ())
    }

    /// `corosync_cfg_replyto_shutdown` ([`reply::NO`] or [`reply::YES`]).
    #[doc(alias = "corosync_cfg_replyto_shutdown")]
    pub fn replyto_shutdown(&self, response: u32) -> Result<(), CsError> {
        let mut q = request(req::REPLYTOSHUTDOWN, layout::REPLYTOSHUTDOWN_REQ_SIZE);
        put_u32(&mut q, 16, response);
        self.conn.call(&[&q], RES_HEADER_SIZE).map(|_| ())
    }

    /// `corosync_cfg_reload_config`.
    #[doc(alias = "corosync_cfg_reload_config")]
    pub fn reload_config(&self) -> Result<(), CsError> {
        self.conn
            .call(&[&request(req::RELOAD_CONFIG, 16)], RES_HEADER_SIZE)
            .map(|_| ())
    }

    /// `corosync_cfg_dispatch(CS_DISPATCH_ONE)` with a deadline.
    #[doc(alias = "corosync_cfg_dispatch")]
    pub fn dispatch(&self, timeout: Option<Duration>) -> Result<Option<CfgEvent>, CsError> {
        match self.conn.recv_event(timeout) {
            Ok(b) => decode_event(&b).map(Some),
            Err(CsError::TRY_AGAIN) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
