//! libcpg: closed process groups (corosync 3.1.7 `ipc_cpg.h`, lib/cpg.c).
//!
//! - Codecs for the requests, responses and callbacks (pure), including
//!   [`Dispatcher`], which turns event bytes into [`CpgEvent`]s and
//!   reassembles fragmented (partial) deliveries.
//! - [`CpgClient`] (blocking) and, with `tokio`, [`AsyncCpgClient`].
//!
//! Group names are raw bytes with an explicit length; Pacemaker counts the
//! trailing NUL (`cib\0` is 4 bytes), see [`pacemaker_group`].

use std::collections::HashMap;
use std::time::Duration;

use super::bytes::{put_u32, put_u64, u32_at, u64_at};
use super::{request, response, Conn, CsError, ResHeader, IPC_REQUEST_SIZE, RES_HEADER_SIZE};

/// `CPG_MAX_NAME_LENGTH`.
pub const MAX_NAME_LENGTH: usize = 128;
/// `sizeof(mar_cpg_name_t)`: length (8-aligned) then 128 bytes.
pub const NAME_SIZE: usize = 136;
/// `sizeof(mar_cpg_address_t)`: nodeid, pid, reason, each 8-aligned.
pub const ADDRESS_SIZE: usize = 24;
/// `PROCESSOR_COUNT_MAX` (`CPG_MEMBERS_MAX`).
pub const MEMBERS_MAX: usize = 384;
/// Largest message sent in one piece (`IPC_REQUEST_SIZE - 1024`); larger
/// ones go as partial messages.
pub const MAX_ATOMIC_MSG_SIZE: usize = IPC_REQUEST_SIZE - 1024;

/// Sizes and offsets of the structures (checked against gcc in
/// tests/tests/msg_layout.rs).
pub mod layout {
    /// `req_lib_cpg_join`: group @16, pid @152, flags @160.
    pub const JOIN_REQ_SIZE: usize = 168;
    /// `req_lib_cpg_leave`: group @16, pid @152.
    pub const LEAVE_REQ_SIZE: usize = 160;
    /// `req_lib_cpg_mcast` (note: a *response* header): guarantee @24, msglen @32.
    pub const MCAST_REQ_SIZE: usize = 40;
    /// `req_lib_cpg_partial_mcast`: guarantee @24, msglen @32, fraglen @40, type @48.
    pub const PARTIAL_MCAST_REQ_SIZE: usize = 56;
    /// `req_lib_cpg_membership_get`: group @16.
    pub const MEMBERSHIP_REQ_SIZE: usize = 152;
    /// `res_lib_cpg_membership_get`: member_count @24, member_list @32.
    pub const MEMBERSHIP_RES_SIZE: usize = 32 + super::MEMBERS_MAX * super::ADDRESS_SIZE;
    /// `res_lib_cpg_local_get`: local_nodeid @24.
    pub const LOCAL_GET_RES_SIZE: usize = 32;
    /// `req_lib_cpg_iterationinitialize`: group @16, iteration_type @152.
    pub const ITER_INIT_REQ_SIZE: usize = 160;
    /// `res_lib_cpg_iterationinitialize`: iteration_handle @24.
    pub const ITER_INIT_RES_SIZE: usize = 32;
    /// `req_lib_cpg_iterationnext` / `..finalize`: iteration_handle @16.
    pub const ITER_HANDLE_REQ_SIZE: usize = 24;
    /// `res_lib_cpg_iterationnext`: description (group @24, nodeid @160, pid @164).
    pub const ITER_NEXT_RES_SIZE: usize = 168;
    /// `res_lib_cpg_deliver_callback`: group @24, msglen @160, nodeid @168, pid @176, message @184.
    pub const DELIVER_SIZE: usize = 184;
    /// `res_lib_cpg_partial_deliver_callback`: group @24, msglen @160,
    /// fraglen @168, nodeid @176, pid @184, type @192, message @200.
    pub const PARTIAL_DELIVER_SIZE: usize = 200;
    /// `res_lib_cpg_confchg_callback`: group @24, member_list_entries @160,
    /// joined_list_entries @168, left_list_entries @176, lists @184
    /// (members, then left, then joined).
    pub const CONFCHG_SIZE: usize = 184;
    /// `res_lib_cpg_totem_confchg_callback`: ring_id (nodeid @24, seq @32),
    /// member_list_entries @40, member_list (u32) @44.
    pub const TOTEM_CONFCHG_LIST_OFFSET: usize = 44;
}

