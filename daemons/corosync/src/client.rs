//! Blocking clients of corosync's services over libqb IPC, speaking the
//! structures of totem-wire's `ipc` module the way libcmap, libquorum,
//! libvotequorum, libcfg and libcpg do. Used by the corosync-* tools; they
//! work against Atrium's corosync and the reference alike.

use std::time::Duration;

use qb_ipc::Client;
use totem_wire::ipc::cfg::{self as cfgw, CfgRequest, NodeStatus, RingStatus};
use totem_wire::ipc::cmap::{
    CmapRequest, GetResponse, HandleResponse, IterNextResponse, NotifyEvent,
};
use totem_wire::ipc::cpg::{self as cpgw, CpgRequest, IterationNextResponse};
use totem_wire::ipc::quorum::{self as qw, QuorumEvent, QuorumRequest};
use totem_wire::ipc::votequorum::{GetInfoResponse, VqEvent, VqRequest};
use totem_wire::ipc::{res_head, CsError};

/// IPC_REQUEST_SIZE: what corosync's libraries ask for.
pub const IPC_REQUEST_SIZE: usize = 8192 * 128;

/// A result in corosync's terms.
pub type CsResult<T> = Result<T, CsError>;

fn qb(e: qb_ipc::Error) -> CsError {
    CsError::from_errno(e.errno())
}

fn connect(service: &str) -> CsResult<Client> {
    Client::connect(service, IPC_REQUEST_SIZE).map_err(qb)
}

fn call(c: &Client, msg: &[u8]) -> CsResult<Vec<u8>> {
    c.send_recv(msg, None).map_err(qb)
}

fn status(bytes: &[u8]) -> CsResult<()> {
    let h = res_head(bytes).map_err(|_| CsError::LIBRARY)?;
    if h.error == CsError::OK {
        Ok(())
    } else {
        Err(h.error)
    }
}

/// Wait for one event (`*_dispatch(CS_DISPATCH_ONE)`); `None` waits forever.
fn event(c: &Client, timeout: Option<Duration>) -> CsResult<Vec<u8>> {
    c.recv_event(timeout).map_err(qb)
}

/// libcmap.
pub struct Cmap {
    c: Client,
}

/// A value read from cmap: type and bytes (host order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmapValue {
    /// `CMAP_VALUETYPE_*`.
    pub value_type: u8,
    /// Bytes (strings with their NUL).
    pub value: Vec<u8>,
}

impl Cmap {
    /// cmap_initialize_map (0 default, 1 stats).
    pub fn connect(map: i32) -> CsResult<Cmap> {
        let c = connect("cmap")?;
        let me = Cmap { c };
        if map != 0 {
            let r = call(&me.c, &CmapRequest::SetCurrentMap { map }.encode())?;
            status(&r)?;
        }
        Ok(me)
    }

    /// cmap_get with no buffer: (type, length).
    pub fn get_len(&self, key: &str) -> CsResult<(u8, u64)> {
        let r = call(
            &self.c,
            &CmapRequest::Get {
                key: key.as_bytes().to_vec(),
                value_len: 0,
            }
            .encode(),
        )?;
        let g = GetResponse::decode(&r).map_err(|_| CsError::LIBRARY)?;
        if g.error != CsError::OK {
            return Err(g.error);
        }
        Ok((g.value_type, g.value_len))
    }

    /// cmap_get of the whole value (two round trips, like cmap_get_string).
    pub fn get(&self, key: &str) -> CsResult<CmapValue> {
        let (_, len) = self.get_len(key)?;
        let r = call(
            &self.c,
            &CmapRequest::Get {
                key: key.as_bytes().to_vec(),
                value_len: len.max(1),
            }
            .encode(),
        )?;
        let g = GetResponse::decode(&r).map_err(|_| CsError::LIBRARY)?;
        if g.error != CsError::OK {
            return Err(g.error);
        }
        let n = (g.value_len as usize).min(g.value.len());
        Ok(CmapValue {
            value_type: g.value_type,
            value: g.value[..n].to_vec(),
        })
    }

