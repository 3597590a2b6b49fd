//! The event loop: UDP datagrams and timers drive Totem; Totem's events
//! drive the service engines; IPC requests go to the engines; their outputs
//! become datagrams, IPC responses and events, and log lines.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use corosync_services::icmap::{vt, Item};
use corosync_services::{Cluster, ConnId, LogLevel, Output, Services};
use qb_ipc::ConnectionHandle;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;
use totem::sync::SyncAction;
use totem::{ConfChgKind, GatherFrom, SrpConfig, Totem, TotemEvent};

use crate::conf::Loaded;
use crate::ipc::{self, Gate, IpcEvent};
use crate::logsys::Logger;
use crate::net::Udpu;
use crate::{exit, state};

/// Totem as the engines see it.
struct Port<'a>(&'a mut Totem);

impl Cluster for Port<'_> {
    fn mcast(&mut self, parts: &[&[u8]]) -> bool {
        self.0.mcast(totem_wire::pg::GROUP_SERVICES, parts).is_ok()
    }
    fn room_for(&self, bytes: usize) -> bool {
        self.0.room_for(bytes)
    }
}

struct Conn {
    handle: ConnectionHandle,
    service: u16,
    fc: i32,
    /// Events waiting for room in the client's ring (ipc_glue.c's outq).
    outq: std::collections::VecDeque<Vec<u8>>,
}

/// One running corosync.
pub struct Daemon {
    totem: Totem,
    services: Services,
    net: Udpu,
    log: Logger,
    gate: Arc<Gate>,
    conns: HashMap<ConnId, Conn>,
    nodeid: u32,
    state_dir: PathBuf,
    config_file: PathBuf,
    token_ms: u32,
    consensus_ms: u32,
    /// A service whose sync_process must be retried.
    pending_process: Option<i32>,
    exit: Option<i32>,
    shutdown: Option<String>,
    queue_critical: bool,
}

impl Daemon {
    /// Set everything up (inside the runtime) and run until exit; returns
    /// the exit status.
    pub async fn run(cfg: Loaded, config_file: PathBuf, mut log: Logger) -> i32 {
        let nodeid = cfg.totem.nodeid;
        let transport = match cfg.totem.transport {
            corosync_config::Transport::Udpu => "UDP/IP Unicast",
            _ => "UDP/IP Unicast (Atrium emulation)",
        };
        for w in &cfg.warnings {
            log.log(LogLevel::Warning, "TOTEM", w);
        }
        log.log(
            LogLevel::Notice,
            "TOTEM",
            &format!("Initializing transport ({transport})."),
        );
        let mut net = match Udpu::bind(
            cfg.bind,
            &cfg.peers,
            cfg.totem.timers.block_unlisted_ips != 0,
        ) {
            Ok(n) => n,
            Err(e) => {
                log.log(
                    LogLevel::Error,
                    "TOTEM",
                    &format!("Unable to bind the socket to receive multicast packets: {e}"),
                );
                return exit::FATAL_ERR;
            }
        };
        log.log(
            LogLevel::Notice,
            "TOTEM",
            &format!("The network interface [{}] is now up.", cfg.bind.ip()),
        );
        let stored = state::load_ring_seq(&cfg.state_dir, nodeid);
        let srp_cfg = SrpConfig {
            nodeid,
            timers: cfg.totem.timers.clone(),
            message_queue_max: (4 * 1024 * 1024) / cfg.totem.netmtu.max(1) as usize,
            netmtu: cfg.totem.netmtu as usize,
        };
        let now = Instant::now();
        let mut totem = Totem::new(
            srp_cfg,
            now,
            stored,
            corosync_services::engine::SYNC_SERVICES.to_vec(),
        );
        let services = match Services::new(cfg.services.clone(), &mut Port(&mut totem)) {
            Ok(s) => s,
            Err(e) => {
                log.log(LogLevel::Error, "SERV", &e);
                log.log(
                    LogLevel::Error,
                    "MAIN",
                    "Could not initialize default services",
                );
                return exit::INIT_SERVICES;
            }
        };
        let gate = Arc::new(Gate::default());
        let (tx, rx) = mpsc::channel(4096);
        let stops = match ipc::start(tx, gate.clone()) {
            Ok(s) => s,
            Err(e) => {
                log.log(
                    LogLevel::Error,
                    "MAIN",
                    &format!("Can't initialize IPC: {e}"),
                );
                return exit::FATAL_ERR;
            }
        };
        let mut d = Daemon {
            totem,
            services,
            net,
            log,
            gate,
            conns: HashMap::new(),
            nodeid,
            state_dir: cfg.state_dir.clone(),
            config_file,
            token_ms: cfg.totem.timers.token,
            consensus_ms: cfg.totem.timers.consensus,
            pending_process: None,
            exit: None,
            shutdown: None,
            queue_critical: false,
        };
        d.refresh_gate();
        d.flush();
        d.log.log(LogLevel::Info, "TOTEM", "Configuring link 0");
        for (_, a) in &cfg.peers {
            d.log.log(
                LogLevel::Notice,
                "TOTEM",
                &format!("adding new UDPU member {{{}}}", a.ip()),
            );
        }
        d.services.track_votequorum_config();
        let code = d.event_loop(rx).await;
        for s in stops {
            s.notify_one();
        }
        net = d.net;
        drop(net);
        code
    }

