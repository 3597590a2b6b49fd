//! CPG IPC (`ipc_cpg.h`): requests, responses and the callbacks (events).

use super::layout as l;
use super::{check_req, check_res, cpg_name_bytes, put_name, put_req, put_res, rd, read_name, wr};
use super::{res_head, CsError};
use crate::codec::{Reader, WireError, Writer};

/// `MESSAGE_REQ_CPG_*` ids.
#[allow(missing_docs)]
pub mod req {
    pub const JOIN: i32 = 0;
    pub const LEAVE: i32 = 1;
    pub const MCAST: i32 = 2;
    pub const MEMBERSHIP: i32 = 3;
    pub const LOCAL_GET: i32 = 4;
    pub const ITERATION_INITIALIZE: i32 = 5;
    pub const ITERATION_NEXT: i32 = 6;
    pub const ITERATION_FINALIZE: i32 = 7;
    pub const FINALIZE: i32 = 8;
    pub const ZC_ALLOC: i32 = 9;
    pub const ZC_FREE: i32 = 10;
    pub const ZC_EXECUTE: i32 = 11;
    pub const PARTIAL_MCAST: i32 = 12;
}

/// `MESSAGE_RES_CPG_*` ids.
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
    pub const ZC_ALLOC: i32 = 14;
    pub const ZC_FREE: i32 = 15;
    pub const ZC_EXECUTE: i32 = 16;
    pub const PARTIAL_DELIVER_CALLBACK: i32 = 17;
    pub const PARTIAL_SEND: i32 = 18;
}

/// `CONFCHG_CPG_REASON_*`.
#[allow(missing_docs)]
pub mod reason {
    pub const UNDEFINED: u32 = 0;
    pub const JOIN: u32 = 1;
    pub const LEAVE: u32 = 2;
    pub const NODEDOWN: u32 = 3;
    pub const NODEUP: u32 = 4;
    pub const PROCDOWN: u32 = 5;
}

/// `CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF`.
pub const MODEL_V1_DELIVER_INITIAL_TOTEM_CONF: u32 = 1;
/// `CPG_ITERATION_NAME_ONLY`.
pub const ITERATION_NAME_ONLY: u32 = 1;
/// `CPG_ITERATION_ONE_GROUP`.
pub const ITERATION_ONE_GROUP: u32 = 2;
/// `CPG_ITERATION_ALL`.
pub const ITERATION_ALL: u32 = 3;

/// `mar_cpg_address_t`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CpgAddress {
    /// Node.
    pub nodeid: u32,
    /// Process.
    pub pid: u32,
    /// `CONFCHG_CPG_REASON_*`.
    pub reason: u32,
}

fn put_addr(w: &mut Writer, a: &CpgAddress) {
    w.u32(a.nodeid);
    w.zeros(4);
    w.u32(a.pid);
    w.zeros(4);
    w.u32(a.reason);
    w.zeros(4);
}

fn read_addr(r: &mut Reader<'_>) -> Result<CpgAddress, WireError> {
    let nodeid = r.u32("cpg address")?;
    r.skip(4, "cpg address")?;
    let pid = r.u32("cpg address")?;
    r.skip(4, "cpg address")?;
    let reason = r.u32("cpg address")?;
    r.skip(4, "cpg address")?;
    Ok(CpgAddress {
        nodeid,
        pid,
        reason,
    })
}

fn name_at(bytes: &[u8], off: usize, what: &'static str) -> Result<Vec<u8>, WireError> {
    let mut r = rd(bytes);
    r.skip_to(off, what)?;
    let (len, value) = read_name(&mut r, false, l::CPG_NAME_VALUE, what)?;
    Ok(cpg_name_bytes(len, &value))
}

fn u32_at(bytes: &[u8], off: usize, what: &'static str) -> Result<u32, WireError> {
    let mut r = rd(bytes);
    r.skip_to(off, what)?;
    r.u32(what)
}

