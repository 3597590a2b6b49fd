//! The blocking Pacemaker IPC client (`crm_ipc_*`): connect with the
//! server check, send XML requests with ids and flags, wait for the
//! matching response, read events. Does I/O (through `qb-ipc`).

use std::os::fd::{AsFd, BorrowedFd};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use pcmk_xml::Element;

use crate::error::Error;
use crate::ipc::header::{self, Decoded, IpcFlags, Prepared};

/// The request id counter: one per process, like the reference's static
/// counter in `crm_ipc_send`.
static REQUEST_ID: AtomicU32 = AtomicU32::new(0);

/// The next request id (never 0).
pub(crate) fn next_request_id() -> i32 {
    loop {
        let id = REQUEST_ID.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
        if id != 0 {
            return id as i32;
        }
    }
}

/// How long a response wait lasts when the caller gives no timeout
/// (`crm_ipc_send` with `ms_timeout == 0`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Options of [`IpcClient::connect_with`].
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    /// Buffer size to ask for; raised to `PCMK_ipc_buffer`/128 KiB
    /// (`crm_ipc_new(name, max_size)`).
    pub max_size: usize,
    /// Check that the server runs as root, as the cluster user or with the
    /// cluster group, as every Pacemaker client does.
    pub check_server: bool,
    /// How long to wait for the server's setup answer.
    pub connect_timeout: Option<Duration>,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            max_size: 0,
            check_server: true,
            connect_timeout: Some(Duration::from_secs(60)),
        }
    }
}

/// True until `deadline` (always without one).
pub(crate) fn before(deadline: Option<Instant>) -> bool {
    match deadline {
        Some(d) => Instant::now() < d,
        None => true,
    }
}

/// The uid and primary gid of the cluster user `hacluster`
/// (`pcmk_daemon_user`), read from /etc/passwd.
#[doc(alias = "pcmk_daemon_user")]
pub fn daemon_user() -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        if f.next()? != "hacluster" {
            return None;
        }
        let _pw = f.next()?;
        let uid = f.next()?.parse().ok()?;
        let gid = f.next()?.parse().ok()?;
        Some((uid, gid))
    })
}

pub(crate) fn check_server(
    server: &str,
    creds: qb_ipc::Credentials,
    check: impl FnOnce(u32, u32) -> Result<(), qb_ipc::Error>,
) -> Result<(), Error> {
    // Without a cluster user only root servers pass.
    let (uid, gid) = daemon_user().unwrap_or((0, 0));
    check(uid, gid).map_err(|e| {
        tracing::error!(
            "{server} IPC provider authentication failed: process {} has uid {} (expected {uid}) and gid {} (expected {gid})",
            creds.pid, creds.uid, creds.gid
        );
        Error::from(e)
    })
}

/// A connection to one Pacemaker daemon's IPC service.
#[doc(alias = "crm_ipc_t")]
pub struct IpcClient {
    qb: qb_ipc::Client,
    server: String,
    /// Negotiated maximum message size (`max_buf_size`).
    max_size: usize,
    /// A response we gave up waiting for is still owed (`need_reply`).
    need_reply: AtomicBool,
    /// Serialises request/response pairs.
    exchange: Mutex<()>,
}

impl IpcClient {
    /// `crm_ipc_new(server, 0)` + `crm_ipc_connect`.
    #[doc(alias = "crm_ipc_connect")]
    pub fn connect(server: &str) -> Result<IpcClient, Error> {
        Self::connect_with(server, &ConnectOptions::default())
    }

    /// Connect with options.
    pub fn connect_with(server: &str, opts: &ConnectOptions) -> Result<IpcClient, Error> {
        let ask = header::buffer_size(opts.max_size);
        let qb = qb_ipc::Client::connect_with(
            server,
            ask,
            &qb_ipc::ClientOptions {
                connect_timeout: opts.connect_timeout,
            },
        )?;
        if opts.check_server {
            check_server(server, qb.server_credentials(), |u, g| {
                qb.check_server(u, g)
            })?;
        }
        let max_size = qb.max_msg_size();
        Ok(IpcClient {
            qb,
            server: server.to_owned(),
            max_size,
            need_reply: AtomicBool::new(false),
            exchange: Mutex::new(()),
        })
    }

    /// The service name (`crm_ipc_name`).
    pub fn server(&self) -> &str {
        &self.server
    }

    /// The negotiated maximum message size.
    pub fn max_size(&self) -> usize {
        self.max_size
    }

    /// The server process's credentials.
    pub fn server_credentials(&self) -> qb_ipc::Credentials {
        self.qb.server_credentials()
    }

    /// `crm_ipc_connected`.
    #[doc(alias = "crm_ipc_connected")]
    pub fn is_connected(&self) -> bool {
        self.qb.is_connected()
    }

