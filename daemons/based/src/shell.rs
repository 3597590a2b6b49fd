//! The daemon around the [`Engine`] (I/O): start-up as the reference does
//! it, the `cib_ro`/`cib_rw`/`cib_shm` IPC services, the `cib` CPG group,
//! the disk writer thread, timers and signals. Inputs from all of these go
//! through one channel into the engine; its commands are carried out here.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use pcmk_cib::Validation;
use pcmk_msg::cluster::{ClusterEndpoint, ClusterEvent};
use pcmk_msg::cpg_msg::MsgType;
use pcmk_msg::ipc::{Ack, ClientHandle, IpcFlags, IpcServer};
use pcmk_results::CrmExit;
use pcmk_xml::Element;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use crate::engine::{
    ClientId, ClientInfo, Command, Engine, EngineConfig, Input, Now, Service, Timer, WriteOutcome,
};
use crate::log::{self, Level, LogConfig};
use crate::{cli, disk};

/// The CIB directory (`CRM_CONFIG_DIR`).
pub const CONFIG_DIR: &str = "/var/lib/pacemaker/cib";

static OFFSET: AtomicI64 = AtomicI64::new(0);
static OFFSET_AT: AtomicI64 = AtomicI64::new(i64::MIN);

/// The current time with the local zone's offset (re-read every ten
/// minutes).
pub fn now() -> Now {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    if secs.saturating_sub(OFFSET_AT.load(Ordering::Relaxed)) > 600 {
        OFFSET.store(pcmk_cib::time::local_offset(secs), Ordering::Relaxed);
        OFFSET_AT.store(secs, Ordering::Relaxed);
    }
    Now {
        secs,
        utc_offset: OFFSET.load(Ordering::Relaxed),
    }
}

/// Run the daemon; returns the exit status.
pub fn main(argv: &[OsString]) -> u8 {
    let args = match cli::parse(argv) {
        Ok(a) => a,
        Err((text, to_stderr, status)) => {
            pcmk_cli::legacy::print_help(&text, to_stderr);
            return status.process_status();
        }
    };
    if args.metadata {
        print!("{}", cli::metadata());
        return 0;
    }
    log::init(&LogConfig::from_env("pacemaker-based", args.verbosity));
    crate::memory::init();
    if args.stand_alone {
        if let Err(code) = become_daemon_user() {
            return code;
        }
    }
    crate::log!(Level::Notice, "main", "Starting Pacemaker CIB manager");
    if qb_ipc::Client::connect("cib_ro", 0).is_ok() {
        crate::log!(
            Level::Error,
            "main",
            "pacemaker-based is already active, aborting startup"
        );
        return 0;
    }
    let root = match &args.cib_root {
        Some(r) => {
            crate::log!(
                Level::Notice,
                "main",
                "Using custom config location: {}",
                r.display()
            );
            r.clone()
        }
        None => PathBuf::from(CONFIG_DIR),
    };
    if !disk::daemon_can_write(&root, None) {
        crate::log!(
            Level::Error,
            "main",
            "Terminating due to bad permissions on {}",
            root.display()
        );
        eprintln!(
            "ERROR: Bad permissions on {} (see logs for details)",
            root.display()
        );
        return CrmExit::FATAL.process_status();
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            crate::log!(Level::Crit, "main", "Could not start the main loop: {e}");
            return CrmExit::FATAL.process_status();
        }
    };
    rt.block_on(run(args, root))
}

