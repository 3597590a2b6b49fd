//! The Pacemaker IPC client for tokio programs: the same protocol as
//! [`crate::ipc::IpcClient`], with sends and event waits driven by the
//! runtime.

use std::time::{Duration, Instant};

use pcmk_xml::Element;
use tokio::sync::Mutex;

use crate::error::Error;
use crate::ipc::client::{before, check_server, next_request_id, ConnectOptions, DEFAULT_TIMEOUT};
use crate::ipc::header::{self, Decoded, IpcFlags, Prepared};

/// An async connection to one Pacemaker daemon's IPC service.
pub struct AsyncIpcClient {
    qb: qb_ipc::AsyncClient,
    server: String,
    max_size: usize,
    /// Serialises request/response pairs; holds "a reply is owed".
    exchange: Mutex<bool>,
}

impl AsyncIpcClient {
    /// Connect (the handshake runs on the blocking pool).
    pub async fn connect(server: &str, opts: &ConnectOptions) -> Result<AsyncIpcClient, Error> {
        let ask = header::buffer_size(opts.max_size);
        let qb = qb_ipc::AsyncClient::connect_with(
            server,
            ask,
            qb_ipc::ClientOptions {
                connect_timeout: opts.connect_timeout,
            },
        )
        .await?;
        if opts.check_server {
            check_server(server, qb.server_credentials(), |u, g| {
                qb.check_server(u, g)
            })?;
        }
        let max_size = qb.max_msg_size();
        Ok(AsyncIpcClient {
            qb,
            server: server.to_owned(),
            max_size,
            exchange: Mutex::new(false),
        })
    }

    /// The service name.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// The negotiated maximum message size.
    pub fn max_size(&self) -> usize {
        self.max_size
    }

    /// True while the server is there.
    pub fn is_connected(&self) -> bool {
        self.qb.blocking().is_connected()
    }

    fn prepare(&self, id: i32, xml: &Element, flags: IpcFlags) -> Result<Prepared, Error> {
        let mut p = Prepared::from_xml(id, xml, self.max_size, self.max_size)?;
        p.header.flags |= flags;
        if flags.has(IpcFlags::PROXIED) {
            p.header.flags = IpcFlags(p.header.flags.0 & !IpcFlags::CLIENT_RESPONSE.0);
        }
        Ok(p)
    }

    async fn write(&self, p: &Prepared, deadline: Option<Instant>) -> Result<(), Error> {
        let hdr = p.header_bytes();
        loop {
            match self.qb.sendv(&[&hdr, &p.payload]).await {
                Ok(()) => return Ok(()),
                Err(qb_ipc::Error::WouldBlock) if before(deadline) => {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Send a request without waiting for a response; returns its id.
    pub async fn send_request(&self, xml: &Element, flags: IpcFlags) -> Result<i32, Error> {
        let id = next_request_id();
        let p = self.prepare(id, xml, flags)?;
        let _g = self.exchange.lock().await;
        self.write(&p, Some(Instant::now() + DEFAULT_TIMEOUT))
            .await?;
        Ok(id)
    }

    /// Like [`crate::ipc::IpcClient::send_raw`].
    pub async fn send_raw(
        &self,
        xml: &Element,
        flags: IpcFlags,
        timeout: Option<Duration>,
    ) -> Result<Option<Decoded>, Error> {
        if !self.is_connected() {
            return Err(Error::NotConnected);
        }
        let mut owed = self.exchange.lock().await;
        if *owed {
            if self
                .qb
                .recv(Some(timeout.unwrap_or(DEFAULT_TIMEOUT)))
                .await
                .is_err()
            {
                return Err(Error::ReplyPending);
            }
            *owed = false;
        }
        let id = next_request_id();
        let p = self.prepare(id, xml, flags)?;
        let deadline = timeout.map(|t| Instant::now() + t + Duration::from_secs(1));
        self.write(&p, deadline.or(Some(Instant::now() + DEFAULT_TIMEOUT)))
            .await?;
        if !p.header.flags.has(IpcFlags::CLIENT_RESPONSE) {
            return Ok(None);
        }
        loop {
            let wait = match deadline {
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        *owed = true;
                        return Err(Error::TimedOut);
                    }
                    Some(left)
                }
                None => None,
            };
            let bytes = match self.qb.recv(wait).await {
                Ok(b) => b,
                Err(e) => {
                    let e = Error::from(e);
                    if !e.is_disconnect() {
                        *owed = true;
                    }
                    return Err(e);
                }
            };
            let d = header::decode(&bytes)?;
            if d.header.id == id {
                return Ok(Some(d));
            }
            if d.header.id > id {
                return Err(Error::Protocol(format!(
                    "reply {} is newer than request {id}",
                    d.header.id
                )));
            }
            tracing::error!("Discarding old reply {} (need {id})", d.header.id);
        }
    }

    /// Send and, with [`IpcFlags::CLIENT_RESPONSE`], wait for the response.
    pub async fn send(
        &self,
        xml: &Element,
        flags: IpcFlags,
        timeout: Option<Duration>,
    ) -> Result<Option<Element>, Error> {
        Ok(match self.send_raw(xml, flags, timeout).await? {
            Some(d) => Some(d.xml()?),
            None => None,
        })
    }

    /// The next event. Cancel-safe.
    pub async fn recv_event(&self) -> Result<Decoded, Error> {
        let bytes = self.qb.recv_event().await?;
        Ok(header::decode(&bytes)?)
    }
}