    /// Frame `xml` as request `id` for this connection.
    pub fn prepare(&self, id: i32, xml: &Element, flags: IpcFlags) -> Result<Prepared, Error> {
        let mut p = Prepared::from_xml(id, xml, self.max_size, self.max_size)?;
        p.header.flags |= flags;
        if flags.has(IpcFlags::PROXIED) {
            // No synchronous response for proxied requests.
            p.header.flags = IpcFlags(p.header.flags.0 & !IpcFlags::CLIENT_RESPONSE.0);
        }
        Ok(p)
    }

    fn write(&self, p: &Prepared, deadline: Option<Instant>) -> Result<(), Error> {
        let hdr = p.header_bytes();
        loop {
            match self.qb.sendv(&[&hdr, &p.payload]) {
                Ok(()) => return Ok(()),
                Err(qb_ipc::Error::WouldBlock) if before(deadline) => {
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Send a request without waiting for anything; returns its id.
    pub fn send_request(&self, xml: &Element, flags: IpcFlags) -> Result<i32, Error> {
        let id = next_request_id();
        let p = self.prepare(id, xml, flags)?;
        let _g = self.exchange.lock().unwrap_or_else(|p| p.into_inner());
        self.write(&p, Some(Instant::now() + DEFAULT_TIMEOUT))?;
        Ok(id)
    }

    /// `crm_ipc_send`: send `xml` with `flags`; with
    /// [`IpcFlags::CLIENT_RESPONSE`] wait (up to `timeout`, `None` =
    /// forever) for the response carrying the request's id.
    #[doc(alias = "crm_ipc_send")]
    pub fn send(
        &self,
        xml: &Element,
        flags: IpcFlags,
        timeout: Option<Duration>,
    ) -> Result<Option<Element>, Error> {
        Ok(match self.send_raw(xml, flags, timeout)? {
            Some(d) => Some(d.xml()?),
            None => None,
        })
    }

    /// [`IpcClient::send`] returning the undecoded-XML response.
    pub fn send_raw(
        &self,
        xml: &Element,
        flags: IpcFlags,
        timeout: Option<Duration>,
    ) -> Result<Option<Decoded>, Error> {
        if !self.is_connected() {
            return Err(Error::NotConnected);
        }
        let _g = self.exchange.lock().unwrap_or_else(|p| p.into_inner());
        if self.need_reply.load(Ordering::Acquire) {
            match self.qb.recv(Some(timeout.unwrap_or(DEFAULT_TIMEOUT))) {
                Ok(_) => {
                    tracing::info!(
                        "Sending {} IPC re-enabled after pending reply received",
                        self.server
                    );
                    self.need_reply.store(false, Ordering::Release);
                }
                Err(_) => {
                    tracing::warn!(
                        "Sending {} IPC disabled until pending reply received",
                        self.server
                    );
                    return Err(Error::ReplyPending);
                }
            }
        }
        let id = next_request_id();
        let p = self.prepare(id, xml, flags)?;
        let deadline = timeout.map(|t| Instant::now() + t + Duration::from_secs(1));
        self.write(&p, deadline.or(Some(Instant::now() + DEFAULT_TIMEOUT)))?;
        if !p.header.flags.has(IpcFlags::CLIENT_RESPONSE) {
            return Ok(None);
        }
        match self.wait_response(id, deadline) {
            Ok(d) => Ok(Some(d)),
            Err(e) => {
                if !e.is_disconnect() {
                    self.need_reply.store(true, Ordering::Release);
                }
                Err(e)
            }
        }
    }

    /// `internal_ipc_get_reply`: responses with older ids are discarded.
    fn wait_response(&self, id: i32, deadline: Option<Instant>) -> Result<Decoded, Error> {
        loop {
            let wait = match deadline {
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(Error::TimedOut);
                    }
                    Some(left)
                }
                None => None,
            };
            let bytes = self.qb.recv(wait)?;
            let d = header::decode(&bytes)?;
            if d.header.id == id {
                return Ok(d);
            }
            if d.header.id < id {
                tracing::error!("Discarding old reply {} (need {id})", d.header.id);
            } else {
                return Err(Error::Protocol(format!(
                    "reply {} is newer than request {id}",
                    d.header.id
                )));
            }
        }
    }

    /// Wait for the next event (`crm_ipc_read` after `crm_ipc_ready`);
    /// `None` waits forever.
    #[doc(alias = "crm_ipc_read")]
    pub fn recv_event(&self, timeout: Option<Duration>) -> Result<Decoded, Error> {
        let bytes = self.qb.recv_event(timeout)?;
        Ok(header::decode(&bytes)?)
    }

    /// The blocking libqb connection underneath.
    pub fn qb(&self) -> &qb_ipc::Client {
        &self.qb
    }
}

/// Readable when an event is waiting or the server hung up.
impl AsFd for IpcClient {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.qb.as_fd()
    }
}
