//! cfg IPC (`ipc_cfg.h`, `cfg.h`).

use super::layout as l;
use super::{c_string, check_res, put_c_string, put_req, put_res, rd, res_head, wr, CsError};
use crate::codec::WireError;

/// `MESSAGE_REQ_CFG_*` ids.
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

/// `MESSAGE_RES_CFG_*` ids.
#[allow(missing_docs)]
pub mod res {
    pub const RINGSTATUSGET: i32 = 0;
    pub const RINGREENABLE: i32 = 1;
    pub const STATETRACKSTART: i32 = 2;
    pub const STATETRACKSTOP: i32 = 3;
    pub const KILLNODE: i32 = 8;
    pub const TRYSHUTDOWN: i32 = 9;
    pub const TESTSHUTDOWN: i32 = 10;
    pub const GET_NODE_ADDRS: i32 = 11;
    pub const LOCAL_GET: i32 = 12;
    pub const REPLYTOSHUTDOWN: i32 = 13;
    pub const RELOAD_CONFIG: i32 = 14;
    pub const REOPEN_LOG_FILES: i32 = 15;
    pub const NODESTATUSGET: i32 = 16;
}

/// `CFG_SHUTDOWN_FLAG_*`.
#[allow(missing_docs)]
pub mod shutdown_flag {
    pub const REQUEST: u32 = 0;
    pub const REGARDLESS: u32 = 1;
    pub const IMMEDIATE: u32 = 2;
}

/// `CFG_NODE_STATUS_V1`.
pub const NODE_STATUS_V1: u32 = 1;

/// A cfg request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum CfgRequest {
    RingStatusGet,
    RingReenable,
    KillNode { nodeid: u32, reason: Vec<u8> },
    TryShutdown { flags: u32 },
    ReplyToShutdown { response: u32 },
    GetNodeAddrs { nodeid: u32 },
    LocalGet,
    ReloadConfig,
    ReopenLogFiles,
    NodeStatusGet { nodeid: u32, version: u32 },
    TrackStart { flags: u8 },
    TrackStop,
}

impl CfgRequest {
    /// Decode.
    pub fn decode(bytes: &[u8]) -> Result<CfgRequest, WireError> {
        let h = super::req_head(bytes)?;
        let mut r = rd(bytes);
        r.skip_to(l::REQ_HEADER_SIZE, "cfg request")?;
        Ok(match h.id {
            req::RINGSTATUSGET => CfgRequest::RingStatusGet,
            req::RINGREENABLE => CfgRequest::RingReenable,
            req::KILLNODE => {
                let nodeid = r.u32("cfg killnode")?;
                r.skip_to(l::CFG_KILLNODE_REASON, "cfg killnode")?;
                let len = r.u16("cfg killnode")? as usize;
                let value = r.take(l::CS_NAME_SIZE - 2, "cfg killnode")?;
                CfgRequest::KillNode {
                    nodeid,
                    reason: value[..len.min(value.len())].to_vec(),
                }
            }
            req::TRYSHUTDOWN => CfgRequest::TryShutdown {
                flags: r.u32("cfg tryshutdown")?,
            },
            req::REPLYTOSHUTDOWN => CfgRequest::ReplyToShutdown {
                response: r.u32("cfg replytoshutdown")?,
            },
            req::GET_NODE_ADDRS => CfgRequest::GetNodeAddrs {
                nodeid: r.u32("cfg get_node_addrs")?,
            },
            req::LOCAL_GET => CfgRequest::LocalGet,
            req::RELOAD_CONFIG => CfgRequest::ReloadConfig,
            req::REOPEN_LOG_FILES => CfgRequest::ReopenLogFiles,
            req::NODESTATUSGET => {
                let nodeid = r.u32("cfg nodestatusget")?;
                r.skip_to(l::CFG_NODESTATUSGET_VERSION, "cfg nodestatusget")?;
                CfgRequest::NodeStatusGet {
                    nodeid,
                    version: r.u32("cfg nodestatusget")?,
                }
            }
            req::TRACKSTART => CfgRequest::TrackStart {
                flags: r.u8("cfg trackstart")?,
            },
            req::TRACKSTOP => CfgRequest::TrackStop,
            other => {
                return Err(WireError::UnexpectedId {
                    what: "cfg request",
                    id: other,
                })
            }
        })
    }

