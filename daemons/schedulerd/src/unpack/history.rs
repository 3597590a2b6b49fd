//! One resource operation history entry (`unpack_rsc_op` and its helpers,
//! lib/pengine/unpack.c).

use std::cmp::Ordering;

use crate::actions::create::{clear_failcount, on_fail_for, order_actions, rsc_action};
use crate::actions::fencing::fence_op;
use crate::model::{oflags, rflags, wsflags, NodeId, NodeTable, OnFail, RscId, WorkingSet};
use crate::unpack::digest::{digest_cmp, DigestRc};
use crate::unpack::failcounts::{get_failcount, FC_EFFECTIVE};
use crate::unpack::nodes::fence_node;
use crate::unpack::resources::resource_location;
use crate::unpack::status::{add_running, set_active};
use crate::util::{self, Role, INFINITY};
use crate::xml::XmlId;

// Execution statuses (`enum pcmk_exec_status`).
const EXEC_PENDING: i32 = -1;
const EXEC_DONE: i32 = 0;
const EXEC_CANCELLED: i32 = 1;
const EXEC_TIMEOUT: i32 = 2;
const EXEC_NOT_SUPPORTED: i32 = 3;
const EXEC_ERROR: i32 = 4;
const EXEC_ERROR_HARD: i32 = 5;
const EXEC_ERROR_FATAL: i32 = 6;
const EXEC_NOT_INSTALLED: i32 = 7;
const EXEC_NOT_CONNECTED: i32 = 8;
const EXEC_INVALID: i32 = 9;
const EXEC_NO_FENCE_DEVICE: i32 = 10;
const EXEC_NO_SECRETS: i32 = 11;
const EXEC_MAX: i32 = 11;

// OCF exit codes.
const OCF_OK: i32 = 0;
const OCF_INVALID_PARAM: i32 = 2;
const OCF_UNIMPLEMENT_FEATURE: i32 = 3;
const OCF_INSUFFICIENT_PRIV: i32 = 4;
const OCF_NOT_INSTALLED: i32 = 5;
const OCF_NOT_CONFIGURED: i32 = 6;
const OCF_NOT_RUNNING: i32 = 7;
const OCF_RUNNING_PROMOTED: i32 = 8;
const OCF_FAILED_PROMOTED: i32 = 9;
const OCF_DEGRADED: i32 = 190;
const OCF_DEGRADED_PROMOTED: i32 = 191;

/// `pe__target_rc_from_xml`: the expected result in the transition key.
pub fn target_rc_from_xml(ws: &WorkingSet, op: XmlId) -> i32 {
    match ws.doc.attr(op, "transition-key") {
        None => -1,
        Some(k) => util::decode_transition_key(k).map(|k| k.2).unwrap_or(-1),
    }
}

/// `pe__is_newer_op`: ordering of two history entries.
#[doc(alias = "pe__is_newer_op")]
pub fn is_newer_op(ws: &WorkingSet, a: XmlId, b: XmlId, same_node_default: bool) -> Ordering {
    let d = &ws.doc;
    let a_node = d.attr(a, "on_node");
    let b_node = d.attr(b, "on_node");
    let same_node = match (a_node, b_node) {
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        _ => same_node_default,
    };
    if same_node && d.id(a) == d.id(b) {
        return Ordering::Equal;
    }
    let a_call = util::value_int(d.attr(a, "call-id")).unwrap_or(-1);
    let b_call = util::value_int(d.attr(b, "call-id")).unwrap_or(-1);
    if a_call == -1 && b_call == -1 {
        Ordering::Equal
    } else if same_node && a_call >= 0 && a_call < b_call {
        Ordering::Less
    } else if same_node && b_call >= 0 && a_call > b_call {
        Ordering::Greater
    } else if a_call >= 0 && b_call >= 0 && (!same_node || a_call == b_call) {
        let la = util::value_ll(d.attr(a, "last-rc-change")).unwrap_or(-1);
        let lb = util::value_ll(d.attr(b, "last-rc-change")).unwrap_or(-1);
        if la >= 0 && la < lb {
            Ordering::Less
        } else if lb >= 0 && la > lb {
            Ordering::Greater
        } else {
            Ordering::Equal
        }
    } else {
        let (Some(am), Some(bm)) = (d.attr(a, "transition-magic"), d.attr(b, "transition-magic"))
        else {
            return Ordering::Equal;
        };
        let (Some((_, _, ak)), Some((_, _, bk))) = (
            util::decode_transition_magic(am),
            util::decode_transition_magic(bm),
        ) else {
            return Ordering::Equal;
        };
        let (a_id, b_id) = (ak.1, bk.1);
        if !ak.3.eq_ignore_ascii_case(&bk.3) || a_id == b_id {
            if b_call == -1 {
                return Ordering::Less;
            } else if a_call == -1 {
                return Ordering::Greater;
            }
        } else if (a_id >= 0 && a_id < b_id) || b_id == -1 {
            return Ordering::Less;
        } else if (b_id >= 0 && a_id > b_id) || a_id == -1 {
            return Ordering::Greater;
        }
        Ordering::Equal
    }
}

