//! votequorum IPC (`ipc_votequorum.h`). These structures are not
//! `aligned(8)` field by field: only the header is.

use super::layout as l;
use super::CsError;
use super::{c_string, check_req, check_res, put_c_string, put_req, put_res, rd, res_head, wr};
use crate::codec::WireError;

/// `MESSAGE_REQ_VOTEQUORUM_*` ids.
#[allow(missing_docs)]
pub mod req {
    pub const GETINFO: i32 = 0;
    pub const SETEXPECTED: i32 = 1;
    pub const SETVOTES: i32 = 2;
    pub const TRACKSTART: i32 = 3;
    pub const TRACKSTOP: i32 = 4;
    pub const QDEVICE_REGISTER: i32 = 5;
    pub const QDEVICE_UNREGISTER: i32 = 6;
    pub const QDEVICE_UPDATE: i32 = 7;
    pub const QDEVICE_POLL: i32 = 8;
    pub const QDEVICE_MASTER_WINS: i32 = 9;
}

/// `MESSAGE_RES_VOTEQUORUM_*` ids.
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

/// A votequorum request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum VqRequest {
    GetInfo {
        nodeid: u32,
    },
    SetExpected {
        expected_votes: u32,
    },
    SetVotes {
        votes: u32,
        nodeid: u32,
    },
    TrackStart {
        context: u64,
        flags: u32,
    },
    TrackStop,
    QdeviceRegister {
        name: Vec<u8>,
    },
    QdeviceUnregister {
        name: Vec<u8>,
    },
    QdeviceUpdate {
        oldname: Vec<u8>,
        newname: Vec<u8>,
    },
    QdevicePoll {
        name: Vec<u8>,
        cast_vote: i32,
        ring_nodeid: u32,
        ring_seq: u64,
    },
    QdeviceMasterWins {
        name: Vec<u8>,
        allow: u32,
    },
}

impl VqRequest {
    /// Decode.
    pub fn decode(bytes: &[u8]) -> Result<VqRequest, WireError> {
        let h = super::req_head(bytes)?;
        let mut r = rd(bytes);
        let name_at = |off: usize| {
            bytes
                .get(off..off + l::VQ_QDEVICE_NAME_LEN)
                .map(c_string)
                .ok_or(WireError::Truncated {
                    what: "qdevice name",
                    needed: off + l::VQ_QDEVICE_NAME_LEN,
                    available: bytes.len(),
                })
        };
        r.skip_to(l::REQ_HEADER_SIZE, "votequorum request")?;
        Ok(match h.id {
            req::GETINFO => VqRequest::GetInfo {
                nodeid: r.u32("votequorum getinfo")?,
            },
            req::SETEXPECTED => VqRequest::SetExpected {
                expected_votes: r.u32("votequorum setexpected")?,
            },
            req::SETVOTES => VqRequest::SetVotes {
                votes: r.u32("votequorum setvotes")?,
                nodeid: r.u32("votequorum setvotes")?,
            },
            req::TRACKSTART => VqRequest::TrackStart {
                context: r.u64("votequorum trackstart")?,
                flags: r.u32("votequorum trackstart")?,
            },
            req::TRACKSTOP => VqRequest::TrackStop,
            req::QDEVICE_REGISTER => VqRequest::QdeviceRegister {
                name: name_at(l::REQ_HEADER_SIZE)?,
            },
            req::QDEVICE_UNREGISTER => VqRequest::QdeviceUnregister {
                name: name_at(l::REQ_HEADER_SIZE)?,
            },
            req::QDEVICE_UPDATE => VqRequest::QdeviceUpdate {
                oldname: name_at(l::REQ_HEADER_SIZE)?,
                newname: name_at(l::REQ_HEADER_SIZE + l::VQ_QDEVICE_NAME_LEN)?,
            },
            req::QDEVICE_POLL => {
                check_req(bytes, "qdevice poll", l::VQ_QDEVICE_POLL_SIZE)?;
                r.skip_to(l::VQ_QDEVICE_POLL_CAST, "qdevice poll")?;
                let cast_vote = r.i32("qdevice poll")?;
                r.skip_to(l::VQ_QDEVICE_POLL_RING, "qdevice poll")?;
                let ring_nodeid = r.u32("qdevice poll")?;
                r.skip(4, "qdevice poll")?;
                VqRequest::QdevicePoll {
                    name: name_at(l::REQ_HEADER_SIZE)?,
                    cast_vote,
                    ring_nodeid,
                    ring_seq: r.u64("qdevice poll")?,
                }
            }
            req::QDEVICE_MASTER_WINS => {
                check_req(bytes, "qdevice master wins", l::VQ_QDEVICE_MASTER_WINS_SIZE)?;
                r.skip_to(l::VQ_QDEVICE_MASTER_WINS_ALLOW, "qdevice master wins")?;
                VqRequest::QdeviceMasterWins {
                    name: name_at(l::REQ_HEADER_SIZE)?,
                    allow: r.u32("qdevice master wins")?,
                }
            }
            other => {
                return Err(WireError::UnexpectedId {
                    what: "votequorum request",
                    id: other,
                })
            }
        })
    }