    async fn event_loop(&mut self, mut rx: mpsc::Receiver<IpcEvent>) -> i32 {
        let mut term = signal(SignalKind::terminate()).ok();
        let mut int = signal(SignalKind::interrupt()).ok();
        let mut quit = signal(SignalKind::quit()).ok();
        let mut buf = vec![0u8; 65536];
        loop {
            self.flush();
            if let Some(code) = self.exit {
                return code;
            }
            if let Some(reason) = self.shutdown.take() {
                return self.leave(&reason).await;
            }
            let now = Instant::now();
            let mut deadline = [self.totem.poll_timeout(), self.services.poll_timeout()]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(now + Duration::from_secs(1));
            if self.pending_process.is_some() || self.services.deferred() > 0 {
                deadline = deadline.min(now + Duration::from_millis(1));
            }
            if self.flush_outq() {
                deadline = deadline.min(now + Duration::from_micros(200));
            }
            tokio::select! {
                biased;
                _ = recv_signal(&mut term) => self.signalled(),
                _ = recv_signal(&mut int) => self.signalled(),
                _ = recv_signal(&mut quit) => self.signalled(),
                r = self.net.recv(&mut buf) => {
                    if let Ok((n, from)) = r {
                        self.packet(&buf[..n], from);
                    }
                }
                ev = rx.recv() => {
                    match ev {
                        Some(ev) => self.ipc(ev),
                        None => return exit::FATAL_ERR,
                    }
                }
                _ = tokio::time::sleep_until(deadline.into()) => {
                    let now = Instant::now();
                    self.totem.handle_timeout(now);
                    self.services.handle_timeout(now, &mut Port(&mut self.totem));
                }
            }
            // Whatever else is waiting, from both sides, before the next
            // flush: neither datagrams nor clients may starve the other.
            for _ in 0..256 {
                let mut any = false;
                if let Ok((n, from)) = self.net.try_recv(&mut buf) {
                    self.packet(&buf[..n], from);
                    any = true;
                }
                if let Ok(ev) = rx.try_recv() {
                    self.ipc(ev);
                    any = true;
                }
                if !any {
                    break;
                }
            }
        }
    }

    fn signalled(&mut self) {
        self.log
            .log(LogLevel::Notice, "MAIN", "Node was shut down by a signal");
        self.shutdown = Some("signal".into());
    }

    fn packet(&mut self, bytes: &[u8], from: std::net::SocketAddr) {
        if !self.net.accept_from(&from) {
            return;
        }
        let _ = self.totem.handle_packet(Instant::now(), bytes);
    }

    fn ipc(&mut self, ev: IpcEvent) {
        match ev {
            IpcEvent::Connected {
                conn,
                service,
                handle,
                creds,
            } => {
                let name = ipc::procname(creds.pid as u32);
                match self.services.connect(
                    service,
                    conn,
                    creds.pid as u32,
                    creds.uid,
                    creds.gid,
                    &name,
                ) {
                    Ok(()) => {
                        self.conns.insert(
                            conn,
                            Conn {
                                handle,
                                service,
                                fc: 0,
                                outq: std::collections::VecDeque::new(),
                            },
                        );
                    }
                    Err(_) => handle.close(),
                }
            }
            IpcEvent::Request { conn, bytes } => {
                let is_cmap = self
                    .conns
                    .get(&conn)
                    .is_some_and(|c| c.service == corosync_services::engine::sid::CMAP);
                if is_cmap {
                    self.refresh_stats();
                }
                self.services
                    .request(conn, bytes, &mut Port(&mut self.totem), Instant::now());
                if is_cmap {
                    self.refresh_gate();
                }
            }
            IpcEvent::Closed { conn } => {
                self.conns.remove(&conn);
                self.services.disconnect(conn, &mut Port(&mut self.totem));
            }
        }
    }