/// `-s`: become the daemon user (`setgid`, `initgroups`, `setuid`).
fn become_daemon_user() -> Result<(), u8> {
    use nix::unistd::{initgroups, setgid, setuid, Gid, Uid, User};
    let fatal = CrmExit::FATAL.process_status();
    let Ok(Some(user)) = User::from_name(disk::DAEMON_USER) else {
        crate::log!(
            Level::Error,
            "main",
            "Invalid uid ({}) specified",
            disk::DAEMON_USER
        );
        return Err(fatal);
    };
    if Uid::effective() == user.uid {
        return Ok(());
    }
    if setgid(user.gid).is_err() {
        crate::log!(Level::Error, "main", "Could not set group to {}", user.gid);
        return Err(fatal);
    }
    let name = std::ffi::CString::new(disk::DAEMON_USER).map_err(|_| fatal)?;
    if initgroups(&name, Gid::from_raw(user.gid.as_raw())).is_err() {
        crate::log!(
            Level::Error,
            "main",
            "Could not setup groups for user {}",
            user.uid
        );
        return Err(fatal);
    }
    if setuid(user.uid).is_err() {
        crate::log!(Level::Error, "main", "Could not set user to {}", user.uid);
        return Err(fatal);
    }
    Ok(())
}

/// Messages for the CPG sender task.
enum Outbound {
    Send {
        to: Option<String>,
        xml: Element,
    },
    /// Flush, leave the group, then report.
    Leave(tokio::sync::oneshot::Sender<()>),
}

type Clients = Arc<Mutex<HashMap<ClientId, ClientHandle>>>;

struct Shell {
    clients: Clients,
    closing: Arc<AtomicBool>,
    cpg: Option<UnboundedSender<Outbound>>,
    writer: std::sync::mpsc::Sender<(u64, Element)>,
    timer_tx: UnboundedSender<(Timer, u64)>,
    timer_gen: HashMap<Timer, u64>,
}

fn client(clients: &Clients, id: ClientId) -> Option<ClientHandle> {
    clients
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&id)
        .cloned()
}

impl Shell {
    /// Carry out commands; `Some(code)` when the daemon must exit.
    async fn execute(&mut self, commands: Vec<Command>) -> Option<i32> {
        let mut exit = None;
        for c in commands {
            match c {
                Command::Reply {
                    client: id,
                    id: rid,
                    xml,
                } => {
                    if let Some(h) = client(&self.clients, id) {
                        if let Err(e) = h.send_xml(rid, &xml, IpcFlags::NONE) {
                            crate::log!(
                                Level::Warning,
                                "do_local_notify",
                                "Synchronous reply to client {} failed: {e}",
                                h.uuid()
                            );
                        }
                    }
                }
                Command::Event { client: id, xml } => {
                    if let Some(h) = client(&self.clients, id) {
                        if let Err(e) = h.send_event(&xml) {
                            crate::log!(
                                Level::Warning,
                                "do_local_notify",
                                "Asynchronous reply to client {} failed: {e}",
                                h.uuid()
                            );
                        }
                    }
                }
                Command::Ack {
                    client: id,
                    id: rid,
                    flags,
                    tag,
                    function,
                    line,
                    status,
                } => {
                    if let Some(h) = client(&self.clients, id) {
                        let _ = h.send_ack(
                            rid,
                            IpcFlags(flags),
                            &Ack {
                                tag,
                                function,
                                line,
                                status,
                                version: None,
                            },
                        );
                    }
                }
                Command::Notify { clients, xml } => self.notify(&clients, &xml),
                Command::Cpg { to, xml } => {
                    if let Some(tx) = &self.cpg {
                        let _ = tx.send(Outbound::Send { to, xml });
                    }
                }
                Command::Write { seq, cib } => {
                    let _ = self.writer.send((seq, cib));
                }
                Command::Arm { timer, after } => {
                    let gen = self.timer_gen.entry(timer).or_insert(0);
                    *gen += 1;
                    let g = *gen;
                    let tx = self.timer_tx.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(after).await;
                        let _ = tx.send((timer, g));
                    });
                }
                Command::DisconnectAll => {
                    self.closing.store(true, Ordering::SeqCst);
                    let all: Vec<ClientHandle> = self
                        .clients
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .drain()
                        .map(|(_, h)| h)
                        .collect();
                    for h in all {
                        h.close();
                    }
                }
                Command::Exit { code } => exit = Some(code),
            }
        }
        if let Some(code) = exit {
            if let Some(tx) = self.cpg.take() {
                let (done_tx, done_rx) = tokio::sync::oneshot::channel();
                if tx.send(Outbound::Leave(done_tx)).is_ok() {
                    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), done_rx).await;
                }
            }
            return Some(code);
        }
        None
    }

    /// `cib_notify_send()`: frame once per buffer size, send as events.
    fn notify(&self, ids: &[ClientId], xml: &Element) {
        let mut framed: HashMap<usize, Option<pcmk_msg::ipc::Prepared>> = HashMap::new();
        for &id in ids {
            let Some(h) = client(&self.clients, id) else {
                continue;
            };
            let msg = framed
                .entry(h.max_msg_size())
                .or_insert_with(|| h.prepare(xml).ok());
            let Some(msg) = msg.as_ref() else {
                crate::log!(
                    Level::Notice,
                    "cib_notify_send",
                    "Could not notify clients: message too large"
                );
                continue;
            };
            if let Err(e) = h.send_prepared(msg, 0, IpcFlags::SERVER_EVENT) {
                crate::log!(
                    Level::Warning,
                    "cib_notify_send_one",
                    "Could not notify client {}: {e} | id={}",
                    h.uuid(),
                    h.uuid()
                );
            }
        }
    }
}

