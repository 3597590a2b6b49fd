//! The CIB client for tokio daemons: calls may run concurrently (each
//! waits for its own reply), notifications arrive on a channel. A reader
//! task owns the event side of the connection.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pcmk_xml::Element;
use tokio::sync::{mpsc, oneshot};

use super::message::{self, CibEvent, CibNotification, CibReply, CibRequest};
use super::{
    call_options, op, user_from_env, CibError, ConnType, CALL_TIMEOUT, CLIENT_BUFFER_SIZE,
};
use crate::ipc::{AsyncIpcClient, ConnectOptions, IpcFlags};

type Pending = Arc<Mutex<HashMap<i32, oneshot::Sender<CibReply>>>>;

/// An async connection to the local CIB manager.
pub struct AsyncCibClient {
    ipc: Arc<AsyncIpcClient>,
    token: String,
    call_id: AtomicI32,
    timeout: Duration,
    pending: Pending,
    notifications: Mutex<Option<mpsc::UnboundedReceiver<CibNotification>>>,
    reader: tokio::task::JoinHandle<()>,
}

impl Drop for AsyncCibClient {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl AsyncCibClient {
    /// Sign on as `name` (see [`super::CibClient::signon`]).
    pub async fn signon(name: &str, conn_type: ConnType) -> Result<AsyncCibClient, CibError> {
        let ipc = AsyncIpcClient::connect(
            conn_type.service(),
            &ConnectOptions {
                max_size: CLIENT_BUFFER_SIZE,
                ..ConnectOptions::default()
            },
        )
        .await
        .map_err(|e| CibError::new(-libc::ENOTCONN, e.to_string()))?;
        let reply = ipc
            .send(
                &message::register_request(name),
                IpcFlags::CLIENT_RESPONSE,
                None,
            )
            .await
            .map_err(|e| CibError::new(-libc::ECOMM, e.to_string()))?
            .ok_or_else(|| CibError::new(-libc::ECOMM, "no registration reply"))?;
        let token = message::register_reply_token(&reply)?;
        let ipc = Arc::new(ipc);
        let pending: Pending = Arc::new(Mutex::new(HashMap::new()));
        let (tx, rx) = mpsc::unbounded_channel();
        let reader = tokio::spawn(read_events(ipc.clone(), pending.clone(), tx));
        Ok(AsyncCibClient {
            ipc,
            token,
            call_id: AtomicI32::new(1),
            timeout: CALL_TIMEOUT,
            pending,
            notifications: Mutex::new(Some(rx)),
            reader,
        })
    }

    /// The client id the CIB manager assigned.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Change how long calls wait (default 120 s).
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// True while the connection and its reader are alive.
    pub fn is_connected(&self) -> bool {
        self.ipc.is_connected() && !self.reader.is_finished()
    }

    /// The notification stream (once; later calls return `None`). It ends
    /// when the CIB manager goes away.
    pub fn notifications(&self) -> Option<mpsc::UnboundedReceiver<CibNotification>> {
        lock(&self.notifications).take()
    }

    /// (Un)subscribe to a notification type.
    pub async fn register_notification(&self, event: &str, enabled: bool) -> Result<(), CibError> {
        let r = self
            .ipc
            .send(
                &message::notify_request(event, enabled),
                IpcFlags::CLIENT_RESPONSE,
                Some(self.timeout),
            )
            .await
            .map_err(|e| CibError::new(-libc::ECOMM, e.to_string()))?;
        match r.and_then(|a| a.attr("status").and_then(|s| s.parse::<i32>().ok())) {
            Some(0) | None => Ok(()),
            Some(s) => Err(CibError::new(
                -libc::EINVAL,
                format!("notification type {event} refused (status {s})"),
            )),
        }
    }

