//! The CIB manager as a command-emitting engine (no I/O): inputs (client
//! requests, cluster messages, membership changes, timers, finished disk
//! writes, signals) go in through [`Engine::handle`]; what to do about them
//! comes out of [`Engine::take_commands`] as [`Command`]s (IPC replies and
//! events, CPG messages, CIB writes, timers, exit).
//!
//! The logic follows daemons/based of Pacemaker 2.1.5 in its normal
//! ("non-legacy") mode: every change a client asks for is broadcast to the
//! `cib` group and applied by every node, the sender included, in the order
//! corosync delivers it; the node whose client asked replies to it.
//!
//! Submodules:
//! - `request`: `cib_process_request` (who processes, forwards, replies).
//! - `command`: `cib_process_command` (running an operation, activating
//!   the result, diff and replace notifications).
//! - `sync`: pings with digests, full resyncs, upgrades, primary and
//!   secondary modes, shutdown requests.
//!
//! One deliberate difference: when no other node holds a copy of the CIB
//! (a single node, or stand-alone), a client's reply to a change that must
//! be written to disk is held until the write is on disk (the reference
//! replies first and writes later), so an acknowledged change survives a
//! crash of the daemon. With peers, every change is already in their
//! memory when it is acknowledged.

mod command;
mod request;
mod sync;

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::time::Duration;

use pcmk_cib::Validation;
use pcmk_msg::cib::{field, message};
use pcmk_results::CrmExit;
use pcmk_xml::Element;

use crate::log;
use crate::log::Level;
use crate::notify::Subscriptions;

/// The shell's name for a client connection.
pub type ClientId = u64;

/// Which of the three IPC services a client connected to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// `cib_ro`: operations that need privileges are refused.
    ReadOnly,
    /// `cib_rw`.
    ReadWrite,
    /// `cib_shm`.
    Shm,
}

/// What the shell knows about a new client.
#[derive(Clone, Debug)]
pub struct ClientInfo {
    /// Its id (a UUID, `cib_clientid`).
    pub uuid: String,
    pub pid: u32,
    pub uid: u32,
    /// User name of `uid` (`None`: unknown, treated as `#unprivileged`).
    pub user: Option<String>,
    pub service: Service,
}

/// The moment an input happens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Now {
    /// Seconds since the epoch.
    pub secs: i64,
    /// UTC offset of the local zone, in seconds.
    pub utc_offset: i64,
}

impl Now {
    /// `ctime()` of this moment, for `cib-last-written`.
    pub fn ctime(&self) -> String {
        pcmk_cib::time::ctime(self.secs, self.utc_offset)
    }
}

/// Timers the engine arms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Timer {
    /// `digest_timer` ("digester", 5 s after the last change): the primary
    /// asks its peers for their digests.
    Digest,
    /// `EXIT_ESCALATION_MS` (10 s): exit even if no peer acknowledged our
    /// shutdown.
    ForceExit,
}

/// How a disk write ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriteOutcome {
    Written,
    /// Failed; `exit_code` is what the reference's writer child exits
    /// with (`CRM_EX_DIGEST` when cib.xml was edited behind our back,
    /// `CRM_EX_CANTCREAT` when it could not be backed up or saved).
    Failed {
        exit_code: i32,
        reason: String,
    },
}

/// Something that happened.
#[derive(Clone, Debug)]
pub enum Input {
    /// A client connected.
    Connected { client: ClientId, info: ClientInfo },
    /// A client sent a request (`id` and `flags` from its IPC header).
    Request {
        client: ClientId,
        id: i32,
        flags: u32,
        xml: Element,
    },
    /// A client sent something that could not be decoded.
    BadRequest {
        client: ClientId,
        id: i32,
        flags: u32,
    },
    /// A client went away.
    Disconnected { client: ClientId },
    /// A message of the `cib` group, from node `from` (its name).
    Peer {
        from: String,
        nodeid: u32,
        xml: Element,
    },
    /// The group's membership changed (node id, pid pairs).
    Membership {
        members: Vec<(u32, u32)>,
        left: Vec<(u32, u32)>,
        joined: Vec<(u32, u32)>,
    },
    /// The cluster layer went away.
    ClusterLost,
    /// A timer fired.
    Timer(Timer),
    /// The write with this sequence number finished.
    Written { seq: u64, outcome: WriteOutcome },
    /// SIGTERM.
    Terminate,
    /// SIGPIPE: re-enable disk writes.
    EnableWrites,
}