/// `sort_op_by_callid`.
pub fn sort_op_by_callid(ws: &WorkingSet, a: XmlId, b: XmlId) -> Ordering {
    is_newer_op(ws, a, b, true)
}

fn get_op_key(ws: &WorkingSet, op: XmlId) -> String {
    ws.doc
        .attr(op, "operation_key")
        .or_else(|| ws.doc.id(op))
        .unwrap_or("")
        .to_owned()
}

/// `pcmk_xe_is_probe`.
pub fn xe_is_probe(ws: &WorkingSet, op: XmlId) -> bool {
    let task = ws.doc.attr(op, "operation");
    let interval = util::scan_min_int(ws.doc.attr(op, "interval"), 0);
    interval == 0 && task == Some("monitor")
}

/// `pcmk_xe_mask_probe_failure`.
pub fn xe_mask_probe_failure(ws: &WorkingSet, op: XmlId) -> bool {
    if !xe_is_probe(ws, op) {
        return false;
    }
    let status = util::value_int(ws.doc.attr(op, "op-status")).unwrap_or(EXEC_PENDING - 1);
    let rc = util::value_int(ws.doc.attr(op, "rc-code")).unwrap_or(OCF_OK);
    rc == OCF_NOT_INSTALLED || rc == OCF_INVALID_PARAM || status == EXEC_NOT_INSTALLED
}

/// `record_failed_op`.
fn record_failed_op(ws: &mut WorkingSet, op: XmlId, n: NodeId, r: RscId) {
    if !ws.nodes[n].online {
        return;
    }
    let op_key = ws.doc.attr(op, "operation_key").map(str::to_owned);
    let uname = ws.nodes[n].uname.clone();
    for &f in &ws.failed {
        let key = ws.doc.attr(f, "operation_key");
        let fu = ws.doc.attr(f, "uname");
        let keq = match (op_key.as_deref(), key) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            (None, None) => true,
            _ => false,
        };
        if keq && util::eq_casei(fu, &uname) {
            return;
        }
    }
    ws.doc.set_attr(op, "uname", &uname);
    let rid = ws.resources[r].id.clone();
    ws.doc.set_attr(op, "rsc-id", &rid);
    let copy = ws.doc.copy(op, None);
    ws.failed.push(copy);
}

/// `cmp_on_fail`: which failure handling is more severe.
fn cmp_on_fail(first: OnFail, second: OnFail) -> i32 {
    use OnFail::*;
    match first {
        Demote => {
            return match second {
                Ignore => 1,
                Demote => 0,
                _ => -1,
            }
        }
        ResetRemote => {
            return match second {
                Ignore | Demote | Recover => 1,
                ResetRemote => 0,
                _ => -1,
            }
        }
        RestartContainer => {
            return match second {
                Ignore | Demote | Recover | ResetRemote => 1,
                RestartContainer => 0,
                _ => -1,
            }
        }
        _ => {}
    }
    match second {
        Demote => {
            return if first == Ignore { -1 } else { 1 };
        }
        ResetRemote => {
            return match first {
                Ignore | Demote | Recover => -1,
                _ => 1,
            }
        }
        RestartContainer => {
            return match first {
                Ignore | Demote | Recover | ResetRemote => -1,
                _ => 1,
            }
        }
        _ => {}
    }
    first as i32 - second as i32
}

/// `find_lrm_op`: a history entry by resource, task and node (and
/// migration peer), optionally with a given successful result.
fn find_lrm_op(
    ws: &WorkingSet,
    resource: &str,
    op: &str,
    node: &str,
    source: Option<&str>,
    target_rc: i32,
) -> Option<XmlId> {
    let d = &ws.doc;
    let status = d.first_child(ws.cib, "status")?;
    let mut found = Vec::new();
    for ns in d.descendants_named(status, "node_state") {
        if d.attr(ns, "uname") != Some(node) {
            continue;
        }
        for lr in d.descendants_named(ns, "lrm_resource") {
            if d.id(lr) != Some(resource) {
                continue;
            }
            for o in d.children_named(lr, "lrm_rsc_op") {
                if d.attr(o, "operation") != Some(op) {
                    continue;
                }
                if let Some(src) = source {
                    if op == "migrate_to" && d.attr(o, "migrate_target") != Some(src) {
                        continue;
                    }
                    if op == "migrate_from" && d.attr(o, "migrate_source") != Some(src) {
                        continue;
                    }
                }
                found.push(o);
            }
        }
    }
    if found.len() != 1 {
        return None;
    }
    let xml = found[0];
    if target_rc >= 0 {
        let rc = util::value_int(d.attr(xml, "rc-code")).unwrap_or(1);
        let status = util::value_int(d.attr(xml, "op-status")).unwrap_or(EXEC_ERROR);
        if rc != target_rc || status != EXEC_DONE {
            return None;
        }
    }
    Some(xml)
}