    /// One call (see [`super::CibClient::call`]). Without
    /// [`call_options::SYNC_CALL`] calls from several tasks overlap.
    pub async fn call(&self, req: &CibRequest<'_>) -> Result<CibReply, CibError> {
        let call_id = loop {
            let id = self.call_id.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
            if id >= 1 {
                break id;
            }
            self.call_id.store(1, Ordering::Relaxed);
        };
        let env_user = if req.user.is_none() {
            user_from_env()
        } else {
            None
        };
        let msg = req.to_xml(call_id, &self.token, req.user.or(env_user.as_deref()))?;
        let comm = |e: crate::Error| {
            let rc = match e {
                crate::Error::NotConnected => -libc::ENOTCONN,
                crate::Error::TimedOut => -libc::ETIME,
                _ => -libc::ECOMM,
            };
            CibError::new(rc, e.to_string())
        };
        if req.options & call_options::SYNC_CALL != 0 {
            let r = self
                .ipc
                .send(&msg, IpcFlags::CLIENT_RESPONSE, Some(self.timeout))
                .await
                .map_err(comm)?
                .ok_or_else(|| CibError::new(-libc::ENOMSG, "no reply"))?;
            return match CibReply::parse(r) {
                Some(r) if r.call_id == call_id => Ok(r),
                _ => Err(CibError::new(-libc::ENOMSG, "Received bad reply")),
            };
        }
        let (tx, rx) = oneshot::channel();
        lock(&self.pending).insert(call_id, tx);
        if let Err(e) = self
            .ipc
            .send(&msg, IpcFlags::NONE, Some(self.timeout))
            .await
        {
            lock(&self.pending).remove(&call_id);
            return Err(comm(e));
        }
        match tokio::time::timeout(self.timeout, rx).await {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(_)) => Err(CibError::new(
                -libc::ENOTCONN,
                "the CIB manager disconnected",
            )),
            Err(_) => {
                lock(&self.pending).remove(&call_id);
                Err(CibError::new(
                    -libc::ETIME,
                    format!("call {call_id} timed out"),
                ))
            }
        }
    }

    /// `query`.
    pub async fn query(&self, section: Option<&str>, options: u32) -> Result<CibReply, CibError> {
        self.call(&CibRequest {
            section,
            options,
            ..CibRequest::new(op::QUERY)
        })
        .await
    }

    /// `modify`.
    pub async fn modify(
        &self,
        section: Option<&str>,
        data: &Element,
        options: u32,
    ) -> Result<CibReply, CibError> {
        self.call(&CibRequest {
            section,
            data: Some(data),
            options,
            ..CibRequest::new(op::MODIFY)
        })
        .await
    }

    /// `replace`.
    pub async fn replace(
        &self,
        section: Option<&str>,
        data: &Element,
        options: u32,
    ) -> Result<CibReply, CibError> {
        self.call(&CibRequest {
            section,
            data: Some(data),
            options,
            ..CibRequest::new(op::REPLACE)
        })
        .await
    }

    /// `remove`.
    pub async fn delete(
        &self,
        section: Option<&str>,
        data: Option<&Element>,
        options: u32,
    ) -> Result<CibReply, CibError> {
        self.call(&CibRequest {
            section,
            data,
            options,
            ..CibRequest::new(op::DELETE)
        })
        .await
    }
}

/// Route events until the connection ends: replies to their callers,
/// notifications to the channel. Pending callers then see a closed channel.
async fn read_events(
    ipc: Arc<AsyncIpcClient>,
    pending: Pending,
    notifications: mpsc::UnboundedSender<CibNotification>,
) {
    loop {
        let ev = match ipc.recv_event().await {
            Ok(ev) => ev,
            Err(e) => {
                if e.is_disconnect() {
                    tracing::error!("The CIB manager disconnected");
                    break;
                }
                tracing::warn!("Bad event from the CIB manager: {e}");
                continue;
            }
        };
        let xml = match ev.xml() {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!("Received a bad message from the CIB manager: {e}");
                continue;
            }
        };
        match CibEvent::classify(xml) {
            CibEvent::Reply(r) => {
                let tx = lock(&pending).remove(&r.call_id);
                match tx {
                    Some(tx) => {
                        let _ = tx.send(r);
                    }
                    None => tracing::debug!("No callback found for call {}", r.call_id),
                }
            }
            CibEvent::Notification(n) => {
                let _ = notifications.send(n);
            }
            CibEvent::Other(x) => {
                tracing::error!("Unknown message type: {}", x.attr("t").unwrap_or(""))
            }
        }
    }
    lock(&pending).clear();
}