    /// Encode.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = wr();
        let n = l::VQ_QDEVICE_NAME_LEN;
        match self {
            VqRequest::GetInfo { nodeid } => {
                put_req(&mut w, req::GETINFO, l::VQ_GETINFO_SIZE);
                w.u32(*nodeid);
            }
            VqRequest::SetExpected { expected_votes } => {
                put_req(&mut w, req::SETEXPECTED, l::VQ_SETEXPECTED_SIZE);
                w.u32(*expected_votes);
            }
            VqRequest::SetVotes { votes, nodeid } => {
                put_req(&mut w, req::SETVOTES, l::VQ_SETVOTES_SIZE);
                w.u32(*votes);
                w.u32(*nodeid);
            }
            VqRequest::TrackStart { context, flags } => {
                put_req(&mut w, req::TRACKSTART, l::VQ_TRACKSTART_SIZE);
                w.u64(*context);
                w.u32(*flags);
            }
            VqRequest::TrackStop => put_req(&mut w, req::TRACKSTOP, l::REQ_HEADER_SIZE),
            VqRequest::QdeviceRegister { name } | VqRequest::QdeviceUnregister { name } => {
                let id = if matches!(self, VqRequest::QdeviceRegister { .. }) {
                    req::QDEVICE_REGISTER
                } else {
                    req::QDEVICE_UNREGISTER
                };
                put_req(&mut w, id, l::VQ_QDEVICE_REGISTER_SIZE);
                put_c_string(&mut w, name, n);
            }
            VqRequest::QdeviceUpdate { oldname, newname } => {
                put_req(&mut w, req::QDEVICE_UPDATE, l::VQ_QDEVICE_UPDATE_SIZE);
                put_c_string(&mut w, oldname, n);
                put_c_string(&mut w, newname, n);
            }
            VqRequest::QdevicePoll {
                name,
                cast_vote,
                ring_nodeid,
                ring_seq,
            } => {
                put_req(&mut w, req::QDEVICE_POLL, l::VQ_QDEVICE_POLL_SIZE);
                put_c_string(&mut w, name, n);
                w.pad_to(l::VQ_QDEVICE_POLL_CAST);
                w.i32(*cast_vote);
                w.pad_to(l::VQ_QDEVICE_POLL_RING);
                w.u32(*ring_nodeid);
                w.zeros(4);
                w.u64(*ring_seq);
            }
            VqRequest::QdeviceMasterWins { name, allow } => {
                put_req(
                    &mut w,
                    req::QDEVICE_MASTER_WINS,
                    l::VQ_QDEVICE_MASTER_WINS_SIZE,
                );
                put_c_string(&mut w, name, n);
                w.pad_to(l::VQ_QDEVICE_MASTER_WINS_ALLOW);
                w.u32(*allow);
            }
        }
        let mut b = w.into_bytes();
        let size = super::req_head(&b)
            .map(|h| h.size as usize)
            .unwrap_or(b.len());
        b.resize(size.max(b.len()), 0);
        b
    }
}