fn find_lrm_resource(ws: &WorkingSet, rsc_id: &str, node: &str) -> Option<XmlId> {
    let d = &ws.doc;
    let mut found = Vec::new();
    for ns in d.descendants_named(ws.cib, "node_state") {
        if d.attr(ns, "uname") != Some(node) {
            continue;
        }
        for lr in d.descendants_named(ns, "lrm_resource") {
            if d.id(lr) == Some(rsc_id) {
                found.push(lr);
            }
        }
    }
    if found.len() == 1 {
        Some(found[0])
    } else {
        None
    }
}

fn unknown_on_node(ws: &WorkingSet, rsc_id: &str, node: &str) -> bool {
    match find_lrm_resource(ws, rsc_id, node) {
        None => true,
        Some(lr) => ws.doc.first_child(lr, "lrm_rsc_op").is_none(),
    }
}

fn monitor_not_running_after(
    ws: &WorkingSet,
    rsc_id: &str,
    node: &str,
    xml_op: XmlId,
    same_node: bool,
) -> bool {
    match find_lrm_op(ws, rsc_id, "monitor", node, None, OCF_NOT_RUNNING) {
        Some(m) => is_newer_op(ws, m, xml_op, same_node) == Ordering::Greater,
        None => false,
    }
}

fn non_monitor_after(
    ws: &WorkingSet,
    rsc_id: &str,
    node: &str,
    xml_op: XmlId,
    same_node: bool,
) -> bool {
    let Some(lr) = find_lrm_resource(ws, rsc_id, node) else {
        return false;
    };
    for op in ws.doc.children_named(lr, "lrm_rsc_op") {
        if op == xml_op {
            continue;
        }
        let task = ws.doc.attr(op, "operation");
        if matches!(task, Some("start" | "stop" | "migrate_to" | "migrate_from"))
            && is_newer_op(ws, op, xml_op, same_node) == Ordering::Greater
        {
            return true;
        }
    }
    false
}

fn newer_state_after_migrate(
    ws: &WorkingSet,
    rsc_id: &str,
    node: &str,
    migrate_to: Option<XmlId>,
    migrate_from: Option<XmlId>,
) -> bool {
    let Some(mut xml_op) = migrate_from.or(migrate_to) else {
        return false;
    };
    let source = ws.doc.attr(xml_op, "migrate_source").map(str::to_owned);
    let target = ws.doc.attr(xml_op, "migrate_target").map(str::to_owned);
    let mut same_node = false;
    if util::eq_casei(target.as_deref(), node) {
        if let Some(mf) = migrate_from {
            xml_op = mf;
            same_node = true;
        } else if let Some(mt) = migrate_to {
            xml_op = mt;
        }
    } else if util::eq_casei(source.as_deref(), node) {
        if let Some(mt) = migrate_to {
            xml_op = mt;
            same_node = true;
        } else if let Some(mf) = migrate_from {
            xml_op = mf;
        }
    }
    non_monitor_after(ws, rsc_id, node, xml_op, same_node)
        || monitor_not_running_after(ws, rsc_id, node, xml_op, same_node)
}

fn unpack_migrate_to_success(ws: &mut WorkingSet, r: RscId, n: NodeId, xml_op: XmlId) {
    let source = ws.doc.attr(xml_op, "migrate_source").map(str::to_owned);
    let target = ws.doc.attr(xml_op, "migrate_target").map(str::to_owned);
    let (Some(source), Some(target)) = (source, target) else {
        return;
    };
    if source != ws.nodes[n].uname {
        return;
    }
    let rid = ws.resources[r].id.clone();
    let source_newer_op = non_monitor_after(ws, &rid, &source, xml_op, true);
    let migrate_from = find_lrm_op(ws, &rid, "migrate_from", &target, Some(&source), -1);
    if source_newer_op && migrate_from.is_some() {
        return;
    }
    let target_newer_state =
        newer_state_after_migrate(ws, &rid, &target, Some(xml_op), migrate_from);
    if source_newer_op && target_newer_state {
        return;
    }
    ws.resources[r].role = Role::Started;
    let target_node = ws.find_node(&target);
    let source_node = ws.find_node(&source);
    let (from_rc, from_status) = match migrate_from {
        Some(mf) => (
            util::value_int(ws.doc.attr(mf, "rc-code")).unwrap_or(0),
            util::value_int(ws.doc.attr(mf, "op-status")).unwrap_or(0),
        ),
        None => (0, 0),
    };
    if migrate_from.is_some() && from_rc == OCF_OK && from_status == EXEC_DONE {
        ws.resources[r].role = Role::Stopped;
        ws.resources[r].dangling_migrations.insert(0, n);
    } else if migrate_from.is_some() && from_status != EXEC_PENDING {
        if !target_newer_state && target_node.is_some_and(|t| ws.nodes[t].online) {
            if let Some(t) = target_node {
                add_running(ws, r, t, true);
            }
        } else {
            ws.resources[r].set(rflags::FAILED | rflags::STOP);
            ws.resources[r].clear(rflags::ALLOW_MIGRATE);
        }
    } else if !target_newer_state && target_node.is_some_and(|t| ws.nodes[t].online) {
        if let Some(t) = target_node {
            add_running(ws, r, t, false);
            if source_node.is_some_and(|s| ws.nodes[s].online) {
                ws.resources[r].partial_migration_target = Some(t);
                ws.resources[r].partial_migration_source = source_node;
            }
        }
    } else if !source_newer_op {
        ws.resources[r].set(rflags::FAILED | rflags::STOP);
        ws.resources[r].clear(rflags::ALLOW_MIGRATE);
    }
}

