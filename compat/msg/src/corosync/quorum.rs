//! libquorum (corosync 3.1.7 `ipc_quorum.h`, lib/quorum.c): the quorum
//! type, `getquorate`, and quorum/membership notifications after
//! `trackstart`, as Pacemaker uses them (model v0; v1 adds node lists).

use std::time::Duration;

use super::bytes::{put_u32, u32_at, u64_at};
use super::{request, Conn, CsError, ResHeader, RES_HEADER_SIZE};

/// Sizes and offsets (checked against gcc in tests/tests/msg_layout.rs).
pub mod layout {
    /// `req_lib_quorum_trackstart`: track_flags @16.
    pub const TRACKSTART_REQ_SIZE: usize = 24;
    /// `res_lib_quorum_getquorate`: quorate @24.
    pub const GETQUORATE_RES_SIZE: usize = 32;
    /// `res_lib_quorum_gettype` / `res_lib_quorum_model_gettype`: type @24.
    pub const GETTYPE_RES_SIZE: usize = 32;
    /// `req_lib_quorum_model_gettype`: model @16.
    pub const MODEL_GETTYPE_REQ_SIZE: usize = 24;
    /// `res_lib_quorum_notification`: quorate @24, ring_seq @32,
    /// view_list_entries @40, view_list @44.
    pub const NOTIFICATION_LIST_OFFSET: usize = 44;
    /// `res_lib_quorum_v1_quorum_notification`: quorate @24, ring_id
    /// (nodeid @32, seq @40), view_list_entries @48, view_list @52.
    pub const V1_QUORUM_LIST_OFFSET: usize = 52;
    /// `res_lib_quorum_v1_nodelist_notification`: ring_id (nodeid @24,
    /// seq @32), member @40, joined @48, left @56 entries, lists @60.
    pub const V1_NODELIST_LIST_OFFSET: usize = 60;
}

/// `enum req_quorum_types`.
#[allow(missing_docs)]
pub mod req {
    pub const GETQUORATE: i32 = 0;
    pub const TRACKSTART: i32 = 1;
    pub const TRACKSTOP: i32 = 2;
    pub const GETTYPE: i32 = 3;
    pub const MODEL_GETTYPE: i32 = 4;
}

/// `enum res_quorum_types`.
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

/// `QUORUM_FREE`: no quorum provider.
pub const QUORUM_FREE: u32 = 0;
/// `QUORUM_SET`: a provider (votequorum) decides.
pub const QUORUM_SET: u32 = 1;

/// `CS_TRACK_CURRENT`.
pub const TRACK_CURRENT: u32 = 1;
/// `CS_TRACK_CHANGES`.
pub const TRACK_CHANGES: u32 = 2;
/// `CS_TRACK_CHANGES_ONLY`.
pub const TRACK_CHANGES_ONLY: u32 = 4;

/// `quorum_model_t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Model {
    /// `QUORUM_MODEL_V0` (Pacemaker's).
    V0 = 0,
    /// `QUORUM_MODEL_V1`.
    V1 = 1,
}

/// A notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QuorumEvent {
    /// Quorum state (`quorum_notify_fn`).
    Quorum {
        /// Whether the partition is quorate.
        quorate: bool,
        /// Ring sequence (v1 also gives the ring's node id).
        ring_seq: u64,
        /// v1 only: the ring id's node.
        ring_nodeid: Option<u32>,
        /// Node ids in the partition.
        view: Vec<u32>,
    },
    /// Membership change (`nodelist_notify_fn`, model v1).
    Nodelist {
        /// Ring id node.
        ring_nodeid: u32,
        /// Ring sequence.
        ring_seq: u64,
        /// Members.
        members: Vec<u32>,
        /// Joined.
        joined: Vec<u32>,
        /// Left.
        left: Vec<u32>,
    },
}

fn list(b: &[u8], off: usize, n: usize) -> Result<Vec<u32>, CsError> {
    if n > 4096 || b.len() < off + 4 * n {
        return Err(CsError::MESSAGE_ERROR);
    }
    Ok((0..n).map(|i| u32_at(b, off + 4 * i)).collect())
}

/// Decode a notification.
pub fn decode_event(b: &[u8]) -> Result<QuorumEvent, CsError> {
    let h = ResHeader::decode(b, RES_HEADER_SIZE)?;
    match h.id {
        res::NOTIFICATION => {
            let off = layout::NOTIFICATION_LIST_OFFSET;
            if b.len() < off {
                return Err(CsError::MESSAGE_ERROR);
            }
            Ok(QuorumEvent::Quorum {
                quorate: u32_at(b, 24) != 0,
                ring_seq: u64_at(b, 32),
                ring_nodeid: None,
                view: list(b, off, u32_at(b, 40) as usize)?,
            })
        }
        res::V1_QUORUM_NOTIFICATION => {
            let off = layout::V1_QUORUM_LIST_OFFSET;
            if b.len() < off {
                return Err(CsError::MESSAGE_ERROR);
            }
            Ok(QuorumEvent::Quorum {
                quorate: u32_at(b, 24) != 0,
                ring_nodeid: Some(u32_at(b, 32)),
                ring_seq: u64_at(b, 40),
                view: list(b, off, u32_at(b, 48) as usize)?,
            })
        }
        res::V1_NODELIST_NOTIFICATION => {
            let off = layout::V1_NODELIST_LIST_OFFSET;
            if b.len() < off {
                return Err(CsError::MESSAGE_ERROR);
            }
            let (nm, nj, nl) = (
                u32_at(b, 40) as usize,
                u32_at(b, 48) as usize,
                u32_at(b, 56) as usize,
            );
            Ok(QuorumEvent::Nodelist {
                ring_nodeid: u32_at(b, 24),
                ring_seq: u64_at(b, 32),
                members: list(b, off, nm)?,
                joined: list(b, off + 4 * nm, nj)?,
                left: list(b, off + 4 * (nm + nj), nl)?,
            })
        }
        _ => Err(CsError::LIBRARY),
    }
}

