//! Keeping every node's CIB identical (daemons/based/based_messages.c and
//! the ping part of based_callbacks.c): the primary's digest pings, full
//! resyncs (`sync_our_cib`, `send_sync_request`), schema upgrades decided
//! by the primary, primary/secondary modes, and shutdown requests.

use pcmk_msg::cib::{field, message, op};
use pcmk_results::errno::{EINVAL, EPERM};
use pcmk_results::legacy::PCMK_ERR_SCHEMA_UNCHANGED;
use pcmk_xml::Element;

use super::{Command, Engine};
use crate::log;
use crate::log::Level;
use crate::ops::ServerOp;
use crate::upgrade::SchemaUpgrader;

/// `F_CIB_PING_ID`'s element in ping answers (`XML_CRM_TAG_PING`).
const PING_RESPONSE: &str = "ping_response";

/// Fields `cib_msg_copy()` keeps, in its order.
const COPIED_FIELDS: [&str; 22] = [
    field::XML_TAGNAME,
    field::TYPE,
    field::CLIENTID,
    field::CALLOPTS,
    field::CALLID,
    field::OPERATION,
    field::ISREPLY,
    field::SECTION,
    field::HOST,
    field::RC,
    field::DELEGATED,
    field::OBJID,
    field::OBJTYPE,
    field::EXISTING,
    field::SEENCOUNT,
    field::TIMEOUT,
    field::CALLBACK_TOKEN,
    field::GLOBAL_UPDATE,
    field::CLIENTNAME,
    field::USER,
    field::NOTIFY_TYPE,
    field::NOTIFY_ACTIVATE,
];

fn versioned_digest(cib: &Element, version: Option<&str>) -> String {
    pcmk_xml::digest::versioned(cib, false, true, version)
}

impl Engine {
    /// `cib_digester_cb()`: the primary asks every node for its digest.
    pub(super) fn digester(&mut self) {
        if !self.primary || self.cfg.stand_alone {
            return;
        }
        self.ping_seq += 1;
        self.ping_digest = None;
        self.ping_modified_since = false;
        log!(
            Level::Trace,
            "cib_digester_cb",
            "Requesting peer digests ({})",
            self.ping_seq
        );
        let ping = Element::new("ping")
            .with_attr(field::TYPE, field::T_CIB)
            .with_attr(field::OPERATION, op::PING)
            .with_attr(field::PING_ID, self.ping_seq.to_string())
            .with_attr("crm_feature_set", pcmk_cib::sections::CRM_FEATURE_SET);
        self.commands.push(Command::Cpg {
            to: None,
            xml: ping,
        });
    }

    /// `cib_process_ping()`: our digest and version, for the primary.
    pub(super) fn process_ping(&mut self, request: &Element) -> Element {
        let host = request.attr(field::ORIGIN).unwrap_or("(null)");
        let seq = request.attr(field::PING_ID);
        let digest = versioned_digest(&self.cib, Some(pcmk_cib::sections::CRM_FEATURE_SET));
        let mut answer = Element::new(PING_RESPONSE)
            .with_attr("crm_feature_set", pcmk_cib::sections::CRM_FEATURE_SET)
            .with_attr("digest", digest.clone());
        if let Some(s) = seq {
            answer.set_attr(field::PING_ID, s);
        }
        let mut shallow = Element::new(self.cib.name());
        *shallow.attrs_mut() = self.cib.attrs().to_vec();
        message::add_message_xml(&mut answer, field::CALLDATA, &shallow);
        let v = |n: &str| self.cib.attr(n).unwrap_or("(null)").to_owned();
        log!(
            Level::Info,
            "cib_process_ping",
            "Reporting our current digest to {host}: {digest} for {}.{}.{} (0x1 0)",
            v("admin_epoch"),
            v("epoch"),
            v("num_updates")
        );
        answer
    }

