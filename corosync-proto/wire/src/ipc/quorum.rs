//! quorum IPC (`ipc_quorum.h`): requests, responses and notifications.

use super::layout as l;
use super::{check_req, check_res, put_req, put_res, rd, res_head, wr, CsError};
use crate::codec::WireError;

/// `MESSAGE_REQ_QUORUM_*` ids.
#[allow(missing_docs)]
pub mod req {
    pub const GETQUORATE: i32 = 0;
    pub const TRACKSTART: i32 = 1;
    pub const TRACKSTOP: i32 = 2;
    pub const GETTYPE: i32 = 3;
    pub const MODEL_GETTYPE: i32 = 4;
}

/// `MESSAGE_RES_QUORUM_*` ids.
#[allow(missing_docs)]
pub mod res {
    pub const GETQUORATE: i32 = 0;
    pub const TRACKSTART: i32 = 1;
    pub const TRACKSTOP: i32 = 2;
    pub const NOTIFICATION: i32 = 3;
    pub const GETTYPE: i32 = 4;
    pub const MODEL_GETTYPE: i32 = 5;
    pub const V1_QUORUM_NOTIFICATION: i32 = 6;
    pub const V1_NODELIST_NOTIFICATION: i32 = 7;
}

/// `CS_TRACK_CURRENT`.
pub const TRACK_CURRENT: u32 = 1;
/// `CS_TRACK_CHANGES`.
pub const TRACK_CHANGES: u32 = 2;
/// `CS_TRACK_CHANGES_ONLY`.
pub const TRACK_CHANGES_ONLY: u32 = 4;

/// A quorum request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum QuorumRequest {
    GetQuorate,
    TrackStart { flags: u32 },
    TrackStop,
    GetType,
    ModelGetType { model: u32 },
}

impl QuorumRequest {
    /// Decode.
    pub fn decode(bytes: &[u8]) -> Result<QuorumRequest, WireError> {
        let h = super::req_head(bytes)?;
        let word = |what| -> Result<u32, WireError> {
            check_req(bytes, what, l::REQ_HEADER_SIZE + 4)?;
            let mut r = rd(bytes);
            r.skip_to(l::REQ_HEADER_SIZE, what)?;
            r.u32(what)
        };
        Ok(match h.id {
            req::GETQUORATE => QuorumRequest::GetQuorate,
            req::TRACKSTART => QuorumRequest::TrackStart {
                flags: word("quorum trackstart")?,
            },
            req::TRACKSTOP => QuorumRequest::TrackStop,
            req::GETTYPE => QuorumRequest::GetType,
            req::MODEL_GETTYPE => QuorumRequest::ModelGetType {
                model: word("quorum model_gettype")?,
            },
            other => {
                return Err(WireError::UnexpectedId {
                    what: "quorum request",
                    id: other,
                })
            }
        })
    }

    /// Encode.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = wr();
        match self {
            QuorumRequest::GetQuorate => put_req(&mut w, req::GETQUORATE, l::REQ_HEADER_SIZE),
            QuorumRequest::TrackStart { flags } => {
                put_req(&mut w, req::TRACKSTART, l::QUORUM_TRACKSTART_SIZE);
                w.u32(*flags);
                w.zeros(4);
            }
            QuorumRequest::TrackStop => put_req(&mut w, req::TRACKSTOP, l::REQ_HEADER_SIZE),
            QuorumRequest::GetType => put_req(&mut w, req::GETTYPE, l::REQ_HEADER_SIZE),
            QuorumRequest::ModelGetType { model } => {
                put_req(&mut w, req::MODEL_GETTYPE, l::QUORUM_MODEL_GETTYPE_SIZE);
                w.u32(*model);
                w.zeros(4);
            }
        }
        w.into_bytes()
    }
}

/// A response with one u32 after the header (getquorate, gettype,
/// model_gettype).
pub fn value_response(id: i32, error: CsError, value: u32) -> Vec<u8> {
    let mut w = wr();
    put_res(&mut w, id, 32, error);
    w.u32(value);
    w.zeros(4);
    w.into_bytes()
}

/// Decode [`value_response`].
pub fn decode_value_response(bytes: &[u8]) -> Result<(CsError, u32), WireError> {
    let h = check_res(bytes, "quorum response", 28)?;
    let mut r = rd(bytes);
    r.skip_to(l::RES_HEADER_SIZE, "quorum response")?;
    Ok((h.error, r.u32("quorum response")?))
}

/// A quorum notification (event).
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum QuorumEvent {
    /// `res_lib_quorum_notification` (model v0).
    V0 {
        quorate: i32,
        ring_seq: u64,
        view_list: Vec<u32>,
    },
    /// `res_lib_quorum_v1_quorum_notification`.
    V1Quorum {
        quorate: i32,
        ring_nodeid: u32,
        ring_seq: u64,
        view_list: Vec<u32>,
    },
    /// `res_lib_quorum_v1_nodelist_notification`.
    V1Nodelist {
        ring_nodeid: u32,
        ring_seq: u64,
        members: Vec<u32>,
        joined: Vec<u32>,
        left: Vec<u32>,
    },
}