/// Something to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Send on the client's response ring, answering request `id`.
    Reply {
        client: ClientId,
        id: i32,
        xml: Element,
    },
    /// Send as an event.
    Event { client: ClientId, xml: Element },
    /// `pcmk__ipc_send_ack` (only when the request waits for a response).
    Ack {
        client: ClientId,
        id: i32,
        flags: u32,
        tag: &'static str,
        function: &'static str,
        line: u32,
        status: i32,
    },
    /// Send one notification to several clients as an event.
    Notify {
        clients: Vec<ClientId>,
        xml: Element,
    },
    /// Send to the `cib` group: to the node named `to`, or to all.
    Cpg { to: Option<String>, xml: Element },
    /// Write this CIB to disk (cib.xml + .sig, with a backup) and report
    /// [`Input::Written`] with `seq`.
    Write { seq: u64, cib: Element },
    /// (Re)arm a timer.
    Arm { timer: Timer, after: Duration },
    /// Close every client connection and stop accepting new ones.
    DisconnectAll,
    /// Leave the cluster and exit with this code.
    Exit { code: i32 },
}

/// Settings fixed at start.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// This node's name (`cib_our_uname`; "localhost" when stand-alone).
    pub our_uname: String,
    /// Stand-alone mode (`-s`): no cluster, always primary.
    pub stand_alone: bool,
    /// Whether changes are written to disk.
    pub writes_enabled: bool,
    /// The user the daemon runs as (for ACL delegation).
    pub effective_user: Option<String>,
    /// Delay of the digest check after a change (5 s).
    pub digest_delay: Duration,
    /// Delay before exiting without peer acknowledgement (10 s).
    pub exit_escalation: Duration,
}

impl EngineConfig {
    /// The reference's settings.
    pub fn new(our_uname: &str) -> EngineConfig {
        EngineConfig {
            our_uname: our_uname.to_owned(),
            stand_alone: false,
            writes_enabled: true,
            effective_user: Some("hacluster".to_owned()),
            digest_delay: Duration::from_secs(5),
            exit_escalation: Duration::from_secs(10),
        }
    }
}

/// A reply waiting for a disk write (or queued behind one).
#[derive(Clone, Debug)]
struct Held {
    /// The write that must be on disk first (0: none).
    seq: u64,
    command: Command,
}

/// One client (`pcmk__client_t` plus the CIB manager's flags).
#[derive(Clone, Debug)]
struct Client {
    info: ClientInfo,
    name: Option<String>,
    subscriptions: Subscriptions,
    /// The id of the synchronous request to answer (`request_id`).
    request_id: i32,
    held: VecDeque<Held>,
}

/// The CIB manager.
pub struct Engine {
    cfg: EngineConfig,
    now: Now,
    /// `the_cib`.
    cib: Element,
    /// `cib_status`: not 0 when the CIB on disk did not validate; every
    /// operation then fails.
    cib_status: i32,
    /// `based_is_primary`.
    primary: bool,
    clients: HashMap<ClientId, Client>,
    by_uuid: HashMap<String, ClientId>,
    commands: Vec<Command>,
    validation: Validation,
    /// Ping state (`ping_seq`, `ping_digest`, `ping_modified_since`).
    ping_seq: u64,
    ping_digest: Option<String>,
    ping_modified_since: bool,
    /// `sync_in_progress`.
    sync_in_progress: u32,
    /// Whether a peer speaking the pre-1.1.12 protocol was seen.
    legacy_seen: bool,
    /// When a patch digest is next added (`expires` of cib_perform_op).
    digest_expires: i64,
    writes_enabled: bool,
    /// Sequence of the newest state that must reach the disk.
    write_latest: u64,
    /// Newest sequence known on disk.
    write_done: u64,
    write_in_flight: Option<u64>,
    /// The write the request being processed waits for.
    current_write: Option<u64>,
    members: BTreeSet<(u32, u32)>,
    shutting_down: bool,
}

