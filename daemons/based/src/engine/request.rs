//! `cib_process_request()` and its helpers (daemons/based/based_callbacks.c):
//! deciding for each request, from a local client or from a peer, whether
//! to process it here, forward it through the cluster, reply to the peer
//! that sent it, and answer the local client that asked.

use pcmk_msg::cib::{call_options as opt, field, message};
use pcmk_xml::Element;

use super::{int_attr, ClientId, Command, Engine};
use crate::log::Level;
use crate::ops::{is_true, ServerOp};
use crate::{log, notify};

/// What the option parsers decide (`process`, `needs_reply`,
/// `local_notify`, `needs_forward`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Route {
    pub process: bool,
    pub needs_reply: bool,
    pub local_notify: bool,
    pub needs_forward: bool,
}

impl Default for Route {
    fn default() -> Self {
        Route {
            process: true,
            needs_reply: true,
            local_notify: false,
            needs_forward: false,
        }
    }
}

fn same_host(a: Option<&str>, b: &str) -> bool {
    a.is_some_and(|a| a.eq_ignore_ascii_case(b))
}

impl Engine {
    /// `parse_local_options_v2()`.
    fn parse_local_options(&self, op: ServerOp, host: Option<&str>) -> Route {
        let mut r = Route::default();
        if op.modifies() {
            if matches!(op, ServerOp::Primary | ServerOp::Secondary) || self.cfg.stand_alone {
                // Always handled here; with no cluster to go through,
                // stand-alone changes are applied at once (the reference
                // would send them to a cluster it is not part of).
                r.process = true;
                r.needs_reply = false;
                r.local_notify = true;
                r.needs_forward = false;
            } else {
                r.needs_reply = true;
                r.needs_forward = true;
                r.process = false;
            }
            return r;
        }
        r.process = true;
        r.needs_reply = false;
        r.local_notify = true;
        r.needs_forward = false;
        if !self.cfg.stand_alone && host.is_some() && !same_host(host, &self.cfg.our_uname) {
            r.needs_forward = true;
            r.process = false;
        }
        r
    }