fn u64_at(bytes: &[u8], off: usize, what: &'static str) -> Result<u64, WireError> {
    let mut r = rd(bytes);
    r.skip_to(off, what)?;
    r.u64(what)
}

/// A CPG request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum CpgRequest {
    Join {
        group: Vec<u8>,
        /// The raw length field (names longer than 128 are refused).
        group_len: u32,
        pid: u32,
        flags: u32,
    },
    Leave {
        group: Vec<u8>,
        pid: u32,
    },
    /// No response is sent.
    Mcast {
        guarantee: u32,
        data: Vec<u8>,
    },
    Membership {
        group: Vec<u8>,
    },
    LocalGet,
    IterationInitialize {
        group: Vec<u8>,
        iteration_type: u32,
    },
    IterationNext {
        handle: u64,
    },
    IterationFinalize {
        handle: u64,
    },
    Finalize,
    /// Zero-copy requests (not supported by Atrium).
    ZeroCopy {
        id: i32,
    },
    PartialMcast {
        guarantee: u32,
        msglen: u32,
        msg_type: u32,
        fragment: Vec<u8>,
    },
}

impl CpgRequest {
    /// Decode a request.
    pub fn decode(bytes: &[u8]) -> Result<CpgRequest, WireError> {
        let h = super::req_head(bytes)?;
        Ok(match h.id {
            req::JOIN => {
                check_req(bytes, "cpg join", l::CPG_JOIN_SIZE)?;
                let mut r = rd(bytes);
                r.skip_to(l::REQ_HEADER_SIZE, "cpg join")?;
                let (len, value) = read_name(&mut r, false, l::CPG_NAME_VALUE, "cpg join")?;
                CpgRequest::Join {
                    group: cpg_name_bytes(len, &value),
                    group_len: len,
                    pid: u32_at(bytes, l::CPG_JOIN_PID, "cpg join")?,
                    flags: u32_at(bytes, l::CPG_JOIN_FLAGS, "cpg join")?,
                }
            }
            req::LEAVE => {
                check_req(bytes, "cpg leave", l::CPG_LEAVE_SIZE)?;
                CpgRequest::Leave {
                    group: name_at(bytes, l::REQ_HEADER_SIZE, "cpg leave")?,
                    pid: u32_at(bytes, l::CPG_LEAVE_PID, "cpg leave")?,
                }
            }
            req::MCAST => {
                check_req(bytes, "cpg mcast", l::CPG_MCAST_SIZE)?;
                let msglen = u32_at(bytes, l::CPG_MCAST_MSGLEN, "cpg mcast")? as usize;
                let avail = bytes.len() - l::CPG_MCAST_SIZE;
                if msglen > avail {
                    return Err(WireError::LengthMismatch {
                        what: "cpg mcast",
                        declared: msglen as u64,
                        actual: avail as u64,
                    });
                }
                CpgRequest::Mcast {
                    guarantee: u32_at(bytes, l::CPG_MCAST_GUARANTEE, "cpg mcast")?,
                    data: bytes[l::CPG_MCAST_SIZE..l::CPG_MCAST_SIZE + msglen].to_vec(),
                }
            }
            req::MEMBERSHIP => {
                check_req(bytes, "cpg membership", l::CPG_MEMBERSHIP_GET_SIZE)?;
                CpgRequest::Membership {
                    group: name_at(bytes, l::REQ_HEADER_SIZE, "cpg membership")?,
                }
            }
            req::LOCAL_GET => CpgRequest::LocalGet,
            req::ITERATION_INITIALIZE => {
                check_req(bytes, "cpg iteration", l::CPG_ITER_INIT_SIZE)?;
                CpgRequest::IterationInitialize {
                    group: name_at(bytes, l::REQ_HEADER_SIZE, "cpg iteration")?,
                    iteration_type: u32_at(bytes, l::CPG_ITER_INIT_TYPE, "cpg iteration")?,
                }
            }
            req::ITERATION_NEXT | req::ITERATION_FINALIZE => {
                check_req(bytes, "cpg iteration", l::CPG_ITER_NEXT_SIZE)?;
                let handle = u64_at(bytes, l::REQ_HEADER_SIZE, "cpg iteration")?;
                if h.id == req::ITERATION_NEXT {
                    CpgRequest::IterationNext { handle }
                } else {
                    CpgRequest::IterationFinalize { handle }
                }
            }
            req::FINALIZE => CpgRequest::Finalize,
            req::ZC_ALLOC | req::ZC_FREE | req::ZC_EXECUTE => CpgRequest::ZeroCopy { id: h.id },
            req::PARTIAL_MCAST => {
                check_req(bytes, "cpg partial mcast", l::CPG_PARTIAL_MCAST_SIZE)?;
                let fraglen = u32_at(bytes, l::CPG_PARTIAL_MCAST_FRAGLEN, "cpg partial")? as usize;
                let avail = bytes.len() - l::CPG_PARTIAL_MCAST_SIZE;
                if fraglen > avail {
                    return Err(WireError::LengthMismatch {
                        what: "cpg partial mcast",
                        declared: fraglen as u64,
                        actual: avail as u64,
                    });
                }
                CpgRequest::PartialMcast {
                    guarantee: u32_at(bytes, l::CPG_MCAST_GUARANTEE, "cpg partial")?,
                    msglen: u32_at(bytes, l::CPG_PARTIAL_MCAST_MSGLEN, "cpg partial")?,
                    msg_type: u32_at(bytes, l::CPG_PARTIAL_MCAST_TYPE, "cpg partial")?,
                    fragment: bytes[l::CPG_PARTIAL_MCAST_SIZE..l::CPG_PARTIAL_MCAST_SIZE + fraglen]
                        .to_vec(),
                }
            }
            other => {
                return Err(WireError::UnexpectedId {
                    what: "cpg request",
                    id: other,
                })
            }
        })
    }

