//! Pacemaker's message layer, wire-compatible with Pacemaker 2.1.5 and
//! corosync 3.1.7 in both directions.
//!
//! Modules (pure unless noted):
//! - [`bz2`]: bzip2 with Pacemaker's parameters and limits.
//! - [`ipc`]: the 40-byte IPC header, flags, buffer sizes ([`ipc::header`],
//!   pure); clients and the tokio server helper (I/O through `qb-ipc`).
//! - [`cpg_msg`]: the CPG envelope `pcmk__cpg_msg_t` and its filtering.
//! - [`cluster`] (feature `tokio`, I/O): a daemon's CPG endpoint that sends
//!   and receives enveloped XML.
//! - [`corosync`]: libcpg, libcmap, libquorum, libvotequorum over libqb
//!   (codecs pure, clients do I/O).
//! - [`cib`]: the CIB manager's protocol (messages pure) and its clients.
//! - [`message`]: Pacemaker's generic request/reply builders.
//! - [`error`]: [`Error`] and [`MessageError`].
//!
//! Byte layouts are those of x86_64 Linux (native byte order, LP64); each
//! layout constant is checked against the C headers by
//! tests/tests/msg_layout.rs.
#![forbid(unsafe_code)]

pub mod bz2;
pub mod cib;
#[cfg(feature = "tokio")]
pub mod cluster;
pub mod corosync;
pub mod cpg_msg;
pub mod error;
pub mod ipc;
pub mod message;

#[cfg(test)]
mod robustness;

pub use error::{Error, MessageError};
