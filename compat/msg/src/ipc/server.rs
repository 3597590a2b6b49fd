//! Serving Pacemaker IPC from a tokio daemon (`pcmk__client_t`,
//! `pcmk__client_data2xml`, `pcmk__ipc_send_xml`, `pcmk__ipc_send_ack`):
//! [`IpcServer`] accepts `qb-ipc` connections, [`IpcConnection::recv`]
//! turns requests into XML, [`ClientHandle`] sends responses and events
//! with the reference's flags (proxied clients get every reply as an event).
//!
//! Events that do not fit the client's ring are queued by `qb-ipc` and
//! retried; a client with more than `max_queued_events` waiting is evicted
//! (Pacemaker's `PCMK_IPC_DEFAULT_QUEUE_MAX`, 500).

use std::io;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Arc;

use pcmk_xml::Element;

use crate::error::{Error, MessageError};
use crate::ipc::client::daemon_user;
use crate::ipc::header::{self, IpcFlags, Prepared};

/// Event ids: one server-wide counter from 1 (`pcmk__ipc_send_iov`).
static EVENT_ID: AtomicI32 = AtomicI32::new(1);

/// A listening Pacemaker IPC service.
pub struct IpcServer {
    qb: qb_ipc::Server,
    max_send: usize,
}

/// A random (version 4) UUID in the textual form `crm_generate_uuid`
/// produces; the id the CIB manager gives each client.
#[doc(alias = "crm_generate_uuid")]
pub fn generate_uuid() -> String {
    use std::io::Read;
    let mut b = [0u8; 16];
    let ok = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut b));
    if ok.is_err() {
        // No /dev/urandom: fall back on time and pid (ids only need to be
        // unique among one daemon's clients).
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let x = t
            ^ (u128::from(std::process::id()) << 64)
            ^ u128::from(EVENT_ID.load(Ordering::Relaxed) as u32);
        b = x.to_le_bytes();
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The user name of `uid` (`pcmk__uid2username`), from /etc/passwd.
#[doc(alias = "pcmk__uid2username")]
pub fn uid_to_username(uid: u32) -> Option<String> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let _pw = f.next()?;
        (f.next()?.parse::<u32>().ok()? == uid).then(|| name.to_owned())
    })
}

/// `qb-ipc` server settings the way Pacemaker's daemons use them: the
/// service buffer size is `PCMK_ipc_buffer` (default 128 KiB) and a
/// non-root client's shared memory belongs to the server, group
/// `haclient`, mode 0660 (`pcmk__new_client`).
pub fn pacemaker_server_config() -> qb_ipc::ServerConfig {
    let gid = daemon_user().map_or(0, |(_, g)| g);
    qb_ipc::ServerConfig {
        max_buffer_size: header::default_buffer_size() as u32,
        authorize: Arc::new(move |c: &qb_ipc::Credentials| Ok(qb_ipc::pacemaker_auth(c, gid))),
        ..qb_ipc::ServerConfig::default()
    }
}

impl IpcServer {
    /// Bind `name` with [`pacemaker_server_config`].
    pub fn bind(name: &str) -> io::Result<IpcServer> {
        Self::bind_with(name, pacemaker_server_config())
    }

    /// Bind `name` with explicit `qb-ipc` settings. Messages at least as
    /// large as the default buffer size are compressed, as the reference
    /// does.
    pub fn bind_with(name: &str, config: qb_ipc::ServerConfig) -> io::Result<IpcServer> {
        Ok(IpcServer {
            qb: qb_ipc::Server::bind(name, config)?,
            max_send: header::default_buffer_size(),
        })
    }

    /// The service name.
    pub fn name(&self) -> &str {
        self.qb.name()
    }

    /// Live connections.
    pub fn connection_count(&self) -> usize {
        self.qb.connection_count()
    }

    /// The next client. Cancel-safe.
    pub async fn accept(&mut self) -> io::Result<IpcConnection> {
        let conn = self.qb.accept().await?;
        let creds = conn.credentials();
        let privileged = creds.uid == 0 || daemon_user().is_some_and(|(uid, _)| uid == creds.uid);
        let client = ClientHandle {
            inner: Arc::new(ClientInner {
                qb: conn.handle(),
                uuid: generate_uuid(),
                user: uid_to_username(creds.uid),
                privileged,
                proxied: AtomicBool::new(false),
                max_send: self.max_send,
            }),
        };
        tracing::debug!(
            "New IPC client {} for PID {} with uid {} and gid {}",
            client.uuid(),
            creds.pid,
            creds.uid,
            creds.gid
        );
        Ok(IpcConnection { qb: conn, client })
    }

    /// Close every connection.
    pub fn close_all(&self) {
        self.qb.close_all();
    }
}