    /// `parse_peer_options_v2()`: `None` when the message is not for us.
    fn parse_peer_options(&mut self, op: ServerOp, request: &mut Element) -> Option<Route> {
        let mut r = Route::default();
        let mut delegated = request.attr(field::DELEGATED).map(str::to_owned);
        let originator = request.attr(field::ORIGIN).unwrap_or("").to_owned();
        let reply_to = request.attr(field::ISREPLY).map(str::to_owned);
        let is_reply = same_host(reply_to.as_deref(), &self.cfg.our_uname);
        let mut skip_is_reply = false;

        match op {
            ServerOp::Replace => {
                // sync_our_cib() sets cib_isreplyto.
                if reply_to.is_some() {
                    delegated = reply_to.clone();
                }
                skip_is_reply = true;
            }
            ServerOp::SyncToAll => {}
            ServerOp::Ping if is_reply => {
                self.process_ping_reply(request);
                return None;
            }
            ServerOp::Upgrade => {
                let max = request.attr(field::SCHEMA_MAX).map(str::to_owned);
                let upgrade_rc = request.attr(field::UPGRADE_RC).map(str::to_owned);
                log!(
                    Level::Trace,
                    "parse_peer_options_v2",
                    "Parsing {} operation{} for {} with max={} and upgrade_rc={}",
                    op.name(),
                    if is_reply { " reply" } else { "" },
                    if self.primary { "primary" } else { "secondary" },
                    max.as_deref().unwrap_or("none"),
                    upgrade_rc.as_deref().unwrap_or("none")
                );
                if let Some(rc) = upgrade_rc {
                    // The primary refused our upgrade: tell our client.
                    request.set_attr(field::RC, rc);
                } else if max.is_some() || self.primary {
                    // The primary decides; a limit means "go ahead".
                    skip_is_reply = true;
                } else {
                    return None;
                }
            }
            _ if is_true(request.attr(field::GLOBAL_UPDATE)) => {
                log!(
                    Level::Info,
                    "parse_peer_options_v2",
                    "Detected legacy {} global update from {originator}",
                    op.name()
                );
                if !self.legacy_seen {
                    log!(
                        Level::Warning,
                        "parse_peer_options_v2",
                        "Peers older than Pacemaker 1.1.12 are not supported: \
                         resynchronising instead of entering legacy mode"
                    );
                }
                self.legacy_seen = true;
                self.send_sync_request(None);
                return None;
            }
            _ if is_reply && op.modifies() => {
                log!(
                    Level::Trace,
                    "parse_peer_options_v2",
                    "Ignoring legacy {} reply sent from {originator} to local clients",
                    op.name()
                );
                return None;
            }
            ServerOp::Shutdown => {
                log!(
                    Level::Debug,
                    "parse_peer_options_v2",
                    "Legacy handling of {} message from {originator}",
                    op.name()
                );
                r.local_notify = false;
                if reply_to.is_none() {
                    r.process = true;
                }
                return r.process.then_some(r);
            }
            _ => {}
        }

        if !skip_is_reply && is_reply {
            log!(
                Level::Trace,
                "parse_peer_options_v2",
                "Handling {} reply sent from {originator} to local clients",
                op.name()
            );
            r.process = false;
            r.needs_reply = false;
            r.local_notify = true;
            return Some(r);
        }

        r.process = true;
        r.needs_reply = false;
        r.local_notify = same_host(delegated.as_deref(), &self.cfg.our_uname);
        let host = request.attr(field::HOST);
        if same_host(host, &self.cfg.our_uname) {
            r.needs_reply = true;
            return Some(r);
        } else if let Some(h) = host {
            log!(
                Level::Trace,
                "parse_peer_options_v2",
                "Ignoring {} operation for instance on {h}",
                op.name()
            );
            return None;
        } else if !is_reply && op == ServerOp::Ping {
            r.needs_reply = true;
        }
        Some(r)
    }

