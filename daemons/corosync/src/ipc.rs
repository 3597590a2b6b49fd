//! The libqb IPC servers of the services (ipc_glue.c): one per service,
//! each connection read by its own task and forwarded to the event loop.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use corosync_services::engine::IPC_SERVICES;
use corosync_services::ConnId;
use qb_ipc::{libqb_default_auth, ConnectionHandle, Credentials, Server, ServerConfig};
use tokio::sync::mpsc;

/// What the IPC side tells the event loop.
pub enum IpcEvent {
    /// A client connected to `service`.
    Connected {
        /// Our id for it.
        conn: ConnId,
        /// Service id.
        service: u16,
        /// For sending.
        handle: ConnectionHandle,
        /// Its credentials.
        creds: Credentials,
    },
    /// A request.
    Request {
        /// Connection.
        conn: ConnId,
        /// The whole message.
        bytes: Vec<u8>,
    },
    /// The connection is gone.
    Closed {
        /// Connection.
        conn: ConnId,
    },
}

/// Who may connect (cs_ipcs_connection_accept), shared with the handshake
/// tasks.
#[derive(Default)]
pub struct Gate {
    /// Set after the first sync completed.
    pub ready: AtomicBool,
    /// uids (`uidgid.uid.N`, `uidgid.config.uid.N`) allowed.
    pub uids: RwLock<BTreeSet<u32>>,
    /// gids allowed.
    pub gids: RwLock<BTreeSet<u32>>,
}

const EAGAIN: i32 = 11;
const EACCES: i32 = 13;

impl Gate {
    fn check(&self, c: &Credentials) -> Result<qb_ipc::ShmAuth, i32> {
        if !self.ready.load(Ordering::Acquire) {
            return Err(EAGAIN);
        }
        let ok = c.uid == 0
            || c.gid == 0
            || self
                .uids
                .read()
                .map(|s| s.contains(&c.uid))
                .unwrap_or(false)
            || self
                .gids
                .read()
                .map(|s| s.contains(&c.gid))
                .unwrap_or(false);
        if ok {
            Ok(libqb_default_auth(c))
        } else {
            Err(EACCES)
        }
    }
}

static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

/// Bind every service's socket and start accepting (inside the runtime).
/// Names that cannot be bound are returned as errors.
pub fn start(
    tx: mpsc::Sender<IpcEvent>,
    gate: Arc<Gate>,
) -> std::io::Result<Vec<Arc<tokio::sync::Notify>>> {
    let mut stops = Vec::new();
    for (service, name) in IPC_SERVICES {
        let g = gate.clone();
        let cfg = ServerConfig {
            max_buffer_size: 0,
            // corosync queues events without limit (ipc_glue.c outq).
            max_queued_events: usize::MAX,
            authorize: Arc::new(move |c: &Credentials| g.check(c)),
            ..Default::default()
        };
        let mut server = Server::bind(name, cfg)?;
        let tx = tx.clone();
        let stop = Arc::new(tokio::sync::Notify::new());
        let stop2 = stop.clone();
        tokio::spawn(async move {
            loop {
                let conn = tokio::select! {
                    c = server.accept() => c,
                    _ = stop2.notified() => {
                        server.close_all();
                        return;
                    }
                };
                let Ok(mut conn) = conn else {
                    return;
                };
                let id = NEXT_CONN.fetch_add(1, Ordering::Relaxed);
                let ev = IpcEvent::Connected {
                    conn: id,
                    service,
                    handle: conn.handle(),
                    creds: conn.credentials(),
                };
                if tx.send(ev).await.is_err() {
                    return;
                }
                let tx = tx.clone();
                tokio::spawn(async move {
                    while let Some(req) = conn.recv().await {
                        if tx
                            .send(IpcEvent::Request {
                                conn: id,
                                bytes: req.bytes,
                            })
                            .await
                            .is_err()
                        {
                            return;
                        }
                    }
                    let _ = tx.send(IpcEvent::Closed { conn: id }).await;
                });
            }
        });
        stops.push(stop);
    }
    Ok(stops)
}

/// The process name the reference records (`/proc/<pid>/stat`, 15 chars).
pub fn procname(pid: u32) -> String {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    match (s.find('('), s.rfind(')')) {
        (Some(a), Some(b)) if b > a => s[a + 1..b].chars().take(15).collect(),
        _ => String::new(),
    }
}
