//! The service engines of corosync 3.1.7 — cmap, cpg, quorum, votequorum
//! and cfg — as sans-IO state machines. IPC requests, delivered cluster
//! messages, configuration changes, sync steps and time go in; responses,
//! events, log lines and requests to the daemon come out ([`Output`]).
//! Multicasts go to the [`Cluster`] port, which tells at once whether Totem
//! had room (totempg's queue is the only resource a service waits for).
//!
//! Module map:
//! - [`icmap`]: the configuration map with types, read-only keys, trackers.
//! - [`cmap`]: the cmap service (IPC, config-version sync) and the stats map.
//! - [`cpg`]: closed process groups (groups, membership, ordered delivery,
//!   downlist/joinlist sync).
//! - [`votequorum`]: votes, expected votes, two_node, wait_for_all,
//!   last_man_standing, auto_tie_breaker; [`quorum`]: the quorum service.
//! - [`cfg`]: link and node status, kill, shutdown negotiation, reload.
//! - [`engine`]: [`Services`], which routes everything to the right engine
//!   the way corosync's main.c, service.c and ipc_glue.c do.
//! - [`out`]: [`Output`], [`LogLevel`] and the outbox every engine writes to.
#![forbid(unsafe_code)]

pub mod cfg;
pub mod cmap;
pub mod cpg;
pub mod engine;
mod engine_reload;
pub mod icmap;
pub mod out;
pub mod quorum;
pub mod votequorum;

pub use engine::{Dispatch, Services, ServicesConfig};
pub use out::{LogLevel, Output};

/// A node id.
pub type NodeId = u32;

/// An IPC connection, as the daemon numbers them.
pub type ConnId = u64;

/// Totem as the services see it: a multicast in agreed order to group "a"
/// that either fits in totempg's queue now or is refused.
pub trait Cluster {
    /// Queue `parts` (one message) for multicast; false when there is no
    /// room (`totem_mcast` returning -1).
    fn mcast(&mut self, parts: &[&[u8]]) -> bool;
    /// Whether a message of `bytes` would fit now (`totempg_groups_joined_reserve`).
    fn room_for(&self, bytes: usize) -> bool;
}
