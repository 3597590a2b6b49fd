//! Atrium's CIB manager, `pacemaker-based`: it holds the cluster's
//! configuration and status (the CIB), keeps every node's copy identical
//! through the `cib` CPG group, persists the configuration with its MD5
//! signature, enforces ACLs and notifies subscribers of every change, as
//! Pacemaker 2.1.5's daemons/based does, so that clients and reference
//! peers on other nodes cannot tell the two apart.
//!
//! Modules:
//! - [`engine`]: the daemon's logic as a command-emitting engine (no I/O):
//!   requests, cluster messages, timers and finished writes in; replies,
//!   notifications, cluster messages, writes and timers out.
//! - [`ops`]: the operation table (pure).
//! - [`notify`]: notification messages (pure).
//! - [`upgrade`]: schema upgrades for `cib_upgrade` (pure).
//! - [`cli`]: command line and `metadata` (pure).
//! - [`disk`]: loading the CIB at start and writing it (I/O).
//! - [`log`]: the log file in the reference's format (I/O).
//! - [`memory`]: returning freed memory to the system (the only unsafe
//!   code: two glibc calls).
//! - [`shell`]: the tokio main loop around the engine: IPC servers, CPG,
//!   the writer thread, timers, signals (I/O).
#![deny(unsafe_code)]

pub mod cli;
pub mod disk;
pub mod engine;
pub mod log;
pub mod memory;
pub mod notify;
pub mod ops;
pub mod shell;
pub mod upgrade;