/// `enum req_cpg_types`.
#[allow(missing_docs)]
pub mod req {
    pub const JOIN: i32 = 0;
    pub const LEAVE: i32 = 1;
    pub const MCAST: i32 = 2;
    pub const MEMBERSHIP: i32 = 3;
    pub const LOCAL_GET: i32 = 4;
    pub const ITERATIONINITIALIZE: i32 = 5;
    pub const ITERATIONNEXT: i32 = 6;
    pub const ITERATIONFINALIZE: i32 = 7;
    pub const FINALIZE: i32 = 8;
    pub const ZC_ALLOC: i32 = 9;
    pub const ZC_FREE: i32 = 10;
    pub const ZC_EXECUTE: i32 = 11;
    pub const PARTIAL_MCAST: i32 = 12;
}

/// `enum res_cpg_types`.
#[allow(missing_docs)]
pub mod res {
    pub const JOIN: i32 = 0;
    pub const LEAVE: i32 = 1;
    pub const MCAST: i32 = 2;
    pub const MEMBERSHIP: i32 = 3;
    pub const CONFCHG_CALLBACK: i32 = 4;
    pub const DELIVER_CALLBACK: i32 = 5;
    pub const FLOW_CONTROL_STATE_SET: i32 = 6;
    pub const LOCAL_GET: i32 = 7;
    pub const FLOWCONTROL_CALLBACK: i32 = 8;
    pub const ITERATIONINITIALIZE: i32 = 9;
    pub const ITERATIONNEXT: i32 = 10;
    pub const ITERATIONFINALIZE: i32 = 11;
    pub const FINALIZE: i32 = 12;
    pub const TOTEM_CONFCHG_CALLBACK: i32 = 13;
    pub const PARTIAL_DELIVER_CALLBACK: i32 = 17;
    pub const PARTIAL_SEND: i32 = 18;
}

/// `cpg_guarantee_t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Guarantee {
    /// `CPG_TYPE_UNORDERED`.
    Unordered = 0,
    /// `CPG_TYPE_FIFO`.
    Fifo = 1,
    /// `CPG_TYPE_AGREED` (what Pacemaker uses).
    Agreed = 2,
    /// `CPG_TYPE_SAFE`.
    Safe = 3,
}

/// `cpg_reason_t` / `lib_cpg_confchg_reason`.
#[allow(missing_docs)]
pub mod reason {
    pub const JOIN: u32 = 1;
    pub const LEAVE: u32 = 2;
    pub const NODEDOWN: u32 = 3;
    pub const NODEUP: u32 = 4;
    pub const PROCDOWN: u32 = 5;
}

/// `lib_cpg_partial_types`.
#[allow(missing_docs)]
pub mod partial {
    pub const FIRST: u32 = 1;
    pub const CONTINUED: u32 = 2;
    pub const LAST: u32 = 3;
}

/// `CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF`: ask for a totem
/// configuration callback right after joining.
pub const MODEL_V1_DELIVER_INITIAL_TOTEM_CONF: u32 = 1;

/// `cpg_iteration_type_t`.
#[allow(missing_docs)]
pub mod iteration {
    pub const NAME_ONLY: u32 = 1;
    pub const ONE_GROUP: u32 = 2;
    pub const ALL: u32 = 3;
}

/// The group name Pacemaker's daemons use for `name`: its bytes plus
/// the NUL (at most 127 + 1).
pub fn pacemaker_group(name: &str) -> Vec<u8> {
    let mut v: Vec<u8> = name.as_bytes().iter().copied().take(127).collect();
    v.push(0);
    v
}

/// A group name as text (up to its first NUL).
pub fn group_text(name: &[u8]) -> String {
    let end = name.iter().position(|&c| c == 0).unwrap_or(name.len());
    String::from_utf8_lossy(&name[..end]).into_owned()
}

fn put_name(b: &mut [u8], off: usize, name: &[u8]) -> Result<(), CsError> {
    if name.len() > MAX_NAME_LENGTH {
        return Err(CsError::NAME_TOO_LONG);
    }
    put_u32(b, off, name.len() as u32);
    b[off + 8..off + 8 + name.len()].copy_from_slice(name);
    Ok(())
}

fn get_name(b: &[u8], off: usize) -> Vec<u8> {
    let len = (u32_at(b, off) as usize).min(MAX_NAME_LENGTH);
    b[off + 8..off + 8 + len].to_vec()
}

/// `struct cpg_address`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CpgAddress {
    /// Node id.
    pub nodeid: u32,
    /// Process id.
    pub pid: u32,
    /// Why it joined or left ([`reason`]).
    pub reason: u32,
}

