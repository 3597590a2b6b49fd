//! The tokio server (`qb_ipcs_*`, SHM flavour).
//!
//! [`Server::accept`] yields authenticated connections; handshakes run
//! concurrently, so a client that connects and says nothing delays no one.
//! Each [`Connection`] is driven by its owner's [`Connection::recv`] loop;
//! [`ConnectionHandle`]s (cheap clones) send responses and events from
//! anywhere. Events that do not fit the client's ring are queued and retried
//! by a per-connection task; a client with too many queued events is evicted.
//! Every fault is logged once, at `warn`, naming the service, client pid and
//! connection id, and ends only that connection.

use std::collections::{HashMap, VecDeque};
use std::fs;
use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use tokio::io::unix::AsyncFd;
use tokio::task::JoinSet;

use crate::error::Error;
use crate::ring::{Ring, ShmAuth};
use crate::shm;
use crate::sock::{self, Credentials};
use crate::wire::{
    ConnectionRequest, ConnectionResponse, RequestHeader, CONNECTION_REQUEST_SIZE, IPC_TYPE_SHM,
    MSG_DISCONNECT, NAME_MAX, REQUEST_HEADER_SIZE,
};

/// Decides whether a client may connect and how its files are owned
/// (`connection_accept` + `qb_ipcs_connection_auth_set`). `Err(errno)`
/// refuses with `-errno` (libqb clients report it from `qb_ipcc_connect`).
pub type Authorize = dyn Fn(&Credentials) -> Result<ShmAuth, i32> + Send + Sync;

/// Server tunables.
#[derive(Clone)]
pub struct ServerConfig {
    /// The service's own buffer size (`qb_ipcs_enforce_buffer_size`); each
    /// connection gets the larger of this and what the client asked for.
    pub max_buffer_size: u32,
    /// Refuse (`-EMSGSIZE`) clients asking for more than this; libqb has no
    /// limit but then fails with `-ENOSPC` once `/dev/shm` is full.
    pub max_msg_size_limit: u32,
    /// Where connection directories are made (libqb: `/dev/shm`).
    pub shm_dir: PathBuf,
    /// A client that has not completed its setup message by then is dropped.
    pub handshake_timeout: Duration,
    /// Evict a client once this many events wait for room in its ring
    /// (Pacemaker: 500).
    pub max_queued_events: usize,
    /// listen() backlog (libqb: 128).
    pub backlog: i32,
    /// Access policy; the default accepts everyone with libqb's default
    /// ownership (the client's uid and gid, mode 0600).
    pub authorize: Arc<Authorize>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_buffer_size: 0,
            max_msg_size_limit: 256 << 20,
            shm_dir: PathBuf::from("/dev/shm"),
            handshake_timeout: Duration::from_secs(10),
            max_queued_events: 500,
            backlog: 128,
            authorize: Arc::new(|c: &Credentials| Ok(libqb_default_auth(c))),
        }
    }
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("max_buffer_size", &self.max_buffer_size)
            .field("max_msg_size_limit", &self.max_msg_size_limit)
            .field("shm_dir", &self.shm_dir)
            .field("max_queued_events", &self.max_queued_events)
            .finish_non_exhaustive()
    }
}

/// libqb's default: files owned by the client, mode 0600.
pub fn libqb_default_auth(c: &Credentials) -> ShmAuth {
    ShmAuth {
        uid: Some(c.uid),
        gid: Some(c.gid),
        mode: 0o600,
    }
}

/// Pacemaker's policy (`pcmk__new_client`): a non-root client's files stay
/// owned by the server, group `cluster_gid`, mode 0660.
#[doc(alias = "pcmk__new_client")]
pub fn pacemaker_auth(c: &Credentials, cluster_gid: u32) -> ShmAuth {
    if c.uid == 0 {
        libqb_default_auth(c)
    } else {
        ShmAuth {
            uid: None,
            gid: Some(cluster_gid),
            mode: 0o660,
        }
    }
}

