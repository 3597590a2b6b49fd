//! libvotequorum (corosync 3.1.7 `ipc_votequorum.h`, lib/votequorum.c):
//! node information, expected votes and votes, and quorum / node-list /
//! expected-votes notifications. Qdevice registration is not provided.

use std::time::Duration;

use super::bytes::{put_u32, put_u64, u32_at, u64_at};
use super::{request, Conn, CsError, ResHeader, RES_HEADER_SIZE};

/// `VOTEQUORUM_QDEVICE_MAX_NAME_LEN`.
pub const QDEVICE_MAX_NAME_LEN: usize = 255;

/// Sizes and offsets (checked against gcc in tests/tests/msg_layout.rs).
pub mod layout {
    /// `req_lib_votequorum_getinfo`: nodeid @16.
    pub const GETINFO_REQ_SIZE: usize = 24;
    /// `res_lib_votequorum_getinfo`: nodeid @24, state @28, votes @32,
    /// expected_votes @36, highest_expected @40, total_votes @44, quorum
    /// @48, flags @52, qdevice_votes @56, qdevice_name @60.
    pub const GETINFO_RES_SIZE: usize = 320;
    /// `req_lib_votequorum_setexpected`: expected_votes @16.
    pub const SETEXPECTED_REQ_SIZE: usize = 24;
    /// `req_lib_votequorum_setvotes`: votes @16, nodeid @20.
    pub const SETVOTES_REQ_SIZE: usize = 24;
    /// `req_lib_votequorum_trackstart`: context @16, track_flags @24.
    pub const TRACKSTART_REQ_SIZE: usize = 32;
    /// `res_lib_votequorum_quorum_notification`: quorate @24, context @32,
    /// node_list_entries @40, node_list @48 (nodeid, state pairs).
    pub const QUORUM_NOTIFICATION_LIST_OFFSET: usize = 48;
    /// `res_lib_votequorum_nodelist_notification`: context @24, ring_id
    /// (nodeid @32, seq @40), node_list_entries @48, node_list @56.
    pub const NODELIST_NOTIFICATION_LIST_OFFSET: usize = 56;
    /// `res_lib_votequorum_expectedvotes_notification`: context @24,
    /// expected_votes @32.
    pub const EXPECTEDVOTES_NOTIFICATION_SIZE: usize = 40;
}

/// `enum req_votequorum_types`.
#[allow(missing_docs)]
pub mod req {
    pub const GETINFO: i32 = 0;
    pub const SETEXPECTED: i32 = 1;
    pub const SETVOTES: i32 = 2;
    pub const TRACKSTART: i32 = 3;
    pub const TRACKSTOP: i32 = 4;
}

/// `enum res_votequorum_types`.
#[allow(missing_docs)]
pub mod res {
    pub const STATUS: i32 = 0;
    pub const GETINFO: i32 = 1;
    pub const TRACKSTART: i32 = 2;
    pub const QUORUM_NOTIFICATION: i32 = 3;
    pub const EXPECTEDVOTES_NOTIFICATION: i32 = 4;
    pub const NODELIST_NOTIFICATION: i32 = 5;
}

/// `VOTEQUORUM_INFO_*` flags.
#[allow(missing_docs)]
pub mod info {
    pub const TWONODE: u32 = 1;
    pub const QUORATE: u32 = 2;
    pub const WAIT_FOR_ALL: u32 = 4;
    pub const LAST_MAN_STANDING: u32 = 8;
    pub const AUTO_TIE_BREAKER: u32 = 16;
    pub const ALLOW_DOWNSCALE: u32 = 32;
    pub const QDEVICE_REGISTERED: u32 = 64;
    pub const QDEVICE_ALIVE: u32 = 128;
    pub const QDEVICE_CAST_VOTE: u32 = 256;
    pub const QDEVICE_MASTER_WINS: u32 = 512;
}

/// `struct votequorum_info`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VotequorumInfo {
    pub node_id: u32,
    /// `VOTEQUORUM_NODESTATE_*` (1 member, 2 dead, 3 leaving).
    pub node_state: u32,
    pub node_votes: u32,
    pub node_expected_votes: u32,
    pub highest_expected: u32,
    pub total_votes: u32,
    pub quorum: u32,
    /// [`info`] flags.
    pub flags: u32,
    pub qdevice_votes: u32,
    pub qdevice_name: String,
}

/// A notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VotequorumEvent {
    /// `votequorum_quorum_notification_fn_t`: (nodeid, state) pairs.
    Quorum {
        context: u64,
        quorate: bool,
        nodes: Vec<(u32, u32)>,
    },
    /// `votequorum_nodelist_notification_fn_t`.
    Nodelist {
        context: u64,
        ring_nodeid: u32,
        ring_seq: u64,
        nodes: Vec<u32>,
    },
    /// `votequorum_expectedvotes_notification_fn_t`.
    ExpectedVotes { context: u64, expected_votes: u32 },
}

/// Decode `res_lib_votequorum_getinfo`.
pub fn decode_info(b: &[u8]) -> Result<VotequorumInfo, CsError> {
    if b.len() < layout::GETINFO_RES_SIZE {
        return Err(CsError::MESSAGE_ERROR);
    }
    let raw = &b[60..60 + QDEVICE_MAX_NAME_LEN];
    let end = raw.iter().position(|&c| c == 0).unwrap_or(raw.len());
    Ok(VotequorumInfo {
        node_id: u32_at(b, 24),
        node_state: u32_at(b, 28),
        node_votes: u32_at(b, 32),
        node_expected_votes: u32_at(b, 36),
        highest_expected: u32_at(b, 40),
        total_votes: u32_at(b, 44),
        quorum: u32_at(b, 48),
        flags: u32_at(b, 52),
        qdevice_votes: u32_at(b, 56),
        qdevice_name: String::from_utf8_lossy(&raw[..end]).into_owned(),
    })
}