fn get_addresses(b: &[u8], off: usize, n: usize) -> Result<Vec<CpgAddress>, CsError> {
    if n > MEMBERS_MAX || b.len() < off + n * ADDRESS_SIZE {
        return Err(CsError::MESSAGE_ERROR);
    }
    Ok((0..n)
        .map(|i| {
            let o = off + i * ADDRESS_SIZE;
            CpgAddress {
                nodeid: u32_at(b, o),
                pid: u32_at(b, o + 8),
                reason: u32_at(b, o + 16),
            }
        })
        .collect())
}

fn put_addresses(b: &mut Vec<u8>, list: &[CpgAddress]) {
    for a in list {
        let mut e = [0u8; ADDRESS_SIZE];
        put_u32(&mut e, 0, a.nodeid);
        put_u32(&mut e, 8, a.pid);
        put_u32(&mut e, 16, a.reason);
        b.extend_from_slice(&e);
    }
}

/// `struct cpg_ring_id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RingId {
    /// Representative node.
    pub nodeid: u32,
    /// Ring sequence.
    pub seq: u64,
}

/// One callback from corosync.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CpgEvent {
    /// A message (`cpg_deliver_fn`), reassembled if it came in pieces.
    Deliver {
        /// Group name bytes.
        group: Vec<u8>,
        /// Sending node.
        nodeid: u32,
        /// Sending process.
        pid: u32,
        /// The message.
        msg: Vec<u8>,
    },
    /// Membership change (`cpg_confchg_fn`).
    ConfChg {
        /// Group name bytes.
        group: Vec<u8>,
        /// Members after the change.
        members: Vec<CpgAddress>,
        /// Processes that left.
        left: Vec<CpgAddress>,
        /// Processes that joined.
        joined: Vec<CpgAddress>,
    },
    /// Totem membership (`cpg_totem_confchg_fn`).
    TotemConfChg {
        /// The new ring.
        ring_id: RingId,
        /// Node ids in it.
        members: Vec<u32>,
    },
}

/// Turns event bytes into [`CpgEvent`]s (`cpg_dispatch` without the I/O),
/// keeping partial messages per (node, pid) until their last piece.
#[derive(Debug, Default)]
pub struct Dispatcher {
    assembly: HashMap<(u32, u32), (usize, Vec<u8>)>,
}

impl Dispatcher {
    /// A dispatcher with no partial message.
    pub fn new() -> Dispatcher {
        Dispatcher::default()
    }

    /// Feed one event; `Ok(None)` for a fragment that completes nothing
    /// and for flow-control notices.
    pub fn feed(&mut self, b: &[u8]) -> Result<Option<CpgEvent>, CsError> {
        let h = ResHeader::decode(b, RES_HEADER_SIZE)?;
        match h.id {
            res::DELIVER_CALLBACK => {
                need(b, layout::DELIVER_SIZE)?;
                let len = u32_at(b, 160) as usize;
                need(b, layout::DELIVER_SIZE + len)?;
                Ok(Some(CpgEvent::Deliver {
                    group: get_name(b, 24),
                    nodeid: u32_at(b, 168),
                    pid: u32_at(b, 176),
                    msg: b[layout::DELIVER_SIZE..layout::DELIVER_SIZE + len].to_vec(),
                }))
            }
            res::PARTIAL_DELIVER_CALLBACK => {
                need(b, layout::PARTIAL_DELIVER_SIZE)?;
                let msglen = u32_at(b, 160) as usize;
                let fraglen = u32_at(b, 168) as usize;
                let key = (u32_at(b, 176), u32_at(b, 184));
                let kind = u32_at(b, 192);
                need(b, layout::PARTIAL_DELIVER_SIZE + fraglen)?;
                let frag = &b[layout::PARTIAL_DELIVER_SIZE..layout::PARTIAL_DELIVER_SIZE + fraglen];
                if kind == partial::FIRST {
                    // A new first piece drops any interrupted assembly.
                    self.assembly
                        .insert(key, (msglen, Vec::with_capacity(msglen.min(4 << 20))));
                }
                let Some((total, buf)) = self.assembly.get_mut(&key) else {
                    return Ok(None);
                };
                if buf.len() + fraglen > *total {
                    self.assembly.remove(&key);
                    return Err(CsError::MESSAGE_ERROR);
                }
                buf.extend_from_slice(frag);
                if kind != partial::LAST {
                    return Ok(None);
                }
                let (_, msg) = self.assembly.remove(&key).unwrap_or_default();
                Ok(Some(CpgEvent::Deliver {
                    group: get_name(b, 24),
                    nodeid: key.0,
                    pid: key.1,
                    msg,
                }))
            }
            res::CONFCHG_CALLBACK => {
                need(b, layout::CONFCHG_SIZE)?;
                let (nm, nj, nl) = (
                    u32_at(b, 160) as usize,
                    u32_at(b, 168) as usize,
                    u32_at(b, 176) as usize,
                );
                let members = get_addresses(b, 184, nm)?;
                let left = get_addresses(b, 184 + nm * ADDRESS_SIZE, nl)?;
                let joined = get_addresses(b, 184 + (nm + nl) * ADDRESS_SIZE, nj)?;
                for l in &left {
                    self.assembly.remove(&(l.nodeid, l.pid));
                }
                Ok(Some(CpgEvent::ConfChg {
                    group: get_name(b, 24),
                    members,
                    left,
                    joined,
                }))
            }
            res::TOTEM_CONFCHG_CALLBACK => {
                need(b, layout::TOTEM_CONFCHG_LIST_OFFSET)?;
                let n = u32_at(b, 40) as usize;
                if n > MEMBERS_MAX {
                    return Err(CsError::MESSAGE_ERROR);
                }
                need(b, layout::TOTEM_CONFCHG_LIST_OFFSET + 4 * n)?;
                Ok(Some(CpgEvent::TotemConfChg {
                    ring_id: RingId {
                        nodeid: u32_at(b, 24),
                        seq: u64_at(b, 32),
                    },
                    members: (0..n)
                        .map(|i| u32_at(b, layout::TOTEM_CONFCHG_LIST_OFFSET + 4 * i))
                        .collect(),
                }))
            }
            res::FLOWCONTROL_CALLBACK | res::FLOW_CONTROL_STATE_SET => Ok(None),
            _ => Err(CsError::LIBRARY),
        }
    }
}