async fn accept_loop(
    mut server: IpcServer,
    service: Service,
    tx: UnboundedSender<Input>,
    clients: Clients,
    next_id: Arc<AtomicU64>,
    closing: Arc<AtomicBool>,
) {
    loop {
        let conn = match server.accept().await {
            Ok(c) => c,
            Err(e) => {
                crate::log!(
                    Level::Error,
                    "qb_ipcs_us_connection_acceptor",
                    "Could not accept client connection: {e}"
                );
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let h = conn.client().clone();
        if closing.load(Ordering::SeqCst) {
            crate::log!(
                Level::Info,
                "cib_ipc_accept",
                "Ignoring new IPC client [{}] during shutdown",
                h.credentials().pid
            );
            h.close();
            continue;
        }
        let id = next_id.fetch_add(1, Ordering::Relaxed);
        let creds = h.credentials();
        clients
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, h.clone());
        let info = ClientInfo {
            uuid: h.uuid().to_owned(),
            pid: creds.pid as u32,
            uid: creds.uid as u32,
            user: h.user().map(str::to_owned),
            service,
        };
        let _ = tx.send(Input::Connected { client: id, info });
        let tx = tx.clone();
        let clients = clients.clone();
        tokio::spawn(async move {
            let mut conn = conn;
            while let Some(r) = conn.recv().await {
                let input = match r {
                    Ok(req) => Input::Request {
                        client: id,
                        id: req.id,
                        flags: req.flags.0,
                        xml: req.xml,
                    },
                    Err(bad) => Input::BadRequest {
                        client: id,
                        id: bad.id,
                        flags: bad.flags.0,
                    },
                };
                if tx.send(input).is_err() {
                    return;
                }
            }
            clients
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&id);
            let _ = tx.send(Input::Disconnected { client: id });
        });
    }
}

async fn cpg_receiver(ep: Arc<ClusterEndpoint>, tx: UnboundedSender<Input>) {
    loop {
        match ep.recv().await {
            Ok(ClusterEvent::Message { from, text, .. }) => {
                match pcmk_msg::ipc::header::parse_xml(text.as_bytes()) {
                    Ok(xml) => {
                        let input = Input::Peer {
                            from: from.uname.clone(),
                            nodeid: from.id,
                            xml,
                        };
                        if tx.send(input).is_err() {
                            return;
                        }
                    }
                    Err(_) => {
                        let head: String = text.chars().take(120).collect();
                        crate::log!(Level::Error, "cib_cs_dispatch", "Invalid XML: '{head}'");
                    }
                }
            }
            Ok(ClusterEvent::Membership {
                members,
                left,
                joined,
            }) => {
                let pairs = |v: &[pcmk_msg::corosync::cpg::CpgAddress]| {
                    v.iter().map(|a| (a.nodeid, a.pid)).collect::<Vec<_>>()
                };
                let _ = tx.send(Input::Membership {
                    members: pairs(&members),
                    left: pairs(&left),
                    joined: pairs(&joined),
                });
            }
            Ok(ClusterEvent::Dropped(_)) => {}
            Err(e) => {
                crate::log!(
                    Level::Debug,
                    "pcmk_cpg_dispatch",
                    "Connection to the CPG API failed: {e:?}"
                );
                let _ = tx.send(Input::ClusterLost);
                return;
            }
        }
    }
}