type Registry = Mutex<HashMap<u64, Weak<Inner>>>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Ring state stays usable after a panic elsewhere; keep serving.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A listening libqb service.
pub struct Server {
    name: Arc<str>,
    listener: AsyncFd<OwnedFd>,
    config: Arc<ServerConfig>,
    pending: JoinSet<Option<Connection>>,
    next_id: u64,
    registry: Arc<Registry>,
}

impl Server {
    /// Bind the abstract socket `name` (`qb_ipcs_create` + `qb_ipcs_run`).
    /// Must be called inside a tokio runtime.
    #[doc(alias = "qb_ipcs_run")]
    pub fn bind(name: &str, config: ServerConfig) -> io::Result<Server> {
        let fd = sock::listen(name, config.backlog)?;
        tracing::info!(service = name, "IPC server listening");
        Ok(Server {
            name: Arc::from(name),
            listener: sock::register(fd)?,
            config: Arc::new(config),
            pending: JoinSet::new(),
            next_id: 1,
            registry: Arc::new(Mutex::new(HashMap::new())),
        })
    }

    /// The service name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Connections currently alive.
    pub fn connection_count(&self) -> usize {
        lock(&self.registry).len()
    }

    /// The next authenticated connection. Cancel-safe. Faulty clients are
    /// logged and skipped; only a broken listening socket is an error.
    pub async fn accept(&mut self) -> io::Result<Connection> {
        loop {
            tokio::select! {
                r = self.listener.readable() => {
                    let mut guard = r?;
                    match guard.try_io(|l| sock::accept(l.get_ref().as_fd())) {
                        Ok(Ok(fd)) => self.start_handshake(fd),
                        Ok(Err(e)) => match e.raw_os_error() {
                            Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM) => {
                                tracing::warn!(service = %self.name, error = %e, "cannot accept IPC client; retrying");
                                tokio::time::sleep(Duration::from_millis(100)).await;
                            }
                            Some(libc::ECONNABORTED | libc::EPROTO) => {}
                            _ => return Err(e),
                        },
                        Err(_would_block) => {}
                    }
                }
                Some(done) = self.pending.join_next(), if !self.pending.is_empty() => {
                    if let Ok(Some(conn)) = done {
                        return Ok(conn);
                    }
                }
            }
        }
    }

    fn start_handshake(&mut self, fd: OwnedFd) {
        let id = self.next_id;
        self.next_id += 1;
        let setup = Setup {
            service: self.name.clone(),
            config: self.config.clone(),
            registry: self.registry.clone(),
            id,
        };
        let timeout = self.config.handshake_timeout;
        self.pending.spawn(async move {
            match tokio::time::timeout(timeout, setup.run(fd)).await {
                Ok(c) => c,
                Err(_) => {
                    tracing::warn!(service = %setup.service, conn = id, "IPC client sent no setup message in time; dropped");
                    None
                }
            }
        });
    }

    /// Close every live connection (also done on drop, like `qb_ipcs_destroy`).
    #[doc(alias = "qb_ipcs_destroy")]
    pub fn close_all(&self) {
        let conns: Vec<_> = lock(&self.registry)
            .values()
            .filter_map(Weak::upgrade)
            .collect();
        for c in conns {
            c.close("server shutting down");
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.pending.abort_all();
        self.close_all();
    }
}

struct ShmSet {
    dir: PathBuf,
    request: Ring,
    response: Ring,
    event: Ring,
}

struct Setup {
    service: Arc<str>,
    config: Arc<ServerConfig>,
    registry: Arc<Registry>,
    id: u64,
}