fn need(b: &[u8], n: usize) -> Result<(), CsError> {
    if b.len() < n {
        Err(CsError::MESSAGE_ERROR)
    } else {
        Ok(())
    }
}

/// Encoders for every request and callback (clients use the requests; a
/// corosync server and tests use the callbacks).
pub mod codec {
    use super::*;

    /// `req_lib_cpg_join`.
    pub fn join(group: &[u8], pid: u32, flags: u32) -> Result<Vec<u8>, CsError> {
        let mut b = request(req::JOIN, layout::JOIN_REQ_SIZE);
        put_name(&mut b, 16, group)?;
        put_u32(&mut b, 152, pid);
        put_u32(&mut b, 160, flags);
        Ok(b)
    }

    /// `req_lib_cpg_leave`.
    pub fn leave(group: &[u8], pid: u32) -> Result<Vec<u8>, CsError> {
        let mut b = request(req::LEAVE, layout::LEAVE_REQ_SIZE);
        put_name(&mut b, 16, group)?;
        put_u32(&mut b, 152, pid);
        Ok(b)
    }

    /// `req_lib_cpg_mcast` header for a `msglen`-byte message.
    pub fn mcast(guarantee: Guarantee, msglen: usize) -> Vec<u8> {
        let mut b = response(req::MCAST, super::CsError(0), layout::MCAST_REQ_SIZE);
        put_u32(&mut b, 8, (layout::MCAST_REQ_SIZE + msglen) as u32);
        put_u32(&mut b, 24, guarantee as u32);
        put_u32(&mut b, 32, msglen as u32);
        b
    }

    /// `req_lib_cpg_partial_mcast` header for one fragment.
    pub fn partial_mcast(
        guarantee: Guarantee,
        msglen: usize,
        fraglen: usize,
        kind: u32,
    ) -> Vec<u8> {
        let mut b = response(
            req::PARTIAL_MCAST,
            super::CsError(0),
            layout::PARTIAL_MCAST_REQ_SIZE,
        );
        put_u32(&mut b, 8, (layout::PARTIAL_MCAST_REQ_SIZE + fraglen) as u32);
        put_u32(&mut b, 24, guarantee as u32);
        put_u32(&mut b, 32, msglen as u32);
        put_u32(&mut b, 40, fraglen as u32);
        put_u32(&mut b, 48, kind);
        b
    }

    /// `req_lib_cpg_membership_get`.
    pub fn membership_get(group: &[u8]) -> Result<Vec<u8>, CsError> {
        let mut b = request(req::MEMBERSHIP, layout::MEMBERSHIP_REQ_SIZE);
        put_name(&mut b, 16, group)?;
        Ok(b)
    }

    /// `res_lib_cpg_membership_get` decoded.
    pub fn membership_get_response(b: &[u8]) -> Result<Vec<CpgAddress>, CsError> {
        need(b, 32)?;
        let n = u32_at(b, 24) as usize;
        get_addresses(b, 32, n)
    }

