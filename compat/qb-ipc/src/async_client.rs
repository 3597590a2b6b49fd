//! The client for tokio programs: the same connection as [`Client`], with
//! sends and event waits driven by the runtime and response waits (a
//! semaphore, nothing to poll) run on the blocking pool.

use std::io;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::unix::AsyncFd;

use crate::client::{Client, ClientOptions, Core, MAX_WAIT_SLICE};
use crate::error::Error;
use crate::sock::{self, Credentials};

struct CoreFd(Arc<Core>);

// The socket is owned by Core and never replaced while an Arc exists.
impl sock::StableFd for CoreFd {}

impl AsRawFd for CoreFd {
    fn as_raw_fd(&self) -> RawFd {
        self.0.sock.as_raw_fd()
    }
}

/// A libqb SHM client for async code.
pub struct AsyncClient {
    fd: AsyncFd<CoreFd>,
    client: Client,
}

fn join_error(e: tokio::task::JoinError) -> Error {
    Error::io("blocking IPC task", io::Error::other(e.to_string()))
}

impl AsyncClient {
    /// Connect without blocking the runtime (the handshake runs on the blocking pool).
    pub async fn connect(service: &str, max_msg_size: usize) -> Result<AsyncClient, Error> {
        Self::connect_with(service, max_msg_size, ClientOptions::default()).await
    }

    /// [`Self::connect`] with options.
    pub async fn connect_with(
        service: &str,
        max_msg_size: usize,
        opts: ClientOptions,
    ) -> Result<AsyncClient, Error> {
        let service = service.to_owned();
        let client = tokio::task::spawn_blocking(move || {
            Client::connect_with(&service, max_msg_size, &opts)
        })
        .await
        .map_err(join_error)??;
        Self::from_blocking(client)
    }

    /// Wrap a connected blocking client (inside a runtime).
    pub fn from_blocking(client: Client) -> Result<AsyncClient, Error> {
        let fd = sock::register(CoreFd(client.core.clone()))
            .map_err(|e| Error::io("register IPC socket", e))?;
        Ok(AsyncClient { fd, client })
    }

    /// The blocking view of the same connection.
    pub fn blocking(&self) -> &Client {
        &self.client
    }

    /// See [`Client::server_credentials`].
    pub fn server_credentials(&self) -> Credentials {
        self.client.server_credentials()
    }

    /// See [`Client::check_server`].
    pub fn check_server(&self, cluster_uid: u32, cluster_gid: u32) -> Result<(), Error> {
        self.client.check_server(cluster_uid, cluster_gid)
    }

    /// See [`Client::max_msg_size`].
    pub fn max_msg_size(&self) -> usize {
        self.client.max_msg_size()
    }

    /// Send one request; waits (asynchronously) only if the socket buffer is full.
    pub async fn send(&self, msg: &[u8]) -> Result<(), Error> {
        self.sendv(&[msg]).await
    }

    /// Send one request gathered from parts.
    pub async fn sendv(&self, parts: &[&[u8]]) -> Result<(), Error> {
        let core = &self.client.core;
        core.write_request(parts)?;
        let byte = [parts.iter().find_map(|p| p.first().copied()).unwrap_or(0)];
        loop {
            let mut guard = self
                .fd
                .writable()
                .await
                .map_err(|e| Error::io("poll IPC socket", e))?;
            match guard.try_io(|f| sock::send(f.get_ref().0.sock.as_fd(), &byte)) {
                Ok(Ok(_)) => return Ok(()),
                Ok(Err(e)) if matches!(e.raw_os_error(), Some(libc::EPIPE | libc::ECONNRESET)) => {
                    return Err(core.disconnected())
                }
                Ok(Err(e)) => return Err(Error::io("send wake-up byte", e)),
                Err(_would_block) => {}
            }
        }
    }

    /// Wait for the next response.
    pub async fn recv(&self, timeout: Option<Duration>) -> Result<Vec<u8>, Error> {
        let core = self.client.core.clone();
        tokio::task::spawn_blocking(move || core.recv_response(timeout))
            .await
            .map_err(join_error)?
    }

    /// Send a request and wait for the next response.
    pub async fn send_recv(&self, msg: &[u8], timeout: Option<Duration>) -> Result<Vec<u8>, Error> {
        self.send(msg).await?;
        self.recv(timeout).await
    }

    /// Wait for the next event. Cancel-safe.
    pub async fn recv_event(&self) -> Result<Vec<u8>, Error> {
        let core = &self.client.core;
        loop {
            let mut guard = self
                .fd
                .readable()
                .await
                .map_err(|e| Error::io("poll IPC socket", e))?;
            let got = guard.try_io(|f| match f.get_ref().0.take_wake_byte() {
                Ok(true) => Ok(Ok(())),
                Ok(false) => Err(io::ErrorKind::WouldBlock.into()),
                Err(e) => Ok(Err(e)),
            });
            match got {
                Ok(Ok(Ok(()))) => break,
                Ok(Ok(Err(e))) => return Err(e),
                Ok(Err(e)) => return Err(Error::io("recv wake-up byte", e)),
                Err(_would_block) => {}
            }
        }
        if let Some(ev) = core.read_event(Duration::ZERO)? {
            return Ok(ev);
        }
        let core = core.clone();
        tokio::task::spawn_blocking(move || {
            core.read_event(MAX_WAIT_SLICE)?
                .ok_or_else(|| core.no_event())
        })
        .await
        .map_err(join_error)?
    }
}
