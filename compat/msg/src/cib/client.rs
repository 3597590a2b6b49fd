//! The blocking CIB client (`cib_native_*`): sign-on, calls, notifications.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use pcmk_xml::Element;

use super::message::{self, CibEvent, CibNotification, CibReply, CibRequest};
use super::{
    call_options, op, user_from_env, CibError, ConnType, CALL_TIMEOUT, CLIENT_BUFFER_SIZE,
};
use crate::error::Error;
use crate::ipc::{ConnectOptions, IpcClient, IpcFlags};

/// A connection to the local CIB manager (`cib_t` of the native variant).
pub struct CibClient {
    ipc: IpcClient,
    token: String,
    conn_type: ConnType,
    call_id: AtomicI32,
    timeout: Duration,
    /// Notifications that arrived while waiting for a reply.
    queued: Mutex<VecDeque<CibNotification>>,
}

/// Map a transport failure the way `cib_native_perform_op_delegate` does.
fn comm(e: Error) -> CibError {
    let rc = match &e {
        Error::NotConnected => -libc::ENOTCONN,
        Error::TimedOut => -libc::ETIME,
        _ => -libc::ECOMM,
    };
    CibError::new(rc, e.to_string())
}

impl CibClient {
    /// `cib->cmds->signon(cib, name, type)`: connect to the service of
    /// `conn_type` and register as `name`. Fails with `-ENOTCONN` when the
    /// CIB manager is not there, `-ECOMM`/`-EPROTO` when it answers badly.
    #[doc(alias = "cib_native_signon")]
    pub fn signon(name: &str, conn_type: ConnType) -> Result<CibClient, CibError> {
        let ipc = IpcClient::connect_with(
            conn_type.service(),
            &ConnectOptions {
                max_size: CLIENT_BUFFER_SIZE,
                ..ConnectOptions::default()
            },
        )
        .map_err(|e| {
            tracing::info!("Could not connect to CIB manager for {name}: {e}");
            CibError::new(-libc::ENOTCONN, e.to_string())
        })?;
        let reply = ipc
            .send(
                &message::register_request(name),
                IpcFlags::CLIENT_RESPONSE,
                None,
            )
            .map_err(|e| CibError::new(-libc::ECOMM, e.to_string()))?
            .ok_or_else(|| CibError::new(-libc::ECOMM, "no registration reply"))?;
        let token = message::register_reply_token(&reply)?;
        tracing::info!("Successfully connected to CIB manager for {name}");
        Ok(CibClient {
            ipc,
            token,
            conn_type,
            call_id: AtomicI32::new(1),
            timeout: CALL_TIMEOUT,
            queued: Mutex::new(VecDeque::new()),
        })
    }

    /// The id the CIB manager gave this client (`cib_clientid`).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Which service this client uses.
    pub fn conn_type(&self) -> ConnType {
        self.conn_type
    }

    /// The IPC connection underneath.
    pub fn ipc(&self) -> &IpcClient {
        &self.ipc
    }

    /// Change how long calls wait for their reply (default 120 s).
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// True while the CIB manager is there.
    pub fn is_connected(&self) -> bool {
        self.ipc.is_connected()
    }

    fn next_call_id(&self) -> i32 {
        loop {
            let id = self.call_id.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
            if id >= 1 {
                return id;
            }
            self.call_id.store(1, Ordering::Relaxed);
        }
    }

    /// Perform one call and wait for its reply. With
    /// [`call_options::SYNC_CALL`] the reply comes on the response ring
    /// (`cibadmin -s`); otherwise it comes as an event, like cibadmin's
    /// default asynchronous calls. The reply's own `rc` (0 or a negative
    /// legacy code) is in [`CibReply::rc`]; `Err` is a transport failure.
    #[doc(alias = "cib_internal_op")]
    pub fn call(&self, req: &CibRequest<'_>) -> Result<CibReply, CibError> {
        let call_id = self.next_call_id();
        let env_user = if req.user.is_none() {
            user_from_env()
        } else {
            None
        };
        let user = req.user.or(env_user.as_deref());
        let msg = req.to_xml(call_id, &self.token, user)?;
        let reply = if req.options & call_options::SYNC_CALL != 0 {
            let r = self
                .ipc
                .send(&msg, IpcFlags::CLIENT_RESPONSE, Some(self.timeout))
                .map_err(comm)?
                .ok_or_else(|| CibError::new(-libc::ENOMSG, "no reply"))?;
            match CibReply::parse(r) {
                Some(r) if r.call_id == call_id => r,
                Some(r) => {
                    return Err(CibError::new(
                        -libc::ENOMSG,
                        format!("Received bad reply: {} (wanted {call_id})", r.call_id),
                    ))
                }
                None => {
                    return Err(CibError::new(
                        -libc::ENOMSG,
                        "Received bad reply: No id set",
                    ))
                }
            }
        } else {
            self.ipc
                .send(&msg, IpcFlags::NONE, Some(self.timeout))
                .map_err(comm)?;
            self.wait_reply(call_id)?
        };
        Ok(reply)
    }