    /// Move everything that is ready: datagrams out, Totem events into the
    /// engines, engine outputs to clients and the log.
    fn flush(&mut self) {
        loop {
            let mut progress = false;
            while let Some(tx) = self.totem.poll_transmit() {
                self.net.send(&tx.dest, &tx.bytes);
                progress = true;
            }
            while let Some(ev) = self.totem.poll_event() {
                self.totem_event(ev);
                // Keep the engines' log lines in order with ours.
                while let Some(o) = self.services.poll_output() {
                    self.output(o);
                }
                progress = true;
            }
            if let Some(s) = self.pending_process {
                if self.services.sync_process(s, &mut Port(&mut self.totem)) {
                    self.pending_process = None;
                    self.totem.sync_process_done(s);
                    progress = true;
                }
            }
            if self.services.deferred() > 0 {
                let before = self.services.deferred();
                self.services
                    .retry_deferred(&mut Port(&mut self.totem), Instant::now());
                progress |= self.services.deferred() != before;
            }
            while let Some(o) = self.services.poll_output() {
                self.output(o);
                progress = true;
            }
            if !progress {
                break;
            }
        }
        self.flow_control();
    }

    /// outq_flush: move queued events into the clients' rings while they
    /// have room. True when something is still waiting.
    fn flush_outq(&mut self) -> bool {
        let mut waiting = false;
        for c in self.conns.values_mut() {
            while let Some(front) = c.outq.front() {
                match c.handle.try_send_event_v(&[front]) {
                    Ok(true) => {
                        c.outq.pop_front();
                    }
                    Ok(false) => break,
                    Err(_) => {
                        c.outq.clear();
                        c.handle.close();
                    }
                }
            }
            waiting |= !c.outq.is_empty();
        }
        waiting
    }

    fn flow_control(&mut self) {
        let max = self.totem.srp().queue_max().max(1);
        let avail = self.totem.srp().avail();
        let used = 100 - avail * 100 / max;
        if used >= 75 {
            self.queue_critical = true;
        } else if used < 30 {
            self.queue_critical = false;
        }
        for c in self.conns.values_mut() {
            let level = self.services.fc_level(c.service, self.queue_critical);
            if level != c.fc {
                c.fc = level;
                c.handle.set_flow_control(level);
            }
        }
    }

    fn totem_event(&mut self, ev: TotemEvent) {
        let now = Instant::now();
        match ev {
            TotemEvent::Deliver {
                nodeid,
                group,
                body,
                endian,
            } => {
                if group == totem_wire::pg::GROUP_SERVICES {
                    self.services
                        .deliver(nodeid, &body, endian, &mut Port(&mut self.totem));
                }
            }
            TotemEvent::ConfChg {
                kind,
                members,
                left,
                joined,
                ring_id,
            } => {
                self.pending_process = None;
                self.services.confchg(
                    kind == ConfChgKind::Regular,
                    &members,
                    &left,
                    &joined,
                    ring_id,
                    &mut Port(&mut self.totem),
                );
            }
            TotemEvent::StoreRingId(r) => {
                if let Err(e) = state::store_ring_seq(&self.state_dir, self.nodeid, r.seq) {
                    self.log.log(
                        LogLevel::Error,
                        "MAIN",
                        &format!(
                            "Couldn't store new ring id {:x}:{:x} to stable storage: {e}",
                            r.rep, r.seq
                        ),
                    );
                    self.exit = Some(exit::STORE_RINGID);
                } else {
                    self.log.log(
                        LogLevel::Debug,
                        "MAIN",
                        &format!("Storing new sequence id for ring {:x}", r.seq),
                    );
                }
            }
            TotemEvent::Sync(a) => match a {
                SyncAction::Init {
                    service,
                    trans,
                    members,
                    ring_id,
                } => self
                    .services
                    .sync_init(service, &trans, &members, ring_id, now),
                SyncAction::Process(s) => {
                    if self.services.sync_process(s, &mut Port(&mut self.totem)) {
                        self.totem.sync_process_done(s);
                    } else {
                        self.pending_process = Some(s);
                    }
                }
                SyncAction::Activate(s) => {
                    self.services.sync_activate(s, &mut Port(&mut self.totem))
                }
                SyncAction::Abort(s) => self.services.sync_abort(s),
                SyncAction::Completed => {
                    self.services
                        .sync_completed(&mut Port(&mut self.totem), now);
                    self.gate.ready.store(true, Ordering::Release);
                }
                SyncAction::Send(_) => {}
            },
            TotemEvent::Gather(from) => {
                let (n, text) = from.describe();
                self.log.log(
                    LogLevel::Debug,
                    "TOTEM",
                    &format!("entering GATHER state from {n}({text})."),
                );
                if from == GatherFrom::TokenLostInOperational {
                    self.log.log(
                        LogLevel::Notice,
                        "TOTEM",
                        &format!(
                            "A processor failed, forming new configuration: token timed out ({}ms), waiting {}ms for consensus.",
                            self.token_ms, self.consensus_ms
                        ),
                    );
                }
            }
            TotemEvent::Formed {
                ring_id,
                joined,
                left,
                failed,
            } => {
                let list = |v: &[u32]| v.iter().map(|n| format!(" {n}")).collect::<String>();
                let mut text = format!(
                    "A new membership ({:x}.{:x}) was formed. Members",
                    ring_id.rep, ring_id.seq
                );
                if !joined.is_empty() {
                    text.push_str(&format!(" joined:{}", list(&joined)));
                }
                if !left.is_empty() {
                    text.push_str(&format!(" left:{}", list(&left)));
                }
                self.log.log(LogLevel::Notice, "TOTEM", &text);
                if !failed.is_empty() {
                    self.log.log(
                        LogLevel::Notice,
                        "TOTEM",
                        &format!(
                            "Failed to receive the leave message. failed:{}",
                            list(&failed)
                        ),
                    );
                }
            }
        }
    }