async fn cpg_sender(ep: Arc<ClusterEndpoint>, mut rx: UnboundedReceiver<Outbound>) {
    while let Some(m) = rx.recv().await {
        match m {
            Outbound::Send { to, xml } => {
                let text = xml.to_unformatted();
                let dest = to.as_deref().map(|n| (0u32, Some(n)));
                if let Err(e) = ep.send_text(&text, dest, MsgType::CIB).await {
                    crate::log!(
                        Level::Error,
                        "send_cluster_text",
                        "Sending message to {} failed: {e:?}",
                        to.as_deref().unwrap_or("<all>")
                    );
                }
            }
            Outbound::Leave(done) => {
                let _ = ep.cpg().leave(ep.group()).await;
                let _ = done.send(());
                return;
            }
        }
    }
}

fn writer_thread(
    root: PathBuf,
    rx: std::sync::mpsc::Receiver<(u64, Element)>,
    tx: UnboundedSender<Input>,
) {
    let owner = disk::file_owner();
    while let Ok((mut seq, mut cib)) = rx.recv() {
        // Only the newest state matters.
        while let Ok((s, c)) = rx.try_recv() {
            seq = s;
            cib = c;
        }
        let when = now().ctime();
        let outcome = match disk::write_cib(cib, &root, &when, owner) {
            Ok(_) => WriteOutcome::Written,
            Err(e) => WriteOutcome::Failed {
                exit_code: e.exit_code,
                reason: e.reason,
            },
        };
        // The copies this write made are gone: give their pages back.
        crate::memory::release();
        if tx.send(Input::Written { seq, outcome }).is_err() {
            return;
        }
    }
}

fn bind(name: &str) -> Option<IpcServer> {
    match IpcServer::bind(name) {
        Ok(s) => {
            crate::log!(Level::Info, "qb_ipcs_us_publish", "server name: {name}");
            Some(s)
        }
        Err(e) => {
            crate::log!(
                Level::Error,
                "mainloop_add_ipc_server_with_prio",
                "Could not start {name} IPC server: {e}"
            );
            None
        }
    }
}

