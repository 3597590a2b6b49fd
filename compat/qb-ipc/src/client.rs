//! The blocking client (`qb_ipcc_*`). Needs no runtime; [`Client`] is
//! `Send + Sync` and each direction is serialised internally, so one thread
//! may wait for events while another sends requests.

use std::fs;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::ring::Ring;
use crate::sock::{self, Credentials};
use crate::wire::{ConnectionRequest, ConnectionResponse, CONNECTION_RESPONSE_SIZE, IPC_TYPE_SHM};

/// libqb never waits on a semaphore longer than this before looking at the
/// socket for a hang-up (`QB_IPC_MAX_WAIT_MS`).
pub(crate) const MAX_WAIT_SLICE: Duration = Duration::from_millis(2000);

/// Tunables of [`Client::connect_with`].
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// How long to wait for a place in the server's listen backlog and for
    /// its setup answer. libqb waits forever; `None` does the same.
    pub connect_timeout: Option<Duration>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Some(Duration::from_secs(60)),
        }
    }
}

/// A connected libqb SHM client.
#[doc(alias = "qb_ipcc_connection_t")]
pub struct Client {
    pub(crate) core: Arc<Core>,
}

pub(crate) struct Core {
    pub(crate) sock: OwnedFd,
    service: String,
    server: Credentials,
    max_msg_size: usize,
    request: Mutex<Ring>,
    response: Mutex<Ring>,
    event: Mutex<Ring>,
    connected: AtomicBool,
    fc_enable_max: AtomicI32,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a ring lock leaves the ring as consistent as the
    // shared memory itself; keep going.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn remaining(deadline: Option<Instant>) -> Option<Duration> {
    deadline.map(|d| d.saturating_duration_since(Instant::now()))
}

impl Client {
    /// `qb_ipcc_connect(service, max_msg_size)` with default options.
    #[doc(alias = "qb_ipcc_connect")]
    pub fn connect(service: &str, max_msg_size: usize) -> Result<Client, Error> {
        Self::connect_with(service, max_msg_size, &ClientOptions::default())
    }

    /// Connect to `service`, asking for `max_msg_size` (raised to 12,328 as
    /// libqb does); the server may grant more.
    pub fn connect_with(
        service: &str,
        max_msg_size: usize,
        opts: &ClientOptions,
    ) -> Result<Client, Error> {
        let deadline = opts.connect_timeout.map(|t| Instant::now() + t);
        let sock = sock::connect(service, opts.connect_timeout.unwrap_or(Duration::ZERO))
            .map_err(|e| Error::io(format!("connect to IPC service {service}"), e))?;
        let asked = max_msg_size
            .max(CONNECTION_RESPONSE_SIZE)
            .min(u32::MAX as usize) as u32;
        send_all(
            sock.as_fd(),
            &ConnectionRequest {
                max_msg_size: asked,
            }
            .encode(),
            deadline,
        )?;
        let mut buf = vec![0u8; CONNECTION_RESPONSE_SIZE];
        let mut got = 0;
        let mut creds = None;
        while got < buf.len() {
            let rev = sock::poll(sock.as_fd(), libc::POLLIN, remaining(deadline))
                .map_err(|e| Error::io("poll setup socket", e))?;
            if rev == 0 {
                return Err(Error::TimedOut);
            }
            match sock::recv_with_creds(sock.as_fd(), &mut buf[got..]) {
                Ok((0, _)) => return Err(Error::NotConnected),
                Ok((n, c)) => {
                    got += n;
                    creds = creds.or(c);
                }
                Err(e) if e.raw_os_error() == Some(libc::EAGAIN) => continue,
                Err(e) => return Err(Error::io("receive setup response", e)),
            }
        }
        let _ = sock::set_passcred(sock.as_fd(), false);
        let server = match creds {
            Some(c) => c,
            None => {
                sock::peer_credentials(sock.as_fd()).map_err(|e| Error::io("SO_PEERCRED", e))?
            }
        };
        let resp = ConnectionResponse::decode(&buf)?;
        if resp.error != 0 {
            return Err(Error::Refused {
                errno: resp.error.saturating_neg(),
            });
        }
        if resp.connection_type != IPC_TYPE_SHM {
            return Err(Error::UnsupportedType(resp.connection_type));
        }
        let request = Ring::open(&resp.request)?;
        let response = Ring::open(&resp.response)?;
        let event = Ring::open(&resp.event)?;
        tracing::debug!(
            service,
            server_pid = server.pid,
            max = resp.max_msg_size,
            "IPC connected"
        );
        Ok(Client {
            core: Arc::new(Core {
                sock,
                service: service.to_owned(),
                server,
                max_msg_size: resp.max_msg_size as usize,
                request: Mutex::new(request),
                response: Mutex::new(response),
                event: Mutex::new(event),
                connected: AtomicBool::new(true),
                fc_enable_max: AtomicI32::new(1),
            }),
        })
    }