impl Engine {
    /// An engine serving `cib` (`cib_status` is the load result).
    pub fn new(cfg: EngineConfig, cib: Element, cib_status: i32) -> Engine {
        let primary = cfg.stand_alone;
        let writes = cfg.writes_enabled;
        Engine {
            cfg,
            now: Now::default(),
            cib,
            cib_status,
            primary,
            clients: HashMap::new(),
            by_uuid: HashMap::new(),
            commands: Vec::new(),
            validation: Validation::default(),
            ping_seq: 0,
            ping_digest: None,
            ping_modified_since: false,
            sync_in_progress: 0,
            legacy_seen: false,
            digest_expires: 0,
            writes_enabled: writes,
            write_latest: 0,
            write_done: 0,
            write_in_flight: None,
            current_write: None,
            members: BTreeSet::new(),
            shutting_down: false,
        }
    }

    /// The CIB as it stands.
    pub fn cib(&self) -> &Element {
        &self.cib
    }

    /// Whether this instance is the primary (read-write) one.
    pub fn is_primary(&self) -> bool {
        self.primary
    }

    /// Number of connected clients.
    pub fn client_count(&self) -> usize {
        self.clients.len()
    }

    /// Whether changes are still written to disk.
    pub fn writes_enabled(&self) -> bool {
        self.writes_enabled
    }

    /// The commands produced so far.
    pub fn take_commands(&mut self) -> Vec<Command> {
        std::mem::take(&mut self.commands)
    }

    /// Start: write the CIB we loaded (`activateCibXml(cib, TRUE,
    /// "start")`).
    pub fn start(&mut self, now: Now) {
        self.now = now;
        self.schedule_write("start");
    }

    /// Handle one input.
    pub fn handle(&mut self, now: Now, input: Input) {
        self.now = now;
        match input {
            Input::Connected { client, info } => self.connected(client, info),
            Input::Request {
                client,
                id,
                flags,
                xml,
            } => self.client_request(client, id, flags, xml),
            Input::BadRequest { client, id, flags } => {
                log!(
                    Level::Trace,
                    "cib_common_callback",
                    "Invalid message from client {client}"
                );
                self.commands.push(Command::Ack {
                    client,
                    id,
                    flags,
                    tag: "nack",
                    function: "cib_common_callback",
                    line: 221,
                    status: CrmExit::PROTOCOL.raw(),
                });
            }
            Input::Disconnected { client } => self.disconnected(client),
            Input::Peer { from, nodeid, xml } => self.peer_message(from, nodeid, xml),
            Input::Membership {
                members,
                left,
                joined,
            } => self.membership(members, left, joined),
            Input::ClusterLost => {
                if self.shutting_down {
                    log!(
                        Level::Info,
                        "cib_cs_destroy",
                        "Corosync disconnection complete"
                    );
                } else {
                    log!(
                        Level::Crit,
                        "cib_cs_destroy",
                        "Lost connection to cluster layer, shutting down"
                    );
                    self.terminate("cib_cs_destroy", CrmExit::DISCONNECT.raw());
                }
            }
            Input::Timer(Timer::Digest) => self.digester(),
            Input::Timer(Timer::ForceExit) => {
                log!(Level::Notice, "cib_force_exit", "Forcing exit!");
                self.terminate("cib_force_exit", CrmExit::ERROR.raw());
            }
            Input::Written { seq, outcome } => self.written(seq, outcome),
            Input::Terminate => self.shutdown(),
            Input::EnableWrites => {
                log!(Level::Info, "cib_enable_writes", "(Re)enabling disk writes");
                self.writes_enabled = true;
                self.schedule_write("signal");
            }
        }
    }

