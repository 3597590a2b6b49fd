//! The cfg service (cfg.c): link and node status, node addresses, killing a
//! node, the shutdown negotiation with tracking clients, and config reload.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use totem_wire::ipc::cfg::{
    self as c, node_addrs_response, nodestatus_response, ringstatus_response, value_response,
    CfgRequest, LinkStatus, NodeStatus,
};
use totem_wire::ipc::{bare_response, CsError};
use totem_wire::service::{MarName, MessageSource, ServiceMessage};
use totem_wire::{Codec, Endian};

use crate::icmap::Icmap;
use crate::out::{LogLevel, Outbox, Output};
use crate::{Cluster, ConnId, NodeId};

/// DEFAULT_SHUTDOWN_TIMEOUT (ms).
const DEFAULT_SHUTDOWN_TIMEOUT: u32 = 5000;

/// What cfg needs to know about Totem's links.
#[derive(Debug, Clone, Default)]
pub struct LinkView {
    /// Every configured node and its addresses by link number.
    pub nodes: BTreeMap<NodeId, Vec<(u32, IpAddr)>>,
    /// The transport's netmtu after Totem's adjustment (udpu: netmtu - 90).
    pub mtu: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reply {
    Unknown,
    Yes,
    No,
}

#[derive(Debug, Clone)]
struct Pd {
    tracking: bool,
    reply: Reply,
}

#[derive(Debug)]
struct Shutdown {
    conn: ConnId,
    flags: u32,
    yes: u32,
    no: u32,
    expected: u32,
    deadline: Instant,
}

/// The service.
#[derive(Debug, Default)]
pub struct Cfg {
    conns: BTreeMap<ConnId, Pd>,
    /// Tracking connections, most recent first.
    trackers: Vec<ConnId>,
    shutdown: Option<Shutdown>,
    /// A reload this node asked for: the requesting connection.
    pending_reload: Option<ConnId>,
}

fn send(cluster: &mut dyn Cluster, m: ServiceMessage) -> bool {
    cluster.mcast(&[&m.to_bytes(Endian::NATIVE)])
}

/// The address bytes get_node_addrs reports (TOTEMIP_ADDRLEN).
fn addr_bytes(a: &IpAddr) -> [u8; 16] {
    let mut b = [0u8; 16];
    match a {
        IpAddr::V4(v) => b[..4].copy_from_slice(&v.octets()),
        IpAddr::V6(v) => b.copy_from_slice(&v.octets()),
    }
    b
}

impl Cfg {
    /// lib_init_fn.
    pub fn connect(&mut self, conn: ConnId) {
        self.conns.insert(
            conn,
            Pd {
                tracking: false,
                reply: Reply::Unknown,
            },
        );
    }

    /// lib_exit_fn.
    pub fn disconnect(&mut self, out: &mut Outbox, cluster: &mut dyn Cluster, conn: ConnId) {
        self.remove_from_shutdown(out, cluster, conn);
        self.conns.remove(&conn);
        if self.pending_reload == Some(conn) {
            self.pending_reload = None;
        }
    }

    fn remove_from_shutdown(&mut self, out: &mut Outbox, cluster: &mut dyn Cluster, conn: ConnId) {
        if self.shutdown.as_ref().is_some_and(|s| s.conn == conn) {
            self.shutdown = None;
        }
        let Some(pd) = self.conns.get_mut(&conn) else {
            return;
        };
        if pd.tracking {
            pd.tracking = false;
            self.trackers.retain(|&c| c != conn);
            if let Some(s) = &mut self.shutdown {
                match pd.reply {
                    Reply::Yes => s.yes -= 1,
                    Reply::No => s.no -= 1,
                    Reply::Unknown => {}
                }
                s.yes += 1;
            }
            pd.reply = Reply::Yes;
            self.check_shutdown_status(out, cluster);
        }
    }

    fn send_test_shutdown(
        &self,
        out: &mut Outbox,
        only: Option<ConnId>,
        exclude: Option<ConnId>,
        status: CsError,
        flags: u32,
    ) {
        let ev = value_response(c::res::TESTSHUTDOWN, status, flags);
        match only {
            Some(conn) => out.event(conn, ev),
            None => {
                for t in &self.trackers {
                    if Some(*t) != exclude {
                        out.event(*t, ev.clone());
                    }
                }
            }
        }
    }

    fn send_shutdown(cluster: &mut dyn Cluster) {
        send(cluster, ServiceMessage::CfgShutdown);
    }

    fn check_shutdown_status(&mut self, out: &mut Outbox, cluster: &mut dyn Cluster) {
        let Some(s) = &self.shutdown else {
            return;
        };
        if s.yes + s.no < s.expected {
            return;
        }
        let ok = s.yes >= s.expected || s.flags == c::shutdown_flag::REGARDLESS;
        let (conn, yes, no, flags) = (s.conn, s.yes, s.no, s.flags);
        self.shutdown = None;
        if ok {
            out.response(conn, bare_response(c::res::TRYSHUTDOWN, CsError::OK));
            Self::send_shutdown(cluster);
        } else {
            out.response(conn, bare_response(c::res::TRYSHUTDOWN, CsError::BUSY));
        }
        out.log(
            LogLevel::Debug,
            "CFG",
            format!("shutdown decision is: (yes count: {yes}, no count: {no}) flags={flags:x}"),
        );
    }