    /// Encode the request the way libcpg builds it.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = wr();
        match self {
            CpgRequest::Join {
                group, pid, flags, ..
            } => {
                put_req(&mut w, req::JOIN, l::CPG_JOIN_SIZE);
                put_name(&mut w, false, l::CPG_NAME_VALUE, group);
                w.u32(*pid);
                w.zeros(4);
                w.u32(*flags);
                w.zeros(4);
            }
            CpgRequest::Leave { group, pid } => {
                put_req(&mut w, req::LEAVE, l::CPG_LEAVE_SIZE);
                put_name(&mut w, false, l::CPG_NAME_VALUE, group);
                w.u32(*pid);
                w.zeros(4);
            }
            CpgRequest::Mcast { guarantee, data } => {
                // req_lib_cpg_mcast starts with a *response* header.
                put_res(
                    &mut w,
                    req::MCAST,
                    l::CPG_MCAST_SIZE + data.len(),
                    CsError(0),
                );
                w.u32(*guarantee);
                w.zeros(4);
                w.u32(data.len() as u32);
                w.zeros(4);
                w.bytes(data);
            }
            CpgRequest::Membership { group } => {
                put_req(&mut w, req::MEMBERSHIP, l::CPG_MEMBERSHIP_GET_SIZE);
                put_name(&mut w, false, l::CPG_NAME_VALUE, group);
            }
            CpgRequest::LocalGet => put_req(&mut w, req::LOCAL_GET, l::REQ_HEADER_SIZE),
            CpgRequest::IterationInitialize {
                group,
                iteration_type,
            } => {
                put_req(&mut w, req::ITERATION_INITIALIZE, l::CPG_ITER_INIT_SIZE);
                put_name(&mut w, false, l::CPG_NAME_VALUE, group);
                w.u32(*iteration_type);
                w.zeros(4);
            }
            CpgRequest::IterationNext { handle } | CpgRequest::IterationFinalize { handle } => {
                let id = if matches!(self, CpgRequest::IterationNext { .. }) {
                    req::ITERATION_NEXT
                } else {
                    req::ITERATION_FINALIZE
                };
                put_req(&mut w, id, l::CPG_ITER_NEXT_SIZE);
                w.u64(*handle);
            }
            CpgRequest::Finalize => put_req(&mut w, req::FINALIZE, l::REQ_HEADER_SIZE),
            CpgRequest::ZeroCopy { id } => put_req(&mut w, *id, l::REQ_HEADER_SIZE),
            CpgRequest::PartialMcast {
                guarantee,
                msglen,
                msg_type,
                fragment,
            } => {
                put_res(
                    &mut w,
                    req::PARTIAL_MCAST,
                    l::CPG_PARTIAL_MCAST_SIZE + fragment.len(),
                    CsError(0),
                );
                w.u32(*guarantee);
                w.zeros(4);
                w.u32(*msglen);
                w.zeros(4);
                w.u32(fragment.len() as u32);
                w.zeros(4);
                w.u32(*msg_type);
                w.zeros(4);
                w.bytes(fragment);
            }
        }
        w.into_bytes()
    }
}