/// One request: its id, flags and XML.
#[derive(Clone, Debug)]
pub struct IpcRequest {
    /// The libqb id, to be echoed in the response.
    pub id: i32,
    /// The client's flags ([`IpcFlags::CLIENT_RESPONSE`] means it waits
    /// for a response on the response ring).
    pub flags: IpcFlags,
    /// The message.
    pub xml: Element,
}

/// A request that could not be decoded; the id and flags are known when
/// the header was readable, so the daemon can still answer (a nack).
#[derive(Clone, Debug)]
pub struct BadRequest {
    /// The libqb id (0 if even the header was short).
    pub id: i32,
    /// The flags.
    pub flags: IpcFlags,
    /// What was wrong.
    pub error: MessageError,
}

/// One client connection; its owner drives [`IpcConnection::recv`].
pub struct IpcConnection {
    qb: qb_ipc::Connection,
    client: ClientHandle,
}

impl IpcConnection {
    /// The handle to send to this client from anywhere.
    pub fn client(&self) -> &ClientHandle {
        &self.client
    }

    /// The next request: `None` once the client is gone, `Some(Err)` for
    /// a message that could not be decoded. Cancel-safe.
    pub async fn recv(&mut self) -> Option<Result<IpcRequest, BadRequest>> {
        let req = self.qb.recv().await?;
        Some(self.client.decode_request(&req.bytes))
    }
}

struct ClientInner {
    qb: qb_ipc::ConnectionHandle,
    uuid: String,
    user: Option<String>,
    privileged: bool,
    proxied: AtomicBool,
    max_send: usize,
}

/// Sends to one client; cheap to clone.
#[derive(Clone)]
pub struct ClientHandle {
    inner: Arc<ClientInner>,
}

impl std::fmt::Debug for ClientHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientHandle")
            .field("uuid", &self.inner.uuid)
            .field("pid", &self.credentials().pid)
            .finish_non_exhaustive()
    }
}

impl ClientHandle {
    /// The client's id (a UUID, `pcmk__client_t.id`).
    pub fn uuid(&self) -> &str {
        &self.inner.uuid
    }

    /// Server-local connection number.
    pub fn connection_id(&self) -> u64 {
        self.inner.qb.id()
    }

    /// pid, uid, gid of the client.
    pub fn credentials(&self) -> qb_ipc::Credentials {
        self.inner.qb.credentials()
    }

    /// The client's user name (`None` when the uid has no name: the
    /// reference then treats it as `#unprivileged`).
    pub fn user(&self) -> Option<&str> {
        self.inner.user.as_deref()
    }

    /// Root or the cluster user (`pcmk__client_privileged`).
    pub fn is_privileged(&self) -> bool {
        self.inner.privileged
    }

    /// Whether the client sent a request flagged [`IpcFlags::PROXIED`].
    pub fn is_proxied(&self) -> bool {
        self.inner.proxied.load(Ordering::Acquire)
    }

    /// Negotiated maximum message size.
    pub fn max_msg_size(&self) -> usize {
        self.inner.qb.max_msg_size()
    }

    /// True once the connection is closed.
    pub fn is_closed(&self) -> bool {
        self.inner.qb.is_closed()
    }

    /// Close the connection.
    pub fn close(&self) {
        self.inner.qb.close();
    }

    /// `pcmk__client_data2xml`.
    #[doc(alias = "pcmk__client_data2xml")]
    pub fn decode_request(&self, bytes: &[u8]) -> Result<IpcRequest, BadRequest> {
        let hdr = header::Header::decode(bytes).map_err(|error| BadRequest {
            id: 0,
            flags: IpcFlags::NONE,
            error,
        })?;
        let bad = |error| BadRequest {
            id: hdr.id,
            flags: hdr.flags,
            error,
        };
        if hdr.version > header::IPC_VERSION {
            return Err(bad(MessageError::Version(hdr.version)));
        }
        if hdr.flags.has(IpcFlags::PROXIED) {
            self.inner.proxied.store(true, Ordering::Release);
        }
        let d = header::decode(bytes).map_err(bad)?;
        let xml = d.xml().map_err(bad)?;
        Ok(IpcRequest {
            id: hdr.id,
            flags: hdr.flags,
            xml,
        })
    }

    /// Frame `xml` for this client: compressed from the default buffer size
    /// on, and allowed to use the whole negotiated size when compressed.
    pub fn prepare(&self, xml: &Element) -> Result<Prepared, Error> {
        let limit = self.inner.max_send.max(self.max_msg_size());
        Ok(Prepared::from_xml(0, xml, self.inner.max_send, limit)?)
    }