    /// `cib_process_request()`: `client` is the local client that sent
    /// `request`, or `None` for a message from the cluster.
    pub(super) fn process_request(
        &mut self,
        mut request: Element,
        privileged: bool,
        client: Option<ClientId>,
    ) {
        self.current_write = None;
        let op_name = request.attr(field::OPERATION).unwrap_or("").to_owned();
        let host = request
            .attr(field::HOST)
            .filter(|h| !h.is_empty())
            .map(str::to_owned);
        let call_id = request.attr(field::CALLID).map(str::to_owned);
        let client_id = request.attr(field::CLIENTID).map(str::to_owned);
        let client_name = request.attr(field::CLIENTNAME).map(str::to_owned);
        let call_options = int_attr(&request, field::CALLOPTS).unwrap_or(0) as u32;

        let originator = request.attr(field::ORIGIN).map(str::to_owned);
        if client.is_some() {
            request.set_attr(field::ORIGIN, self.cfg.our_uname.clone());
        }

        let Some(op) = ServerOp::from_name(&op_name) else {
            log!(
                Level::Error,
                "cib_get_operation_id",
                "Operation {} is not valid",
                if op_name.is_empty() {
                    "(null)"
                } else {
                    &op_name
                }
            );
            log!(
                Level::Error,
                "cib_process_request",
                "Pre-processing of command failed: Invalid argument"
            );
            return;
        };

        let mut route = match client {
            Some(_) => self.parse_local_options(op, host.as_deref()),
            None => match self.parse_peer_options(op, &mut request) {
                Some(r) => r,
                None => return,
            },
        };

        let is_update = op.modifies();
        if call_options & opt::DISCARD_REPLY != 0 {
            route.needs_reply = false;
            route.local_notify = false;
        }

        if route.needs_forward {
            let section = request.attr(field::SECTION).unwrap_or("'all'").to_owned();
            let level = if op == ServerOp::Noop {
                Level::Debug
            } else {
                Level::Info
            };
            log!(
                level,
                "cib_process_request",
                "Forwarding {op_name} operation for section {section} to {} (origin={}/{}/{})",
                host.as_deref().unwrap_or("all"),
                originator.as_deref().unwrap_or("local"),
                client_name.as_deref().unwrap_or("(null)"),
                call_id.as_deref().unwrap_or("(null)")
            );
            self.forward_request(request, host.as_deref());
            return;
        }

        let mut op_reply: Option<Element> = None;
        if self.cib_status != 0 {
            let rc = self.cib_status;
            log!(
                Level::Error,
                "cib_process_request",
                "Operation ignored, cluster configuration is invalid. Please repair and restart: {}",
                pcmk_results::legacy::description(rc)
            );
            op_reply = Some(message::reply_xml(
                &op_name,
                call_id.as_deref(),
                client_id.as_deref(),
                call_options,
                rc,
                Some(&self.cib),
            ));
        } else if route.process {
            let section = request.attr(field::SECTION).unwrap_or("'all'").to_owned();
            let (rc, reply) = self.process_command(&request, op, privileged);
            op_reply = reply;
            let level = if !is_update {
                Level::Trace
            } else if is_true(request.attr(field::GLOBAL_UPDATE)) {
                match -rc {
                    0 => Level::Info,
                    pcmk_results::legacy::PCMK_ERR_OLD_DATA
                    | pcmk_results::legacy::PCMK_ERR_DIFF_RESYNC
                    | pcmk_results::legacy::PCMK_ERR_DIFF_FAILED => Level::Trace,
                    _ => Level::Error,
                }
            } else if rc != 0 {
                Level::Warning
            } else {
                Level::Info
            };
            let v = |n: &str| self.cib.attr(n).unwrap_or("0").to_owned();
            log!(
                level,
                "cib_process_request",
                "Completed {op_name} operation for section {section}: {} (rc={rc}, origin={}/{}/{}, version={}.{}.{})",
                pcmk_results::legacy::description(rc),
                originator.as_deref().unwrap_or("local"),
                client_name.as_deref().unwrap_or("(null)"),
                call_id.as_deref().unwrap_or("(null)"),
                v("admin_epoch"),
                v("epoch"),
                v("num_updates")
            );
            if op_reply.is_none() && (route.needs_reply || route.local_notify) {
                log!(
                    Level::Error,
                    "cib_process_request",
                    "Unexpected NULL reply to message"
                );
                route.needs_reply = false;
                route.local_notify = false;
            }
        }

        if is_update {
            log!(
                Level::Trace,
                "cib_process_request",
                "Completed pre-sync update from {}/{}/{}",
                originator.as_deref().unwrap_or("local"),
                client_name.as_deref().unwrap_or("(null)"),
                call_id.as_deref().unwrap_or("(null)")
            );
        } else if !route.needs_reply || self.cfg.stand_alone {
            // A non-originating secondary update.
        } else if call_options & opt::DISCARD_REPLY != 0 {
            // The caller is not interested in the reply.
        } else if client.is_none() {
            if let Some(orig) = originator.as_deref() {
                // Keep the reply only when a local client gets it too.
                let reply = if route.local_notify && client_id.is_some() {
                    op_reply.clone()
                } else {
                    op_reply.take()
                };
                if let Some(reply) = reply {
                    self.send_peer_reply(reply, orig);
                }
            }
        }

        if route.local_notify {
            if let Some(cid) = client_id {
                let sync = call_options & opt::SYNC_CALL != 0;
                let msg = if route.process {
                    op_reply
                } else {
                    Some(request)
                };
                if let Some(msg) = msg {
                    self.do_local_notify(msg, &cid, sync, client.is_none());
                }
            }
        }
    }