/// `res_lib_cpg_local_get`, `res_lib_cpg_iterationinitialize` and other
/// responses with one value after the header.
pub fn value_response(id: i32, error: CsError, value: u64, wide: bool) -> Vec<u8> {
    let mut w = wr();
    put_res(&mut w, id, 32, error);
    if wide {
        w.u64(value);
    } else {
        w.u32(value as u32);
        w.zeros(4);
    }
    w.into_bytes()
}

/// `res_lib_cpg_membership_get` (always the full 9248 bytes).
pub fn membership_response(members: &[CpgAddress]) -> Vec<u8> {
    let mut w = wr();
    put_res(
        &mut w,
        res::MEMBERSHIP,
        l::CPG_RES_MEMBERSHIP_SIZE,
        CsError::OK,
    );
    let n = members.len().min(l::PROCESSOR_COUNT_MAX);
    w.u32(n as u32);
    w.zeros(4);
    for m in &members[..n] {
        put_addr(&mut w, &CpgAddress { reason: 0, ..*m });
    }
    w.pad_to(l::CPG_RES_MEMBERSHIP_SIZE);
    w.into_bytes()
}

/// Decode `res_lib_cpg_membership_get`.
pub fn decode_membership(bytes: &[u8]) -> Result<(CsError, Vec<CpgAddress>), WireError> {
    let h = check_res(bytes, "cpg membership", l::CPG_RES_MEMBERSHIP_LIST)?;
    let n = u32_at(bytes, l::CPG_RES_MEMBERSHIP_COUNT, "cpg membership")? as usize;
    let mut r = rd(bytes);
    r.skip_to(l::CPG_RES_MEMBERSHIP_LIST, "cpg membership")?;
    let list = (0..n.min(l::PROCESSOR_COUNT_MAX))
        .map(|_| read_addr(&mut r))
        .collect::<Result<_, _>>()?;
    Ok((h.error, list))
}

/// `res_lib_cpg_iterationnext`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IterationNextResponse {
    /// Result (`CS_ERR_NO_SECTIONS` at the end).
    pub error: CsError,
    /// Group.
    pub group: Vec<u8>,
    /// Node (0 for NAME_ONLY).
    pub nodeid: u32,
    /// Process (0 for NAME_ONLY).
    pub pid: u32,
}

impl IterationNextResponse {
    /// Encode (168 bytes).
    pub fn encode(&self) -> Vec<u8> {
        let mut w = wr();
        put_res(
            &mut w,
            res::ITERATIONNEXT,
            l::CPG_RES_ITER_NEXT_SIZE,
            self.error,
        );
        put_name(&mut w, false, l::CPG_NAME_VALUE, &self.group);
        w.u32(self.nodeid);
        w.u32(self.pid);
        w.into_bytes()
    }

