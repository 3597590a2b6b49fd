//! [`Services`]: the service engines wired together the way corosync's
//! main.c (confchg, deliver, sync callbacks), service.c (the services and
//! their ids) and ipc_glue.c (access, flow control) do it.

use std::collections::{BTreeMap, VecDeque};
use std::time::Instant;

use totem_wire::ipc::cfg::CfgRequest;
use totem_wire::ipc::cmap::CmapRequest;
use totem_wire::ipc::cpg::CpgRequest;
use totem_wire::ipc::quorum::QuorumRequest;
use totem_wire::ipc::votequorum::VqRequest;
use totem_wire::ipc::{bare_response, req_head, CsError};
use totem_wire::service::ServiceMessage;
use totem_wire::{Codec, Endian, RingId};

use crate::cfg::{Cfg, LinkView};
use crate::cmap::Cmap;
use crate::cpg::Cpg;
use crate::icmap::{Icmap, Internal, Item, TrackOwner};
use crate::out::{LogLevel, Outbox, Output};
use crate::quorum::Quorum;
use crate::votequorum::Votequorum;
use crate::{Cluster, ConnId, NodeId};

/// Service ids (corodefs.h).
pub mod sid {
    /// CMAP_SERVICE.
    pub const CMAP: u16 = 0;
    /// CFG_SERVICE.
    pub const CFG: u16 = 1;
    /// CPG_SERVICE.
    pub const CPG: u16 = 2;
    /// QUORUM_SERVICE.
    pub const QUORUM: u16 = 3;
    /// PLOAD_SERVICE.
    pub const PLOAD: u16 = 4;
    /// VOTEQUORUM_SERVICE.
    pub const VOTEQUORUM: u16 = 5;
    /// MON_SERVICE.
    pub const MON: u16 = 6;
    /// WD_SERVICE.
    pub const WD: u16 = 7;
}

/// The IPC services Atrium serves, with their libqb names.
pub const IPC_SERVICES: [(u16, &str); 5] = [
    (sid::CMAP, "cmap"),
    (sid::CFG, "cfg"),
    (sid::CPG, "cpg"),
    (sid::QUORUM, "quorum"),
    (sid::VOTEQUORUM, "votequorum"),
];

/// Services with sync callbacks, in id order (cmap, cpg, quorum, votequorum).
pub const SYNC_SERVICES: [i32; 4] = [0, 2, 3, 5];

/// Exec handlers per service (exec_engine_count), for the rx/tx counters.
const EXEC_COUNTS: [(u16, &str, u16); 8] = [
    (sid::CMAP, "cmap", 1),
    (sid::CFG, "cfg", 5),
    (sid::CPG, "cpg", 7),
    (sid::QUORUM, "quorum", 0),
    (sid::PLOAD, "pload", 2),
    (sid::VOTEQUORUM, "votequorum", 4),
    (sid::MON, "mon", 0),
    (sid::WD, "wd", 0),
];

/// Static facts the engines need.
#[derive(Debug, Clone)]
pub struct ServicesConfig {
    /// This node.
    pub nodeid: NodeId,
    /// The parsed corosync.conf (coroparse) plus what totemconfig adds
    /// (`nodelist.local_node_pos`, `totem.interface.0.bindnetaddr`, …).
    pub map: corosync_config::ConfigMap,
    /// The `runtime.config.totem.*` keys.
    pub runtime_totem: BTreeMap<String, corosync_config::Value>,
    /// Node addresses and MTU for cfg and `runtime.members.*.ip`.
    pub links: LinkView,
}

/// What became of an IPC request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dispatch {
    /// Handled (responses, if any, are in the outputs).
    Done,
    /// Kept: Totem has no room or sync is running; it is retried by
    /// [`Services::retry_deferred`] in order.
    Deferred,
}

#[derive(Debug, Clone)]
struct ConnInfo {
    service: u16,
    pid: u32,
    procname: String,
    requests: u64,
    responses: u64,
    invalid: u64,
    overload: u64,
}

