//! `cib_process_command()` (daemons/based/based_callbacks.c): run one
//! operation, make its result the CIB, notify subscribers of the change
//! (a v2 patchset) and build the reply.

use pcmk_cib::{CallOptions, PerformOptions, Request, Services};
use pcmk_msg::cib::{call_options as opt, field, message};
use pcmk_results::errno::{EACCES, EINVAL};
use pcmk_results::legacy::{
    PCMK_ERR_DIFF_FAILED, PCMK_ERR_DIFF_RESYNC, PCMK_ERR_SCHEMA_VALIDATION,
};
use pcmk_xml::patchset;
use pcmk_xml::Element;

use super::request::log_diff;
use super::{int_attr, Engine, Timer};
use crate::log::Level;
use crate::notify::{self, change_section};
use crate::ops::{self, is_true, ServerOp};
use crate::{log, upgrade};

/// The versioned digest of one section (`calculate_section_digest`).
fn section_digest(cib: &Element, name: &str) -> Option<String> {
    let found = if name == "status" {
        pcmk_cib::sections::find_element(cib, Some("status"))
    } else {
        pcmk_cib::sections::find_element(cib, Some(name))
    };
    // find_element() gives the whole CIB for unknown names; these are known.
    found.map(|s| {
        pcmk_xml::digest::versioned(s, false, true, Some(pcmk_cib::sections::CRM_FEATURE_SET))
    })
}

impl Engine {
    /// Run `op` of `request`; returns the legacy rc and the reply (none
    /// when the caller asked for none).
    pub(super) fn process_command(
        &mut self,
        request: &Element,
        op: ServerOp,
        privileged: bool,
    ) -> (i32, Option<Element>) {
        let call_id = request.attr(field::CALLID).map(str::to_owned);
        let mut call_options = int_attr(request, field::CALLOPTS).unwrap_or(0) as u32;
        let mut rc = 0;
        let mut output: Option<Element> = None;

        if !privileged && op.needs_privileges() {
            rc = -EACCES;
        }
        // `input` borrows from `request`, which outlives this call: no copy
        // of a (possibly whole-CIB) input is needed.
        let (input, section) = ops::prepare(op, request);
        let section = section.map(str::to_owned);

        if rc == 0 && !op.modifies() {
            let (r, out) = self.read_only_op(op, request, section.as_deref());
            rc = r;
            output = out;
        } else if rc == 0 {
            let global = is_true(request.attr(field::GLOBAL_UPDATE));
            let mut manage_counters = true;
            if global {
                manage_counters = false;
                call_options |= opt::FORCE_DIFF;
            }
            self.ping_modified_since = true;
            if call_options & opt::INHIBIT_BCAST != 0 {
                manage_counters = false;
            }
            let dryrun = call_options & opt::DRYRUN != 0;
            if !dryrun
                && section
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case("status"))
            {
                call_options |= opt::ZERO_COPY;
            } else {
                call_options &= !opt::ZERO_COPY;
            }
            let (r, out) = self.write_op(
                op,
                request,
                input,
                section.as_deref(),
                call_options,
                manage_counters,
                call_id.as_deref(),
            );
            rc = r;
            output = out;
        }