/// `res_lib_votequorum_getinfo`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[allow(missing_docs)]
pub struct GetInfoResponse {
    pub error: CsError,
    pub nodeid: u32,
    pub state: u32,
    pub votes: u32,
    pub expected_votes: u32,
    pub highest_expected: u32,
    pub total_votes: u32,
    pub quorum: u32,
    pub flags: u32,
    pub qdevice_votes: u32,
    pub qdevice_name: Vec<u8>,
}

impl GetInfoResponse {
    /// Encode (320 bytes).
    pub fn encode(&self) -> Vec<u8> {
        let mut w = wr();
        put_res(&mut w, res::GETINFO, l::VQ_RES_GETINFO_SIZE, self.error);
        for v in [
            self.nodeid,
            self.state,
            self.votes,
            self.expected_votes,
            self.highest_expected,
            self.total_votes,
            self.quorum,
            self.flags,
            self.qdevice_votes,
        ] {
            w.u32(v);
        }
        put_c_string(&mut w, &self.qdevice_name, l::VQ_QDEVICE_NAME_LEN);
        w.pad_to(l::VQ_RES_GETINFO_SIZE);
        w.into_bytes()
    }

    /// Decode.
    pub fn decode(bytes: &[u8]) -> Result<GetInfoResponse, WireError> {
        let h = check_res(bytes, "votequorum getinfo", l::VQ_RES_GETINFO_QDEVICE_NAME)?;
        let mut r = rd(bytes);
        r.skip_to(l::RES_HEADER_SIZE, "votequorum getinfo")?;
        let mut v = [0u32; 9];
        for x in &mut v {
            *x = r.u32("votequorum getinfo")?;
        }
        let name = bytes
            .get(l::VQ_RES_GETINFO_QDEVICE_NAME..)
            .map(|b| c_string(&b[..b.len().min(l::VQ_QDEVICE_NAME_LEN)]))
            .unwrap_or_default();
        Ok(GetInfoResponse {
            error: h.error,
            nodeid: v[0],
            state: v[1],
            votes: v[2],
            expected_votes: v[3],
            highest_expected: v[4],
            total_votes: v[5],
            quorum: v[6],
            flags: v[7],
            qdevice_votes: v[8],
            qdevice_name: name,
        })
    }
}

/// A votequorum notification (event).
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum VqEvent {
    Quorum {
        quorate: u32,
        context: u64,
        /// (nodeid, state)
        nodes: Vec<(u32, u32)>,
    },
    Nodelist {
        context: u64,
        ring_nodeid: u32,
        ring_seq: u64,
        nodes: Vec<u32>,
    },
    ExpectedVotes {
        context: u64,
        expected_votes: u32,
    },
}