    /// The service name this client is connected to.
    pub fn service(&self) -> &str {
        &self.core.service
    }

    /// The server's pid, uid and gid, from SCM_CREDENTIALS on its setup answer
    /// (`qb_ipcc_auth_get`).
    #[doc(alias = "qb_ipcc_auth_get")]
    pub fn server_credentials(&self) -> Credentials {
        self.core.server
    }

    /// Pacemaker's check of a server (`pcmk__crm_ipc_is_authentic_process`):
    /// it must run as root, as `cluster_uid`, or with group `cluster_gid`.
    #[doc(alias = "pcmk__crm_ipc_is_authentic_process")]
    pub fn check_server(&self, cluster_uid: u32, cluster_gid: u32) -> Result<(), Error> {
        let s = self.core.server;
        if s.uid == 0 || s.uid == cluster_uid || s.gid == cluster_gid {
            Ok(())
        } else {
            Err(Error::Unauthorized {
                pid: s.pid,
                uid: s.uid,
                gid: s.gid,
            })
        }
    }

    /// The negotiated maximum message size (`qb_ipcc_get_buffer_size`).
    #[doc(alias = "qb_ipcc_get_buffer_size")]
    pub fn max_msg_size(&self) -> usize {
        self.core.max_msg_size
    }

    /// Treat flow-control levels `1..=max` as "stop sending" (libqb default 1;
    /// `qb_ipcc_fc_enable_max_set` allows up to 2).
    #[doc(alias = "qb_ipcc_fc_enable_max_set")]
    pub fn set_fc_enable_max(&self, max: i32) {
        self.core
            .fc_enable_max
            .store(max.clamp(0, 2), Ordering::Relaxed);
    }

    /// Send one request (`qb_ipcc_send`): EMSGSIZE, ENOTCONN, or EAGAIN when
    /// the ring is full or the server enabled flow control.
    #[doc(alias = "qb_ipcc_send")]
    pub fn send(&self, msg: &[u8]) -> Result<(), Error> {
        self.core.send(&[msg])
    }

    /// Send one request gathered from several parts (`qb_ipcc_sendv`).
    #[doc(alias = "qb_ipcc_sendv")]
    pub fn sendv(&self, parts: &[&[u8]]) -> Result<(), Error> {
        self.core.send(parts)
    }

    /// Wait for the next response (`qb_ipcc_recv`); `None` waits forever
    /// (while the server lives).
    #[doc(alias = "qb_ipcc_recv")]
    pub fn recv(&self, timeout: Option<Duration>) -> Result<Vec<u8>, Error> {
        self.core.recv_response(timeout)
    }

    /// Send a request and wait for the next response (`qb_ipcc_sendv_recv`).
    #[doc(alias = "qb_ipcc_sendv_recv")]
    pub fn send_recv(&self, msg: &[u8], timeout: Option<Duration>) -> Result<Vec<u8>, Error> {
        self.core.send(&[msg])?;
        self.core.recv_response(timeout)
    }

    /// Wait for the next event (`qb_ipcc_event_recv`). Events already
    /// signalled are delivered even if the server has gone since.
    #[doc(alias = "qb_ipcc_event_recv")]
    pub fn recv_event(&self, timeout: Option<Duration>) -> Result<Vec<u8>, Error> {
        self.core.recv_event(timeout)
    }

    /// True while the server is there (`qb_ipcc_is_connected`).
    #[doc(alias = "qb_ipcc_is_connected")]
    pub fn is_connected(&self) -> bool {
        self.core.check_hangup();
        self.core.connected.load(Ordering::Acquire)
    }
}

/// The descriptor to poll for events (`qb_ipcc_fd_get`): readable when an
/// event is waiting or the server hung up.
impl AsFd for Client {
    #[doc(alias = "qb_ipcc_fd_get")]
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.core.sock.as_fd()
    }
}

fn send_all(fd: BorrowedFd<'_>, mut buf: &[u8], deadline: Option<Instant>) -> Result<(), Error> {
    while !buf.is_empty() {
        match sock::send(fd, buf) {
            Ok(n) => buf = &buf[n..],
            Err(e) if e.raw_os_error() == Some(libc::EAGAIN) => {
                let rev = sock::poll(fd, libc::POLLOUT, remaining(deadline))
                    .map_err(|e| Error::io("poll setup socket", e))?;
                if rev == 0 {
                    return Err(Error::TimedOut);
                }
            }
            Err(e) if matches!(e.raw_os_error(), Some(libc::EPIPE | libc::ECONNRESET)) => {
                return Err(Error::NotConnected)
            }
            Err(e) => return Err(Error::io("send on setup socket", e)),
        }
    }
    Ok(())
}

impl Core {
    pub(crate) fn disconnected(&self) -> Error {
        self.connected.store(false, Ordering::Release);
        Error::NotConnected
    }