impl Setup {
    async fn run(&self, fd: OwnedFd) -> Option<Connection> {
        let _ = sock::set_passcred(fd.as_fd(), true);
        let raw_fd = fd.as_raw_fd();
        let afd = match sock::register(fd) {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(service = %self.service, error = %e, "cannot register IPC client socket");
                return None;
            }
        };
        let mut buf = [0u8; CONNECTION_REQUEST_SIZE];
        let mut got = 0;
        let mut creds = None;
        while got < buf.len() {
            let mut guard = afd.readable().await.ok()?;
            match guard.try_io(|s| sock::recv_with_creds(s.get_ref().as_fd(), &mut buf[got..])) {
                Ok(Ok((0, _))) => {
                    tracing::debug!(service = %self.service, conn = self.id, "client left during setup");
                    return None;
                }
                Ok(Ok((n, c))) => {
                    got += n;
                    creds = creds.or(c);
                }
                Ok(Err(e)) => {
                    tracing::warn!(service = %self.service, conn = self.id, error = %e, "setup receive failed");
                    return None;
                }
                Err(_would_block) => {}
            }
        }
        let _ = sock::set_passcred(afd.get_ref().as_fd(), false);
        let creds = match creds
            .map(Ok)
            .unwrap_or_else(|| sock::peer_credentials(afd.get_ref().as_fd()))
        {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(service = %self.service, conn = self.id, error = %e, "no client credentials; dropped");
                return None;
            }
        };
        let req = match ConnectionRequest::decode(&buf) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(service = %self.service, conn = self.id, client_pid = creds.pid, "malformed IPC setup message ({e}); dropped");
                return None;
            }
        };
        let max = req.max_msg_size.max(self.config.max_buffer_size);
        let made = if max > self.config.max_msg_size_limit {
            Err(libc::EMSGSIZE)
        } else {
            (self.config.authorize)(&creds).and_then(|auth| {
                self.make_shm(raw_fd, &creds, &auth, max as usize)
                    .map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))
            })
        };
        let (resp, shm) = match made {
            Ok((resp, shm)) => (resp, Some(shm)),
            Err(errno) => {
                tracing::warn!(
                    service = %self.service, conn = self.id, client_pid = creds.pid, uid = creds.uid,
                    "IPC connection refused: {}", io::Error::from_raw_os_error(errno)
                );
                (ConnectionResponse::refused(errno), None)
            }
        };
        let bytes = resp.encode();
        let mut sent = 0;
        while sent < bytes.len() {
            let Ok(mut guard) = afd.writable().await else {
                break;
            };
            match guard.try_io(|s| sock::send(s.get_ref().as_fd(), &bytes[sent..])) {
                Ok(Ok(n)) => sent += n,
                Ok(Err(_)) => break,
                Err(_would_block) => {}
            }
        }
        let ShmSet {
            dir,
            request,
            response,
            event,
        } = shm?;
        let inner = Arc::new(Inner {
            id: self.id,
            service: self.service.clone(),
            creds,
            dir,
            sock: afd,
            max_msg_size: max as usize,
            request: Mutex::new(request),
            response: Mutex::new(response),
            event: Mutex::new(EventState {
                ring: event,
                queue: VecDeque::new(),
                pending_wakes: 0,
                flusher: false,
            }),
            closed: AtomicBool::new(false),
            config: self.config.clone(),
            registry: Arc::downgrade(&self.registry),
            rt: tokio::runtime::Handle::current(),
        });
        if sent < bytes.len() {
            tracing::warn!(service = %self.service, conn = self.id, client_pid = creds.pid, "client left before the setup answer");
            inner.close("setup answer not delivered");
            return None;
        }
        lock(&self.registry).insert(self.id, Arc::downgrade(&inner));
        tracing::debug!(service = %self.service, conn = self.id, client_pid = creds.pid, uid = creds.uid, dir = %inner.dir.display(), "IPC connection established");
        Some(Connection {
            handle: ConnectionHandle { inner },
            pending_wakes: 0,
        })
    }

    /// mkdtemp + chmod 0770 + chown, then the three rings.
    fn make_shm(
        &self,
        fd: i32,
        c: &Credentials,
        auth: &ShmAuth,
        max: usize,
    ) -> io::Result<(ConnectionResponse, ShmSet)> {
        let template = format!(
            "{}/qb-{}-{}-{}-XXXXXX",
            self.config.shm_dir.display(),
            std::process::id(),
            c.pid,
            fd
        );
        let dir = shm::mkdtemp(&template)?;
        let result = (|| {
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o770))?;
            let _ = std::os::unix::fs::chown(&dir, Some(c.uid), Some(c.gid));
            let _ = std::os::unix::fs::chown(&dir, auth.uid, auth.gid);
            let base = |kind: &str| {
                let mut s = format!("{}/qb-{kind}-{}", dir.display(), self.service);
                // libqb writes these with snprintf(.., NAME_MAX, ..).
                while s.len() > NAME_MAX - 1 {
                    s.pop();
                }
                s
            };
            let (rq, rs, ev) = (base("request"), base("response"), base("event"));
            let request = Ring::create(&rq, max, auth)?;
            let response = Ring::create(&rs, max, auth).inspect_err(|_| request.unlink())?;
            let event = Ring::create(&ev, max, auth).inspect_err(|_| {
                request.unlink();
                response.unlink();
            })?;
            let resp = ConnectionResponse {
                error: 0,
                connection_type: IPC_TYPE_SHM,
                max_msg_size: max as u32,
                connection: self.id,
                request: rq,
                response: rs,
                event: ev,
            };
            Ok((resp, (request, response, event)))
        })();
        match result {
            Ok((resp, (request, response, event))) => Ok((
                resp,
                ShmSet {
                    dir,
                    request,
                    response,
                    event,
                },
            )),
            Err(e) => {
                let _ = fs::remove_dir(&dir);
                Err(e)
            }
        }
    }
}