    /// `req_lib_cpg_iterationinitialize`.
    pub fn iteration_initialize(kind: u32, group: Option<&[u8]>) -> Result<Vec<u8>, CsError> {
        let mut b = request(req::ITERATIONINITIALIZE, layout::ITER_INIT_REQ_SIZE);
        if let Some(g) = group {
            put_name(&mut b, 16, g)?;
        }
        put_u32(&mut b, 152, kind);
        Ok(b)
    }

    /// `req_lib_cpg_iterationnext` / `..finalize`.
    pub fn iteration_handle(id: i32, handle: u64) -> Vec<u8> {
        let mut b = request(id, layout::ITER_HANDLE_REQ_SIZE);
        put_u64(&mut b, 16, handle);
        b
    }

    /// `res_lib_cpg_deliver_callback` (for servers and tests).
    pub fn deliver_callback(
        group: &[u8],
        nodeid: u32,
        pid: u32,
        msg: &[u8],
    ) -> Result<Vec<u8>, CsError> {
        let mut b = response(
            res::DELIVER_CALLBACK,
            super::CsError::OK,
            layout::DELIVER_SIZE,
        );
        put_u32(&mut b, 8, (layout::DELIVER_SIZE + msg.len()) as u32);
        put_name(&mut b, 24, group)?;
        put_u32(&mut b, 160, msg.len() as u32);
        put_u32(&mut b, 168, nodeid);
        put_u32(&mut b, 176, pid);
        b.extend_from_slice(msg);
        Ok(b)
    }

    /// `res_lib_cpg_partial_deliver_callback` (for servers and tests).
    pub fn partial_deliver_callback(
        group: &[u8],
        nodeid: u32,
        pid: u32,
        msglen: usize,
        kind: u32,
        frag: &[u8],
    ) -> Result<Vec<u8>, CsError> {
        let mut b = response(
            res::PARTIAL_DELIVER_CALLBACK,
            super::CsError::OK,
            layout::PARTIAL_DELIVER_SIZE,
        );
        put_u32(
            &mut b,
            8,
            (layout::PARTIAL_DELIVER_SIZE + frag.len()) as u32,
        );
        put_name(&mut b, 24, group)?;
        put_u32(&mut b, 160, msglen as u32);
        put_u32(&mut b, 168, frag.len() as u32);
        put_u32(&mut b, 176, nodeid);
        put_u32(&mut b, 184, pid);
        put_u32(&mut b, 192, kind);
        b.extend_from_slice(frag);
        Ok(b)
    }

    /// `res_lib_cpg_confchg_callback` (for servers and tests).
    pub fn confchg_callback(
        group: &[u8],
        members: &[CpgAddress],
        left: &[CpgAddress],
        joined: &[CpgAddress],
    ) -> Result<Vec<u8>, CsError> {
        let mut b = response(
            res::CONFCHG_CALLBACK,
            super::CsError::OK,
            layout::CONFCHG_SIZE,
        );
        put_name(&mut b, 24, group)?;
        put_u32(&mut b, 160, members.len() as u32);
        put_u32(&mut b, 168, joined.len() as u32);
        put_u32(&mut b, 176, left.len() as u32);
        put_addresses(&mut b, members);
        put_addresses(&mut b, left);
        put_addresses(&mut b, joined);
        let n = b.len() as u32;
        put_u32(&mut b, 8, n);
        Ok(b)
    }
}

/// `struct cpg_iteration_description_t`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IterationDescription {
    /// Group name bytes.
    pub group: Vec<u8>,
    /// Node id.
    pub nodeid: u32,
    /// Process id.
    pub pid: u32,
}

fn my_pid() -> u32 {
    std::process::id()
}

/// A blocking CPG connection (`cpg_handle_t`).
pub struct CpgClient {
    conn: Conn,
    flags: u32,
    dispatcher: std::sync::Mutex<Dispatcher>,
}

impl CpgClient {
    /// `cpg_initialize` (model v1, no flags).
    #[doc(alias = "cpg_initialize")]
    pub fn initialize() -> Result<CpgClient, CsError> {
        Self::model_initialize(0)
    }

    /// `cpg_model_initialize` with model v1 `flags`.
    #[doc(alias = "cpg_model_initialize")]
    pub fn model_initialize(flags: u32) -> Result<CpgClient, CsError> {
        if flags & !MODEL_V1_DELIVER_INITIAL_TOTEM_CONF != 0 {
            return Err(CsError::INVALID_PARAM);
        }
        Ok(CpgClient {
            conn: Conn::connect("cpg")?,
            flags,
            dispatcher: std::sync::Mutex::new(Dispatcher::new()),
        })
    }

    /// The connection (for `AsFd` polling and credentials).
    pub fn conn(&self) -> &Conn {
        &self.conn
    }