    fn output(&mut self, o: Output) {
        match o {
            Output::Response { conn, bytes } => {
                if let Some(c) = self.conns.get(&conn) {
                    let _ = c.handle.send_response(&bytes);
                    self.services.count_response(conn);
                }
            }
            Output::Event { conn, bytes } => {
                if let Some(c) = self.conns.get_mut(&conn) {
                    if c.outq.is_empty() {
                        match c.handle.try_send_event_v(&[&bytes]) {
                            Ok(true) => {}
                            Ok(false) => c.outq.push_back(bytes),
                            Err(_) => c.handle.close(),
                        }
                    } else {
                        c.outq.push_back(bytes);
                    }
                }
            }
            Output::Log {
                level,
                subsys,
                text,
            } => self.log.log(level, subsys, &text),
            Output::Shutdown { reason } => self.shutdown = Some(reason),
            Output::Exit { code } => {
                self.log.log(
                    LogLevel::Error,
                    "MAIN",
                    &format!("Corosync Cluster Engine exiting with status {code} at cfg.c:566."),
                );
                self.exit = Some(code);
            }
            Output::ReloadConfig => {
                let r = crate::conf::read_map(&self.config_file)
                    .and_then(|m| {
                        let l = crate::conf::derive(m.clone(), &crate::conf::local_host())?;
                        Ok(crate::conf::reload_map(m, &l.map))
                    })
                    .map_err(|e| e.text);
                self.services.reload(r, &mut Port(&mut self.totem));
                self.refresh_gate();
            }
            Output::ReopenLogs => {
                let _ = self.log.reopen();
            }
            Output::ForceGather => self.totem.force_gather(Instant::now()),
            Output::Close(conn) => {
                if let Some(c) = self.conns.get(&conn) {
                    c.handle.close();
                }
            }
        }
    }

    /// The uidgid.* keys the IPC handshake consults.
    fn refresh_gate(&mut self) {
        let m = self.services.icmap();
        let mut uids = std::collections::BTreeSet::new();
        let mut gids = std::collections::BTreeSet::new();
        for (k, i) in m.iter_prefix("uidgid.") {
            if i.value_type != vt::UINT8 || i.value.first() != Some(&1) {
                continue;
            }
            let rest = k
                .trim_start_matches("uidgid.")
                .trim_start_matches("config.");
            if let Some(u) = rest.strip_prefix("uid.").and_then(|s| s.parse().ok()) {
                uids.insert(u);
            } else if let Some(g) = rest.strip_prefix("gid.").and_then(|s| s.parse().ok()) {
                gids.insert(g);
            }
        }
        if let Ok(mut w) = self.gate.uids.write() {
            *w = uids;
        }
        if let Ok(mut w) = self.gate.gids.write() {
            *w = gids;
        }
    }