/// One request as the client wrote it: the whole chunk, header included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The `qb_ipc_request_header` at the start of `bytes`.
    pub header: RequestHeader,
    /// The complete message.
    pub bytes: Vec<u8>,
}

/// What became of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStatus {
    /// Written to the client's event ring and signalled.
    Sent,
    /// The ring was full: queued, to be retried.
    Queued,
}

struct EventState {
    ring: Ring,
    queue: VecDeque<Vec<u8>>,
    pending_wakes: usize,
    flusher: bool,
}

struct Inner {
    id: u64,
    service: Arc<str>,
    creds: Credentials,
    dir: PathBuf,
    sock: AsyncFd<OwnedFd>,
    max_msg_size: usize,
    request: Mutex<Ring>,
    response: Mutex<Ring>,
    event: Mutex<EventState>,
    closed: AtomicBool,
    config: Arc<ServerConfig>,
    registry: Weak<Registry>,
    rt: tokio::runtime::Handle,
}

static CLOSED_CONNECTIONS: AtomicU64 = AtomicU64::new(0);

/// Connections this process has closed so far (all servers).
pub fn closed_connections() -> u64 {
    CLOSED_CONNECTIONS.load(Ordering::Relaxed)
}

impl Inner {
    fn fault(&self, what: &str, e: &Error) {
        tracing::warn!(service = %self.service, conn = self.id, client_pid = self.creds.pid, "IPC {what}: {e}; closing connection");
        self.close(what);
    }

    /// Idempotent teardown: hang up, mark the rings closed, remove the files.
    /// The mappings go when the last handle is dropped.
    fn close(&self, why: &str) {
        if self.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        sock::shutdown(self.sock.get_ref().as_fd());
        {
            let r = lock(&self.request);
            r.mark_closed();
            r.unlink();
        }
        {
            let r = lock(&self.response);
            r.mark_closed();
            r.unlink();
        }
        {
            let mut st = lock(&self.event);
            st.ring.mark_closed();
            st.ring.unlink();
            st.queue.clear();
        }
        if let Err(e) = fs::remove_dir(&self.dir) {
            if e.kind() != io::ErrorKind::NotFound {
                tracing::warn!(service = %self.service, conn = self.id, dir = %self.dir.display(), error = %e, "cannot remove IPC directory");
            }
        }
        if let Some(reg) = self.registry.upgrade() {
            lock(&reg).remove(&self.id);
        }
        CLOSED_CONNECTIONS.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(service = %self.service, conn = self.id, client_pid = self.creds.pid, why, "IPC connection closed");
    }

    /// Send one wake-up byte, or count it for the flusher. `Err` = hung up.
    fn wake(&self, st: &mut EventState) -> Result<(), Error> {
        if st.pending_wakes == 0 {
            match sock::send(self.sock.get_ref().as_fd(), &[0]) {
                Ok(_) => return Ok(()),
                Err(e) if e.raw_os_error() == Some(libc::EAGAIN) => {}
                Err(_) => return Err(Error::NotConnected),
            }
        }
        st.pending_wakes += 1;
        Ok(())
    }