    /// `cpg_join` (retried while corosync answers `CS_ERR_BUSY`).
    #[doc(alias = "cpg_join")]
    pub fn join(&self, group: &[u8]) -> Result<(), CsError> {
        let req = codec::join(group, my_pid(), self.flags)?;
        loop {
            match self.conn.call(&[&req], RES_HEADER_SIZE) {
                Err(CsError::BUSY) => continue,
                r => return r.map(|_| ()),
            }
        }
    }

    /// `cpg_leave`.
    #[doc(alias = "cpg_leave")]
    pub fn leave(&self, group: &[u8]) -> Result<(), CsError> {
        let req = codec::leave(group, my_pid())?;
        loop {
            match self.conn.call(&[&req], RES_HEADER_SIZE) {
                Err(CsError::BUSY) => continue,
                r => return r.map(|_| ()),
            }
        }
    }

    /// `cpg_mcast_joined`: no response is awaited; `CS_ERR_TRY_AGAIN`
    /// when corosync applies flow control or the ring is full. Messages
    /// above [`MAX_ATOMIC_MSG_SIZE`] are sent in pieces.
    #[doc(alias = "cpg_mcast_joined")]
    pub fn mcast_joined(&self, guarantee: Guarantee, msg: &[u8]) -> Result<(), CsError> {
        if msg.len() > MAX_ATOMIC_MSG_SIZE {
            return self.send_fragments(guarantee, msg);
        }
        let hdr = codec::mcast(guarantee, msg.len());
        let qb = self.conn.qb();
        qb.set_fc_enable_max(2);
        let r = self.conn.send(&[&hdr, msg]);
        qb.set_fc_enable_max(1);
        r
    }

    fn send_fragments(&self, guarantee: Guarantee, msg: &[u8]) -> Result<(), CsError> {
        let qb = self.conn.qb();
        qb.set_fc_enable_max(2);
        let mut r = Ok(());
        for (kind, frag) in fragments(msg) {
            let hdr = codec::partial_mcast(guarantee, msg.len(), frag.len(), kind);
            let mut tries = 0;
            r = loop {
                match self.conn.call(&[&hdr, frag], RES_HEADER_SIZE) {
                    Err(CsError::TRY_AGAIN) if tries < 100 => {
                        tries += 1;
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    r => break r.map(|_| ()),
                }
            };
            if r.is_err() {
                break;
            }
        }
        qb.set_fc_enable_max(1);
        r
    }

    /// `cpg_membership_get`.
    #[doc(alias = "cpg_membership_get")]
    pub fn membership_get(&self, group: &[u8]) -> Result<Vec<CpgAddress>, CsError> {
        let r = self.conn.call(&[&codec::membership_get(group)?], 32)?;
        codec::membership_get_response(&r)
    }

    /// `cpg_local_get`: this node's id.
    #[doc(alias = "cpg_local_get")]
    pub fn local_get(&self) -> Result<u32, CsError> {
        let r = self
            .conn
            .call(&[&request(req::LOCAL_GET, 16)], layout::LOCAL_GET_RES_SIZE)?;
        Ok(u32_at(&r, 24))
    }

    /// `cpg_iteration_initialize` + `_next` until `CS_ERR_NO_SECTIONS` +
    /// `_finalize`: every (group, node, pid) corosync knows
    /// (`group` only with [`iteration::ONE_GROUP`]).
    #[doc(alias = "cpg_iteration_next")]
    pub fn iterate(
        &self,
        kind: u32,
        group: Option<&[u8]>,
    ) -> Result<Vec<IterationDescription>, CsError> {
        if (kind == iteration::ONE_GROUP) != group.is_some() {
            return Err(CsError::INVALID_PARAM);
        }
        let r = self.conn.call(
            &[&codec::iteration_initialize(kind, group)?],
            layout::ITER_INIT_RES_SIZE,
        )?;
        let handle = u64_at(&r, 24);
        let mut out = Vec::new();
        let result = loop {
            match self.conn.call(
                &[&codec::iteration_handle(req::ITERATIONNEXT, handle)],
                layout::ITER_NEXT_RES_SIZE,
            ) {
                Ok(r) => out.push(IterationDescription {
                    group: get_name(&r, 24),
                    nodeid: u32_at(&r, 160),
                    pid: u32_at(&r, 164),
                }),
                Err(CsError::NO_SECTIONS) => break Ok(out),
                Err(e) => break Err(e),
            }
        };
        let _ = self.conn.call(
            &[&codec::iteration_handle(req::ITERATIONFINALIZE, handle)],
            RES_HEADER_SIZE,
        );
        result
    }

    /// `cpg_dispatch(CS_DISPATCH_ONE)` with a deadline: the next complete
    /// event, `Ok(None)` when `timeout` passes first.
    #[doc(alias = "cpg_dispatch")]
    pub fn dispatch(&self, timeout: Option<Duration>) -> Result<Option<CpgEvent>, CsError> {
        let deadline = timeout.map(|t| std::time::Instant::now() + t);
        loop {
            let left = deadline.map(|d| d.saturating_duration_since(std::time::Instant::now()));
            let b = match self.conn.recv_event(left) {
                Ok(b) => b,
                Err(CsError::TRY_AGAIN) => return Ok(None),
                Err(e) => return Err(e),
            };
            let ev = self
                .dispatcher
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .feed(&b)?;
            if ev.is_some() {
                return Ok(ev);
            }
        }
    }

    /// `cpg_finalize`.
    #[doc(alias = "cpg_finalize")]
    pub fn finalize(self) -> Result<(), CsError> {
        self.conn
            .call(&[&request(req::FINALIZE, 16)], RES_HEADER_SIZE)
            .map(|_| ())
    }
}

/// Split `msg` into partial-message pieces of at most
/// [`MAX_ATOMIC_MSG_SIZE`] bytes with their kinds.
pub fn fragments(msg: &[u8]) -> impl Iterator<Item = (u32, &[u8])> {
    let n = msg.len().div_ceil(MAX_ATOMIC_MSG_SIZE);
    msg.chunks(MAX_ATOMIC_MSG_SIZE)
        .enumerate()
        .map(move |(i, c)| {
            let kind = if i == 0 {
                partial::FIRST
            } else if i + 1 == n {
                partial::LAST
            } else {
                partial::CONTINUED
            };
            (kind, c)
        })
}

/// An async CPG connection for tokio daemons.
#[cfg(feature = "tokio")]
pub struct AsyncCpgClient {
    conn: super::AsyncConn,
    flags: u32,
    dispatcher: tokio::sync::Mutex<Dispatcher>,
}

#[cfg(feature = "tokio")]
impl AsyncCpgClient {
    /// `cpg_model_initialize` (model v1 with `flags`).
    pub async fn initialize(flags: u32) -> Result<AsyncCpgClient, CsError> {
        if flags & !MODEL_V1_DELIVER_INITIAL_TOTEM_CONF != 0 {
            return Err(CsError::INVALID_PARAM);
        }
        Ok(AsyncCpgClient {
            conn: super::AsyncConn::connect("cpg").await?,
            flags,
            dispatcher: tokio::sync::Mutex::new(Dispatcher::new()),
        })
    }