    /// Encode.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = wr();
        let hdr = l::REQ_HEADER_SIZE;
        match self {
            CfgRequest::RingStatusGet => put_req(&mut w, req::RINGSTATUSGET, hdr),
            CfgRequest::RingReenable => put_req(&mut w, req::RINGREENABLE, hdr),
            CfgRequest::KillNode { nodeid, reason } => {
                put_req(&mut w, req::KILLNODE, l::CFG_KILLNODE_SIZE);
                w.u32(*nodeid);
                w.zeros(4);
                let k = reason.len().min(l::CS_NAME_SIZE - 2);
                w.u16(k as u16);
                w.bytes(&reason[..k]);
                w.pad_to(l::CFG_KILLNODE_SIZE);
            }
            CfgRequest::TryShutdown { flags } => {
                put_req(&mut w, req::TRYSHUTDOWN, l::CFG_TRYSHUTDOWN_SIZE);
                w.u32(*flags);
                w.zeros(4);
            }
            CfgRequest::ReplyToShutdown { response } => {
                put_req(&mut w, req::REPLYTOSHUTDOWN, l::CFG_REPLYTOSHUTDOWN_SIZE);
                w.u32(*response);
                w.zeros(4);
            }
            CfgRequest::GetNodeAddrs { nodeid } => {
                put_req(&mut w, req::GET_NODE_ADDRS, l::CFG_GET_NODE_ADDRS_SIZE);
                w.u32(*nodeid);
                w.zeros(4);
            }
            CfgRequest::LocalGet => put_req(&mut w, req::LOCAL_GET, hdr),
            CfgRequest::ReloadConfig => put_req(&mut w, req::RELOAD_CONFIG, hdr),
            CfgRequest::ReopenLogFiles => put_req(&mut w, req::REOPEN_LOG_FILES, hdr),
            CfgRequest::NodeStatusGet { nodeid, version } => {
                put_req(&mut w, req::NODESTATUSGET, l::CFG_NODESTATUSGET_SIZE);
                w.u32(*nodeid);
                w.zeros(4);
                w.u32(*version);
                w.zeros(4);
            }
            CfgRequest::TrackStart { flags } => {
                put_req(&mut w, req::TRACKSTART, l::CFG_TRACKSTART_SIZE);
                w.u8(*flags);
                w.zeros(7);
            }
            CfgRequest::TrackStop => put_req(&mut w, req::TRACKSTOP, hdr),
        }
        w.into_bytes()
    }
}

/// `res_lib_cfg_ringstatusget`: names "<link> <address>" and statuses.
pub fn ringstatus_response(error: CsError, ifaces: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    let mut w = wr();
    put_res(
        &mut w,
        res::RINGSTATUSGET,
        l::CFG_RES_RINGSTATUSGET_SIZE,
        error,
    );
    let n = ifaces.len().min(l::CFG_MAX_INTERFACES);
    w.u32(n as u32);
    w.zeros(4);
    for i in 0..l::CFG_MAX_INTERFACES {
        let name = ifaces.get(i).map(|x| x.0.as_slice()).unwrap_or_default();
        put_c_string(&mut w, name, l::CFG_INTERFACE_NAME_MAX_LEN);
    }
    for i in 0..l::CFG_MAX_INTERFACES {
        let st = ifaces.get(i).map(|x| x.1.as_slice()).unwrap_or_default();
        put_c_string(&mut w, st, l::CFG_INTERFACE_STATUS_MAX_LEN);
    }
    w.into_bytes()
}

/// Interface name and status text pairs of a ringstatusget response.
pub type RingStatus = Vec<(Vec<u8>, Vec<u8>)>;

/// Decode [`ringstatus_response`].
pub fn decode_ringstatus(bytes: &[u8]) -> Result<(CsError, RingStatus), WireError> {
    let h = check_res(bytes, "cfg ringstatusget", l::CFG_RES_RINGSTATUSGET_SIZE)?;
    let mut r = rd(bytes);
    r.skip_to(l::CFG_RES_RINGSTATUSGET_COUNT, "cfg ringstatusget")?;
    let n = (r.u32("cfg ringstatusget")? as usize).min(l::CFG_MAX_INTERFACES);
    let out = (0..n)
        .map(|i| {
            let a = l::CFG_RES_RINGSTATUSGET_NAMES + i * l::CFG_INTERFACE_NAME_MAX_LEN;
            let b = l::CFG_RES_RINGSTATUSGET_STATUS + i * l::CFG_INTERFACE_STATUS_MAX_LEN;
            (
                c_string(&bytes[a..a + l::CFG_INTERFACE_NAME_MAX_LEN]),
                c_string(&bytes[b..b + l::CFG_INTERFACE_STATUS_MAX_LEN]),
            )
        })
        .collect();
    Ok((h.error, out))
}