fn unpack_migrate_to_failure(ws: &mut WorkingSet, r: RscId, n: NodeId, xml_op: XmlId) {
    let source = ws.doc.attr(xml_op, "migrate_source").map(str::to_owned);
    let target = ws.doc.attr(xml_op, "migrate_target").map(str::to_owned);
    let (Some(source), Some(target)) = (source, target) else {
        return;
    };
    if source != ws.nodes[n].uname {
        return;
    }
    ws.resources[r].role = Role::Started;
    let rid = ws.resources[r].id.clone();
    let target_migrate_from = find_lrm_op(ws, &rid, "migrate_from", &target, Some(&source), OCF_OK);
    if !unknown_on_node(ws, &rid, &target)
        && !newer_state_after_migrate(ws, &rid, &target, Some(xml_op), target_migrate_from)
    {
        if let Some(t) = ws.find_node(&target) {
            if ws.nodes[t].online {
                add_running(ws, r, t, false);
            }
        }
    } else if !non_monitor_after(ws, &rid, &source, xml_op, true) {
        ws.resources[r].dangling_migrations.insert(0, n);
    }
}

fn unpack_migrate_from_failure(ws: &mut WorkingSet, r: RscId, n: NodeId, xml_op: XmlId) {
    let source = ws.doc.attr(xml_op, "migrate_source").map(str::to_owned);
    let target = ws.doc.attr(xml_op, "migrate_target").map(str::to_owned);
    let (Some(source), Some(target)) = (source, target) else {
        return;
    };
    if target != ws.nodes[n].uname {
        return;
    }
    ws.resources[r].role = Role::Started;
    let rid = ws.resources[r].id.clone();
    let source_migrate_to = find_lrm_op(ws, &rid, "migrate_to", &source, Some(&target), OCF_OK);
    if !unknown_on_node(ws, &rid, &source)
        && !newer_state_after_migrate(ws, &rid, &source, source_migrate_to, Some(xml_op))
    {
        if let Some(s) = ws.find_node(&source) {
            if ws.nodes[s].online {
                add_running(ws, r, s, true);
            }
        }
    }
}

/// `unpack_rsc_op_failure`.
fn unpack_rsc_op_failure(
    ws: &mut WorkingSet,
    r: RscId,
    n: NodeId,
    rc: i32,
    xml_op: XmlId,
    last_failure: &mut Option<XmlId>,
    on_fail: &mut OnFail,
) {
    let key = get_op_key(ws, xml_op);
    let Some(task) = ws.doc.attr(xml_op, "operation").map(str::to_owned) else {
        return;
    };
    *last_failure = Some(xml_op);
    let is_probe = xe_is_probe(ws, xml_op);
    if !(!ws.is_set(wsflags::SYMMETRIC_CLUSTER) && rc == OCF_NOT_INSTALLED) {
        if crate::diag::active() {
            let reason = ws.doc.attr(xml_op, "exit-reason").unwrap_or("");
            crate::log_warn!(
                "unpack_rsc_op_failure",
                "Unexpected result ({}{}{reason}) was recorded for {} of {} on {} at {} | rc={rc} id={}",
                ocf_str(rc),
                if reason.is_empty() { "" } else { ": " },
                if is_probe { "probe" } else { task.as_str() },
                ws.resources[r].id,
                ws.nodes[n].uname,
                last_change_str(ws, xml_op),
                ws.doc.id(xml_op).unwrap_or("(null)")
            );
        }
        record_failed_op(ws, xml_op, n, r);
    }
    let (action_on_fail, fail_role) = on_fail_for(ws, r, &key, &task);
    if cmp_on_fail(*on_fail, action_on_fail) < 0 {
        *on_fail = action_on_fail;
    }
    match task.as_str() {
        "stop" => resource_location(ws, r, Some(n), -INFINITY, "__stop_fail__"),
        "migrate_to" => unpack_migrate_to_failure(ws, r, n, xml_op),
        "migrate_from" => unpack_migrate_from_failure(ws, r, n, xml_op),
        "promote" => ws.resources[r].role = Role::Promoted,
        "demote" => {
            if action_on_fail == OnFail::Block {
                ws.resources[r].role = Role::Promoted;
                ws.resources[r].next_role = Role::Stopped;
            } else if rc == OCF_NOT_RUNNING {
                ws.resources[r].role = Role::Stopped;
            } else {
                ws.resources[r].role = Role::Unpromoted;
            }
        }
        _ => {}
    }
    if is_probe && rc == OCF_NOT_INSTALLED {
        ws.resources[r].role = Role::Stopped;
    } else if ws.resources[r].role < Role::Started {
        set_active(ws, r);
    }
    if fail_role != Role::Started && ws.resources[r].next_role < fail_role {
        ws.resources[r].next_role = fail_role;
    }
    if fail_role == Role::Stopped {
        let mut fail_rsc = r;
        if ws.resources[r].parent.is_some() {
            let p = ws.uber_parent(r);
            if ws.is_anon_clone(p) {
                fail_rsc = p;
            }
        }
        let mut table = NodeTable::new();
        for &m in &ws.node_list {
            let mut s = ws.nodes[m].score(m);
            s.weight = -INFINITY;
            table.insert(s);
        }
        ws.resources[fail_rsc].allowed_nodes = table;
    }
}