/// Every service engine of one node.
pub struct Services {
    nodeid: NodeId,
    icmap: Icmap,
    out: Outbox,
    cmap: Cmap,
    cpg: Cpg,
    quorum: Quorum,
    vq: Option<Votequorum>,
    cfg: Cfg,
    links: LinkView,
    conns: BTreeMap<ConnId, ConnInfo>,
    deferred: VecDeque<(ConnId, Vec<u8>)>,
    sync_in_process: bool,
    allow_connections: bool,
    members: Vec<NodeId>,
    ring_id: RingId,
    closed_conns: u64,
    /// The statistics map (`stats.*`) as last refreshed by the daemon.
    stats: BTreeMap<String, Item>,
}

impl Services {
    /// Load the configuration map and start every engine
    /// (`corosync_service_defaults_link_and_init`). `Err` is the message the
    /// reference prints before exiting with COROSYNC_DONE_INIT_SERVICES.
    pub fn new(cfg: ServicesConfig, cluster: &mut dyn Cluster) -> Result<Services, String> {
        let mut icmap = Icmap::new();
        for (k, v) in &cfg.map {
            let _ = icmap.set_item(k, &Item::from(v));
        }
        for (k, v) in &cfg.runtime_totem {
            let _ = icmap.set_item(k, &Item::from(v));
        }
        set_ro_keys(&mut icmap);
        let mut out = Outbox::default();
        let names = [
            (
                sid::CMAP,
                "corosync configuration map access",
                "corosync_cmap",
            ),
            (sid::CFG, "corosync configuration service", "corosync_cfg"),
            (
                sid::CPG,
                "corosync cluster closed process group service v1.01",
                "corosync_cpg",
            ),
            (
                sid::PLOAD,
                "corosync profile loading service",
                "corosync_pload",
            ),
            (
                sid::MON,
                "corosync resource monitoring service",
                "corosync_mon",
            ),
            (sid::WD, "corosync watchdog service", "corosync_wd"),
            (
                sid::VOTEQUORUM,
                "corosync vote quorum service v1.0",
                "corosync_votequorum",
            ),
            (
                sid::QUORUM,
                "corosync cluster quorum service v0.1",
                "corosync_quorum",
            ),
        ];
        for (id, _, name) in names {
            icmap.set_str(&format!("internal_configuration.service.{id}.name"), name);
            icmap.set_u32(&format!("internal_configuration.service.{id}.ver"), 0);
        }
        for (id, name, n) in EXEC_COUNTS {
            icmap.set_u16(&format!("runtime.services.{name}.service_id"), id);
            for f in 0..n {
                icmap.set_u64(&format!("runtime.services.{name}.{f}.tx"), 0);
                icmap.set_u64(&format!("runtime.services.{name}.{f}.rx"), 0);
            }
        }
        icmap.set_str("runtime.blackbox.dump_flight_data", "no");
        icmap.set_str("runtime.blackbox.dump_state", "no");
        let _ = icmap.track_add(
            Some("runtime.blackbox."),
            crate::icmap::track::ADD | crate::icmap::track::MODIFY | crate::icmap::track::PREFIX,
            TrackOwner::Internal(Internal::Blackbox),
        );
        icmap.set_str("runtime.force_gather", "no");
        let _ = icmap.track_add(
            Some("runtime.force_gather"),
            crate::icmap::track::ADD | crate::icmap::track::MODIFY | crate::icmap::track::DELETE,
            TrackOwner::Internal(Internal::ForceGather),
        );
        // mon and wd publish these even when idle.
        mon_wd_keys(&mut icmap);
        Cmap::init(&mut icmap);
        let with_provider = icmap.get_str("quorum.provider");
        let mut quorum = Quorum::new(with_provider.is_some());
        let mut vq = None;
        for (id, text, _) in names {
            out.log(
                LogLevel::Notice,
                "SERV",
                format!("Service engine loaded: {text} [{id}]"),
            );
            match id {
                sid::CMAP | sid::CFG | sid::CPG => {
                    out.log(
                        LogLevel::Info,
                        "QB",
                        format!("server name: {}", ipc_name(id)),
                    );
                }
                sid::WD => {
                    out.log(
                        LogLevel::Warning,
                        "WD",
                        "Watchdog not enabled by configuration",
                    );
                    out.log(
                        LogLevel::Warning,
                        "WD",
                        "resource load_15min missing a recovery key.",
                    );
                    out.log(
                        LogLevel::Warning,
                        "WD",
                        "resource memory_used missing a recovery key.",
                    );
                    out.log(LogLevel::Info, "WD", "no resources configured.");
                }
                sid::VOTEQUORUM => {
                    out.log(LogLevel::Info, "QB", "server name: votequorum");
                }
                sid::QUORUM => {
                    out.log(LogLevel::Info, "QB", "server name: quorum");
                }
                _ => {}
            }
            if id == sid::WD {
                // votequorum is started by the quorum service, before it.
                match with_provider.as_deref() {
                    Some("corosync_votequorum") => {
                        out.log(
                            LogLevel::Notice,
                            "QUORUM",
                            "Using quorum provider corosync_votequorum",
                        );
                    }
                    Some(other) => {
                        out.log(
                            LogLevel::Notice,
                            "QUORUM",
                            format!("Using quorum provider {other}"),
                        );
                        out.log(
                            LogLevel::Crit,
                            "QUORUM",
                            format!("Quorum provider: {other} failed to initialize."),
                        );
                        return Err("Invalid quorum provider".into());
                    }
                    None => {}
                }
            }
            if id == sid::VOTEQUORUM && with_provider.is_some() {
                let v = Votequorum::new(cfg.nodeid, &mut icmap, &mut out, &mut quorum, cluster)?;
                vq = Some(v);
            }
        }
        if vq.is_none() {
            out.log(
                LogLevel::Debug,
                "SERV",
                "no quorum provider: always quorate",
            );
        }
        let mut s = Services {
            nodeid: cfg.nodeid,
            icmap,
            out,
            cmap: Cmap::new(),
            cpg: Cpg::new(cfg.nodeid),
            quorum,
            vq,
            cfg: Cfg::default(),
            links: cfg.links,
            conns: BTreeMap::new(),
            deferred: VecDeque::new(),
            sync_in_process: true,
            allow_connections: false,
            members: Vec::new(),
            ring_id: RingId::default(),
            closed_conns: 0,
            stats: BTreeMap::new(),
        };
        s.drain_notifications(cluster);
        Ok(s)
    }