    /// Record a hang-up if the socket shows one (without consuming data).
    pub(crate) fn check_hangup(&self) {
        if let Ok(rev) = sock::poll(self.sock.as_fd(), 0, Some(Duration::ZERO)) {
            if rev & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
                self.connected.store(false, Ordering::Release);
            }
        }
    }

    fn fail(&self, e: Error) -> Error {
        if e.is_disconnect() {
            self.connected.store(false, Ordering::Release);
        }
        e
    }

    /// Write the request chunk; the caller sends the wake-up byte.
    pub(crate) fn write_request(&self, parts: &[&[u8]]) -> Result<(), Error> {
        if !self.connected.load(Ordering::Acquire) {
            return Err(Error::NotConnected);
        }
        let len: usize = parts.iter().map(|p| p.len()).sum();
        if len > self.max_msg_size {
            return Err(Error::MessageTooLarge {
                len,
                max: self.max_msg_size,
            });
        }
        let ring = lock(&self.request);
        if ring.ref_count() != 2 {
            return Err(self.disconnected());
        }
        let fc = ring.user_word().load(Ordering::Acquire);
        if fc > 0 && fc <= self.fc_enable_max.load(Ordering::Relaxed) {
            return Err(Error::WouldBlock);
        }
        ring.write(parts).map_err(|e| self.fail(e))
    }

    fn send(&self, parts: &[&[u8]]) -> Result<(), Error> {
        self.write_request(parts)?;
        let byte = [parts.iter().find_map(|p| p.first().copied()).unwrap_or(0)];
        send_all(self.sock.as_fd(), &byte, None).map_err(|e| self.fail(e))
    }

    pub(crate) fn recv_response(&self, timeout: Option<Duration>) -> Result<Vec<u8>, Error> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let ring = lock(&self.response);
        loop {
            let slice = remaining(deadline).map_or(MAX_WAIT_SLICE, |r| r.min(MAX_WAIT_SLICE));
            if let Some(msg) = ring.wait_read(slice).map_err(|e| self.fail(e))? {
                return Ok(msg);
            }
            self.check_hangup();
            if !self.connected.load(Ordering::Acquire) {
                return Err(Error::NotConnected);
            }
            if remaining(deadline).is_some_and(|r| r.is_zero()) {
                return Err(Error::TimedOut);
            }
        }
    }

    /// Consume one wake-up byte if there is one: `Ok(true)` got it,
    /// `Ok(false)` none yet, `Err` the server hung up.
    pub(crate) fn take_wake_byte(&self) -> Result<bool, Error> {
        let mut b = [0u8; 1];
        match sock::recv(self.sock.as_fd(), &mut b) {
            Ok(0) => Err(self.disconnected()),
            Ok(_) => Ok(true),
            Err(e) if e.raw_os_error() == Some(libc::EAGAIN) => Ok(false),
            Err(e) if matches!(e.raw_os_error(), Some(libc::ECONNRESET | libc::EPIPE)) => {
                Err(self.disconnected())
            }
            Err(e) => Err(self.fail(Error::io("recv on setup socket", e))),
        }
    }

    /// Read the event a consumed wake-up byte announced (the server posts
    /// the semaphore before it sends the byte, so `wait` is only a safety net).
    pub(crate) fn read_event(&self, wait: Duration) -> Result<Option<Vec<u8>>, Error> {
        lock(&self.event).wait_read(wait).map_err(|e| self.fail(e))
    }

    pub(crate) fn no_event(&self) -> Error {
        self.fail(Error::BadMessage("wake-up byte without an event"))
    }

    fn recv_event(&self, timeout: Option<Duration>) -> Result<Vec<u8>, Error> {
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            if self.take_wake_byte()? {
                return self
                    .read_event(MAX_WAIT_SLICE)?
                    .ok_or_else(|| self.no_event());
            }
            let rev = sock::poll(self.sock.as_fd(), libc::POLLIN, remaining(deadline))
                .map_err(|e| Error::io("poll setup socket", e))?;
            if rev == 0 {
                return Err(Error::TimedOut);
            }
            if rev & libc::POLLIN == 0
                && rev & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
            {
                return Err(self.disconnected());
            }
        }
    }
}

impl Drop for Core {
    fn drop(&mut self) {
        let connected = self.connected.load(Ordering::Acquire);
        sock::shutdown(self.sock.as_fd());
        let rings = [&self.request, &self.response, &self.event];
        // Like libqb: if the server is gone, clean its files up for it.
        let mut server_gone = false;
        if !connected {
            for _ in 0..4 {
                if sock::process_gone(self.server.pid) {
                    server_gone = true;
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        for r in rings {
            let r = lock(r);
            r.mark_closed();
            if server_gone {
                r.unlink();
            }
        }
        if server_gone {
            let ring = lock(&self.request);
            let dir = ring.header_path().parent().filter(|d| {
                d.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("qb-"))
            });
            if let Some(dir) = dir {
                let _ = fs::remove_dir(dir);
            }
            tracing::debug!(service = %self.service, "server gone; removed its shared memory");
        }
    }
}