    /// cmap_get_uint32.
    pub fn get_u32(&self, key: &str) -> CsResult<u32> {
        let v = self.get(key)?;
        if v.value_type != 6 || v.value.len() != 4 {
            return Err(CsError::INVALID_PARAM);
        }
        Ok(u32::from_ne_bytes([
            v.value[0], v.value[1], v.value[2], v.value[3],
        ]))
    }

    /// cmap_get_string.
    pub fn get_string(&self, key: &str) -> CsResult<String> {
        let v = self.get(key)?;
        if v.value_type != 11 {
            return Err(CsError::INVALID_PARAM);
        }
        let n = v
            .value
            .iter()
            .position(|&c| c == 0)
            .unwrap_or(v.value.len());
        Ok(String::from_utf8_lossy(&v.value[..n]).into_owned())
    }

    /// cmap_set.
    pub fn set(&self, key: &str, value_type: u8, value: &[u8]) -> CsResult<()> {
        let r = call(
            &self.c,
            &CmapRequest::Set {
                key: key.as_bytes().to_vec(),
                value_type,
                value: value.to_vec(),
            }
            .encode(),
        )?;
        status(&r)
    }

    /// cmap_delete.
    pub fn delete(&self, key: &str) -> CsResult<()> {
        let r = call(
            &self.c,
            &CmapRequest::Delete {
                key: key.as_bytes().to_vec(),
            }
            .encode(),
        )?;
        status(&r)
    }

    /// cmap_iter_init.
    pub fn iter_init(&self, prefix: &str) -> CsResult<u64> {
        let r = call(
            &self.c,
            &CmapRequest::IterInit {
                prefix: prefix.as_bytes().to_vec(),
            }
            .encode(),
        )?;
        let h = HandleResponse::decode(&r).map_err(|_| CsError::LIBRARY)?;
        if h.error != CsError::OK {
            return Err(h.error);
        }
        Ok(h.handle)
    }

    /// cmap_iter_next: (key, length, type); `Err(NO_SECTIONS)` at the end.
    pub fn iter_next(&self, handle: u64) -> CsResult<(String, u64, u8)> {
        let r = call(&self.c, &CmapRequest::IterNext { handle }.encode())?;
        let n = IterNextResponse::decode(&r).map_err(|_| CsError::LIBRARY)?;
        if n.error != CsError::OK {
            return Err(n.error);
        }
        Ok((
            String::from_utf8_lossy(&n.key).into_owned(),
            n.value_len,
            n.value_type,
        ))
    }

    /// cmap_iter_finalize.
    pub fn iter_finalize(&self, handle: u64) -> CsResult<()> {
        let r = call(&self.c, &CmapRequest::IterFinalize { handle }.encode())?;
        status(&r)
    }

    /// Every key under `prefix` with its length and type.
    pub fn keys(&self, prefix: &str) -> CsResult<Vec<(String, u64, u8)>> {
        let h = self.iter_init(prefix)?;
        let mut v = Vec::new();
        while let Ok(k) = self.iter_next(h) {
            v.push(k);
        }
        let _ = self.iter_finalize(h);
        Ok(v)
    }

    /// cmap_track_add.
    pub fn track_add(&self, key: &str, track_type: i32, inst: u64) -> CsResult<u64> {
        let r = call(
            &self.c,
            &CmapRequest::TrackAdd {
                key: key.as_bytes().to_vec(),
                track_type,
                track_inst_handle: inst,
            }
            .encode(),
        )?;
        let h = HandleResponse::decode(&r).map_err(|_| CsError::LIBRARY)?;
        if h.error != CsError::OK {
            return Err(h.error);
        }
        Ok(h.handle)
    }

    /// Wait for a notification.
    pub fn next_notification(&self, timeout: Option<Duration>) -> CsResult<NotifyEvent> {
        let b = event(&self.c, timeout)?;
        NotifyEvent::decode(&b).map_err(|_| CsError::LIBRARY)
    }