    /// One pass of the retry loop: `Ok(true)` when nothing is left to do.
    fn flush_once(&self, st: &mut EventState) -> Result<bool, Error> {
        // Outstanding wake-ups go out in one write (libqb's
        // resend_event_notifications): one-byte writes each cost a socket
        // buffer slot.
        while st.pending_wakes > 0 {
            let zeros = [0u8; 4096];
            let n = st.pending_wakes.min(zeros.len());
            match sock::send(self.sock.get_ref().as_fd(), &zeros[..n]) {
                Ok(sent) => st.pending_wakes -= sent.min(n),
                Err(e) if e.raw_os_error() == Some(libc::EAGAIN) => break,
                Err(_) => return Err(Error::NotConnected),
            }
        }
        while let Some(front) = st.queue.front() {
            match st.ring.write(&[front]) {
                Ok(()) => {
                    st.queue.pop_front();
                    self.wake(st)?;
                }
                Err(Error::WouldBlock) => break,
                Err(e) => return Err(e),
            }
        }
        Ok(st.queue.is_empty() && st.pending_wakes == 0)
    }

    fn ensure_flusher(self: &Arc<Self>, st: &mut EventState) {
        if st.flusher {
            return;
        }
        st.flusher = true;
        let me = Arc::downgrade(self);
        self.rt.spawn(async move {
            let mut backoff = Duration::from_millis(1);
            loop {
                // Atrium's corosync: wake-up bytes that did not fit in the
                // socket wait for it to become writable (as libqb polls for
                // POLLOUT) instead of a growing sleep, and any progress
                // resets the back-off; otherwise a fast event stream to a
                // client crawls at one socket-buffer-full per 200 ms.
                let wakes_pending = match me.upgrade() {
                    Some(inner) => lock(&inner.event).pending_wakes > 0,
                    None => return,
                };
                if wakes_pending {
                    let Some(inner) = me.upgrade() else { return };
                    if let Ok(Ok(mut g)) =
                        tokio::time::timeout(backoff, inner.sock.writable()).await
                    {
                        g.clear_ready();
                    }
                } else {
                    tokio::time::sleep(backoff).await;
                }
                let Some(inner) = me.upgrade() else { return };
                if inner.closed.load(Ordering::Acquire) {
                    return;
                }
                let res = {
                    let mut st = lock(&inner.event);
                    let before = (st.queue.len(), st.pending_wakes);
                    let r = inner.flush_once(&mut st);
                    if (st.queue.len(), st.pending_wakes) != before {
                        backoff = Duration::from_millis(1);
                    } else {
                        backoff = (backoff * 2).min(Duration::from_millis(200));
                    }
                    if matches!(r, Ok(true)) || r.is_err() {
                        st.flusher = false;
                    }
                    r
                };
                match res {
                    Ok(true) => return,
                    Ok(false) => {}
                    Err(e) => {
                        inner.fault("event retry failed", &e);
                        return;
                    }
                }
            }
        });
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.close("last handle dropped");
    }
}

/// Sends to one client from anywhere; clones are cheap.
#[derive(Clone)]
pub struct ConnectionHandle {
    inner: Arc<Inner>,
}

impl ConnectionHandle {
    /// Server-assigned id (also the `connection` cookie in the setup answer).
    pub fn id(&self) -> u64 {
        self.inner.id
    }

    /// The client's pid, uid and gid (SCM_CREDENTIALS of its setup message).
    pub fn credentials(&self) -> Credentials {
        self.inner.creds
    }

    /// Negotiated maximum message size.
    pub fn max_msg_size(&self) -> usize {
        self.inner.max_msg_size
    }

    /// The connection's directory in `/dev/shm`.
    pub fn shm_dir(&self) -> &Path {
        &self.inner.dir
    }