/// `check_recoverable`.
fn check_recoverable(ws: &mut WorkingSet, r: RscId, n: NodeId, task: &str, rc: i32, xml_op: XmlId) {
    if task != "stop" {
        return;
    }
    if ws.can_fence(Some(n)) {
        return;
    }
    if crate::diag::active() {
        let reason = ws.doc.attr(xml_op, "exit-reason");
        crate::log_err!(
            "check_recoverable",
            "No further recovery can be attempted for {} because {task} on {} failed ({}{}{}) at {} | rc={rc} id={}",
            ws.resources[r].id,
            ws.nodes[n].uname,
            ocf_str(rc),
            if reason.is_some() { ": " } else { "" },
            reason.unwrap_or(""),
            last_change_str(ws, xml_op),
            ws.doc.id(xml_op).unwrap_or("(null)")
        );
    }
    ws.resources[r].clear(rflags::MANAGED);
    ws.resources[r].set(rflags::BLOCK);
}

/// `remap_operation`.
#[allow(clippy::too_many_arguments)]
fn remap_operation(
    ws: &mut WorkingSet,
    xml_op: XmlId,
    r: RscId,
    n: NodeId,
    on_fail: &mut OnFail,
    target_rc: i32,
    rc: &mut i32,
    status: &mut i32,
) {
    let task = ws.doc.attr(xml_op, "operation").map(str::to_owned);
    if task.as_deref() == Some("monitor") {
        let remapped = match *rc {
            OCF_DEGRADED => OCF_OK,
            OCF_DEGRADED_PROMOTED => OCF_RUNNING_PROMOTED,
            x => x,
        };
        if *rc != remapped {
            if !ws.nodes[n].shutdown || ws.nodes[n].online {
                record_failed_op(ws, xml_op, n, r);
            }
            *rc = remapped;
        }
    }
    if !ws.is_bundled(r) && xe_mask_probe_failure(ws, xml_op) {
        *status = EXEC_DONE;
        *rc = OCF_NOT_RUNNING;
    }
    if *status != EXEC_DONE && *status != EXEC_ERROR {
        return;
    }
    let Some(mut task) = task else {
        *status = EXEC_ERROR;
        return;
    };
    *status = EXEC_DONE;
    let is_probe = xe_is_probe(ws, xml_op);
    if is_probe {
        task = "probe".into();
    }
    if target_rc < 0 || target_rc != *rc {
        *status = EXEC_ERROR;
    }
    match *rc {
        OCF_OK => {
            if is_probe && target_rc == OCF_NOT_RUNNING {
                *status = EXEC_DONE;
            }
        }
        OCF_NOT_RUNNING => {
            if is_probe || target_rc == *rc || !ws.resources[r].is_set(rflags::MANAGED) {
                *status = EXEC_DONE;
                ws.resources[r].role = Role::Stopped;
                *on_fail = OnFail::Ignore;
                ws.resources[r].next_role = Role::Unknown;
            }
        }
        OCF_RUNNING_PROMOTED => {
            if is_probe && *rc != target_rc {
                *status = EXEC_DONE;
            }
            ws.resources[r].role = Role::Promoted;
        }
        OCF_DEGRADED_PROMOTED | OCF_FAILED_PROMOTED => {
            ws.resources[r].role = Role::Promoted;
            *status = EXEC_ERROR;
        }
        OCF_NOT_CONFIGURED => *status = EXEC_ERROR_FATAL,
        OCF_UNIMPLEMENT_FEATURE => {
            let interval = util::value_ms(ws.doc.attr(xml_op, "interval"));
            if interval == 0 {
                check_recoverable(ws, r, n, &task, *rc, xml_op);
                *status = EXEC_ERROR_HARD;
            } else {
                *status = EXEC_NOT_SUPPORTED;
            }
        }
        OCF_NOT_INSTALLED | OCF_INVALID_PARAM | OCF_INSUFFICIENT_PRIV => {
            check_recoverable(ws, r, n, &task, *rc, xml_op);
            *status = EXEC_ERROR_HARD;
        }
        _ => {
            if *status == EXEC_DONE {
                *status = EXEC_ERROR;
            }
        }
    }
}