/// Decode a notification.
pub fn decode_event(b: &[u8]) -> Result<VotequorumEvent, CsError> {
    let h = ResHeader::decode(b, RES_HEADER_SIZE)?;
    let short = |n: usize| {
        if b.len() < n {
            Err(CsError::MESSAGE_ERROR)
        } else {
            Ok(())
        }
    };
    match h.id {
        res::QUORUM_NOTIFICATION => {
            let off = layout::QUORUM_NOTIFICATION_LIST_OFFSET;
            short(off)?;
            let n = u32_at(b, 40) as usize;
            if n > 4096 {
                return Err(CsError::MESSAGE_ERROR);
            }
            short(off + 8 * n)?;
            Ok(VotequorumEvent::Quorum {
                quorate: u32_at(b, 24) != 0,
                context: u64_at(b, 32),
                nodes: (0..n)
                    .map(|i| (u32_at(b, off + 8 * i), u32_at(b, off + 8 * i + 4)))
                    .collect(),
            })
        }
        res::NODELIST_NOTIFICATION => {
            let off = layout::NODELIST_NOTIFICATION_LIST_OFFSET;
            short(off)?;
            let n = u32_at(b, 48) as usize;
            if n > 4096 {
                return Err(CsError::MESSAGE_ERROR);
            }
            short(off + 4 * n)?;
            Ok(VotequorumEvent::Nodelist {
                context: u64_at(b, 24),
                ring_nodeid: u32_at(b, 32),
                ring_seq: u64_at(b, 40),
                nodes: (0..n).map(|i| u32_at(b, off + 4 * i)).collect(),
            })
        }
        res::EXPECTEDVOTES_NOTIFICATION => {
            short(layout::EXPECTEDVOTES_NOTIFICATION_SIZE)?;
            Ok(VotequorumEvent::ExpectedVotes {
                context: u64_at(b, 24),
                expected_votes: u32_at(b, 32),
            })
        }
        _ => Err(CsError::LIBRARY),
    }
}

/// A blocking votequorum connection.
pub struct VotequorumClient {
    conn: Conn,
}

impl VotequorumClient {
    /// `votequorum_initialize`.
    #[doc(alias = "votequorum_initialize")]
    pub fn initialize() -> Result<VotequorumClient, CsError> {
        Ok(VotequorumClient {
            conn: Conn::connect("votequorum")?,
        })
    }

    /// The connection.
    pub fn conn(&self) -> &Conn {
        &self.conn
    }

    /// `votequorum_getinfo` (`nodeid` 0 = this node).
    #[doc(alias = "votequorum_getinfo")]
    pub fn getinfo(&self, nodeid: u32) -> Result<VotequorumInfo, CsError> {
        let mut q = request(req::GETINFO, layout::GETINFO_REQ_SIZE);
        put_u32(&mut q, 16, nodeid);
        decode_info(&self.conn.call(&[&q], layout::GETINFO_RES_SIZE)?)
    }

    /// `votequorum_setexpected`.
    #[doc(alias = "votequorum_setexpected")]
    pub fn setexpected(&self, expected: u32) -> Result<(), CsError> {
        let mut q = request(req::SETEXPECTED, layout::SETEXPECTED_REQ_SIZE);
        put_u32(&mut q, 16, expected);
        self.conn.call(&[&q], RES_HEADER_SIZE).map(|_| ())
    }

    /// `votequorum_setvotes`.
    #[doc(alias = "votequorum_setvotes")]
    pub fn setvotes(&self, nodeid: u32, votes: u32) -> Result<(), CsError> {
        let mut q = request(req::SETVOTES, layout::SETVOTES_REQ_SIZE);
        put_u32(&mut q, 16, votes);
        put_u32(&mut q, 20, nodeid);
        self.conn.call(&[&q], RES_HEADER_SIZE).map(|_| ())
    }

    /// `votequorum_trackstart`.
    #[doc(alias = "votequorum_trackstart")]
    pub fn trackstart(&self, context: u64, flags: u32) -> Result<(), CsError> {
        let mut q = request(req::TRACKSTART, layout::TRACKSTART_REQ_SIZE);
        put_u64(&mut q, 16, context);
        put_u32(&mut q, 24, flags);
        self.conn.call(&[&q], RES_HEADER_SIZE).map(|_| ())
    }

    /// `votequorum_trackstop`.
    #[doc(alias = "votequorum_trackstop")]
    pub fn trackstop(&self) -> Result<(), CsError> {
        self.conn
            .call(&[&request(req::TRACKSTOP, 16)], RES_HEADER_SIZE)
            .map(|_| ())
    }

    /// `votequorum_dispatch(CS_DISPATCH_ONE)` with a deadline.
    #[doc(alias = "votequorum_dispatch")]
    pub fn dispatch(&self, timeout: Option<Duration>) -> Result<Option<VotequorumEvent>, CsError> {
        match self.conn.recv_event(timeout) {
            Ok(b) => decode_event(&b).map(Some),
            Err(CsError::TRY_AGAIN) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