async fn run(args: cli::Args, root: PathBuf) -> u8 {
    let validation = Validation::default();
    let loaded = disk::read_cib(&root, "cib.xml", !args.stand_alone, &validation);
    if loaded.status == -pcmk_results::errno::EACCES {
        crate::log!(Level::Error, "activateCibXml", "Ignoring invalid CIB");
        crate::log!(
            Level::Crit,
            "activateCibXml",
            "Could not write out new CIB and no saved version to revert to"
        );
        crate::log!(Level::Crit, "cib_init", "Cannot start CIB... terminating");
        return CrmExit::NOINPUT.process_status();
    }
    for port in ["remote-tls-port", "remote-clear-port"] {
        if loaded.cib.attr(port).is_some() {
            crate::log!(
                Level::Warning,
                "startCib",
                "Remote CIB access ({port}) is not supported by this CIB manager; ignoring it"
            );
        }
    }

    let (tx, mut rx) = unbounded_channel::<Input>();
    let endpoint = if args.stand_alone {
        None
    } else {
        crate::log!(
            Level::Notice,
            "crm_cluster_connect",
            "Connecting to corosync cluster infrastructure"
        );
        match ClusterEndpoint::connect("pacemaker-based", None).await {
            Ok(ep) => {
                crate::log!(
                    Level::Info,
                    "pcmk__corosync_connect",
                    "Connection to corosync established"
                );
                Some(Arc::new(ep))
            }
            Err(e) => {
                crate::log!(
                    Level::Crit,
                    "cib_init",
                    "Cannot sign in to the cluster... terminating ({e:?})"
                );
                return CrmExit::FATAL.process_status();
            }
        }
    };
    let our_uname = match &endpoint {
        Some(ep) => ep.local_name().to_owned(),
        None => "localhost".to_owned(),
    };

    let clients: Clients = Arc::new(Mutex::new(HashMap::new()));
    let closing = Arc::new(AtomicBool::new(false));
    let next_id = Arc::new(AtomicU64::new(1));
    for (name, service) in [
        ("cib_ro", Service::ReadOnly),
        ("cib_rw", Service::ReadWrite),
        ("cib_shm", Service::Shm),
    ] {
        let Some(server) = bind(name) else {
            return CrmExit::FATAL.process_status();
        };
        tokio::spawn(accept_loop(
            server,
            service,
            tx.clone(),
            clients.clone(),
            next_id.clone(),
            closing.clone(),
        ));
    }

    let mut cfg = EngineConfig::new(&our_uname);
    cfg.stand_alone = args.stand_alone;
    cfg.writes_enabled = args.writes && !loaded.disable_writes;
    cfg.effective_user = nix::unistd::User::from_uid(nix::unistd::Uid::effective())
        .ok()
        .flatten()
        .map(|u| u.name);
    let mut engine = Engine::new(cfg, loaded.cib, loaded.status);

    let (wtx, wrx) = std::sync::mpsc::channel();
    {
        let tx = tx.clone();
        let root = root.clone();
        std::thread::spawn(move || writer_thread(root, wrx, tx));
    }
    let cpg = endpoint.map(|ep| {
        let (otx, orx) = unbounded_channel();
        tokio::spawn(cpg_receiver(ep.clone(), tx.clone()));
        tokio::spawn(cpg_sender(ep, orx));
        otx
    });
    {
        let tx = tx.clone();
        tokio::spawn(async move {
            use tokio::signal::unix::{signal, SignalKind};
            let (Ok(mut term), Ok(mut pipe)) =
                (signal(SignalKind::terminate()), signal(SignalKind::pipe()))
            else {
                return;
            };
            loop {
                let input = tokio::select! {
                    _ = term.recv() => Input::Terminate,
                    _ = pipe.recv() => Input::EnableWrites,
                };
                if tx.send(input).is_err() {
                    return;
                }
            }
        });
    }
    let (timer_tx, mut timer_rx) = unbounded_channel();
    let mut shell = Shell {
        clients,
        closing,
        cpg,
        writer: wtx,
        timer_tx,
        timer_gen: HashMap::new(),
    };
    crate::log!(
        Level::Notice,
        "main",
        "Pacemaker CIB manager successfully started and accepting connections"
    );
    engine.start(now());
    if let Some(code) = shell.execute(engine.take_commands()).await {
        return exit_status(code);
    }
    loop {
        let input = tokio::select! {
            i = rx.recv() => match i {
                Some(i) => i,
                None => return 0,
            },
            t = timer_rx.recv() => match t {
                Some((timer, g)) if shell.timer_gen.get(&timer) == Some(&g) => Input::Timer(timer),
                _ => continue,
            },
        };
        engine.handle(now(), input);
        if let Some(code) = shell.execute(engine.take_commands()).await {
            return exit_status(code);
        }
    }
}

fn exit_status(code: i32) -> u8 {
    CrmExit::from_raw(code).process_status()
}

/// Whether `path` is the default CIB directory.
pub fn is_default_root(path: &Path) -> bool {
    path == Path::new(CONFIG_DIR)
}