    /// Next output for the daemon.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop()
    }

    /// The configuration map (read-only view).
    pub fn icmap(&self) -> &Icmap {
        &self.icmap
    }

    /// The configuration map, for the daemon's own runtime keys.
    pub fn icmap_mut(&mut self) -> &mut Icmap {
        &mut self.icmap
    }

    /// Whether the partition is quorate.
    pub fn quorate(&self) -> bool {
        self.quorum.quorate()
    }

    /// Whether a sync is running (flow-controlled requests wait).
    pub fn sync_in_process(&self) -> bool {
        self.sync_in_process
    }

    /// Requests waiting for Totem room or the end of sync.
    pub fn deferred(&self) -> usize {
        self.deferred.len()
    }

    /// CPG messages delivered to local clients so far.
    pub fn cpg_delivered(&self) -> u64 {
        self.cpg.delivered
    }

    /// The flow-control level for a service's connections
    /// (cs_ipcs_check_for_flow_control): 0 open, 2 (QB_IPCS_RATE_OFF_2)
    /// while syncing or when Totem's queue is critical (votequorum only for
    /// the latter).
    pub fn fc_level(&self, service: u16, queue_critical: bool) -> i32 {
        if queue_critical || (self.sync_in_process && service != sid::VOTEQUORUM) {
            2
        } else {
            0
        }
    }

    /// Replace the statistics map (`stats.*`); the daemon refreshes it.
    pub fn set_stats(&mut self, stats: BTreeMap<String, Item>) {
        self.stats = stats;
    }

    /// The `stats.ipcs.*` entries the engine knows (connections).
    pub fn ipcs_stats(&self) -> BTreeMap<String, Item> {
        let mut m = BTreeMap::new();
        let u64i = |v: u64| Item {
            value_type: crate::icmap::vt::UINT64,
            value: v.to_ne_bytes().to_vec(),
        };
        let u32i = |v: u32| Item {
            value_type: crate::icmap::vt::UINT32,
            value: v.to_ne_bytes().to_vec(),
        };
        m.insert(
            "stats.ipcs.global.active".into(),
            u64i(self.conns.len() as u64),
        );
        m.insert("stats.ipcs.global.closed".into(), u64i(self.closed_conns));
        for (id, c) in &self.conns {
            let p = format!("stats.ipcs.service{}.{}.{:#x}", c.service, c.pid, id);
            m.insert(format!("{p}.dispatched"), u64i(0));
            m.insert(format!("{p}.flow_control"), u32i(0));
            m.insert(format!("{p}.flow_control_count"), u64i(0));
            m.insert(format!("{p}.invalid_request"), u64i(c.invalid));
            m.insert(format!("{p}.overload"), u64i(c.overload));
            m.insert(format!("{p}.procname"), Item::string(&c.procname));
            m.insert(format!("{p}.queued"), u32i(0));
            m.insert(
                format!("{p}.queueing"),
                Item {
                    value_type: crate::icmap::vt::INT32,
                    value: 0i32.to_ne_bytes().to_vec(),
                },
            );
            m.insert(format!("{p}.recv_retries"), u64i(0));
            m.insert(format!("{p}.requests"), u64i(c.requests));
            m.insert(format!("{p}.responses"), u64i(c.responses));
            m.insert(format!("{p}.send_retries"), u64i(0));
            m.insert(format!("{p}.sent"), u32i(0));
        }
        m
    }

    // ---- IPC ----------------------------------------------------------

    /// cs_ipcs_connection_accept + connection_created: `Err(errno)` refuses.
    pub fn connect(
        &mut self,
        service: u16,
        conn: ConnId,
        pid: u32,
        uid: u32,
        gid: u32,
        procname: &str,
    ) -> Result<(), i32> {
        const EAGAIN: i32 = 11;
        const EACCES: i32 = 13;
        const ENOSYS: i32 = 38;
        if !self.allow_connections {
            self.out.log(
                LogLevel::Debug,
                "MAIN",
                "Denied connection, corosync is not ready",
            );
            return Err(EAGAIN);
        }
        if !IPC_SERVICES.iter().any(|(s, _)| *s == service)
            || (service == sid::VOTEQUORUM && self.vq.is_none())
        {
            return Err(ENOSYS);
        }
        if uid != 0 && gid != 0 {
            let ok = [
                format!("uidgid.uid.{uid}"),
                format!("uidgid.config.uid.{uid}"),
                format!("uidgid.gid.{gid}"),
                format!("uidgid.config.gid.{gid}"),
            ]
            .iter()
            .any(|k| self.icmap.get_u8(k) == Some(1));
            if !ok {
                self.out.log(
                    LogLevel::Error,
                    "MAIN",
                    format!("Denied connection attempt from {uid}:{gid}"),
                );
                return Err(EACCES);
            }
        }
        self.out.log(LogLevel::Debug, "MAIN", "connection created");
        match service {
            sid::CMAP => self.cmap.connect(conn),
            sid::CFG => self.cfg.connect(conn),
            sid::CPG => self.cpg.connect(conn),
            sid::QUORUM => self.quorum.connect(conn),
            sid::VOTEQUORUM => {
                if let Some(v) = &mut self.vq {
                    v.connect(conn)
                }
            }
            _ => {}
        }
        self.conns.insert(
            conn,
            ConnInfo {
                service,
                pid,
                procname: procname.chars().take(15).collect(),
                requests: 0,
                responses: 0,
                invalid: 0,
                overload: 0,
            },
        );
        Ok(())
    }

    /// cs_ipcs_connection_closed.
    pub fn disconnect(&mut self, conn: ConnId, cluster: &mut dyn Cluster) {
        let Some(info) = self.conns.remove(&conn) else {
            return;
        };
        self.closed_conns += 1;
        self.deferred.retain(|(c, _)| *c != conn);
        match info.service {
            sid::CMAP => self.cmap.disconnect(&mut self.icmap, conn),
            sid::CFG => self.cfg.disconnect(&mut self.out, cluster, conn),
            sid::CPG => self.cpg.disconnect(&mut self.out, cluster, conn),
            sid::QUORUM => self.quorum.disconnect(conn),
            sid::VOTEQUORUM => {
                if let Some(v) = &mut self.vq {
                    v.disconnect(conn)
                }
            }
            _ => {}
        }
        self.drain_notifications(cluster);
    }

    /// cs_ipcs_msg_process: one request from a client.
    pub fn request(
        &mut self,
        conn: ConnId,
        bytes: Vec<u8>,
        cluster: &mut dyn Cluster,
        now: Instant,
    ) -> Dispatch {
        if self.deferred.iter().any(|(c, _)| *c == conn) {
            self.deferred.push_back((conn, bytes));
            return Dispatch::Deferred;
        }
        let d = self.dispatch(conn, &bytes, cluster, now);
        if d == Dispatch::Deferred {
            self.deferred.push_back((conn, bytes));
        }
        self.drain_notifications(cluster);
        d
    }

    /// Retry deferred requests in order while they go through.
    pub fn retry_deferred(&mut self, cluster: &mut dyn Cluster, now: Instant) {
        while let Some((conn, bytes)) = self.deferred.pop_front() {
            if self.dispatch(conn, &bytes, cluster, now) == Dispatch::Deferred {
                self.deferred.push_front((conn, bytes));
                break;
            }
        }
        self.drain_notifications(cluster);
    }

    fn invalid(&mut self, conn: ConnId, reply: bool) {
        if let Some(c) = self.conns.get_mut(&conn) {
            c.invalid += 1;
        }
        if reply {
            self.out
                .response(conn, bare_response(0, CsError::INVALID_PARAM));
        } else {
            self.out.log(
                LogLevel::Info,
                "MAIN",
                "*** cs_ipcs_msg_process() invalid message! size:24 error:7",
            );
        }
    }

    fn try_again(&mut self, conn: ConnId) {
        if let Some(c) = self.conns.get_mut(&conn) {
            c.overload += 1;
        }
        self.out
            .response(conn, bare_response(0, CsError::TRY_AGAIN));
    }

    fn dispatch(
        &mut self,
        conn: ConnId,
        bytes: &[u8],
        cluster: &mut dyn Cluster,
        now: Instant,
    ) -> Dispatch {
        let Some(info) = self.conns.get_mut(&conn) else {
            return Dispatch::Done;
        };
        info.requests += 1;
        let service = info.service;
        let Ok(head) = req_head(bytes) else {
            self.invalid(conn, true);
            return Dispatch::Done;
        };
        let room = cluster.room_for(bytes.len() + 512);
        match service {
            sid::CMAP => match CmapRequest::decode(bytes) {
                Ok(r) => self
                    .cmap
                    .request(&mut self.icmap, &mut self.out, &self.stats, conn, r),
                Err(_) => self.invalid(conn, true),
            },
            sid::QUORUM => match QuorumRequest::decode(bytes) {
                Ok(r) => self.quorum.request(&mut self.out, conn, r),
                Err(_) => self.invalid(conn, true),
            },
            sid::VOTEQUORUM => match (VqRequest::decode(bytes), &mut self.vq) {
                (Ok(r), Some(v)) => v.request(&mut self.out, cluster, conn, r),
                _ => self.invalid(conn, true),
            },
            sid::CPG => {
                let is_mcast = head.id == totem_wire::ipc::cpg::req::MCAST;
                match CpgRequest::decode(bytes) {
                    Ok(r) => {
                        if Cpg::request_needs_room(&r) && (!room || self.sync_in_process) {
                            if is_mcast {
                                return Dispatch::Deferred;
                            }
                            self.try_again(conn);
                        } else {
                            self.cpg.request(&mut self.out, cluster, conn, r);
                        }
                    }
                    Err(_) => self.invalid(conn, !is_mcast),
                }
            }
            sid::CFG => match CfgRequest::decode(bytes) {
                Ok(r) => {
                    if Cfg::request_needs_room(&r) && (!room || self.sync_in_process) {
                        self.try_again(conn);
                    } else {
                        self.cfg.request(
                            &self.icmap,
                            &mut self.out,
                            cluster,
                            now,
                            self.nodeid,
                            &self.members,
                            &self.links,
                            conn,
                            r,
                        );
                    }
                }
                Err(_) => self.invalid(conn, true),
            },
            _ => self.invalid(conn, true),
        }
        Dispatch::Done
    }

    /// Count a response written to a connection (statistics).
    pub fn count_response(&mut self, conn: ConnId) {
        if let Some(c) = self.conns.get_mut(&conn) {
            c.responses += 1;
        }
    }

    // ---- cluster --------------------------------------------------------

    /// Count a message this node multicast (`runtime.services.*.tx`).
    fn count(&mut self, id: i32, dir: &str) {
        let service = (id >> 16) as u16;
        let f = (id & 0xffff) as u16;
        if let Some((_, name, n)) = EXEC_COUNTS.iter().find(|e| e.0 == service) {
            if f < *n {
                let k = format!("runtime.services.{name}.{f}.{dir}");
                let v = self.icmap.get_u64(&k).unwrap_or(0) + 1;
                // Counters change constantly: no notifications for them
                // (icmap_fast_inc bypasses old-value tracking too).
                self.icmap.set_u64(&k, v);
            }
        }
    }

    /// deliver_fn: a message of group "a" in agreed order.
    pub fn deliver(
        &mut self,
        nodeid: NodeId,
        body: &[u8],
        endian: Endian,
        cluster: &mut dyn Cluster,
    ) {
        let msg = match ServiceMessage::from_bytes(body, endian) {
            Ok(m) => m,
            Err(e) => {
                self.out.log(
                    LogLevel::Warning,
                    "MAIN",
                    format!("discarded undecodable message from node {nodeid}: {e}"),
                );
                return;
            }
        };
        let id = msg.id();
        self.count(id, "rx");
        if nodeid == self.nodeid {
            self.count(id, "tx");
        }
        match (id >> 16) as u16 {
            sid::CMAP => {
                if let ServiceMessage::CmapMcast(m) = &msg {
                    self.cmap
                        .exec_mcast(&mut self.icmap, self.nodeid, nodeid, m);
                }
            }
            sid::CPG => self.cpg.exec(&mut self.out, nodeid, &msg),
            sid::CFG => self.cfg.exec(&mut self.out, self.nodeid, nodeid, &msg),
            sid::VOTEQUORUM => {
                if let Some(v) = &mut self.vq {
                    match &msg {
                        ServiceMessage::VqNodeInfo(n) => v.exec_nodeinfo(
                            &mut self.icmap,
                            &mut self.out,
                            &mut self.quorum,
                            nodeid,
                            n,
                        ),
                        ServiceMessage::VqReconfigure(r) => v.exec_reconfigure(
                            &mut self.icmap,
                            &mut self.out,
                            &mut self.quorum,
                            nodeid,
                            r,
                        ),
                        _ => self.out.log(
                            LogLevel::Debug,
                            "VOTEQ",
                            format!("ignoring quorum device message from node {nodeid}"),
                        ),
                    }
                }
            }
            service => {
                self.out.log(
                    LogLevel::Warning,
                    "MAIN",
                    format!(
                        "discarded unknown message {} for service {service} (max id 0)",
                        id & 0xffff
                    ),
                );
            }
        }
        self.drain_notifications(cluster);
    }

    /// confchg_fn.
    pub fn confchg(
        &mut self,
        regular: bool,
        members: &[NodeId],
        left: &[NodeId],
        joined: &[NodeId],
        ring_id: RingId,
        cluster: &mut dyn Cluster,
    ) {
        self.sync_in_process = true;
        self.ring_id = ring_id;
        for n in left {
            self.icmap
                .set_str(&format!("runtime.members.{n}.status"), "left");
            self.out.log(
                LogLevel::Debug,
                "MAIN",
                format!("Member left: {}", self.ifaces_print(*n)),
            );
        }
        for n in joined {
            let ip = format!("runtime.members.{n}.ip");
            if self.icmap.get(&ip).is_some() {
                self.icmap.inc(&format!("runtime.members.{n}.join_count"));
            } else {
                let s = self.ifaces_print(*n);
                self.icmap.set_str(&ip, &s);
                self.icmap
                    .set_u32(&format!("runtime.members.{n}.join_count"), 1);
            }
            self.icmap
                .set_str(&format!("runtime.members.{n}.status"), "joined");
            self.out.log(
                LogLevel::Debug,
                "MAIN",
                format!("Member joined: {}", self.ifaces_print(*n)),
            );
        }
        if regular {
            self.members = members.to_vec();
        }
        self.drain_notifications(cluster);
    }

    /// totempg_ifaces_print: `r(0) ip(10.0.0.1) `.
    pub fn ifaces_print(&self, nodeid: NodeId) -> String {
        match self.links.nodes.get(&nodeid) {
            None => "no interface found for nodeid".into(),
            Some(l) => l
                .iter()
                .map(|(link, a)| format!("r({link}) ip({a}) "))
                .collect(),
        }
    }

    // ---- sync -------------------------------------------------------------

    /// A service's sync_init.
    pub fn sync_init(
        &mut self,
        service: i32,
        trans: &[NodeId],
        members: &[NodeId],
        ring: RingId,
        now: Instant,
    ) {
        match service as u16 {
            sid::CMAP => self.cmap.sync_init(&self.icmap, trans),
            sid::CPG => self.cpg.sync_init(trans, members, ring),
            sid::QUORUM => self.quorum.sync_init(&mut self.out, trans, members, ring),
            sid::VOTEQUORUM => {
                if let Some(v) = &mut self.vq {
                    v.sync_init(now, members, ring)
                }
            }
            _ => {}
        }
    }

    /// A service's sync_process: true when done, false to be called again.
    pub fn sync_process(&mut self, service: i32, cluster: &mut dyn Cluster) -> bool {
        let done = match service as u16 {
            sid::CMAP => self.cmap.sync_process(&self.icmap, cluster),
            sid::CPG => self.cpg.sync_process(cluster),
            sid::VOTEQUORUM => match &mut self.vq {
                Some(v) => v.sync_process(&mut self.out, cluster),
                None => true,
            },
            _ => true,
        };
        self.drain_notifications(cluster);
        done
    }

    /// A service's sync_activate.
    pub fn sync_activate(&mut self, service: i32, cluster: &mut dyn Cluster) {
        match service as u16 {
            sid::CMAP => self.cmap.sync_activate(&mut self.out),
            sid::CPG => self.cpg.sync_activate(&mut self.out),
            sid::QUORUM => self.quorum.sync_activate(&mut self.out),
            sid::VOTEQUORUM => {
                if let Some(v) = &mut self.vq {
                    v.sync_activate(&mut self.icmap, &mut self.out, &mut self.quorum)
                }
            }
            _ => {}
        }
        self.drain_notifications(cluster);
    }

    /// A service's sync_abort.
    pub fn sync_abort(&mut self, service: i32) {
        match service as u16 {
            sid::CPG => self.cpg.sync_abort(),
            sid::VOTEQUORUM => {
                if let Some(v) = &mut self.vq {
                    v.sync_abort()
                }
            }
            _ => {}
        }
    }

    /// corosync_sync_completed.
    pub fn sync_completed(&mut self, cluster: &mut dyn Cluster, now: Instant) {
        self.out.log(
            LogLevel::Notice,
            "MAIN",
            "Completed service synchronization, ready to provide service.",
        );
        self.sync_in_process = false;
        self.allow_connections = true;
        self.retry_deferred(cluster, now);
    }

    // ---- time and config --------------------------------------------------

    /// Earliest engine timer.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let v = self.vq.as_ref().and_then(|v| v.poll_timeout());
        [v, self.cfg.poll_timeout()].into_iter().flatten().min()
    }

    /// Fire due engine timers.
    pub fn handle_timeout(&mut self, now: Instant, cluster: &mut dyn Cluster) {
        if let Some(v) = &mut self.vq {
            v.handle_timeout(now, &mut self.icmap, &mut self.out, &mut self.quorum);
        }
        self.cfg.handle_timeout(now, &mut self.out, cluster);
        self.drain_notifications(cluster);
    }

    /// The daemon re-read corosync.conf for a cfg reload: apply it
    /// (`Err` is the parse error text) and answer the requester.
    pub fn reload(
        &mut self,
        new_map: Result<corosync_config::ConfigMap, String>,
        cluster: &mut dyn Cluster,
    ) {
        self.icmap
            .set_u8("config.totemconfig_reload_in_progress", 1);
        let res = match new_map {
            Err(e) => {
                self.out.log(
                    LogLevel::Error,
                    "CFG",
                    format!("Unable to reload config file: {e}"),
                );
                CsError::INVALID_PARAM
            }
            Ok(map) => {
                self.icmap.set_u8("config.reload_in_progress", 1);
                crate::engine_reload::apply(&mut self.icmap, &mut self.out, &map);
                CsError::OK
            }
        };
        self.icmap.set_i32("config.reload_status", res.0);
        self.icmap
            .set_u8("config.totemconfig_reload_in_progress", 0);
        self.icmap.set_u8("config.reload_in_progress", 0);
        self.cfg.reload_done(&mut self.out, res);
        self.drain_notifications(cluster);
    }

    /// Route icmap notifications: IPC trackers get events, internal
    /// trackers run their handler (which may change the map again).
    fn drain_notifications(&mut self, cluster: &mut dyn Cluster) {
        for _ in 0..16 {
            let n = self.icmap.take_notifications();
            if n.is_empty() {
                return;
            }
            for x in n {
                match x.owner {
                    TrackOwner::Conn(..) => Cmap::notify(&mut self.out, &x),
                    TrackOwner::Internal(Internal::ConfigVersion) => self
                        .cmap
                        .config_version_changed(&self.icmap, &mut self.out, cluster),
                    TrackOwner::Internal(Internal::VotequorumConfig) => {
                        if let Some(v) = &mut self.vq {
                            v.refresh_config(&mut self.icmap, &mut self.out, cluster, &x.key);
                        }
                    }
                    TrackOwner::Internal(Internal::ForceGather) => {
                        if self.icmap.get_str(&x.key).as_deref() != Some("no") {
                            self.icmap.set_str("runtime.force_gather", "no");
                            if x.key == "runtime.force_gather" {
                                self.out.log(
                                    LogLevel::Error,
                                    "MAIN",
                                    "Forcing into GATHER state\n",
                                );
                                self.out.push(Output::ForceGather);
                            }
                        }
                    }
                    TrackOwner::Internal(Internal::Blackbox) => {}
                }
            }
        }
    }

    /// Start tracking votequorum's configuration keys (done once Totem has
    /// formed its first ring, like votequorum_exec_add_config_notification).
    pub fn track_votequorum_config(&mut self) {
        if self.vq.is_none() {
            return;
        }
        use crate::icmap::track::*;
        for k in ["nodelist.", "quorum."] {
            let _ = self.icmap.track_add(
                Some(k),
                ADD | DELETE | MODIFY | PREFIX,
                TrackOwner::Internal(Internal::VotequorumConfig),
            );
        }
        let _ = self.icmap.track_add(
            Some("config.totemconfig_reload_in_progress"),
            ADD | MODIFY,
            TrackOwner::Internal(Internal::VotequorumConfig),
        );
    }
}