    /// `pcmk__ipc_send_iov`: send a framed message as a response to
    /// `request_id` or, with [`IpcFlags::SERVER_EVENT`] (or to a proxied
    /// client), as an event.
    #[doc(alias = "pcmk__ipc_send_iov")]
    pub fn send_prepared(
        &self,
        msg: &Prepared,
        request_id: i32,
        flags: IpcFlags,
    ) -> Result<(), Error> {
        let mut flags = flags;
        if self.is_proxied() && !flags.has(IpcFlags::SERVER_EVENT) {
            flags |= IpcFlags::SERVER_EVENT | IpcFlags::PROXIED_RELAY_RESPONSE;
        }
        let mut hdr = msg.header;
        hdr.flags |= flags;
        if flags.has(IpcFlags::SERVER_EVENT) {
            hdr.id = EVENT_ID.fetch_add(1, Ordering::Relaxed);
            let h = hdr.encode();
            self.inner.qb.send_event_v(&[&h, &msg.payload])?;
        } else {
            hdr.id = request_id;
            let h = hdr.encode();
            if let Err(e) = self.inner.qb.send_response_v(&[&h, &msg.payload]) {
                tracing::info!(
                    "Response {request_id} to pid {} failed: {e}",
                    self.credentials().pid
                );
                return Err(e.into());
            }
        }
        Ok(())
    }

    /// `pcmk__ipc_send_xml`: frame and send (as response to `request_id`,
    /// or as an event with [`IpcFlags::SERVER_EVENT`]).
    #[doc(alias = "pcmk__ipc_send_xml")]
    pub fn send_xml(&self, request_id: i32, xml: &Element, flags: IpcFlags) -> Result<(), Error> {
        let msg = self.prepare(xml)?;
        self.send_prepared(&msg, request_id, flags | IpcFlags::SERVER_FREE)
    }

    /// Answer `req` the usual way: on the response ring when the client
    /// waits for a response, otherwise as an event.
    pub fn reply(&self, req: &IpcRequest, xml: &Element) -> Result<(), Error> {
        if req.flags.has(IpcFlags::CLIENT_RESPONSE) {
            self.send_xml(req.id, xml, IpcFlags::NONE)
        } else {
            self.send_xml(0, xml, IpcFlags::SERVER_EVENT)
        }
    }

    /// Send `xml` as an event.
    pub fn send_event(&self, xml: &Element) -> Result<(), Error> {
        self.send_xml(0, xml, IpcFlags::SERVER_EVENT)
    }

    /// `pcmk__ipc_send_ack_as`: when the client waits for a response, send
    /// `<tag function=.. line=.. status=.. [ipc-protocol-version=..]/>`.
    #[doc(alias = "pcmk__ipc_send_ack")]
    pub fn send_ack(
        &self,
        request_id: i32,
        request_flags: IpcFlags,
        ack: &Ack<'_>,
    ) -> Result<(), Error> {
        match ack.to_xml(request_flags) {
            Some(xml) => self.send_xml(request_id, &xml, request_flags),
            None => Ok(()),
        }
    }
}

/// An acknowledgement (`pcmk__ipc_create_ack_as`).
#[derive(Clone, Copy, Debug)]
pub struct Ack<'a> {
    /// Element name: `ack`, `nack`, ...
    pub tag: &'a str,
    /// The C function name the reference records (informational).
    pub function: &'a str,
    /// The source line the reference records (informational).
    pub line: u32,
    /// A `crm_exit_t` status.
    pub status: i32,
    /// `ipc-protocol-version`, when the daemon has one.
    pub version: Option<&'a str>,
}

impl Ack<'_> {
    /// The XML, or `None` when the client expects no response.
    #[doc(alias = "pcmk__ipc_create_ack_as")]
    pub fn to_xml(&self, request_flags: IpcFlags) -> Option<Element> {
        if !request_flags.has(IpcFlags::CLIENT_RESPONSE) {
            return None;
        }
        let mut e = Element::new(self.tag)
            .with_attr("function", self.function)
            .with_attr("line", self.line.to_string())
            .with_attr("status", self.status.to_string());
        if let Some(v) = self.version {
            e.set_attr("ipc-protocol-version", v);
        }
        Some(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_shape() {
        let u = generate_uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(u.matches('-').count(), 4);
        assert_eq!(&u[14..15], "4");
        assert_ne!(u, generate_uuid());
    }

    #[test]
    fn ack_only_when_a_response_is_awaited() {
        let ack = Ack {
            tag: "ack",
            function: "f",
            line: 12,
            status: 112,
            version: None,
        };
        assert!(ack.to_xml(IpcFlags::NONE).is_none());
        let x = ack.to_xml(IpcFlags::CLIENT_RESPONSE).unwrap();
        assert_eq!(
            x.to_unformatted(),
            r#"<ack function="f" line="12" status="112"/>"#
        );
    }
}