        let reply = (call_options & opt::DISCARD_REPLY == 0).then(|| {
            let mut reply = message::reply_xml(
                op.name(),
                call_id.as_deref(),
                request.attr(field::CLIENTID),
                call_options,
                rc,
                None,
            );
            // Move the output (for a query, a copy of the whole CIB) into
            // the reply rather than copying it once more.
            if let Some(o) = output {
                reply.push_element(Element::new(field::CALLDATA).with_child(o));
            }
            reply
        });
        (rc, reply)
    }

    /// The operations that do not change the CIB (`cib_perform_op` with
    /// `is_query`).
    fn read_only_op(
        &mut self,
        op: ServerOp,
        request: &Element,
        section: Option<&str>,
    ) -> (i32, Option<Element>) {
        let user = request.attr(field::USER);
        if op == ServerOp::Query {
            let call_options = int_attr(request, field::CALLOPTS).unwrap_or(0) as u32;
            let validation = &self.validation;
            let services = Services {
                validation,
                identity: &pcmk_cib::system::EtcGroup,
                upgrader: &upgrade::SchemaUpgrader,
            };
            let req = Request {
                section,
                data: None,
                options: CallOptions(call_options),
                user,
                origin: request.attr(field::ORIGIN),
                client_name: request.attr(field::CLIENTNAME),
                schema_max: None,
            };
            let done = pcmk_cib::perform(
                &services,
                pcmk_cib::Op::Query,
                &req,
                &self.cib,
                &PerformOptions::default(),
            );
            return (done.rc, done.output);
        }
        // The other read-only operations see the CIB through the user's
        // ACLs too: nothing readable means no access.
        if pcmk_cib::acl::enabled_for(&self.cib, user)
            && matches!(
                pcmk_cib::acl::filtered_copy(
                    user,
                    &self.cib,
                    &self.cib,
                    &pcmk_cib::system::EtcGroup
                ),
                Some(None)
            )
        {
            log!(
                Level::Debug,
                "cib_perform_op",
                "Pre-filtered the entire cib"
            );
            return (-EACCES, None);
        }
        match op {
            ServerOp::Noop => (0, None),
            ServerOp::SyncToAll => (self.sync_our_cib(request, true), None),
            ServerOp::SyncToOne => (self.sync_our_cib(request, false), None),
            ServerOp::Secondary | ServerOp::AllSecondary | ServerOp::IsPrimary => {
                (self.process_readwrite(op), None)
            }
            ServerOp::Shutdown => (self.process_shutdown_req(request), None),
            ServerOp::Ping => {
                let answer = self.process_ping(request);
                (0, Some(answer))
            }
            _ => (-EINVAL, None),
        }
    }

    /// The operations that change the CIB (`cib_perform_op` for writes,
    /// then activation and notifications).
    #[allow(clippy::too_many_arguments)]
    fn write_op(
        &mut self,
        op: ServerOp,
        request: &Element,
        input: Option<&Element>,
        section: Option<&str>,
        call_options: u32,
        manage_counters: bool,
        call_id: Option<&str>,
    ) -> (i32, Option<Element>) {
        let dryrun = call_options & opt::DRYRUN != 0;
        let user = request.attr(field::USER).map(str::to_owned);
        let client_name = request.attr(field::CLIENTNAME).map(str::to_owned);

        let before = (op == ServerOp::Replace).then(|| {
            (
                section_digest(&self.cib, "nodes"),
                section_digest(&self.cib, "alerts"),
                section_digest(&self.cib, "status"),
            )
        });

        let mut outcome = match op {
            ServerOp::Primary => {
                self.process_primary();
                Outcome::unchanged(0)
            }
            ServerOp::AbsDelete => Outcome::unchanged(-EINVAL),
            ServerOp::Upgrade if request.attr(field::SCHEMA_MAX).is_none() => {
                Outcome::unchanged(self.upgrade_request(request))
            }
            ServerOp::ApplyPatch if self.ignore_diff(input) => {
                Outcome::unchanged(-PCMK_ERR_DIFF_RESYNC)
            }
            _ => self.perform_write(op, request, input, section, call_options, manage_counters),
        };

        if op == ServerOp::ApplyPatch {
            if outcome.rc == -PCMK_ERR_DIFF_RESYNC && !self.primary && outcome.performed {
                outcome.result = None;
                outcome.diff = None;
                self.send_sync_request(None);
            } else if outcome.rc == -PCMK_ERR_DIFF_RESYNC && outcome.performed {
                outcome.rc = -PCMK_ERR_DIFF_FAILED;
                if call_options & opt::FORCE_DIFF != 0 {
                    log!(
                        Level::Warning,
                        "cib_server_process_diff",
                        "Not requesting full refresh in R/W mode"
                    );
                }
            }
        }
        if op == ServerOp::Replace
            && outcome.rc == 0
            && input.is_some_and(|i| i.name().eq_ignore_ascii_case("cib"))
        {
            self.sync_in_progress = 0;
        }
        if op == ServerOp::Replace {
            outcome.config_changed = true;
        }

        let rc = outcome.rc;
        let mut output = outcome.output.take();
        let mut send_replace_notify = false;
        let mut changed_sections =
            change_section::NODES | change_section::ALERTS | change_section::STATUS;
        if rc == 0 && !dryrun {
            if let Some(result) = outcome.result.take() {
                let to_disk = outcome.config_changed;
                self.activate(result, to_disk, op.name());
            } else if outcome.touched {
                // The reference activates an unchanged copy: same CIB.
            }
            if let Some((nodes, alerts, status)) = before {
                if nodes == section_digest(&self.cib, "nodes") {
                    changed_sections &= !change_section::NODES;
                }
                if alerts == section_digest(&self.cib, "alerts") {
                    changed_sections &= !change_section::ALERTS;
                }
                if status == section_digest(&self.cib, "status") {
                    changed_sections &= !change_section::STATUS;
                }
                send_replace_notify = changed_sections != 0;
            } else if op == ServerOp::Erase {
                send_replace_notify = true;
            }
            self.commands.push(super::Command::Arm {
                timer: Timer::Digest,
                after: self.cfg.digest_delay,
            });
        } else if rc == -PCMK_ERR_SCHEMA_VALIDATION {
            if let Some(o) = output.take() {
                log!(
                    Level::Info,
                    "cib_process_command",
                    "cib:output {}",
                    o.to_unformatted()
                );
            }
            output = outcome.result.take();
        }

        if call_options & (opt::INHIBIT_NOTIFY | opt::DRYRUN) == 0 {
            if let Some(diff) = outcome.diff.as_ref() {
                log_diff(client_name.as_deref(), call_id, rc, diff);
                let msg = notify::diff_message(op.name(), input, rc, diff, Some(&self.cib));
                self.notify_clients(msg);
            }
        }
        if send_replace_notify {
            if let Some(diff) = outcome.diff.as_ref() {
                let (del, add) = notify::versions(diff);
                let origin = request.attr(field::ORIGIN).unwrap_or("unspecified peer");
                if add[2] != del[2] {
                    log!(
                        Level::Info,
                        "cib_replace_notify",
                        "Replaced: {} -> {} from {origin}",
                        notify::dotted(del),
                        notify::dotted(add)
                    );
                } else {
                    log!(
                        Level::Info,
                        "cib_replace_notify",
                        "Local-only Replace: {} from {origin}",
                        notify::dotted(add)
                    );
                }
                let msg = notify::replace_message(rc, changed_sections, Some(&self.cib));
                self.notify_clients(msg);
            }
        }
        let _ = user;
        (rc, output)
    }

    /// `cib_perform_op()` for a write through pcmk-cib, plus the patchset.
    fn perform_write(
        &mut self,
        op: ServerOp,
        request: &Element,
        input: Option<&Element>,
        section: Option<&str>,
        call_options: u32,
        manage_counters: bool,
    ) -> Outcome {
        let Some(cib_op) = op.cib_op() else {
            return Outcome::unchanged(-EINVAL);
        };
        let user = request.attr(field::USER);
        let services = Services {
            validation: &self.validation,
            identity: &pcmk_cib::system::EtcGroup,
            upgrader: &upgrade::SchemaUpgrader,
        };
        let req = Request {
            section,
            data: input,
            options: CallOptions(call_options),
            user,
            origin: request.attr(field::ORIGIN),
            client_name: request.attr(field::CLIENTNAME),
            schema_max: request.attr(field::SCHEMA_MAX),
        };
        let now = self.now;
        let done = pcmk_cib::perform(
            &services,
            cib_op,
            &req,
            &self.cib,
            &PerformOptions {
                manage_counters,
                last_written: Some(now.ctime()),
            },
        );
        log_diags(&done.diag);
        let zero_copy = call_options & opt::ZERO_COPY != 0;
        let diff = match (done.changes, done.result.as_ref()) {
            (Some(changes), Some(result)) => self.make_patch(changes, result, zero_copy),
            _ => None,
        };
        if let Some(d) = diff.as_ref() {
            for line in pcmk_xml::patchset::log::patchset_lines(d, None, false) {
                log!(Level::Info, "cib_perform_op", "{line}");
            }
        }
        if done.rc != 0 && done.rc != -PCMK_ERR_SCHEMA_VALIDATION {
            log!(
                Level::Trace,
                "cib_perform_op",
                "{} failed: {}",
                op.name(),
                pcmk_results::legacy::description(done.rc)
            );
        }
        Outcome {
            rc: done.rc,
            result: done.result,
            output: done.output,
            diff,
            config_changed: done.config_changed,
            performed: true,
            touched: true,
        }
    }

    /// The v2 (or, for an old CIB, v1) patchset of the tracked `changes`
    /// (`xml_create_patchset` + `patchset_process_digest`); `result` is
    /// the new CIB (for the digest, which ignores the time stamps set
    /// after the patch was made).
    fn make_patch(
        &mut self,
        mut changes: pcmk_xml::patchset::Changes,
        result: &Element,
        zero_copy: bool,
    ) -> Option<Element> {
        let current = &self.cib;
        let created = patchset::create_patchset(0, current, &mut changes, false).ok()??;
        let mut patch = created.patch;
        let with_digest = if zero_copy {
            false
        } else if self.digest_expires < self.now.secs {
            self.digest_expires = self.now.secs + 60;
            true
        } else {
            false
        };
        patchset::add_digest(&mut patch, current, result, with_digest);
        Some(patch)
    }

    /// `cib_server_process_diff()`'s first half: while a resync is under
    /// way a secondary ignores diffs (at most five times).
    fn ignore_diff(&mut self, input: Option<&Element>) -> bool {
        if self.sync_in_progress > 5 {
            self.sync_in_progress = 0;
        }
        if self.sync_in_progress == 0 || self.primary {
            return false;
        }
        self.sync_in_progress += 1;
        let (del, add) = input.map_or(([0; 3], [0; 3]), notify::versions);
        log!(
            Level::Notice,
            "cib_server_process_diff",
            "Not applying diff {} -> {} (sync in progress)",
            notify::dotted(del),
            notify::dotted(add)
        );
        true
    }
}

/// What a write operation produced.
#[derive(Debug, Default)]
struct Outcome {
    rc: i32,
    /// The new CIB (when it changed or may have).
    result: Option<Element>,
    output: Option<Element>,
    diff: Option<Element>,
    config_changed: bool,
    /// Whether pcmk-cib ran the operation.
    performed: bool,
    /// Whether the reference would activate a copy of the CIB.
    touched: bool,
}

impl Outcome {
    fn unchanged(rc: i32) -> Outcome {
        Outcome {
            rc,
            touched: true,
            ..Outcome::default()
        }
    }
}

/// Write the log messages pcmk-cib collected into the log.
fn log_diags(diags: &pcmk_cib::trace::Diags) {
    use pcmk_cib::trace::Level as L;
    for e in diags.events() {
        let level = match e.level {
            L::Crit => Level::Crit,
            L::Error => Level::Error,
            L::Warning => Level::Warning,
            L::Notice => Level::Notice,
            L::Info => Level::Info,
            L::Debug => Level::Debug,
            L::Trace => Level::Trace,
        };
        log!(level, e.function, "{}", e.message);
    }
}