/// `struct corosync_knet_link_status_v1`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[allow(missing_docs)]
pub struct LinkStatus {
    pub enabled: u8,
    pub connected: u8,
    pub dynconnected: u8,
    pub mtu: u32,
    pub src_ipaddr: Vec<u8>,
    pub dst_ipaddr: Vec<u8>,
}

/// `struct corosync_cfg_node_status_v1`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[allow(missing_docs)]
pub struct NodeStatus {
    pub version: u32,
    pub nodeid: u32,
    pub reachable: u8,
    pub remote: u8,
    pub external: u8,
    pub onwire_min: u8,
    pub onwire_max: u8,
    pub onwire_ver: u8,
    /// CFG_MAX_LINKS entries.
    pub links: Vec<LinkStatus>,
}

/// `res_lib_cfg_nodestatusget_v1` (ok) or `_version` (error).
pub fn nodestatus_response(error: CsError, status: Option<&NodeStatus>) -> Vec<u8> {
    let mut w = wr();
    match status {
        None => {
            put_res(
                &mut w,
                res::NODESTATUSGET,
                l::CFG_RES_NODESTATUSGET_VERSION_SIZE,
                error,
            );
            w.zeros(8);
        }
        Some(s) => {
            put_res(
                &mut w,
                res::NODESTATUSGET,
                l::CFG_RES_NODESTATUSGET_V1_SIZE,
                error,
            );
            w.u32(s.version);
            w.u32(s.nodeid);
            for b in [
                s.reachable,
                s.remote,
                s.external,
                s.onwire_min,
                s.onwire_max,
                s.onwire_ver,
            ] {
                w.u8(b);
            }
            w.zeros(2);
            let blank = LinkStatus::default();
            for i in 0..l::CFG_MAX_LINKS {
                let k = s.links.get(i).unwrap_or(&blank);
                w.u8(k.enabled);
                w.u8(k.connected);
                w.u8(k.dynconnected);
                w.zeros(1);
                w.u32(k.mtu);
                put_c_string(&mut w, &k.src_ipaddr, l::CFG_MAX_HOST_LEN);
                put_c_string(&mut w, &k.dst_ipaddr, l::CFG_MAX_HOST_LEN);
            }
            w.pad_to(l::CFG_RES_NODESTATUSGET_V1_SIZE);
        }
    }
    w.into_bytes()
}

/// Decode [`nodestatus_response`].
pub fn decode_nodestatus(bytes: &[u8]) -> Result<(CsError, Option<NodeStatus>), WireError> {
    let h = res_head(bytes)?;
    if h.error != CsError::OK {
        return Ok((h.error, None));
    }
    check_res(bytes, "cfg nodestatusget", l::CFG_RES_NODESTATUSGET_V1_SIZE)?;
    let s = l::CFG_RES_NODESTATUSGET_V1_STATUS;
    let mut r = rd(bytes);
    r.skip_to(s, "cfg nodestatus")?;
    let version = r.u32("cfg nodestatus")?;
    let nodeid = r.u32("cfg nodestatus")?;
    let mut b = [0u8; 6];
    for x in &mut b {
        *x = r.u8("cfg nodestatus")?;
    }
    let links = (0..l::CFG_MAX_LINKS)
        .map(|i| {
            let o = s + l::CFG_NODE_STATUS_V1_LINKS + i * l::CFG_LINK_STATUS_V1_SIZE;
            let k = &bytes[o..o + l::CFG_LINK_STATUS_V1_SIZE];
            LinkStatus {
                enabled: k[0],
                connected: k[1],
                dynconnected: k[2],
                mtu: u32::from_ne_bytes([k[4], k[5], k[6], k[7]]),
                src_ipaddr: c_string(&k[l::CFG_LINK_STATUS_V1_SRC..l::CFG_LINK_STATUS_V1_DST]),
                dst_ipaddr: c_string(&k[l::CFG_LINK_STATUS_V1_DST..]),
            }
        })
        .collect();
    Ok((
        h.error,
        Some(NodeStatus {
            version,
            nodeid,
            reachable: b[0],
            remote: b[1],
            external: b[2],
            onwire_min: b[3],
            onwire_max: b[4],
            onwire_ver: b[5],
            links,
        }),
    ))
}