impl QuorumEvent {
    /// Encode.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = wr();
        match self {
            QuorumEvent::V0 {
                quorate,
                ring_seq,
                view_list,
            } => {
                let size = l::QUORUM_NOTIFICATION_SIZE + 4 * view_list.len();
                put_res(&mut w, res::NOTIFICATION, size, CsError::OK);
                w.i32(*quorate);
                w.zeros(4);
                w.u64(*ring_seq);
                w.u32(view_list.len() as u32);
                view_list.iter().for_each(|v| w.u32(*v));
                w.pad_to(size);
            }
            QuorumEvent::V1Quorum {
                quorate,
                ring_nodeid,
                ring_seq,
                view_list,
            } => {
                let size = l::QUORUM_V1_NOTIFICATION_SIZE + 4 * view_list.len();
                put_res(&mut w, res::V1_QUORUM_NOTIFICATION, size, CsError::OK);
                w.i32(*quorate);
                w.zeros(4);
                w.u32(*ring_nodeid);
                w.zeros(4);
                w.u64(*ring_seq);
                w.u32(view_list.len() as u32);
                view_list.iter().for_each(|v| w.u32(*v));
                w.pad_to(size);
            }
            QuorumEvent::V1Nodelist {
                ring_nodeid,
                ring_seq,
                members,
                joined,
                left,
            } => {
                let n = members.len() + joined.len() + left.len();
                let size = l::QUORUM_V1_NODELIST_SIZE + 4 * n;
                put_res(&mut w, res::V1_NODELIST_NOTIFICATION, size, CsError::OK);
                w.u32(*ring_nodeid);
                w.zeros(4);
                w.u64(*ring_seq);
                for c in [members.len(), joined.len()] {
                    w.u32(c as u32);
                    w.zeros(4);
                }
                w.u32(left.len() as u32);
                members
                    .iter()
                    .chain(joined)
                    .chain(left)
                    .for_each(|v| w.u32(*v));
                w.pad_to(size);
            }
        }
        w.into_bytes()
    }

    /// Decode.
    pub fn decode(bytes: &[u8]) -> Result<QuorumEvent, WireError> {
        let h = res_head(bytes)?;
        let mut r = rd(bytes);
        Ok(match h.id {
            res::NOTIFICATION => {
                check_res(bytes, "quorum notification", l::QUORUM_NOTIFICATION_LIST)?;
                r.skip_to(l::RES_HEADER_SIZE, "quorum notification")?;
                let quorate = r.i32("quorum notification")?;
                r.skip_to(l::QUORUM_NOTIFICATION_SEQ, "quorum notification")?;
                let ring_seq = r.u64("quorum notification")?;
                let n = r.u32("quorum notification")?;
                QuorumEvent::V0 {
                    quorate,
                    ring_seq,
                    view_list: r.u32_list(n as u64, "quorum view list")?,
                }
            }
            res::V1_QUORUM_NOTIFICATION => {
                check_res(bytes, "quorum notification", l::QUORUM_V1_NOTIFICATION_LIST)?;
                r.skip_to(l::RES_HEADER_SIZE, "quorum notification")?;
                let quorate = r.i32("quorum notification")?;
                r.skip_to(l::QUORUM_V1_NOTIFICATION_RING, "quorum notification")?;
                let ring_nodeid = r.u32("quorum notification")?;
                r.skip(4, "quorum notification")?;
                let ring_seq = r.u64("quorum notification")?;
                let n = r.u32("quorum notification")?;
                QuorumEvent::V1Quorum {
                    quorate,
                    ring_nodeid,
                    ring_seq,
                    view_list: r.u32_list(n as u64, "quorum view list")?,
                }
            }
            res::V1_NODELIST_NOTIFICATION => {
                check_res(bytes, "quorum nodelist", l::QUORUM_V1_NODELIST_LIST)?;
                r.skip_to(l::QUORUM_V1_NODELIST_RING, "quorum nodelist")?;
                let ring_nodeid = r.u32("quorum nodelist")?;
                r.skip(4, "quorum nodelist")?;
                let ring_seq = r.u64("quorum nodelist")?;
                let m = r.u32("quorum nodelist")?;
                r.skip(4, "quorum nodelist")?;
                let j = r.u32("quorum nodelist")?;
                r.skip(4, "quorum nodelist")?;
                let lf = r.u32("quorum nodelist")?;
                QuorumEvent::V1Nodelist {
                    ring_nodeid,
                    ring_seq,
                    members: r.u32_list(m as u64, "quorum members")?,
                    joined: r.u32_list(j as u64, "quorum joined")?,
                    left: r.u32_list(lf as u64, "quorum left")?,
                }
            }
            other => {
                return Err(WireError::UnexpectedId {
                    what: "quorum event",
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
            QuorumRequest::GetQuorate,
            QuorumRequest::TrackStart { flags: 2 },
            QuorumRequest::TrackStop,
            QuorumRequest::GetType,
            QuorumRequest::ModelGetType { model: 1 },
        ] {
            assert_eq!(QuorumRequest::decode(&q.encode()).unwrap(), q);
        }
        for e in [
            QuorumEvent::V0 {
                quorate: 1,
                ring_seq: 12,
                view_list: vec![1, 2, 3],
            },
            QuorumEvent::V1Quorum {
                quorate: 0,
                ring_nodeid: 1,
                ring_seq: 12,
                view_list: vec![1],
            },
            QuorumEvent::V1Nodelist {
                ring_nodeid: 1,
                ring_seq: 4,
                members: vec![1, 2],
                joined: vec![2],
                left: vec![3],
            },
        ] {
            assert_eq!(QuorumEvent::decode(&e.encode()).unwrap(), e);
        }
        let v = value_response(res::GETQUORATE, CsError::OK, 1);
        assert_eq!(decode_value_response(&v).unwrap(), (CsError::OK, 1));
    }
}