    /// True once closed by either side.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::Acquire)
    }

    fn check(&self, len: usize) -> Result<(), Error> {
        if self.is_closed() {
            return Err(Error::NotConnected);
        }
        if len > self.inner.max_msg_size {
            return Err(Error::MessageTooLarge {
                len,
                max: self.inner.max_msg_size,
            });
        }
        Ok(())
    }

    /// Write a response to the response ring (`qb_ipcs_response_send`):
    /// `WouldBlock` when it is full (nothing is queued), `MessageTooLarge`.
    #[doc(alias = "qb_ipcs_response_send")]
    pub fn send_response(&self, msg: &[u8]) -> Result<(), Error> {
        self.send_response_v(&[msg])
    }

    /// [`Self::send_response`] from several parts (`qb_ipcs_response_sendv`).
    #[doc(alias = "qb_ipcs_response_sendv")]
    pub fn send_response_v(&self, parts: &[&[u8]]) -> Result<(), Error> {
        self.check(parts.iter().map(|p| p.len()).sum())?;
        let r = lock(&self.inner.response).write(parts);
        match r {
            Err(e) if e.is_disconnect() => {
                self.inner.fault("response write failed", &e);
                Err(e)
            }
            r => r,
        }
    }

    /// Send an event (`qb_ipcs_event_send`): ring + semaphore + one wake-up
    /// byte. A full ring queues the event (in order) for retry; past
    /// `max_queued_events` the client is evicted and `NotConnected` returned.
    #[doc(alias = "qb_ipcs_event_send")]
    pub fn send_event(&self, msg: &[u8]) -> Result<EventStatus, Error> {
        self.send_event_v(&[msg])
    }

    /// [`Self::send_event`] from several parts (`qb_ipcs_event_sendv`).
    #[doc(alias = "qb_ipcs_event_sendv")]
    pub fn send_event_v(&self, parts: &[&[u8]]) -> Result<EventStatus, Error> {
        self.check(parts.iter().map(|p| p.len()).sum())?;
        let inner = &self.inner;
        let outcome = {
            let mut st = lock(&inner.event);
            if !st.queue.is_empty() {
                if st.queue.len() >= inner.config.max_queued_events {
                    Err(Error::WouldBlock)
                } else {
                    st.queue.push_back(parts.concat());
                    inner.ensure_flusher(&mut st);
                    Ok(EventStatus::Queued)
                }
            } else {
                match st.ring.write(parts) {
                    Ok(()) => match inner.wake(&mut st) {
                        Ok(()) => {
                            if st.pending_wakes > 0 {
                                inner.ensure_flusher(&mut st);
                            }
                            Ok(EventStatus::Sent)
                        }
                        Err(e) => Err(e),
                    },
                    Err(Error::WouldBlock) => {
                        st.queue.push_back(parts.concat());
                        inner.ensure_flusher(&mut st);
                        Ok(EventStatus::Queued)
                    }
                    Err(e) => Err(e),
                }
            }
        };
        match outcome {
            Err(Error::WouldBlock) => {
                tracing::warn!(service = %inner.service, conn = inner.id, client_pid = inner.creds.pid,
                    "evicting IPC client: more than {} events queued", inner.config.max_queued_events);
                inner.close("evicted");
                Err(Error::NotConnected)
            }
            Err(e) => {
                inner.fault("event send failed", &e);
                Err(e)
            }
            ok => ok,
        }
    }

    /// Write an event only if it fits now (added for Atrium's corosync,
    /// which keeps its own outgoing queue and retries on every loop turn
    /// like corosync's outq_flush): `Ok(true)` written and signalled,
    /// `Ok(false)` when the ring is full or events are already queued here
    /// (nothing is queued by this call).
    pub fn try_send_event_v(&self, parts: &[&[u8]]) -> Result<bool, Error> {
        self.check(parts.iter().map(|p| p.len()).sum())?;
        let inner = &self.inner;
        let mut st = lock(&inner.event);
        if !st.queue.is_empty() {
            return Ok(false);
        }
        match st.ring.write(parts) {
            Ok(()) => {
                let r = inner.wake(&mut st);
                if r.is_ok() && st.pending_wakes > 0 {
                    inner.ensure_flusher(&mut st);
                }
                drop(st);
                if let Err(e) = &r {
                    inner.fault("event send failed", e);
                }
                r.map(|()| true)
            }
            Err(Error::WouldBlock) => Ok(false),
            Err(e) => {
                drop(st);
                inner.fault("event send failed", &e);
                Err(e)
            }
        }
    }

    /// Events waiting for room in the client's ring.
    pub fn queued_events(&self) -> usize {
        lock(&self.inner.event).queue.len()
    }

    /// Set the flow-control flag in the request ring (`qb_ipcs_request_rate_limit`
    /// with RATE_OFF = 1, RATE_OFF_2 = 2; 0 lifts it). libqb clients refuse
    /// to send (`EAGAIN`) while it is 1 (or 2 if they raised their limit).
    #[doc(alias = "qb_ipcs_request_rate_limit")]
    pub fn set_flow_control(&self, level: i32) {
        lock(&self.inner.request)
            .user_word()
            .store(level, Ordering::Release);
    }

    /// Close the connection (`qb_ipcs_disconnect`); idempotent.
    #[doc(alias = "qb_ipcs_disconnect")]
    pub fn close(&self) {
        self.inner.close("closed by server");
    }
}