/// `should_clear_for_param_change`.
fn should_clear_for_param_change(
    ws: &mut WorkingSet,
    xml_op: XmlId,
    task: &str,
    r: RscId,
    n: NodeId,
) -> bool {
    if task == "start" || task == "monitor" {
        if super::bundle::needs_remote_name(ws, r) {
            // pe__add_param_check(..., pe_check_last_failure)
            ws.param_checks.push((xml_op, r, n, false));
        } else {
            let data = digest_cmp(ws, r, xml_op, n);
            return !matches!(data.rc, DigestRc::Unknown | DigestRc::Match);
        }
    }
    false
}

/// `check_operation_expiry`.
fn check_operation_expiry(
    ws: &mut WorkingSet,
    r: RscId,
    n: NodeId,
    rc: i32,
    xml_op: XmlId,
) -> bool {
    let mut expired = false;
    let is_last_failure = ws
        .doc
        .id(xml_op)
        .is_some_and(|i| i.ends_with("_last_failure_0"));
    let interval = util::value_ms(ws.doc.attr(xml_op, "interval"));
    let task = ws.doc.attr(xml_op, "operation").unwrap_or("").to_owned();
    let mut unexpired_fail_count = 0;
    let mut clear_reason = None;
    let last_run = util::value_ll(ws.doc.attr(xml_op, "last-rc-change"));
    if ws.resources[r].failure_timeout > 0 {
        if let Some(last_run) = last_run {
            let now = ws.effective_time();
            let ft = ws.resources[r].failure_timeout as i64;
            if now >= last_run + ft && !should_ignore_failure_timeout(ws, r, &task, interval) {
                expired = true;
            }
            let (fc, last_failure) = get_failcount(ws, n, r, FC_EFFECTIVE, Some(xml_op));
            unexpired_fail_count = fc;
            let last_failure = last_failure + ws.resources[r].failure_timeout as i64 + 1;
            if unexpired_fail_count != 0 && now < last_failure {
                crate::unpack::update_recheck_time(ws, last_failure);
            }
        }
    }
    if expired {
        let (fc, _) = get_failcount(ws, n, r, 0, Some(xml_op));
        if fc != 0 {
            if unexpired_fail_count == 0 {
                clear_reason = Some("it expired");
            } else {
                expired = false;
            }
        } else if is_last_failure && ws.resources[r].remote_reconnect_ms != 0 {
            clear_reason = Some("reconnect interval is set");
        }
    }
    if !expired && is_last_failure && should_clear_for_param_change(ws, xml_op, &task, r, n) {
        clear_reason = Some("resource parameters have changed");
    }
    if clear_reason.is_some() {
        let clear_op = clear_failcount(ws, r, n);
        if ws.is_set(wsflags::STONITH_ENABLED) && ws.resources[r].remote_reconnect_ms != 0 {
            if let Some(rn) = ws.find_node(&ws.resources[r].id.clone()) {
                let fence = fence_op(ws, rn, None, true, None, false);
                order_actions(ws, fence, clear_op, oflags::IMPLIES_THEN);
            }
        }
    }
    if expired && interval == 0 && task == "monitor" {
        if matches!(
            rc,
            OCF_OK | OCF_NOT_RUNNING | OCF_RUNNING_PROMOTED | OCF_DEGRADED | OCF_DEGRADED_PROMOTED
        ) {
            expired = false;
        }
    }
    expired
}

fn should_ignore_failure_timeout(ws: &WorkingSet, r: RscId, task: &str, interval: u32) -> bool {
    if ws.resources[r].remote_reconnect_ms != 0
        && ws.is_set(wsflags::STONITH_ENABLED)
        && interval != 0
        && task.eq_ignore_ascii_case("monitor")
    {
        if let Some(rn) = ws.find_node(&ws.resources[r].id) {
            if !ws.nodes[rn].remote_was_fenced {
                return true;
            }
        }
    }
    false
}

/// `update_resource_state`: the resource state implied by a successful
/// (or masked) operation.
#[allow(clippy::too_many_arguments)]
fn update_resource_state(
    ws: &mut WorkingSet,
    r: RscId,
    n: NodeId,
    xml_op: XmlId,
    task: &str,
    rc: i32,
    last_failure: Option<XmlId>,
    on_fail: &mut OnFail,
) {
    let mut clear_past_failure = false;
    if rc == OCF_NOT_INSTALLED || (!ws.is_bundled(r) && xe_mask_probe_failure(ws, xml_op)) {
        ws.resources[r].role = Role::Stopped;
    } else if rc == OCF_NOT_RUNNING {
        clear_past_failure = true;
    } else if task.eq_ignore_ascii_case("monitor") {
        if let Some(lf) = last_failure {
            if get_op_key(ws, xml_op).eq_ignore_ascii_case(&get_op_key(ws, lf)) {
                clear_past_failure = true;
            }
        }
        if ws.resources[r].role < Role::Started {
            set_active(ws, r);
        }
    } else if task.eq_ignore_ascii_case("start") {
        ws.resources[r].role = Role::Started;
        clear_past_failure = true;
    } else if task.eq_ignore_ascii_case("stop") {
        ws.resources[r].role = Role::Stopped;
        clear_past_failure = true;
    } else if task.eq_ignore_ascii_case("promote") {
        ws.resources[r].role = Role::Promoted;
        clear_past_failure = true;
    } else if task.eq_ignore_ascii_case("demote") {
        if *on_fail == OnFail::Demote {
            clear_past_failure = true;
        }
        ws.resources[r].role = Role::Unpromoted;
    } else if task.eq_ignore_ascii_case("migrate_from") {
        ws.resources[r].role = Role::Started;
        clear_past_failure = true;
    } else if task.eq_ignore_ascii_case("migrate_to") {
        unpack_migrate_to_success(ws, r, n, xml_op);
    } else if ws.resources[r].role < Role::Started {
        set_active(ws, r);
    }
    if clear_past_failure {
        match *on_fail {
            OnFail::Stop | OnFail::Fence | OnFail::Migrate | OnFail::Standby => {}
            OnFail::Block
            | OnFail::Ignore
            | OnFail::Demote
            | OnFail::Recover
            | OnFail::RestartContainer => {
                *on_fail = OnFail::Ignore;
                ws.resources[r].next_role = Role::Unknown;
            }
            OnFail::ResetRemote => {
                if ws.resources[r].remote_reconnect_ms == 0 {
                    *on_fail = OnFail::Ignore;
                    ws.resources[r].next_role = Role::Unknown;
                }
            }
        }
    }
}