    /// The descriptor to poll for notifications.
    pub fn client(&self) -> &Client {
        &self.c
    }
}

/// libquorum.
pub struct Quorum {
    c: Client,
    /// QUORUM_FREE (0) or QUORUM_SET (1).
    pub quorum_type: u32,
}

impl Quorum {
    /// quorum_initialize.
    pub fn connect() -> CsResult<Quorum> {
        let c = connect("quorum")?;
        let r = call(&c, &QuorumRequest::GetType.encode())?;
        let (e, t) = qw::decode_value_response(&r).map_err(|_| CsError::LIBRARY)?;
        if e != CsError::OK {
            return Err(e);
        }
        Ok(Quorum { c, quorum_type: t })
    }

    /// quorum_getquorate.
    pub fn getquorate(&self) -> CsResult<bool> {
        let r = call(&self.c, &QuorumRequest::GetQuorate.encode())?;
        let (e, v) = qw::decode_value_response(&r).map_err(|_| CsError::LIBRARY)?;
        if e != CsError::OK {
            return Err(e);
        }
        Ok(v != 0)
    }

    /// quorum_trackstart.
    pub fn trackstart(&self, flags: u32) -> CsResult<()> {
        let r = call(&self.c, &QuorumRequest::TrackStart { flags }.encode())?;
        status(&r)
    }

    /// quorum_trackstop.
    pub fn trackstop(&self) -> CsResult<()> {
        let r = call(&self.c, &QuorumRequest::TrackStop.encode())?;
        status(&r)
    }

    /// Wait for a notification.
    pub fn next_event(&self, timeout: Option<Duration>) -> CsResult<QuorumEvent> {
        let b = event(&self.c, timeout)?;
        QuorumEvent::decode(&b).map_err(|_| CsError::LIBRARY)
    }
}

/// libvotequorum.
pub struct Votequorum {
    c: Client,
}

impl Votequorum {
    /// votequorum_initialize.
    pub fn connect() -> CsResult<Votequorum> {
        Ok(Votequorum {
            c: connect("votequorum")?,
        })
    }

    /// votequorum_getinfo.
    pub fn getinfo(&self, nodeid: u32) -> CsResult<GetInfoResponse> {
        let r = call(&self.c, &VqRequest::GetInfo { nodeid }.encode())?;
        let g = GetInfoResponse::decode(&r).map_err(|_| CsError::LIBRARY)?;
        if g.error != CsError::OK {
            return Err(g.error);
        }
        Ok(g)
    }

    /// A request answered by a bare status.
    pub fn status_call(&self, req: VqRequest) -> CsResult<()> {
        let r = call(&self.c, &req.encode())?;
        status(&r)
    }

    /// Wait for a notification.
    pub fn next_event(&self, timeout: Option<Duration>) -> CsResult<VqEvent> {
        let b = event(&self.c, timeout)?;
        VqEvent::decode(&b).map_err(|_| CsError::LIBRARY)
    }
}

/// libcfg.
pub struct Cfg {
    c: Client,
}

impl Cfg {
    /// corosync_cfg_initialize.
    pub fn connect() -> CsResult<Cfg> {
        Ok(Cfg { c: connect("cfg")? })
    }

    fn raw(&self, req: CfgRequest) -> CsResult<Vec<u8>> {
        call(&self.c, &req.encode())
    }

    /// corosync_cfg_local_get.
    pub fn local_get(&self) -> CsResult<u32> {
        let r = self.raw(CfgRequest::LocalGet)?;
        status(&r)?;
        Ok(u32::from_ne_bytes([r[24], r[25], r[26], r[27]]))
    }

    /// corosync_cfg_ring_status_get.
    pub fn ring_status(&self) -> CsResult<RingStatus> {
        let r = self.raw(CfgRequest::RingStatusGet)?;
        let (e, v) = cfgw::decode_ringstatus(&r).map_err(|_| CsError::LIBRARY)?;
        if e != CsError::OK {
            return Err(e);
        }
        Ok(v)
    }