    /// `forward_request()`: send a request to `host`'s CIB manager or to
    /// every node, marked as delegated by us.
    fn forward_request(&mut self, mut fwd: Element, host: Option<&str>) {
        fwd.set_attr(field::DELEGATED, self.cfg.our_uname.clone());
        self.commands.push(Command::Cpg {
            to: host.map(str::to_owned),
            xml: fwd,
        });
    }

    /// `send_peer_reply()` without a broadcast: the result goes back to
    /// the node that asked.
    pub(super) fn send_peer_reply(&mut self, mut msg: Element, originator: &str) {
        msg.set_attr(field::ISREPLY, originator);
        self.commands.push(Command::Cpg {
            to: Some(originator.to_owned()),
            xml: msg,
        });
    }

    /// `do_local_notify()`: answer the local client `client_id`.
    pub(super) fn do_local_notify(
        &mut self,
        msg: Element,
        client_id: &str,
        sync_reply: bool,
        from_peer: bool,
    ) {
        let call_id = int_attr(&msg, field::CALLID).unwrap_or(0);
        let Some(client) = self.client_by_uuid(client_id) else {
            log!(
                Level::Debug,
                "do_local_notify",
                "Could not send response {call_id}: client {client_id} not found"
            );
            return;
        };
        let _ = from_peer;
        // An acknowledged change must survive a crash of this daemon: with
        // no peer holding a copy, only the disk does.
        let wait_for = if self.durable_elsewhere() {
            0
        } else {
            self.current_write.unwrap_or(0)
        };
        let command = if sync_reply {
            let rid = match self.clients.get_mut(&client) {
                Some(c) => std::mem::take(&mut c.request_id),
                None => 0,
            };
            Command::Reply {
                client,
                id: rid,
                xml: msg,
            }
        } else {
            Command::Event { client, xml: msg }
        };
        self.send_to_client(client, command, wait_for);
    }

    /// Send a notification to every client subscribed to its subtype
    /// (`cib_notify_send`).
    pub(super) fn notify_clients(&mut self, msg: Element) {
        let kind = msg.attr(field::SUBTYPE).unwrap_or("").to_owned();
        let mut clients: Vec<ClientId> = self
            .clients
            .iter()
            .filter(|(_, c)| c.subscriptions.wants(&kind))
            .map(|(&id, _)| id)
            .collect();
        if clients.is_empty() {
            return;
        }
        clients.sort_unstable();
        self.commands.push(Command::Notify { clients, xml: msg });
    }

    /// `cib_peer_callback()`: a message from the `cib` group.
    pub(super) fn peer_message(&mut self, from: String, nodeid: u32, mut xml: Element) {
        let _ = nodeid;
        xml.set_attr(field::ORIGIN, from.clone());
        if xml.attr(field::CLIENTNAME).is_none() {
            xml.set_attr(field::CLIENTNAME, from);
        }
        self.process_request(xml, true, None);
    }
}

/// Log a patch's versions the way `cib_diff_notify()` does.
pub(super) fn log_diff(client: Option<&str>, call_id: Option<&str>, rc: i32, diff: &Element) {
    let (del, add) = notify::versions(diff);
    let level = if rc != 0 {
        Level::Warning
    } else {
        Level::Trace
    };
    let (sep, cid) = match call_id {
        Some(c) => (", call:", c),
        None => ("", ""),
    };
    if add[2] != del[2] {
        log!(
            level,
            "cib_diff_notify",
            "Update (client: {}{sep}{cid}): {} -> {} ({})",
            client.unwrap_or("(null)"),
            notify::dotted(del),
            notify::dotted(add),
            pcmk_results::legacy::description(rc)
        );
    } else {
        log!(
            level,
            "cib_diff_notify",
            "Local-only Change (client:{}{sep}{cid}): {} ({})",
            client.unwrap_or("(null)"),
            notify::dotted(add),
            pcmk_results::legacy::description(rc)
        );
    }
}