fn ipc_name(id: u16) -> &'static str {
    IPC_SERVICES
        .iter()
        .find(|(s, _)| *s == id)
        .map(|(_, n)| *n)
        .unwrap_or("")
}

/// set_icmap_ro_keys_flag.
fn set_ro_keys(m: &mut Icmap) {
    for p in [
        "internal_configuration.",
        "runtime.services.",
        "runtime.config.",
        "runtime.totem.",
        "uidgid.config.",
        "system.",
        "nodelist.",
    ] {
        m.set_ro_access(p, true);
    }
    for k in [
        "totem.crypto_cipher",
        "totem.crypto_hash",
        "totem.crypto_model",
        "totem.keyfile",
        "totem.key",
        "totem.secauth",
        "totem.ip_version",
        "totem.rrp_mode",
        "totem.transport",
        "totem.cluster_name",
        "totem.netmtu",
        "totem.threads",
        "totem.version",
        "totem.nodeid",
        "totem.clear_node_high_bit",
        "config.reload_in_progress",
        "config.totemconfig_reload_in_progress",
    ] {
        m.set_ro_access(k, false);
    }
}

/// The keys the mon and wd services publish while idle.
fn mon_wd_keys(m: &mut Icmap) {
    let dbl = Item {
        value_type: crate::icmap::vt::DOUBLE,
        value: 0f64.to_ne_bytes().to_vec(),
    };
    let _ = m.set_item("resources.system.load_15min.current", &dbl);
    m.set_u64("resources.system.load_15min.last_updated", 0);
    m.set_u64("resources.system.load_15min.poll_period", 3000);
    m.set_str("resources.system.load_15min.state", "stopped");
    m.set_i32("resources.system.memory_used.current", 0);
    m.set_u64("resources.system.memory_used.last_updated", 0);
    m.set_u64("resources.system.memory_used.poll_period", 3000);
    m.set_str("resources.system.memory_used.state", "stopped");
    m.set_u32("resources.watchdog_timeout", 6);
}