    // ----- clients --------------------------------------------------------

    fn connected(&mut self, client: ClientId, info: ClientInfo) {
        if info.user.is_none() {
            log!(
                Level::Error,
                "client_from_connection",
                "Unable to enforce ACLs for user ID {}, assuming unprivileged",
                info.uid
            );
        }
        self.by_uuid.insert(info.uuid.clone(), client);
        self.clients.insert(
            client,
            Client {
                info,
                name: None,
                subscriptions: Subscriptions::default(),
                request_id: 0,
                held: VecDeque::new(),
            },
        );
    }

    fn disconnected(&mut self, client: ClientId) {
        if let Some(c) = self.clients.remove(&client) {
            self.by_uuid.remove(&c.info.uuid);
        }
        if self.shutting_down && self.clients.is_empty() {
            self.shutdown();
        }
    }

    /// `cib_common_callback()` + `cib_common_callback_worker()`.
    fn client_request(&mut self, client: ClientId, id: i32, flags: u32, mut xml: Element) {
        let effective = self.cfg.effective_user.clone();
        let Some(c) = self.clients.get_mut(&client) else {
            return;
        };
        let call_options = int_attr(&xml, field::CALLOPTS).unwrap_or(0) as u32;
        if call_options & pcmk_msg::cib::call_options::SYNC_CALL != 0 {
            c.request_id = id;
        }
        if c.name.is_none() {
            c.name = Some(match xml.attr(field::CLIENTNAME) {
                Some(v) => v.to_owned(),
                None => c.info.pid.to_string(),
            });
        }
        xml.set_attr(field::CLIENTID, c.info.uuid.clone());
        xml.set_attr(field::CLIENTNAME, c.name.clone().unwrap_or_default());
        let peer_user = c.info.user.as_deref().unwrap_or("#unprivileged");
        update_acl_user(&mut xml, field::USER, Some(peer_user), effective.as_deref());

        let op = xml.attr(field::OPERATION).unwrap_or("");
        if op == pcmk_msg::cib::op::REGISTER {
            if flags & pcmk_msg::ipc::IpcFlags::CLIENT_RESPONSE.0 != 0 {
                let reply = message::register_reply(&c.info.uuid);
                c.request_id = 0;
                self.commands.push(Command::Reply {
                    client,
                    id,
                    xml: reply,
                });
            }
            return;
        }
        if op == pcmk_msg::cib::op::NOTIFY {
            let kind = xml.attr(field::NOTIFY_TYPE).unwrap_or("");
            let on = int_attr(&xml, field::NOTIFY_ACTIVATE).unwrap_or(0) != 0;
            log!(
                Level::Debug,
                "cib_common_callback_worker",
                "Setting {kind} callbacks {} for client {}",
                if on { "on" } else { "off" },
                c.name.as_deref().unwrap_or("")
            );
            let status = match Subscriptions::bit(kind) {
                Some(bit) => {
                    if on {
                        c.subscriptions.0 |= bit;
                    } else {
                        c.subscriptions.0 &= !bit;
                    }
                    CrmExit::OK
                }
                None => CrmExit::INVALID_PARAM,
            };
            self.commands.push(Command::Ack {
                client,
                id,
                flags,
                tag: "ack",
                function: "cib_common_callback_worker",
                line: 199,
                status: status.raw(),
            });
            return;
        }
        let privileged = c.info.service != Service::ReadOnly;
        self.process_request(xml, privileged, Some(client));
    }

    /// The client with this id (`pcmk__find_client_by_id`).
    fn client_by_uuid(&self, uuid: &str) -> Option<ClientId> {
        self.by_uuid.get(uuid).copied()
    }