/// One client connection; its owner drives [`Connection::recv`].
pub struct Connection {
    handle: ConnectionHandle,
    pending_wakes: usize,
}

impl std::ops::Deref for Connection {
    type Target = ConnectionHandle;
    fn deref(&self) -> &ConnectionHandle {
        &self.handle
    }
}

impl Connection {
    /// A sending handle for other tasks.
    pub fn handle(&self) -> ConnectionHandle {
        self.handle.clone()
    }

    /// The next request, or `None` once the connection is over (client gone,
    /// `QB_IPC_MSG_DISCONNECT`, corrupt ring, or closed by us). Cancel-safe.
    pub async fn recv(&mut self) -> Option<Request> {
        let inner = self.handle.inner.clone();
        let mut buf = [0u8; 64];
        loop {
            if inner.closed.load(Ordering::Acquire) {
                return None;
            }
            while self.pending_wakes > 0 {
                self.pending_wakes -= 1;
                let got = {
                    let ring = lock(&inner.request);
                    match ring.sem().try_wait() {
                        Ok(shm::Wait::Ready) => ring.read().map(Some),
                        Ok(shm::Wait::TimedOut) => Ok(None),
                        Err(e) => Err(Error::io("sem_trywait", e)),
                    }
                };
                match got {
                    Ok(Some(bytes)) => {
                        if bytes.is_empty() {
                            inner.close("client sent an empty message");
                            return None;
                        }
                        let Ok(header) = RequestHeader::decode(&bytes) else {
                            tracing::warn!(service = %inner.service, conn = inner.id, client_pid = inner.creds.pid,
                                "IPC request of {} bytes is shorter than its {REQUEST_HEADER_SIZE}-byte header; ignored", bytes.len());
                            continue;
                        };
                        if header.id == MSG_DISCONNECT {
                            inner.close("client asked to disconnect");
                            return None;
                        }
                        return Some(Request { header, bytes });
                    }
                    Ok(None) => {
                        tracing::warn!(service = %inner.service, conn = inner.id, client_pid = inner.creds.pid,
                            "IPC wake-up byte without a request; ignored");
                    }
                    Err(e) => {
                        inner.fault("request read failed", &e);
                        return None;
                    }
                }
            }
            let Ok(mut guard) = inner.sock.readable().await else {
                inner.close("socket registration lost");
                return None;
            };
            match guard.try_io(|s| sock::recv(s.get_ref().as_fd(), &mut buf)) {
                Ok(Ok(0)) => {
                    inner.close("client disconnected");
                    return None;
                }
                Ok(Ok(n)) => self.pending_wakes += n,
                Ok(Err(e)) => {
                    if !matches!(e.raw_os_error(), Some(libc::ECONNRESET | libc::EPIPE)) {
                        tracing::warn!(service = %inner.service, conn = inner.id, error = %e, "IPC socket receive failed");
                    }
                    inner.close("socket error");
                    return None;
                }
                Err(_would_block) => {}
            }
        }
    }
}