/// `services_ocf_exitcode_str`.
fn ocf_str(rc: i32) -> &'static str {
    pcmk_results::OcfExit::from_raw(rc).description()
}

/// `last_change_str`: when an operation's result changed, as
/// `pcmk__epoch2str` without the day of the week.
pub fn last_change_str(ws: &WorkingSet, xml_op: XmlId) -> String {
    ws.doc
        .attr(xml_op, "last-rc-change")
        .and_then(|v| util::scan_ll(v).ok())
        .map(|t| {
            let s = crate::iso8601::ctime(t);
            s.split_once(' ')
                .map_or(s.clone(), |(_, rest)| rest.to_owned())
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown time".to_owned())
}

/// `unpack_rsc_op`: apply one history entry to a resource's state.
pub fn unpack_rsc_op(
    ws: &mut WorkingSet,
    r: RscId,
    n: NodeId,
    xml_op: XmlId,
    last_failure: &mut Option<XmlId>,
    on_fail: &mut OnFail,
) {
    let target_rc = target_rc_from_xml(ws, xml_op);
    let task_key = get_op_key(ws, xml_op);
    let Some(task) = ws.doc.attr(xml_op, "operation").map(str::to_owned) else {
        crate::check_failed!("unpack_rsc_op", "unpack.c:3969", "task != NULL");
        return;
    };
    let mut rc = util::value_int(ws.doc.attr(xml_op, "rc-code")).unwrap_or(0);
    let mut status = util::value_int(ws.doc.attr(xml_op, "op-status")).unwrap_or(-2);
    let interval = util::value_ms(ws.doc.attr(xml_op, "interval"));
    if !(EXEC_PENDING..=EXEC_MAX).contains(&status) {
        crate::check_failed!(
            "unpack_rsc_op",
            "unpack.c:3970",
            "(status >= PCMK_EXEC_PENDING) && (status <= PCMK_EXEC_MAX)"
        );
        return;
    }
    if task == "notify" || task == "meta-data" {
        return;
    }
    let parent = if !ws.resources[r].is_set(rflags::UNIQUE) {
        ws.uber_parent(r)
    } else {
        r
    };
    let mut expired = false;
    if status != EXEC_NOT_INSTALLED && check_operation_expiry(ws, r, n, rc, xml_op) {
        expired = true;
    }
    let old_rc = rc;
    let old_target_rc = target_rc;
    remap_operation(ws, xml_op, r, n, on_fail, target_rc, &mut rc, &mut status);
    let maskable = !ws.is_bundled(r) && xe_mask_probe_failure(ws, xml_op);
    if expired && maskable && old_rc != old_target_rc {
        if ws.resources[r].role <= Role::Stopped {
            ws.resources[r].role = Role::Unknown;
        }
        return;
    } else if expired && rc != target_rc {
        if interval == 0 {
            return;
        } else if ws.nodes[n].online && !ws.nodes[n].unclean {
            ws.doc
                .set_attr(xml_op, "op-restart-digest", "calculated-failure-timeout");
            return;
        }
    }
    if maskable {
        update_resource_state(ws, r, n, xml_op, &task, target_rc, *last_failure, on_fail);
        let uname = ws.nodes[n].uname.clone();
        ws.doc.set_attr(xml_op, "uname", &uname);
        record_failed_op(ws, xml_op, n, r);
        resource_location(ws, parent, Some(n), -INFINITY, "masked-probe-failure");
        return;
    }
    match status {
        EXEC_CANCELLED => {
            crate::config_err!(
                "unpack_rsc_op",
                "Resource history contains cancellation '{}' ({task} of {} on {} at {})",
                ws.doc.id(xml_op).unwrap_or("(null)"),
                ws.resources[r].id,
                ws.nodes[n].uname,
                last_change_str(ws, xml_op)
            );
            return;
        }
        EXEC_PENDING => {
            if task == "start" {
                ws.resources[r].set(rflags::START_PENDING);
                set_active(ws, r);
            } else if task == "promote" {
                ws.resources[r].role = Role::Promoted;
            } else if task == "migrate_to" && ws.nodes[n].unclean {
                if let Some(t) = ws.doc.attr(xml_op, "migrate_target").map(str::to_owned) {
                    if let Some(tn) = ws.find_node(&t) {
                        rsc_action(ws, r, "stop", Some(tn), false);
                    }
                }
            }
            if ws.resources[r].pending_task.is_none() && (interval != 0 || task != "monitor") {
                ws.resources[r].pending_task = Some(task.clone());
                ws.resources[r].pending_node = Some(n);
            }
            return;
        }
        EXEC_DONE => {
            update_resource_state(ws, r, n, xml_op, &task, rc, *last_failure, on_fail);
            return;
        }
        EXEC_NOT_INSTALLED => {
            let (fs, _) = on_fail_for(ws, r, &task_key, &task);
            if fs == OnFail::Ignore {
                crate::log_warn!(
                    "unpack_rsc_op",
                    "Cannot ignore failed {task} of {} on {}: Resource agent doesn't exist | status={status} rc={rc} id={}",
                    ws.resources[r].id,
                    ws.nodes[n].uname,
                    ws.doc.id(xml_op).unwrap_or("(null)")
                );
                *on_fail = OnFail::Migrate;
            }
            resource_location(ws, parent, Some(n), -INFINITY, "hard-error");
            unpack_rsc_op_failure(ws, r, n, rc, xml_op, last_failure, on_fail);
            return;
        }
        EXEC_NOT_CONNECTED => {
            if ws.is_guest_or_remote(n) {
                if let Some(rr) = ws.nodes[n].remote_rsc {
                    if ws.resources[rr].is_set(rflags::MANAGED) {
                        ws.resources[rr].set(rflags::FAILED | rflags::STOP);
                    }
                }
            }
        }
        EXEC_ERROR | EXEC_ERROR_HARD | EXEC_ERROR_FATAL | EXEC_TIMEOUT | EXEC_NOT_SUPPORTED
        | EXEC_INVALID => {}
        EXEC_NO_FENCE_DEVICE | EXEC_NO_SECRETS => status = EXEC_ERROR_HARD,
        _ => {}
    }
    let (failure_strategy, _) = on_fail_for(ws, r, &task_key, &task);
    if failure_strategy == OnFail::Ignore
        || (failure_strategy == OnFail::RestartContainer && task == "stop")
    {
        if crate::diag::active() {
            let reason = ws.doc.attr(xml_op, "exit-reason").unwrap_or("");
            crate::log_warn!(
                "unpack_rsc_op",
                "Pretending failed {task} ({}{}{reason}) of {} on {} at {} succeeded | rc={rc} id={}",
                ocf_str(rc),
                if reason.is_empty() { "" } else { ": " },
                ws.resources[r].id,
                ws.nodes[n].uname,
                last_change_str(ws, xml_op),
                ws.doc.id(xml_op).unwrap_or("(null)")
            );
        }
        update_resource_state(ws, r, n, xml_op, &task, target_rc, *last_failure, on_fail);
        let uname = ws.nodes[n].uname.clone();
        ws.doc.set_attr(xml_op, "uname", &uname);
        ws.resources[r].set(rflags::FAILURE_IGNORED);
        record_failed_op(ws, xml_op, n, r);
        if failure_strategy == OnFail::RestartContainer
            && cmp_on_fail(*on_fail, OnFail::Recover) <= 0
        {
            *on_fail = failure_strategy;
        }
    } else {
        unpack_rsc_op_failure(ws, r, n, rc, xml_op, last_failure, on_fail);
        let reason = ws.doc.attr(xml_op, "exit-reason").unwrap_or("").to_owned();
        let sep = if reason.is_empty() { "" } else { ": " };
        if status == EXEC_ERROR_HARD {
            if rc != OCF_NOT_INSTALLED {
                crate::log_err!(
                    "unpack_rsc_op",
                    "Preventing {} from restarting on {} because of hard failure ({}{sep}{reason})| rc={rc} id={}",
                    ws.resources[parent].id,
                    ws.nodes[n].uname,
                    ocf_str(rc),
                    ws.doc.id(xml_op).unwrap_or("(null)")
                );
            }
            resource_location(ws, parent, Some(n), -INFINITY, "hard-error");
        } else if status == EXEC_ERROR_FATAL {
            crate::log_err!(
                "unpack_rsc_op",
                "Preventing {} from restarting anywhere because of fatal failure ({}{sep}{reason}) | rc={rc} id={}",
                ws.resources[parent].id,
                ocf_str(rc),
                ws.doc.id(xml_op).unwrap_or("(null)")
            );
            resource_location(ws, parent, None, -INFINITY, "fatal-error");
        }
    }
}

/// `fence_node` re-exported for history users.
pub fn fence(ws: &mut WorkingSet, n: NodeId, reason: &str) {
    fence_node(ws, n, reason, false);
}
