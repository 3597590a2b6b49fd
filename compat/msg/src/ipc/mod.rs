//! Pacemaker's IPC layer over libqb: the message format ([`header`],
//! pure), the blocking client ([`IpcClient`]), and with the `tokio`
//! feature the async client ([`AsyncIpcClient`]) and the server helper
//! ([`IpcServer`]).

pub mod client;
pub mod header;

#[cfg(feature = "tokio")]
mod async_client;
#[cfg(feature = "tokio")]
pub mod server;

#[cfg(feature = "tokio")]
pub use async_client::AsyncIpcClient;
pub use client::{daemon_user, ConnectOptions, IpcClient, DEFAULT_TIMEOUT};
pub use header::{Decoded, Header, IpcFlags, Prepared, HEADER_SIZE};
#[cfg(feature = "tokio")]
pub use server::{Ack, BadRequest, ClientHandle, IpcConnection, IpcRequest, IpcServer};