    /// Send to a client, behind any reply it is still waiting for.
    fn send_to_client(&mut self, client: ClientId, command: Command, wait_for: u64) {
        let done = self.write_done;
        let Some(c) = self.clients.get_mut(&client) else {
            return;
        };
        if c.held.is_empty() && wait_for <= done {
            self.commands.push(command);
        } else {
            c.held.push_back(Held {
                seq: wait_for,
                command,
            });
        }
    }

    /// Release held replies whose writes are done.
    fn release_held(&mut self) {
        let done = if self.writes_enabled {
            self.write_done
        } else {
            u64::MAX
        };
        let mut ids: Vec<ClientId> = self.clients.keys().copied().collect();
        ids.sort_unstable();
        for id in ids {
            let Some(c) = self.clients.get_mut(&id) else {
                continue;
            };
            while c.held.front().is_some_and(|h| h.seq <= done) {
                if let Some(h) = c.held.pop_front() {
                    self.commands.push(h.command);
                }
            }
        }
    }

    // ----- the CIB and the disk -------------------------------------------

    /// `activateCibXml()`: make `new` the CIB, and write it when
    /// `to_disk`.
    fn activate(&mut self, new: Element, to_disk: bool, op: &str) {
        self.cib = new;
        if to_disk {
            self.schedule_write(op);
        }
    }

    fn schedule_write(&mut self, op: &str) {
        if !self.writes_enabled || self.cib_status != 0 {
            return;
        }
        log!(
            Level::Debug,
            "activateCibXml",
            "Triggering CIB write for {op} op"
        );
        self.write_latest += 1;
        self.current_write = Some(self.write_latest);
        if self.write_in_flight.is_none() {
            self.start_write();
        }
    }

    fn start_write(&mut self) {
        let seq = self.write_latest;
        self.write_in_flight = Some(seq);
        self.commands.push(Command::Write {
            seq,
            cib: self.cib.clone(),
        });
    }

    /// `cib_diskwrite_complete()`.
    fn written(&mut self, seq: u64, outcome: WriteOutcome) {
        self.write_in_flight = None;
        match outcome {
            WriteOutcome::Written => {
                self.write_done = self.write_done.max(seq);
                log!(
                    Level::Trace,
                    "cib_diskwrite_complete",
                    "Disk write [{seq}] succeeded"
                );
            }
            WriteOutcome::Failed { exit_code, reason } => {
                let msg = if self.writes_enabled {
                    self.writes_enabled = false;
                    "Disabling CIB disk writes after failure"
                } else {
                    "Could not write CIB to disk"
                };
                log!(
                    Level::Error,
                    "cib_diskwrite_complete",
                    "{msg}: writer exited {exit_code} ({reason})"
                );
            }
        }
        self.release_held();
        if self.writes_enabled && self.write_latest > self.write_done {
            self.start_write();
        }
    }

    // ----- membership and shutdown ----------------------------------------

    fn membership(
        &mut self,
        members: Vec<(u32, u32)>,
        left: Vec<(u32, u32)>,
        joined: Vec<(u32, u32)>,
    ) {
        for (i, (node, pid)) in left.iter().enumerate() {
            log!(
                Level::Info,
                "pcmk_cpg_membership",
                "Group cib event {i}: node {node} pid {pid} left via cluster exit"
            );
        }
        for (i, (node, pid)) in joined.iter().enumerate() {
            log!(
                Level::Info,
                "pcmk_cpg_membership",
                "Group cib event {i}: node {node} pid {pid} joined via cpg_join"
            );
        }
        self.members = members.into_iter().collect();
        if self.shutting_down && self.active_peers() < 2 && self.clients.is_empty() {
            log!(Level::Info, "cib_peer_update_callback", "No more peers");
            self.terminate("cib_peer_update_callback", -1);
        }
    }