    /// corosync_cfg_node_status_get (v1).
    pub fn node_status(&self, nodeid: u32) -> CsResult<NodeStatus> {
        let r = self.raw(CfgRequest::NodeStatusGet {
            nodeid,
            version: cfgw::NODE_STATUS_V1,
        })?;
        match cfgw::decode_nodestatus(&r).map_err(|_| CsError::LIBRARY)? {
            (CsError::OK, Some(s)) => Ok(s),
            (e, _) => Err(if e == CsError::OK {
                CsError::LIBRARY
            } else {
                e
            }),
        }
    }

    /// corosync_cfg_get_node_addrs: family and addresses.
    pub fn node_addrs(&self, nodeid: u32) -> CsResult<(u32, Vec<[u8; 16]>)> {
        let r = self.raw(CfgRequest::GetNodeAddrs { nodeid })?;
        let (e, f, a) = cfgw::decode_node_addrs(&r).map_err(|_| CsError::LIBRARY)?;
        if e != CsError::OK {
            return Err(e);
        }
        Ok((f, a))
    }

    /// A request answered by a bare status.
    pub fn status_call(&self, req: CfgRequest) -> CsResult<()> {
        let r = self.raw(req)?;
        status(&r)
    }
}

/// libcpg (the parts the tools and tests use).
pub struct Cpg {
    c: Client,
}

impl Cpg {
    /// cpg_initialize.
    pub fn connect() -> CsResult<Cpg> {
        let c = connect("cpg")?;
        c.set_fc_enable_max(2);
        Ok(Cpg { c })
    }

    /// cpg_local_get.
    pub fn local_get(&self) -> CsResult<u32> {
        let r = call(&self.c, &CpgRequest::LocalGet.encode())?;
        status(&r)?;
        Ok(u32::from_ne_bytes([r[24], r[25], r[26], r[27]]))
    }

    /// cpg_join.
    pub fn join(&self, group: &[u8], pid: u32, flags: u32) -> CsResult<()> {
        let r = call(
            &self.c,
            &CpgRequest::Join {
                group: group.to_vec(),
                group_len: group.len() as u32,
                pid,
                flags,
            }
            .encode(),
        )?;
        status(&r)
    }

    /// cpg_mcast_joined (no response).
    pub fn mcast(&self, data: &[u8]) -> CsResult<()> {
        self.c
            .send(
                &CpgRequest::Mcast {
                    guarantee: 2,
                    data: data.to_vec(),
                }
                .encode(),
            )
            .map_err(qb)
    }

    /// Wait for a callback.
    pub fn next_event(&self, timeout: Option<Duration>) -> CsResult<cpgw::CpgEvent> {
        let b = event(&self.c, timeout)?;
        cpgw::CpgEvent::decode(&b).map_err(|_| CsError::LIBRARY)
    }

    /// cpg_iteration_*: every (group, nodeid, pid) of `iteration_type`.
    pub fn iterate(
        &self,
        iteration_type: u32,
        group: &[u8],
    ) -> CsResult<Vec<IterationNextResponse>> {
        let r = call(
            &self.c,
            &CpgRequest::IterationInitialize {
                group: group.to_vec(),
                iteration_type,
            }
            .encode(),
        )?;
        status(&r)?;
        let handle = u64::from_ne_bytes([r[24], r[25], r[26], r[27], r[28], r[29], r[30], r[31]]);
        let mut v = Vec::new();
        loop {
            let r = call(&self.c, &CpgRequest::IterationNext { handle }.encode())?;
            let n = IterationNextResponse::decode(&r).map_err(|_| CsError::LIBRARY)?;
            if n.error != CsError::OK {
                break;
            }
            v.push(n);
        }
        let _ = call(&self.c, &CpgRequest::IterationFinalize { handle }.encode());
        Ok(v)
    }
}