/// A blocking quorum connection.
pub struct QuorumClient {
    conn: Conn,
    quorum_type: u32,
}

impl QuorumClient {
    /// `quorum_model_initialize`: connect and ask the quorum type.
    #[doc(alias = "quorum_model_initialize")]
    pub fn initialize(model: Model) -> Result<QuorumClient, CsError> {
        let conn = Conn::connect("quorum")?;
        let r = match model {
            Model::V0 => conn.call(&[&request(req::GETTYPE, 16)], layout::GETTYPE_RES_SIZE)?,
            Model::V1 => {
                let mut q = request(req::MODEL_GETTYPE, layout::MODEL_GETTYPE_REQ_SIZE);
                put_u32(&mut q, 16, model as u32);
                conn.call(&[&q], layout::GETTYPE_RES_SIZE)?
            }
        };
        Ok(QuorumClient {
            quorum_type: u32_at(&r, 24),
            conn,
        })
    }

    /// [`QUORUM_SET`] or [`QUORUM_FREE`].
    pub fn quorum_type(&self) -> u32 {
        self.quorum_type
    }

    /// The connection.
    pub fn conn(&self) -> &Conn {
        &self.conn
    }

    /// `quorum_getquorate`.
    #[doc(alias = "quorum_getquorate")]
    pub fn getquorate(&self) -> Result<bool, CsError> {
        let r = self.conn.call(
            &[&request(req::GETQUORATE, 16)],
            layout::GETQUORATE_RES_SIZE,
        )?;
        Ok(u32_at(&r, 24) != 0)
    }

    /// `quorum_trackstart` ([`TRACK_CURRENT`] | [`TRACK_CHANGES`] is what
    /// Pacemaker asks).
    #[doc(alias = "quorum_trackstart")]
    pub fn trackstart(&self, flags: u32) -> Result<(), CsError> {
        let mut q = request(req::TRACKSTART, layout::TRACKSTART_REQ_SIZE);
        put_u32(&mut q, 16, flags);
        self.conn.call(&[&q], RES_HEADER_SIZE).map(|_| ())
    }

    /// `quorum_trackstop`.
    #[doc(alias = "quorum_trackstop")]
    pub fn trackstop(&self) -> Result<(), CsError> {
        self.conn
            .call(&[&request(req::TRACKSTOP, 16)], RES_HEADER_SIZE)
            .map(|_| ())
    }

    /// `quorum_dispatch(CS_DISPATCH_ONE)` with a deadline (`Ok(None)` on timeout).
    #[doc(alias = "quorum_dispatch")]
    pub fn dispatch(&self, timeout: Option<Duration>) -> Result<Option<QuorumEvent>, CsError> {
        match self.conn.recv_event(timeout) {
            Ok(b) => decode_event(&b).map(Some),
            Err(CsError::TRY_AGAIN) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// An async quorum connection.
#[cfg(feature = "tokio")]
pub struct AsyncQuorumClient {
    conn: super::AsyncConn,
    quorum_type: u32,
}

#[cfg(feature = "tokio")]
impl AsyncQuorumClient {
    /// `quorum_model_initialize` (model v0, as Pacemaker).
    pub async fn initialize() -> Result<AsyncQuorumClient, CsError> {
        let conn = super::AsyncConn::connect("quorum").await?;
        let r = conn
            .call(&[&request(req::GETTYPE, 16)], layout::GETTYPE_RES_SIZE)
            .await?;
        Ok(AsyncQuorumClient {
            quorum_type: u32_at(&r, 24),
            conn,
        })
    }

    /// [`QUORUM_SET`] or [`QUORUM_FREE`].
    pub fn quorum_type(&self) -> u32 {
        self.quorum_type
    }

    /// `quorum_getquorate`.
    pub async fn getquorate(&self) -> Result<bool, CsError> {
        let r = self
            .conn
            .call(
                &[&request(req::GETQUORATE, 16)],
                layout::GETQUORATE_RES_SIZE,
            )
            .await?;
        Ok(u32_at(&r, 24) != 0)
    }

    /// `quorum_trackstart`.
    pub async fn trackstart(&self, flags: u32) -> Result<(), CsError> {
        let mut q = request(req::TRACKSTART, layout::TRACKSTART_REQ_SIZE);
        put_u32(&mut q, 16, flags);
        self.conn.call(&[&q], RES_HEADER_SIZE).await.map(|_| ())
    }

    /// The next notification. Cancel-safe.
    pub async fn dispatch(&self) -> Result<QuorumEvent, CsError> {
        decode_event(&self.conn.recv_event().await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corosync::bytes::put_u64;
    use crate::corosync::response;

    #[test]
    fn v0_notification() {
        let mut b = response(res::NOTIFICATION, CsError::OK, 44);
        put_u32(&mut b, 24, 1);
        put_u64(&mut b, 32, 0x1234);
        put_u32(&mut b, 40, 2);
        b.extend_from_slice(&1u32.to_ne_bytes());
        b.extend_from_slice(&3u32.to_ne_bytes());
        assert_eq!(
            decode_event(&b).unwrap(),
            QuorumEvent::Quorum {
                quorate: true,
                ring_seq: 0x1234,
                ring_nodeid: None,
                view: vec![1, 3]
            }
        );
        assert!(decode_event(&b[..47]).is_err());
    }
}