    /// `process_ping_reply()`: a peer's digest; resync it when it differs.
    pub(super) fn process_ping_reply(&mut self, reply: &Element) {
        let host = reply.attr(field::ORIGIN).unwrap_or("(null)").to_owned();
        let Some(pong) = message::get_message_xml(reply, field::CALLDATA) else {
            log!(
                Level::Debug,
                "process_ping_reply",
                "Ignoring ping reply with no {}",
                field::PING_ID
            );
            return;
        };
        let Some(seq_s) = pong.attr(field::PING_ID) else {
            log!(
                Level::Debug,
                "process_ping_reply",
                "Ignoring ping reply with no {}",
                field::PING_ID
            );
            return;
        };
        let Ok(seq) = seq_s.trim().parse::<i64>() else {
            return;
        };
        let Some(digest) = pong.attr("digest") else {
            log!(
                Level::Trace,
                "process_ping_reply",
                "Ignoring ping reply {seq_s} from {host} with no digest"
            );
            return;
        };
        if seq as u64 != self.ping_seq {
            log!(
                Level::Trace,
                "process_ping_reply",
                "Ignoring out of sequence ping reply {seq_s} from {host}"
            );
            return;
        }
        if self.ping_modified_since {
            log!(
                Level::Trace,
                "process_ping_reply",
                "Ignoring ping reply {seq_s} from {host}: cib updated since"
            );
            return;
        }
        let version = pong.attr("crm_feature_set").map(str::to_owned);
        if self.ping_digest.is_none() {
            self.ping_digest = Some(versioned_digest(&self.cib, version.as_deref()));
        }
        let ours = self.ping_digest.clone().unwrap_or_default();
        if ours.eq_ignore_ascii_case(digest) {
            return;
        }
        let remote = message::get_message_xml(pong, field::CALLDATA);
        let rv = |n: &str| remote.and_then(|r| r.attr(n)).unwrap_or("_").to_owned();
        let lv = |n: &str| self.cib.attr(n).unwrap_or("(null)").to_owned();
        log!(
            Level::Notice,
            "process_ping_reply",
            "Local CIB {}.{}.{}.{ours} differs from {host}: {}.{}.{}.{digest} 0x1",
            lv("admin_epoch"),
            lv("epoch"),
            lv("num_updates"),
            rv("admin_epoch"),
            rv("epoch"),
            rv("num_updates")
        );
        self.sync_our_cib(reply, false);
    }

    /// `sync_our_cib()`: send our whole CIB as a replace, to every node
    /// (`all`) or to the node that sent `request`.
    pub(super) fn sync_our_cib(&mut self, request: &Element, all: bool) -> i32 {
        let host = request.attr(field::ORIGIN).map(str::to_owned);
        let orig_op = request.attr(field::OPERATION).map(str::to_owned);
        let mut replace = Element::new("copy");
        for f in COPIED_FIELDS {
            if let Some(v) = request.attr(f) {
                replace.set_attr(f, v);
            }
        }
        log!(
            Level::Debug,
            "sync_our_cib",
            "Syncing CIB to {}",
            if all {
                "all peers"
            } else {
                host.as_deref().unwrap_or("(null)")
            }
        );
        if !all && host.is_none() {
            log!(
                Level::Error,
                "sync_our_cib",
                "bad sync: {}",
                request.to_unformatted()
            );
        }
        if let Some(h) = host.as_deref() {
            replace.set_attr(field::ISREPLY, h);
        }
        if all {
            replace.remove_attr(field::HOST);
        }
        replace.set_attr(field::OPERATION, op::REPLACE);
        if let Some(o) = orig_op {
            replace.set_attr("original_cib_op", o);
        }
        replace.set_attr(field::GLOBAL_UPDATE, "true");
        replace.set_attr("crm_feature_set", pcmk_cib::sections::CRM_FEATURE_SET);
        replace.set_attr(
            "digest",
            versioned_digest(&self.cib, Some(pcmk_cib::sections::CRM_FEATURE_SET)),
        );
        message::add_message_xml(&mut replace, field::CALLDATA, &self.cib);
        let to = if all { None } else { host };
        if !all && to.is_none() {
            return -EINVAL;
        }
        self.commands.push(Command::Cpg { to, xml: replace });
        0
    }

    /// `send_sync_request()`: ask `host` (or every node) for its CIB.
    pub(super) fn send_sync_request(&mut self, host: Option<&str>) {
        log!(
            Level::Info,
            "send_sync_request",
            "Requesting re-sync from {}",
            host.unwrap_or("all peers")
        );
        self.sync_in_progress = 1;
        let sync_me = Element::new("sync-me")
            .with_attr(field::TYPE, "cib")
            .with_attr(field::OPERATION, op::SYNC_TO_ONE)
            .with_attr(field::DELEGATED, self.cfg.our_uname.clone());
        self.commands.push(Command::Cpg {
            to: host.map(str::to_owned),
            xml: sync_me,
        });
    }

    /// `cib_process_readwrite()` for `cib_ismaster`, `cib_slave` and
    /// `cib_slave_all`.
    pub(super) fn process_readwrite(&mut self, op: ServerOp) -> i32 {
        if op == ServerOp::IsPrimary {
            return if self.primary { 0 } else { -EPERM };
        }
        if self.primary {
            log!(
                Level::Info,
                "cib_process_readwrite",
                "We are now in R/O mode"
            );
            self.primary = false;
        }
        0
    }