    fn wait_reply(&self, call_id: i32) -> Result<CibReply, CibError> {
        let deadline = Instant::now() + self.timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(CibError::new(
                    -libc::ETIME,
                    format!("call {call_id} timed out"),
                ));
            }
            let ev = self.ipc.recv_event(Some(left)).map_err(comm)?;
            let xml = ev
                .xml()
                .map_err(|e| CibError::new(-libc::EPROTO, e.to_string()))?;
            match CibEvent::classify(xml) {
                CibEvent::Reply(r) if r.call_id == call_id => return Ok(r),
                CibEvent::Reply(r) => {
                    tracing::debug!("No callback found for call {}", r.call_id);
                }
                CibEvent::Notification(n) => self.queue(n),
                CibEvent::Other(x) => {
                    tracing::error!("Unknown message type: {}", x.attr("t").unwrap_or(""));
                }
            }
        }
    }

    fn queue(&self, n: CibNotification) {
        self.queued
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push_back(n);
    }

    /// `register_notification`: (un)subscribe to `event` ([`super::notify`]).
    #[doc(alias = "cib_native_register_notification")]
    pub fn register_notification(&self, event: &str, enabled: bool) -> Result<(), CibError> {
        let r = self
            .ipc
            .send(
                &message::notify_request(event, enabled),
                IpcFlags::CLIENT_RESPONSE,
                Some(self.timeout),
            )
            .map_err(|e| CibError::new(-libc::ECOMM, e.to_string()))?;
        // The CIB manager answers <ack status=..>; a non-zero status means
        // an unknown notification type.
        match r.and_then(|a| a.attr("status").and_then(|s| s.parse::<i32>().ok())) {
            Some(0) | None => Ok(()),
            Some(s) => Err(CibError::new(
                -libc::EINVAL,
                format!("notification type {event} refused (status {s})"),
            )),
        }
    }

    /// The next notification (queued ones first); `Ok(None)` on timeout
    /// (`None` waits forever). Replies to calls nobody waits for are dropped.
    pub fn next_notification(
        &self,
        timeout: Option<Duration>,
    ) -> Result<Option<CibNotification>, CibError> {
        if let Some(n) = self
            .queued
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front()
        {
            return Ok(Some(n));
        }
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if left.is_some_and(|l| l.is_zero()) {
                return Ok(None);
            }
            let ev = match self.ipc.recv_event(left) {
                Ok(ev) => ev,
                Err(Error::TimedOut) => return Ok(None),
                Err(e) => return Err(comm(e)),
            };
            let xml = ev
                .xml()
                .map_err(|e| CibError::new(-libc::EPROTO, e.to_string()))?;
            match CibEvent::classify(xml) {
                CibEvent::Notification(n) => return Ok(Some(n)),
                CibEvent::Reply(r) => tracing::debug!("No callback found for call {}", r.call_id),
                CibEvent::Other(x) => {
                    tracing::error!("Unknown message type: {}", x.attr("t").unwrap_or(""))
                }
            }
        }
    }

    /// `query`: the section (or the whole CIB), or the XPath result.
    pub fn query(&self, section: Option<&str>, options: u32) -> Result<CibReply, CibError> {
        self.call(&CibRequest {
            section,
            options,
            ..CibRequest::new(op::QUERY)
        })
    }

    /// `modify` (`update`).
    pub fn modify(
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
    }

    /// `create`.
    pub fn create(
        &self,
        section: Option<&str>,
        data: &Element,
        options: u32,
    ) -> Result<CibReply, CibError> {
        self.call(&CibRequest {
            section,
            data: Some(data),
            options,
            ..CibRequest::new(op::CREATE)
        })
    }

    /// `replace`.
    pub fn replace(
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
    }

    /// `remove` (`cib_delete`).
    pub fn delete(
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
    }

    /// `erase`.
    pub fn erase(&self, options: u32) -> Result<CibReply, CibError> {
        self.call(&CibRequest::new(op::ERASE).options(options))
    }

    /// `bump_epoch`.
    pub fn bump(&self, options: u32) -> Result<CibReply, CibError> {
        self.call(&CibRequest::new(op::BUMP).options(options))
    }

    /// `upgrade`.
    pub fn upgrade(&self, options: u32) -> Result<CibReply, CibError> {
        self.call(&CibRequest::new(op::UPGRADE).options(options))
    }

    /// Apply a patchset (`cib_apply_diff`, what `cibadmin --patch` does).
    pub fn apply_diff(&self, diff: &Element, options: u32) -> Result<CibReply, CibError> {
        self.call(&CibRequest {
            data: Some(diff),
            options,
            ..CibRequest::new(op::APPLY_PATCH)
        })
    }

    /// `noop`.
    pub fn noop(&self, options: u32) -> Result<CibReply, CibError> {
        self.call(&CibRequest::new(op::NOOP).options(options))
    }

    /// `signoff`: disconnect.
    #[doc(alias = "cib_native_signoff")]
    pub fn signoff(self) {
        tracing::debug!("Disconnecting from the CIB manager");
    }
}