    /// The shutdown timer's deadline.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.shutdown.as_ref().map(|s| s.deadline)
    }

    /// shutdown_timer_fn: undecided trackers count as "no".
    pub fn handle_timeout(&mut self, now: Instant, out: &mut Outbox, cluster: &mut dyn Cluster) {
        let Some(s) = &mut self.shutdown else {
            return;
        };
        if s.deadline > now {
            return;
        }
        s.no = s.expected;
        let flags = s.flags;
        self.check_shutdown_status(out, cluster);
        self.send_test_shutdown(out, None, None, CsError::TIMEOUT, flags);
    }

    /// Whether the request is flow-controlled (needs Totem room and waits
    /// for sync to finish).
    pub fn request_needs_room(req: &CfgRequest) -> bool {
        matches!(
            req,
            CfgRequest::RingStatusGet
                | CfgRequest::RingReenable
                | CfgRequest::KillNode { .. }
                | CfgRequest::TryShutdown { .. }
                | CfgRequest::ReplyToShutdown { .. }
                | CfgRequest::ReloadConfig
                | CfgRequest::TrackStart { .. }
                | CfgRequest::TrackStop
        )
    }

    /// An IPC request.
    #[allow(clippy::too_many_arguments)]
    pub fn request(
        &mut self,
        icmap: &Icmap,
        out: &mut Outbox,
        cluster: &mut dyn Cluster,
        now: Instant,
        my_nodeid: NodeId,
        members: &[NodeId],
        links: &LinkView,
        conn: ConnId,
        req: CfgRequest,
    ) {
        match req {
            CfgRequest::RingStatusGet => {
                let ifaces: Vec<(Vec<u8>, Vec<u8>)> = links
                    .nodes
                    .get(&my_nodeid)
                    .map(|l| {
                        l.iter()
                            .map(|(link, a)| (format!("{link} {a}").into_bytes(), b"OK".to_vec()))
                            .collect()
                    })
                    .unwrap_or_default();
                out.response(conn, ringstatus_response(CsError::OK, &ifaces));
            }
            CfgRequest::NodeStatusGet { nodeid, version } => {
                if version != c::NODE_STATUS_V1 {
                    out.response(conn, nodestatus_response(CsError::NOT_SUPPORTED, None));
                    return;
                }
                let reachable = members.contains(&nodeid) as u8;
                let mut links_status = Vec::new();
                if let Some(addrs) = links.nodes.get(&nodeid) {
                    links_status.push(LinkStatus {
                        enabled: 1,
                        connected: reachable,
                        dynconnected: 0,
                        mtu: links.mtu,
                        src_ipaddr: addrs
                            .first()
                            .map(|(_, a)| a.to_string().into_bytes())
                            .unwrap_or_default(),
                        dst_ipaddr: Vec::new(),
                    });
                }
                let st = NodeStatus {
                    version: c::NODE_STATUS_V1,
                    nodeid,
                    reachable,
                    links: links_status,
                    ..Default::default()
                };
                out.response(conn, nodestatus_response(CsError::OK, Some(&st)));
            }
            CfgRequest::RingReenable => {
                out.response(
                    conn,
                    bare_response(c::res::RINGREENABLE, CsError::NOT_SUPPORTED),
                );
            }
            CfgRequest::KillNode { nodeid, reason } => {
                let status = icmap.get_str(&format!("runtime.members.{nodeid}.status"));
                let error = match status.as_deref() {
                    None => CsError::NOT_EXIST,
                    Some("joined") => {
                        send(
                            cluster,
                            ServiceMessage::CfgKillNode {
                                nodeid,
                                reason: MarName::new(&reason),
                            },
                        );
                        CsError::OK
                    }
                    Some(_) => CsError::NOT_EXIST,
                };
                out.response(conn, bare_response(c::res::KILLNODE, error));
            }
            CfgRequest::TryShutdown { flags } => {
                if flags == c::shutdown_flag::IMMEDIATE {
                    Self::send_shutdown(cluster);
                    out.response(conn, bare_response(c::res::TRYSHUTDOWN, CsError::OK));
                    return;
                }
                if self.shutdown.is_some() {
                    out.response(conn, bare_response(c::res::TRYSHUTDOWN, CsError::EXIST));
                    return;
                }
                let mut expected = 0;
                for t in &self.trackers {
                    if *t != conn {
                        if let Some(pd) = self.conns.get_mut(t) {
                            pd.reply = Reply::Unknown;
                        }
                        expected += 1;
                    }
                }
                if expected == 0 {
                    out.response(conn, bare_response(c::res::TRYSHUTDOWN, CsError::OK));
                    Self::send_shutdown(cluster);
                    return;
                }
                let timeout = icmap
                    .get_u32("cfg.shutdown_timeout")
                    .unwrap_or(DEFAULT_SHUTDOWN_TIMEOUT);
                self.shutdown = Some(Shutdown {
                    conn,
                    flags,
                    yes: 0,
                    no: 0,
                    expected,
                    deadline: now + Duration::from_millis(timeout as u64),
                });
                self.send_test_shutdown(out, None, Some(conn), CsError::OK, flags);
            }
            CfgRequest::ReplyToShutdown { response } => {
                let status = if self.shutdown.is_none() {
                    CsError::ACCESS
                } else {
                    let r = if response != 0 { Reply::Yes } else { Reply::No };
                    if let Some(pd) = self.conns.get_mut(&conn) {
                        pd.reply = r;
                    }
                    if let Some(s) = &mut self.shutdown {
                        if r == Reply::Yes {
                            s.yes += 1;
                        } else {
                            s.no += 1;
                        }
                    }
                    self.check_shutdown_status(out, cluster);
                    CsError::OK
                };
                out.response(conn, bare_response(c::res::REPLYTOSHUTDOWN, status));
            }
            CfgRequest::GetNodeAddrs { nodeid } => {
                let nodeid = if nodeid == 0 { my_nodeid } else { nodeid };
                match links.nodes.get(&nodeid).filter(|a| !a.is_empty()) {
                    Some(addrs) => {
                        let family = match addrs[0].1 {
                            IpAddr::V4(_) => 2,
                            IpAddr::V6(_) => 10,
                        };
                        let b: Vec<[u8; 16]> = addrs.iter().map(|(_, a)| addr_bytes(a)).collect();
                        out.response(conn, node_addrs_response(CsError::OK, family, &b));
                    }
                    None => out.response(conn, node_addrs_response(CsError::NOT_EXIST, 0, &[])),
                }
            }
            CfgRequest::LocalGet => {
                out.response(
                    conn,
                    value_response(c::res::LOCAL_GET, CsError::OK, my_nodeid),
                );
            }
            CfgRequest::ReloadConfig => {
                let m = ServiceMessage::CfgReloadConfig(MessageSource {
                    nodeid: my_nodeid,
                    pad: [0; 4],
                    conn,
                });
                send(cluster, m);
            }
            CfgRequest::ReopenLogFiles => {
                out.log(LogLevel::Debug, "CFG", "Reopening logging files\n");
                out.push(Output::ReopenLogs);
                out.response(conn, bare_response(c::res::REOPEN_LOG_FILES, CsError::OK));
            }
            CfgRequest::TrackStart { .. } => {
                let in_progress = self.shutdown.is_some();
                if let Some(pd) = self.conns.get_mut(&conn) {
                    if !pd.tracking {
                        pd.tracking = true;
                        self.trackers.insert(0, conn);
                        if in_progress {
                            pd.reply = Reply::Unknown;
                            let flags = self.shutdown.as_ref().map(|s| s.flags).unwrap_or(0);
                            if let Some(s) = &mut self.shutdown {
                                s.expected += 1;
                            }
                            self.send_test_shutdown(out, Some(conn), None, CsError::OK, flags);
                        }
                    }
                }
                out.response(conn, bare_response(c::res::STATETRACKSTART, CsError::OK));
            }
            CfgRequest::TrackStop => {
                self.remove_from_shutdown(out, cluster, conn);
                out.response(conn, bare_response(c::res::STATETRACKSTOP, CsError::OK));
            }
        }
    }

