//! libqb IPC, shared-memory flavour, in pure Rust: a client and a server
//! wire-compatible with libqb 2.0.6 in both directions (corosync's and
//! Pacemaker's daemons and tools). Does I/O: sockets, `/dev/shm`, semaphores.
//!
//! Modules:
//! - [`wire`]: byte layouts of the setup messages and ring headers (sans-IO).
//! - `sock` (unsafe): abstract AF_UNIX sockets, SCM_CREDENTIALS, wake-up bytes.
//! - `shm` (unsafe): mmap, the doubled data mapping, glibc `sem_t`, SIGBUS guard.
//! - [`ring`]: one ring buffer (chunks, magics, flow-control word, ref count).
//! - [`client`]: blocking client ([`Client`]), usable without tokio.
//! - `async_client` (feature `tokio`): [`AsyncClient`].
//! - `server` (feature `tokio`): [`Server`], [`Connection`], [`ConnectionHandle`].
//! - [`error`]: [`Error`] and its errno mapping.
//!
//! How a connection works: the client connects to the abstract socket
//! `"\0" + service`, sends a 24-byte request with SO_PASSCRED; the server
//! creates `/dev/shm/qb-<srvpid>-<clipid>-<fd>-XXXXXX/qb-{request,response,event}-<service>-{header,data}`
//! and answers with their paths. Requests: ring + semaphore + one byte on the
//! socket. Responses: ring + semaphore only. Events: ring + semaphore + one
//! byte. See `shm` for how SIGBUS from a truncating peer is contained.

pub mod client;
pub mod error;
pub mod ring;
mod shm;
mod sock;
pub mod wire;

#[cfg(feature = "tokio")]
mod async_client;
#[cfg(feature = "tokio")]
mod server;

#[cfg(feature = "tokio")]
pub use async_client::AsyncClient;
pub use client::{Client, ClientOptions};
pub use error::Error;
pub use ring::ShmAuth;
#[cfg(feature = "tokio")]
pub use server::{
    closed_connections, libqb_default_auth, pacemaker_auth, Authorize, Connection,
    ConnectionHandle, EventStatus, Request, Server, ServerConfig,
};
pub use shm::{page_size, sigbus_faults};
pub use sock::Credentials;