    /// `cib_process_readwrite()` for `cib_master`.
    pub(super) fn process_primary(&mut self) {
        if !self.primary {
            log!(
                Level::Info,
                "cib_process_readwrite",
                "We are now in R/W mode"
            );
            self.primary = true;
        } else {
            log!(
                Level::Debug,
                "cib_process_readwrite",
                "We are still in R/W mode"
            );
        }
    }

    /// `cib_process_shutdown_req()`.
    pub(super) fn process_shutdown_req(&mut self, request: &Element) -> i32 {
        let host = request.attr(field::ORIGIN).unwrap_or("(null)");
        if request.attr(field::ISREPLY).is_none() {
            log!(
                Level::Info,
                "cib_process_shutdown_req",
                "Peer {host} is requesting to shut down"
            );
            return 0;
        }
        if !self.shutting_down {
            log!(
                Level::Error,
                "cib_process_shutdown_req",
                "Peer {host} mistakenly thinks we wanted to shut down"
            );
            return -EINVAL;
        }
        log!(
            Level::Info,
            "cib_process_shutdown_req",
            "Peer {host} has acknowledged our shutdown request"
        );
        self.terminate("cib_process_shutdown_req", 0);
        0
    }

    /// `cib_process_upgrade_server()` without a schema limit: the primary
    /// checks whether an upgrade is possible and, if so, tells every node
    /// to upgrade up to the schema it found; otherwise it tells the
    /// requester's node why not.
    pub(super) fn upgrade_request(&mut self, request: &Element) -> i32 {
        let host = request.attr(field::ORIGIN).map(str::to_owned);
        let client_id = request.attr(field::CLIENTID).map(str::to_owned);
        let call_opts = request.attr(field::CALLOPTS).map(str::to_owned);
        let call_id = request.attr(field::CALLID).map(str::to_owned);
        let current = match self.cib.attr("validate-with") {
            Some(v) => pcmk_cib::validate::schema_index(Some(v)).map_or(-1, |i| i as i64),
            None => 0,
        };
        let mut msgs = pcmk_cib::trace::Diags::default();
        let up =
            self.validation
                .update_validation(&self.cib, 0, true, true, &SchemaUpgrader, &mut msgs);
        let mut rc = up.rc;
        let set = |e: &mut Element, k: &str, v: &Option<String>| {
            if let Some(v) = v {
                e.set_attr(k, v.clone());
            }
        };
        if up.best as i64 > current {
            rc = 0;
            log!(
                Level::Notice,
                "cib_process_upgrade_server",
                "Upgrade request from {} verified",
                host.as_deref().unwrap_or("(null)")
            );
            let mut msg = Element::new("cib_process_upgrade_server")
                .with_attr(field::TYPE, "cib")
                .with_attr(field::OPERATION, op::UPGRADE)
                .with_attr(field::SCHEMA_MAX, pcmk_schema::known()[up.best].name);
            set(&mut msg, field::DELEGATED, &host);
            set(&mut msg, field::CLIENTID, &client_id);
            set(&mut msg, field::CALLOPTS, &call_opts);
            set(&mut msg, field::CALLID, &call_id);
            self.commands.push(Command::Cpg { to: None, xml: msg });
        } else if rc == 0 {
            rc = -PCMK_ERR_SCHEMA_UNCHANGED;
        }
        if rc != 0 {
            log!(
                Level::Info,
                "cib_process_upgrade_server",
                "Rejecting upgrade request from {}: {} | rc={rc} peer={}",
                host.as_deref().unwrap_or("(null)"),
                pcmk_results::legacy::description(rc),
                host.as_deref().unwrap_or("lost")
            );
            if let Some(h) = host.clone() {
                let mut msg = Element::new("cib_process_upgrade_server")
                    .with_attr(field::TYPE, "cib")
                    .with_attr(field::OPERATION, op::UPGRADE)
                    .with_attr(field::DELEGATED, h.clone())
                    .with_attr(field::ISREPLY, h.clone());
                set(&mut msg, field::CLIENTID, &client_id);
                set(&mut msg, field::CALLOPTS, &call_opts);
                set(&mut msg, field::CALLID, &call_id);
                msg.set_attr(field::UPGRADE_RC, rc.to_string());
                self.commands.push(Command::Cpg {
                    to: Some(h),
                    xml: msg,
                });
            }
        }
        rc
    }
}