    /// The connection.
    pub fn conn(&self) -> &super::AsyncConn {
        &self.conn
    }

    /// `cpg_join`.
    pub async fn join(&self, group: &[u8]) -> Result<(), CsError> {
        let req = codec::join(group, my_pid(), self.flags)?;
        loop {
            match self.conn.call(&[&req], RES_HEADER_SIZE).await {
                Err(CsError::BUSY) => tokio::task::yield_now().await,
                r => return r.map(|_| ()),
            }
        }
    }

    /// `cpg_leave`.
    pub async fn leave(&self, group: &[u8]) -> Result<(), CsError> {
        let req = codec::leave(group, my_pid())?;
        loop {
            match self.conn.call(&[&req], RES_HEADER_SIZE).await {
                Err(CsError::BUSY) => tokio::task::yield_now().await,
                r => return r.map(|_| ()),
            }
        }
    }

    /// `cpg_mcast_joined` (see [`CpgClient::mcast_joined`]).
    pub async fn mcast_joined(&self, guarantee: Guarantee, msg: &[u8]) -> Result<(), CsError> {
        let qb = self.conn.qb().blocking();
        qb.set_fc_enable_max(2);
        let r = if msg.len() > MAX_ATOMIC_MSG_SIZE {
            let mut r = Ok(());
            for (kind, frag) in fragments(msg) {
                let hdr = codec::partial_mcast(guarantee, msg.len(), frag.len(), kind);
                let mut tries = 0;
                r = loop {
                    match self.conn.call(&[&hdr, frag], RES_HEADER_SIZE).await {
                        Err(CsError::TRY_AGAIN) if tries < 100 => {
                            tries += 1;
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                        r => break r.map(|_| ()),
                    }
                };
                if r.is_err() {
                    break;
                }
            }
            r
        } else {
            let hdr = codec::mcast(guarantee, msg.len());
            self.conn.send(&[&hdr, msg]).await
        };
        qb.set_fc_enable_max(1);
        r
    }

    /// `cpg_membership_get`.
    pub async fn membership_get(&self, group: &[u8]) -> Result<Vec<CpgAddress>, CsError> {
        let r = self
            .conn
            .call(&[&codec::membership_get(group)?], 32)
            .await?;
        codec::membership_get_response(&r)
    }

    /// `cpg_local_get`.
    pub async fn local_get(&self) -> Result<u32, CsError> {
        let r = self
            .conn
            .call(&[&request(req::LOCAL_GET, 16)], layout::LOCAL_GET_RES_SIZE)
            .await?;
        Ok(u32_at(&r, 24))
    }

    /// The next complete event. Cancel-safe between events (a fragment
    /// already read stays in the dispatcher).
    pub async fn dispatch(&self) -> Result<CpgEvent, CsError> {
        loop {
            let b = self.conn.recv_event().await?;
            if let Some(ev) = self.dispatcher.lock().await.feed(&b)? {
                return Ok(ev);
            }
        }
    }

    /// `cpg_finalize`.
    pub async fn finalize(self) -> Result<(), CsError> {
        self.conn
            .call(&[&request(req::FINALIZE, 16)], RES_HEADER_SIZE)
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_request_layout() {
        let b = codec::join(&pacemaker_group("cib"), 77, 0).unwrap();
        assert_eq!(b.len(), 168);
        assert_eq!(u32_at(&b, 0), 0);
        assert_eq!(u32_at(&b, 8), 168);
        assert_eq!(u32_at(&b, 16), 4);
        assert_eq!(&b[24..28], b"cib\0");
        assert_eq!(u32_at(&b, 152), 77);
        assert!(codec::join(&[b'x'; 129], 1, 0).is_err());
    }

    #[test]
    fn mcast_header_is_a_response_header() {
        let b = codec::mcast(Guarantee::Agreed, 10);
        assert_eq!(b.len(), 40);
        assert_eq!(u32_at(&b, 0), 2);
        assert_eq!(u32_at(&b, 8), 50);
        assert_eq!(u32_at(&b, 24), 2);
        assert_eq!(u32_at(&b, 32), 10);
    }

    #[test]
    fn dispatcher_decodes_callbacks() {
        let g = pacemaker_group("crmd");
        let mut d = Dispatcher::new();
        let ev = d
            .feed(&codec::deliver_callback(&g, 3, 99, b"hello").unwrap())
            .unwrap();
        assert_eq!(
            ev,
            Some(CpgEvent::Deliver {
                group: g.clone(),
                nodeid: 3,
                pid: 99,
                msg: b"hello".to_vec()
            })
        );
        let a = |n, p, r| CpgAddress {
            nodeid: n,
            pid: p,
            reason: r,
        };
        let b = codec::confchg_callback(
            &g,
            &[a(1, 10, 1), a(2, 20, 1)],
            &[a(3, 30, 3)],
            &[a(2, 20, 1)],
        )
        .unwrap();
        match d.feed(&b).unwrap() {
            Some(CpgEvent::ConfChg {
                members,
                left,
                joined,
                ..
            }) => {
                assert_eq!(members.len(), 2);
                assert_eq!(left, vec![a(3, 30, 3)]);
                assert_eq!(joined, vec![a(2, 20, 1)]);
            }
            other => panic!("{other:?}"),
        }
        assert!(d.feed(&b[..100]).is_err());
    }

    #[test]
    fn partial_messages_are_reassembled() {
        let g = pacemaker_group("x");
        let msg: Vec<u8> = (0..(2 * MAX_ATOMIC_MSG_SIZE + 5))
            .map(|i| i as u8)
            .collect();
        let pieces: Vec<_> = fragments(&msg).collect();
        assert_eq!(pieces.len(), 3);
        assert_eq!(pieces[0].0, partial::FIRST);
        assert_eq!(pieces[1].0, partial::CONTINUED);
        assert_eq!(pieces[2].0, partial::LAST);
        let mut d = Dispatcher::new();
        let mut got = None;
        for (kind, frag) in pieces {
            let b = codec::partial_deliver_callback(&g, 1, 2, msg.len(), kind, frag).unwrap();
            got = d.feed(&b).unwrap();
        }
        match got {
            Some(CpgEvent::Deliver {
                msg: m,
                nodeid: 1,
                pid: 2,
                ..
            }) => assert!(m == msg),
            other => panic!("{:?}", other.map(|_| ())),
        }
        // A continuation without a first piece is ignored.
        let b = codec::partial_deliver_callback(&g, 1, 2, 10, partial::LAST, b"abc").unwrap();
        assert_eq!(d.feed(&b).unwrap(), None);
        // Pieces overflowing the announced size are an error.
        let b = codec::partial_deliver_callback(&g, 1, 2, 2, partial::FIRST, b"abc").unwrap();
        assert!(d.feed(&b).is_err());
    }
}