    /// A cluster message of the cfg service.
    pub fn exec(
        &mut self,
        out: &mut Outbox,
        my_nodeid: NodeId,
        nodeid: NodeId,
        m: &ServiceMessage,
    ) {
        match m {
            ServiceMessage::CfgKillNode {
                nodeid: target,
                reason,
            } => {
                out.log(
                    LogLevel::Debug,
                    "CFG",
                    format!("request to kill node {target} (us={my_nodeid})"),
                );
                if *target == my_nodeid {
                    out.log(
                        LogLevel::Notice,
                        "CFG",
                        format!(
                            "Killed by node {nodeid} : {}",
                            String::from_utf8_lossy(reason.as_bytes())
                        ),
                    );
                    // corosync_fatal_error(COROSYNC_FATAL_ERROR_EXIT)
                    out.push(Output::Exit { code: -1 });
                }
            }
            ServiceMessage::CfgShutdown => {
                out.log(
                    LogLevel::Notice,
                    "CFG",
                    format!("Node {nodeid} was shut down by sysadmin"),
                );
                if nodeid == my_nodeid {
                    out.push(Output::Shutdown {
                        reason: "cfg".into(),
                    });
                }
            }
            ServiceMessage::CfgReloadConfig(src) => {
                out.log(
                    LogLevel::Notice,
                    "CFG",
                    format!("Config reload requested by node {nodeid}"),
                );
                if nodeid == my_nodeid {
                    self.pending_reload = Some(src.conn);
                }
                out.push(Output::ReloadConfig);
            }
            _ => {}
        }
    }

    /// The daemon finished a reload: answer the requester if it is ours.
    pub fn reload_done(&mut self, out: &mut Outbox, result: CsError) {
        if let Some(conn) = self.pending_reload.take() {
            out.response(conn, bare_response(c::res::RELOAD_CONFIG, result));
        }
    }
}