/// `res_lib_cfg_get_node_addrs`: family and TOTEMIP_ADDRLEN-byte addresses.
pub fn node_addrs_response(error: CsError, family: u32, addrs: &[[u8; 16]]) -> Vec<u8> {
    let mut w = wr();
    let size = l::CFG_RES_GET_NODE_ADDRS_SIZE + addrs.len() * l::TOTEMIP_ADDRLEN;
    put_res(&mut w, res::GET_NODE_ADDRS, size, error);
    w.u32(family);
    w.u32(addrs.len() as u32);
    for a in addrs {
        w.bytes(a);
    }
    w.into_bytes()
}

/// Decode [`node_addrs_response`].
pub fn decode_node_addrs(bytes: &[u8]) -> Result<(CsError, u32, Vec<[u8; 16]>), WireError> {
    let h = check_res(bytes, "cfg get_node_addrs", l::CFG_RES_GET_NODE_ADDRS_SIZE)?;
    let mut r = rd(bytes);
    r.skip_to(l::CFG_RES_GET_NODE_ADDRS_FAMILY, "cfg get_node_addrs")?;
    let family = r.u32("cfg get_node_addrs")?;
    let n = r.u32("cfg get_node_addrs")? as usize;
    let body = &bytes[l::CFG_RES_GET_NODE_ADDRS_SIZE..];
    if n.saturating_mul(l::TOTEMIP_ADDRLEN) > body.len() {
        return Err(WireError::BadCount {
            what: "cfg node addresses",
            count: n as u64,
        });
    }
    let addrs = body
        .chunks_exact(l::TOTEMIP_ADDRLEN)
        .take(n)
        .map(|c| {
            let mut a = [0u8; 16];
            a.copy_from_slice(c);
            a
        })
        .collect();
    Ok((h.error, family, addrs))
}

/// A response with one u32 after the header (local_get: the nodeid;
/// testshutdown event: the flags).
pub fn value_response(id: i32, error: CsError, value: u32) -> Vec<u8> {
    let mut w = wr();
    put_res(&mut w, id, 32, error);
    w.u32(value);
    w.zeros(4);
    w.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for q in [
            CfgRequest::RingStatusGet,
            CfgRequest::KillNode {
                nodeid: 3,
                reason: b"Killed by corosync-cfgtool".to_vec(),
            },
            CfgRequest::TryShutdown { flags: 1 },
            CfgRequest::ReplyToShutdown { response: 1 },
            CfgRequest::GetNodeAddrs { nodeid: 2 },
            CfgRequest::LocalGet,
            CfgRequest::NodeStatusGet {
                nodeid: 2,
                version: 1,
            },
            CfgRequest::TrackStart { flags: 0 },
            CfgRequest::TrackStop,
        ] {
            assert_eq!(CfgRequest::decode(&q.encode()).unwrap(), q);
        }
        let rs = ringstatus_response(CsError::OK, &[(b"0 10.0.0.1".to_vec(), b"OK".to_vec())]);
        assert_eq!(rs.len(), l::CFG_RES_RINGSTATUSGET_SIZE);
        assert_eq!(decode_ringstatus(&rs).unwrap().1[0].0, b"0 10.0.0.1");
        let ns = NodeStatus {
            version: 1,
            nodeid: 2,
            reachable: 1,
            links: vec![LinkStatus {
                enabled: 1,
                connected: 1,
                mtu: 1410,
                src_ipaddr: b"10.0.0.2".to_vec(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let b = nodestatus_response(CsError::OK, Some(&ns));
        assert_eq!(b.len(), l::CFG_RES_NODESTATUSGET_V1_SIZE);
        let d = decode_nodestatus(&b).unwrap().1.unwrap();
        assert_eq!(d.links[0].mtu, 1410);
        assert_eq!(d.links[0].src_ipaddr, b"10.0.0.2");
        let a = node_addrs_response(
            CsError::OK,
            2,
            &[[10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]],
        );
        assert_eq!(decode_node_addrs(&a).unwrap().2.len(), 1);
    }
}