    /// Decode.
    pub fn decode(bytes: &[u8]) -> Result<IterationNextResponse, WireError> {
        let h = check_res(bytes, "cpg iteration next", l::CPG_RES_ITER_NEXT_SIZE)?;
        let d = l::CPG_RES_ITER_NEXT_DESC;
        Ok(IterationNextResponse {
            error: h.error,
            group: name_at(bytes, d, "cpg iteration next")?,
            nodeid: u32_at(bytes, d + l::CPG_ITER_DESC_NODEID, "cpg iteration next")?,
            pid: u32_at(bytes, d + l::CPG_ITER_DESC_PID, "cpg iteration next")?,
        })
    }
}

/// A CPG callback (event).
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum CpgEvent {
    Confchg {
        group: Vec<u8>,
        members: Vec<CpgAddress>,
        left: Vec<CpgAddress>,
        joined: Vec<CpgAddress>,
    },
    Deliver {
        group: Vec<u8>,
        nodeid: u32,
        pid: u32,
        data: Vec<u8>,
    },
    PartialDeliver {
        group: Vec<u8>,
        msglen: u32,
        nodeid: u32,
        pid: u32,
        msg_type: u32,
        fragment: Vec<u8>,
    },
    TotemConfchg {
        ring_nodeid: u32,
        ring_seq: u64,
        members: Vec<u32>,
    },
    FlowControl {
        state: u32,
    },
}