    /// Whether another node's CIB manager holds every change we applied
    /// (it received the same messages in the same order).
    fn durable_elsewhere(&self) -> bool {
        !self.cfg.stand_alone && self.active_peers() >= 2
    }

    /// `crm_active_peers()`: nodes with a CIB manager in the group.
    fn active_peers(&self) -> usize {
        let nodes: BTreeSet<u32> = self.members.iter().map(|&(n, _)| n).collect();
        nodes.len()
    }

    /// `cib_shutdown()`.
    fn shutdown(&mut self) {
        if !self.shutting_down {
            self.shutting_down = true;
            let n = self.clients.len();
            self.commands.push(Command::DisconnectAll);
            self.clients.clear();
            self.by_uuid.clear();
            log!(Level::Info, "cib_shutdown", "Disconnected {n} clients");
        }
        if self.clients.is_empty() {
            log!(Level::Info, "cib_shutdown", "All clients disconnected (0)");
            self.initiate_exit();
        } else {
            log!(
                Level::Info,
                "cib_shutdown",
                "Waiting on {} clients to disconnect (0)",
                self.clients.len()
            );
        }
    }

    /// `initiate_exit()`.
    fn initiate_exit(&mut self) {
        let active = self.active_peers();
        if active < 2 || self.cfg.stand_alone {
            self.terminate("initiate_exit", 0);
            return;
        }
        log!(
            Level::Info,
            "initiate_exit",
            "Sending disconnect notification to {active} peers..."
        );
        let leaving = Element::new("exit-notification")
            .with_attr(field::TYPE, field::T_CIB)
            .with_attr(field::OPERATION, pcmk_msg::cib::op::SHUTDOWN);
        self.commands.push(Command::Cpg {
            to: None,
            xml: leaving,
        });
        self.commands.push(Command::Arm {
            timer: Timer::ForceExit,
            after: self.cfg.exit_escalation,
        });
    }

    /// `terminate_cib()`: exit with `code` (0 or -1: normally).
    fn terminate(&mut self, caller: &str, code: i32) {
        log!(
            Level::Info,
            "terminate_cib",
            "{caller}: Exiting{}...",
            if code > 0 { " fast" } else { " from mainloop" }
        );
        self.commands.push(Command::Exit { code: code.max(0) });
    }
}

/// `crm_element_value_int`: a leading integer (strtoll), narrowed.
pub(crate) fn int_attr(e: &Element, name: &str) -> Option<i64> {
    let v = e.attr(name)?.trim_start();
    let (neg, digits) = match v.as_bytes().first() {
        Some(b'-') => (true, &v[1..]),
        Some(b'+') => (false, &v[1..]),
        _ => (false, v),
    };
    let n = digits.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 {
        return None;
    }
    let x: i64 = digits[..n].parse().unwrap_or(i64::MAX);
    let x = if neg { -x } else { x };
    Some(i32::try_from(x).map_or(-1, i64::from))
}

/// `pcmk__update_acl_user()`: decide which user a request runs as and
/// record it in `acl_target` and `field`.
#[doc(alias = "pcmk__update_acl_user")]
pub(crate) fn update_acl_user(
    request: &mut Element,
    field: &str,
    peer_user: Option<&str>,
    effective_user: Option<&str>,
) {
    let effective = effective_user.unwrap_or("#unprivileged");
    let requested = request
        .attr("acl_target")
        .or_else(|| request.attr(field))
        .map(str::to_owned);
    let privileged = |u: &str| u == "root" || u == "hacluster";
    let user: String = if !privileged(effective) {
        effective.to_owned()
    } else {
        match (peer_user, requested) {
            (None, None) => effective.to_owned(),
            (None, Some(r)) => r,
            (Some(p), _) if !privileged(p) => p.to_owned(),
            (Some(p), None) => p.to_owned(),
            (Some(_), Some(r)) => r,
        }
    };
    request.set_attr("acl_target", user.clone());
    request.set_attr(field, user);
}

#[cfg(test)]
mod tests;