    /// Rebuild the `stats.*` map.
    fn refresh_stats(&mut self) {
        let s = self.totem.srp().stats().clone();
        let mut m: BTreeMap<String, Item> = self.services.ipcs_stats();
        let u64i = |v: u64| Item {
            value_type: vt::UINT64,
            value: v.to_ne_bytes().to_vec(),
        };
        let u32i = |v: u32| Item {
            value_type: vt::UINT32,
            value: v.to_ne_bytes().to_vec(),
        };
        let avail = self.totem.srp().avail() as u32;
        m.insert("stats.pg.msg_queue_avail".into(), u32i(avail));
        m.insert("stats.pg.msg_reserved".into(), u32i(0));
        let srp: [(&str, u64); 23] = [
            ("commit_entered", s.commit_entered),
            ("commit_token_lost", s.commit_token_lost),
            ("consensus_timeouts", s.consensus_timeouts),
            ("gather_entered", s.gather_entered),
            ("gather_token_lost", s.gather_token_lost),
            ("mcast_retx", s.mcast_retx),
            ("mcast_rx", s.mcast_rx),
            ("mcast_tx", s.mcast_tx),
            ("memb_commit_token_rx", s.memb_commit_token_rx),
            ("memb_commit_token_tx", s.memb_commit_token_tx),
            ("memb_join_rx", s.memb_join_rx),
            ("memb_join_tx", s.memb_join_tx),
            ("memb_merge_detect_rx", s.memb_merge_detect_rx),
            ("memb_merge_detect_tx", s.memb_merge_detect_tx),
            ("operational_entered", s.operational_entered),
            ("operational_token_lost", s.operational_token_lost),
            ("orf_token_rx", s.orf_token_rx),
            ("orf_token_tx", s.orf_token_tx),
            ("recovery_entered", s.recovery_entered),
            ("recovery_token_lost", s.recovery_token_lost),
            ("rx_msg_dropped", s.rx_msg_dropped),
            ("token_hold_cancel_rx", s.token_hold_cancel_rx),
            ("token_hold_cancel_tx", s.token_hold_cancel_tx),
        ];
        for (k, v) in srp {
            m.insert(format!("stats.srp.{k}"), u64i(v));
        }
        for k in ["avg_backlog_calc", "avg_token_workload", "mtt_rx_token"] {
            m.insert(format!("stats.srp.{k}"), u32i(0));
        }
        m.insert(
            "stats.srp.continuous_gather".into(),
            u32i(s.continuous_gather),
        );
        m.insert(
            "stats.srp.continuous_sendmsg_failures".into(),
            u32i(s.continuous_sendmsg_failures),
        );
        m.insert(
            "stats.srp.firewall_enabled_or_nic_failure".into(),
            Item {
                value_type: vt::UINT8,
                value: vec![0],
            },
        );
        let since = s
            .last_token_rx
            .map(|t| t.elapsed().as_millis() as u64)
            .unwrap_or(0);
        m.insert(
            "stats.srp.time_since_token_last_received".into(),
            u64i(since),
        );
        self.services.set_stats(m);
    }

    /// corosync_service_unlink_all + totempg_finalize: unload the engines,
    /// send LEAVE and exit.
    async fn leave(&mut self, _reason: &str) -> i32 {
        self.log.log(
            LogLevel::Notice,
            "SERV",
            "Unloading all Corosync service engines.",
        );
        for (ipc, name) in [
            (true, "corosync vote quorum service v1.0"),
            (true, "corosync configuration map access"),
            (true, "corosync configuration service"),
            (true, "corosync cluster closed process group service v1.01"),
            (true, "corosync cluster quorum service v0.1"),
            (false, "corosync profile loading service"),
            (false, "corosync resource monitoring service"),
            (false, "corosync watchdog service"),
        ] {
            if ipc {
                self.log
                    .log(LogLevel::Info, "QB", "withdrawing server sockets");
            }
            self.log.log(
                LogLevel::Notice,
                "SERV",
                &format!("Service engine unloaded: {name}"),
            );
        }
        for c in self.conns.values() {
            c.handle.close();
        }
        self.totem.leave();
        while let Some(tx) = self.totem.poll_transmit() {
            self.net.send(&tx.dest, &tx.bytes);
        }
        // Let the LEAVE reach the wire before the socket closes.
        tokio::time::sleep(Duration::from_millis(20)).await;
        self.log.log(
            LogLevel::Notice,
            "MAIN",
            "Corosync Cluster Engine exiting normally",
        );
        exit::OK
    }
}

async fn recv_signal(s: &mut Option<tokio::signal::unix::Signal>) {
    match s {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending::<()>().await,
    }
}