impl VqEvent {
    /// Encode.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = wr();
        match self {
            VqEvent::Quorum {
                quorate,
                context,
                nodes,
            } => {
                let size = l::VQ_QUORUM_NOTIFICATION_SIZE + 8 * nodes.len();
                put_res(&mut w, res::QUORUM_NOTIFICATION, size, CsError::OK);
                w.u32(*quorate);
                w.zeros(4);
                w.u64(*context);
                w.u32(nodes.len() as u32);
                w.zeros(4);
                for (n, s) in nodes {
                    w.u32(*n);
                    w.u32(*s);
                }
            }
            VqEvent::Nodelist {
                context,
                ring_nodeid,
                ring_seq,
                nodes,
            } => {
                let size = l::VQ_NODELIST_NOTIFICATION_SIZE + 4 * nodes.len();
                put_res(&mut w, res::NODELIST_NOTIFICATION, size, CsError::OK);
                w.u64(*context);
                w.u32(*ring_nodeid);
                w.zeros(4);
                w.u64(*ring_seq);
                w.u32(nodes.len() as u32);
                w.zeros(4);
                nodes.iter().for_each(|n| w.u32(*n));
            }
            VqEvent::ExpectedVotes {
                context,
                expected_votes,
            } => {
                put_res(
                    &mut w,
                    res::EXPECTEDVOTES_NOTIFICATION,
                    l::VQ_EXPECTEDVOTES_NOTIFICATION_SIZE,
                    CsError::OK,
                );
                w.u64(*context);
                w.u32(*expected_votes);
                w.zeros(4);
            }
        }
        w.into_bytes()
    }

    /// Decode.
    pub fn decode(bytes: &[u8]) -> Result<VqEvent, WireError> {
        let h = res_head(bytes)?;
        let mut r = rd(bytes);
        r.skip_to(l::RES_HEADER_SIZE, "votequorum event")?;
        Ok(match h.id {
            res::QUORUM_NOTIFICATION => {
                let quorate = r.u32("vq quorum")?;
                r.skip(4, "vq quorum")?;
                let context = r.u64("vq quorum")?;
                let n = r.u32("vq quorum")? as u64;
                r.skip_to(l::VQ_QUORUM_NOTIFICATION_LIST, "vq quorum")?;
                let flat = r.u32_list(n.saturating_mul(2), "vq quorum nodes")?;
                VqEvent::Quorum {
                    quorate,
                    context,
                    nodes: flat.chunks(2).map(|c| (c[0], c[1])).collect(),
                }
            }
            res::NODELIST_NOTIFICATION => {
                let context = r.u64("vq nodelist")?;
                let ring_nodeid = r.u32("vq nodelist")?;
                r.skip(4, "vq nodelist")?;
                let ring_seq = r.u64("vq nodelist")?;
                let n = r.u32("vq nodelist")? as u64;
                r.skip_to(l::VQ_NODELIST_NOTIFICATION_LIST, "vq nodelist")?;
                VqEvent::Nodelist {
                    context,
                    ring_nodeid,
                    ring_seq,
                    nodes: r.u32_list(n, "vq nodelist nodes")?,
                }
            }
            res::EXPECTEDVOTES_NOTIFICATION => VqEvent::ExpectedVotes {
                context: r.u64("vq expected votes")?,
                expected_votes: r.u32("vq expected votes")?,
            },
            other => {
                return Err(WireError::UnexpectedId {
                    what: "votequorum event",
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
    fn round_trips() {
        for q in [
            VqRequest::GetInfo { nodeid: 3 },
            VqRequest::SetExpected { expected_votes: 5 },
            VqRequest::SetVotes {
                votes: 2,
                nodeid: 1,
            },
            VqRequest::TrackStart {
                context: 99,
                flags: 2,
            },
            VqRequest::TrackStop,
            VqRequest::QdeviceRegister {
                name: b"Qdevice".to_vec(),
            },
            VqRequest::QdevicePoll {
                name: b"Qdevice".to_vec(),
                cast_vote: 1,
                ring_nodeid: 1,
                ring_seq: 8,
            },
            VqRequest::QdeviceMasterWins {
                name: b"Q".to_vec(),
                allow: 1,
            },
        ] {
            let b = q.encode();
            assert_eq!(super::super::req_head(&b).unwrap().size as usize, b.len());
            assert_eq!(VqRequest::decode(&b).unwrap(), q);
        }
        let g = GetInfoResponse {
            nodeid: 1,
            state: 1,
            votes: 1,
            expected_votes: 3,
            highest_expected: 3,
            total_votes: 3,
            quorum: 2,
            flags: 2,
            ..Default::default()
        };
        assert_eq!(g.encode().len(), l::VQ_RES_GETINFO_SIZE);
        assert_eq!(GetInfoResponse::decode(&g.encode()).unwrap(), g);
        for e in [
            VqEvent::Quorum {
                quorate: 1,
                context: 7,
                nodes: vec![(1, 1), (2, 2)],
            },
            VqEvent::Nodelist {
                context: 7,
                ring_nodeid: 1,
                ring_seq: 13,
                nodes: vec![1, 2],
            },
            VqEvent::ExpectedVotes {
                context: 0,
                expected_votes: 3,
            },
        ] {
            assert_eq!(VqEvent::decode(&e.encode()).unwrap(), e);
        }
    }
}