impl CpgEvent {
    /// Encode.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = wr();
        match self {
            CpgEvent::Confchg {
                group,
                members,
                left,
                joined,
            } => {
                let n = members.len() + left.len() + joined.len();
                put_res(
                    &mut w,
                    res::CONFCHG_CALLBACK,
                    l::CPG_CONFCHG_SIZE + n * l::CPG_ADDRESS_SIZE,
                    CsError::OK,
                );
                put_name(&mut w, false, l::CPG_NAME_VALUE, group);
                for c in [members.len(), joined.len(), left.len()] {
                    w.u32(c as u32);
                    w.zeros(4);
                }
                for a in members.iter().chain(left).chain(joined) {
                    put_addr(&mut w, a);
                }
            }
            CpgEvent::Deliver {
                group,
                nodeid,
                pid,
                data,
            } => {
                put_res(
                    &mut w,
                    res::DELIVER_CALLBACK,
                    l::CPG_DELIVER_SIZE + data.len(),
                    CsError::OK,
                );
                put_name(&mut w, false, l::CPG_NAME_VALUE, group);
                for v in [data.len() as u32, *nodeid, *pid] {
                    w.u32(v);
                    w.zeros(4);
                }
                w.bytes(data);
            }
            CpgEvent::PartialDeliver {
                group,
                msglen,
                nodeid,
                pid,
                msg_type,
                fragment,
            } => {
                put_res(
                    &mut w,
                    res::PARTIAL_DELIVER_CALLBACK,
                    l::CPG_PARTIAL_DELIVER_SIZE + fragment.len(),
                    CsError::OK,
                );
                put_name(&mut w, false, l::CPG_NAME_VALUE, group);
                for v in [*msglen, fragment.len() as u32, *nodeid, *pid, *msg_type] {
                    w.u32(v);
                    w.zeros(4);
                }
                w.bytes(fragment);
            }
            CpgEvent::TotemConfchg {
                ring_nodeid,
                ring_seq,
                members,
            } => {
                // The list follows the count directly (offset 44), so the
                // size is 44 + 4n rounded as sizeof gives it: 48 + 4n.
                put_res(
                    &mut w,
                    res::TOTEM_CONFCHG_CALLBACK,
                    l::CPG_TOTEM_CONFCHG_SIZE + 4 * members.len(),
                    CsError::OK,
                );
                w.u32(*ring_nodeid);
                w.zeros(4);
                w.u64(*ring_seq);
                w.u32(members.len() as u32);
                for m in members {
                    w.u32(*m);
                }
                w.pad_to(l::CPG_TOTEM_CONFCHG_SIZE + 4 * members.len());
            }
            CpgEvent::FlowControl { state } => {
                put_res(
                    &mut w,
                    res::FLOWCONTROL_CALLBACK,
                    l::CPG_FLOWCONTROL_SIZE,
                    CsError::OK,
                );
                w.u32(*state);
                w.zeros(4);
            }
        }
        w.into_bytes()
    }

    /// Decode.
    pub fn decode(bytes: &[u8]) -> Result<CpgEvent, WireError> {
        let h = res_head(bytes)?;
        Ok(match h.id {
            res::CONFCHG_CALLBACK => {
                check_res(bytes, "cpg confchg", l::CPG_CONFCHG_SIZE)?;
                let count = |off| u32_at(bytes, off, "cpg confchg").map(|v| v as usize);
                let (m, j, lf) = (
                    count(l::CPG_CONFCHG_MEMBERS)?,
                    count(l::CPG_CONFCHG_JOINED)?,
                    count(l::CPG_CONFCHG_LEFT)?,
                );
                let total = m.saturating_add(j).saturating_add(lf);
                if total.saturating_mul(l::CPG_ADDRESS_SIZE) > bytes.len() - l::CPG_CONFCHG_SIZE {
                    return Err(WireError::BadCount {
                        what: "cpg confchg entries",
                        count: total as u64,
                    });
                }
                let mut r = rd(bytes);
                r.skip_to(l::CPG_CONFCHG_SIZE, "cpg confchg")?;
                let mut take = |n: usize| {
                    (0..n)
                        .map(|_| read_addr(&mut r))
                        .collect::<Result<Vec<_>, _>>()
                };
                let members = take(m)?;
                let left = take(lf)?;
                let joined = take(j)?;
                CpgEvent::Confchg {
                    group: name_at(bytes, l::CPG_CONFCHG_NAME, "cpg confchg")?,
                    members,
                    left,
                    joined,
                }
            }
            res::DELIVER_CALLBACK => {
                check_res(bytes, "cpg deliver", l::CPG_DELIVER_SIZE)?;
                let msglen = u32_at(bytes, l::CPG_DELIVER_MSGLEN, "cpg deliver")? as usize;
                let data = bytes
                    .get(l::CPG_DELIVER_SIZE..l::CPG_DELIVER_SIZE.saturating_add(msglen))
                    .ok_or(WireError::LengthMismatch {
                        what: "cpg deliver",
                        declared: msglen as u64,
                        actual: (bytes.len() - l::CPG_DELIVER_SIZE) as u64,
                    })?;
                CpgEvent::Deliver {
                    group: name_at(bytes, l::CPG_CONFCHG_NAME, "cpg deliver")?,
                    nodeid: u32_at(bytes, l::CPG_DELIVER_NODEID, "cpg deliver")?,
                    pid: u32_at(bytes, l::CPG_DELIVER_PID, "cpg deliver")?,
                    data: data.to_vec(),
                }
            }
            res::PARTIAL_DELIVER_CALLBACK => {
                check_res(bytes, "cpg partial deliver", l::CPG_PARTIAL_DELIVER_SIZE)?;
                let fraglen =
                    u32_at(bytes, l::CPG_PARTIAL_DELIVER_FRAGLEN, "cpg partial")? as usize;
                let s = l::CPG_PARTIAL_DELIVER_SIZE;
                let fragment =
                    bytes
                        .get(s..s.saturating_add(fraglen))
                        .ok_or(WireError::LengthMismatch {
                            what: "cpg partial deliver",
                            declared: fraglen as u64,
                            actual: (bytes.len() - s) as u64,
                        })?;
                CpgEvent::PartialDeliver {
                    group: name_at(bytes, l::CPG_CONFCHG_NAME, "cpg partial")?,
                    msglen: u32_at(bytes, l::CPG_PARTIAL_DELIVER_MSGLEN, "cpg partial")?,
                    nodeid: u32_at(bytes, l::CPG_PARTIAL_DELIVER_NODEID, "cpg partial")?,
                    pid: u32_at(bytes, l::CPG_PARTIAL_DELIVER_PID, "cpg partial")?,
                    msg_type: u32_at(bytes, l::CPG_PARTIAL_DELIVER_TYPE, "cpg partial")?,
                    fragment: fragment.to_vec(),
                }
            }
            res::TOTEM_CONFCHG_CALLBACK => {
                check_res(bytes, "cpg totem confchg", l::CPG_TOTEM_CONFCHG_LIST)?;
                let n = u32_at(bytes, l::CPG_TOTEM_CONFCHG_COUNT, "totem confchg")? as u64;
                let mut r = rd(bytes);
                r.skip_to(l::CPG_TOTEM_CONFCHG_LIST, "totem confchg")?;
                CpgEvent::TotemConfchg {
                    ring_nodeid: u32_at(bytes, l::CPG_TOTEM_CONFCHG_RING, "totem confchg")?,
                    ring_seq: u64_at(bytes, l::CPG_TOTEM_CONFCHG_RING + 8, "totem confchg")?,
                    members: r.u32_list(n, "totem confchg members")?,
                }
            }
            res::FLOWCONTROL_CALLBACK => CpgEvent::FlowControl {
                state: u32_at(bytes, l::RES_HEADER_SIZE, "cpg flow control")?,
            },
            other => {
                return Err(WireError::UnexpectedId {
                    what: "cpg event",
                    id: other,
                })
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip() {
        for q in [
            CpgRequest::Join {
                group: b"crmd".to_vec(),
                group_len: 4,
                pid: 42,
                flags: 1,
            },
            CpgRequest::Leave {
                group: b"g".to_vec(),
                pid: 1,
            },
            CpgRequest::Mcast {
                guarantee: 2,
                data: vec![1, 2, 3],
            },
            CpgRequest::Membership {
                group: b"g".to_vec(),
            },
            CpgRequest::LocalGet,
            CpgRequest::IterationInitialize {
                group: vec![],
                iteration_type: 3,
            },
            CpgRequest::IterationNext { handle: 5 },
            CpgRequest::IterationFinalize { handle: 5 },
            CpgRequest::Finalize,
            CpgRequest::PartialMcast {
                guarantee: 2,
                msglen: 10,
                msg_type: 1,
                fragment: vec![9; 4],
            },
        ] {
            assert_eq!(CpgRequest::decode(&q.encode()).unwrap(), q);
        }
    }

    #[test]
    fn events_round_trip() {
        let a = |n, p, r| CpgAddress {
            nodeid: n,
            pid: p,
            reason: r,
        };
        for e in [
            CpgEvent::Confchg {
                group: b"g".to_vec(),
                members: vec![a(1, 2, 0), a(2, 3, 0)],
                left: vec![a(3, 4, 3)],
                joined: vec![a(2, 3, 1)],
            },
            CpgEvent::Deliver {
                group: b"g".to_vec(),
                nodeid: 1,
                pid: 2,
                data: b"hello".to_vec(),
            },
            CpgEvent::TotemConfchg {
                ring_nodeid: 1,
                ring_seq: 9,
                members: vec![1, 2, 3],
            },
            CpgEvent::FlowControl { state: 1 },
        ] {
            assert_eq!(CpgEvent::decode(&e.encode()).unwrap(), e);
        }
        let m = membership_response(&[a(1, 2, 0)]);
        assert_eq!(m.len(), l::CPG_RES_MEMBERSHIP_SIZE);
        assert_eq!(decode_membership(&m).unwrap().1, vec![a(1, 2, 0)]);
    }
}
