//! Atrium's `corosync`: a thin tokio shell around the sans-IO Totem
//! ([`totem`]) and service engines ([`corosync_services`]). Does I/O.
//!
//! Module map:
//! - [`client`]: blocking clients of the services (the corosync-* tools).
//! - [`conf`]: reading corosync.conf (and uidgid.d) into the Totem
//!   configuration, the services' map and the logging settings.
//! - [`logsys`]: log lines in corosync's format to file, stderr and syslog.
//! - [`localtime`] (unsafe: `localtime_r`): timestamps in local time.
//! - [`net`]: the udpu transport's socket and peer table.
//! - [`ipc`]: the libqb IPC servers (cmap, cfg, cpg, quorum, votequorum).
//! - [`daemon`]: the event loop that connects them.
//! - [`state`]: the ring id file and the pid lock file.
//! - [`detach`] (unsafe: fork): going to the background.

pub mod client;
pub mod conf;
pub mod daemon;
pub mod detach;
pub mod ipc;
pub mod localtime;
pub mod logsys;
pub mod net;
pub mod sched;
pub mod state;

/// The version Atrium's corosync reports (the reference it replaces).
pub const VERSION: &str = "3.1.7";

/// Exit statuses (enum e_corosync_done).
pub mod exit {
    /// COROSYNC_DONE_EXIT.
    pub const OK: i32 = 0;
    /// COROSYNC_DONE_LOGCONFIGREAD.
    pub const LOGCONFIGREAD: i32 = 7;
    /// COROSYNC_DONE_MAINCONFIGREAD.
    pub const MAINCONFIGREAD: i32 = 8;
    /// COROSYNC_DONE_INIT_SERVICES.
    pub const INIT_SERVICES: i32 = 13;
    /// COROSYNC_DONE_FATAL_ERR.
    pub const FATAL_ERR: i32 = 15;
    /// COROSYNC_DONE_DIR_NOT_PRESENT.
    pub const DIR_NOT_PRESENT: i32 = 16;
    /// COROSYNC_DONE_ACQUIRE_LOCK.
    pub const ACQUIRE_LOCK: i32 = 17;
    /// COROSYNC_DONE_ALREADY_RUNNING.
    pub const ALREADY_RUNNING: i32 = 18;
    /// COROSYNC_DONE_STORE_RINGID.
    pub const STORE_RINGID: i32 = 21;
}
