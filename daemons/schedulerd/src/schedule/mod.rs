//! Scheduling actions: what each resource must do (`create_actions`), its
//! probes and recurring monitors, reacting to configuration changes.
//!
//! - [`primitive`]: start/stop/promote/demote sequences and migrations.
//! - [`recurring`]: recurring monitors and cancellations.
//! - [`probes`]: probes and their orderings.
//! - [`utilization`]: placement-strategy constraints.

pub mod primitive;
pub mod probes;
pub mod recurring;
pub mod utilization;

use crate::actions::create::{clear_failcount, new_rsc_pseudo_action, order_actions};
use crate::assign::clone::cmp_instance_number;
use crate::constraints::ordering::new_ordering;
use crate::glib;
use crate::model::{aflags, oflags, rflags, wsflags, ActionId, NodeId, RscId, Variant, WorkingSet};
use crate::unpack::digest::{digest_cmp, DigestRc};
use crate::unpack::failcounts::{get_failcount, FC_EFFECTIVE};
use crate::util::{self, op_key, INFINITY};
use crate::xml::XmlId;

/// `rsc->cmds->create_actions`.
pub fn create_actions(ws: &mut WorkingSet, r: RscId) {
    match ws.resources[r].variant {
        Variant::Native => primitive::create_actions(ws, r),
        Variant::Group => group_create_actions(ws, r),
        Variant::Clone => clone_create_actions(ws, r),
        Variant::Container => bundle_create_actions(ws, r),
    }
}

/// `pcmk__bundle_create_actions`.
#[doc(alias = "pcmk__bundle_create_actions")]
fn bundle_create_actions(ws: &mut WorkingSet, r: RscId) {
    let containers = crate::assign::bundle::container_list(ws, r);
    for rep in crate::assign::bundle::replicas(ws, r) {
        for part in [rep.ip, rep.container, rep.remote].into_iter().flatten() {
            create_actions(ws, part);
        }
    }
    clone_create_pseudo_actions(ws, r, &containers, false);
    let child = ws.resources[r].bundle.as_ref().and_then(|b| b.child);
    if let Some(child) = child {
        create_actions(ws, child);
        if ws.resources[child].is_set(rflags::PROMOTABLE) {
            new_rsc_pseudo_action(ws, r, "promote", true, true);
            let a = new_rsc_pseudo_action(ws, r, "promoted", true, true);
            ws.actions[a].priority = INFINITY;
            new_rsc_pseudo_action(ws, r, "demote", true, true);
            let a = new_rsc_pseudo_action(ws, r, "demoted", true, true);
            ws.actions[a].priority = INFINITY;
        }
    }
}

/// `pcmk__group_create_actions`.
fn group_create_actions(ws: &mut WorkingSet, r: RscId) {
    for m in ws.resources[r].children.clone() {
        create_actions(ws, m);
    }
    for task in ["start", "running", "stop", "stopped"] {
        let a = new_rsc_pseudo_action(ws, r, task, true, true);
        let _ = a;
    }
    if util::is_true(ws.resources[r].meta.get("promotable").map(String::as_str)) {
        for task in ["demote", "demoted", "promote", "promoted"] {
            new_rsc_pseudo_action(ws, r, task, true, true);
        }
    }
}

/// `clone_update_pseudo_status`.
fn clone_update_pseudo_status(
    ws: &WorkingSet,
    r: RscId,
    stopping: &mut bool,
    starting: &mut bool,
    active: &mut bool,
) {
    if !ws.resources[r].children.is_empty() {
        for &c in &ws.resources[r].children {
            clone_update_pseudo_status(ws, c, stopping, starting, active);
        }
        return;
    }
    if !ws.resources[r].running_on.is_empty() {
        *active = true;
    }
    for &a in ws.resources[r].actions.iter().rev() {
        let act = &ws.actions[a];
        if *starting && *stopping {
            return;
        } else if act.is_set(aflags::OPTIONAL) {
            continue;
        } else if act.flags & (aflags::PSEUDO | aflags::RUNNABLE) == 0 {
            continue;
        } else if act.task.eq_ignore_ascii_case("stop") {
            *stopping = true;
        } else if act.task.eq_ignore_ascii_case("start") && act.is_set(aflags::RUNNABLE) {
            *starting = true;
        }
    }
}

/// `clone_create_pseudo_actions`.
pub fn clone_create_pseudo_actions(
    ws: &mut WorkingSet,
    r: RscId,
    children: &[RscId],
    with_notify: bool,
) {
    let mut child_active = false;
    let mut child_starting = false;
    let mut child_stopping = false;
    let mut allow_dependent_migrations = true;
    for &c in children {
        let mut starting = false;
        let mut stopping = false;
        create_actions(ws, c);
        clone_update_pseudo_status(ws, c, &mut stopping, &mut starting, &mut child_active);
        if stopping && starting {
            allow_dependent_migrations = false;
        }
        child_stopping |= stopping;
        child_starting |= starting;
    }
    let start = new_rsc_pseudo_action(ws, r, "start", !child_starting, true);
    let started = new_rsc_pseudo_action(ws, r, "running", !child_starting, false);
    ws.actions[started].priority = INFINITY;
    if child_active || child_starting {
        ws.actions[started].set(aflags::RUNNABLE);
    }
    if with_notify && ws.resources[r].clone.start_notify.is_none() {
        ws.resources[r].clone.start_notify = crate::actions::notif::clone_notif_pseudo_ops(
            ws,
            r,
            "start",
            Some(start),
            Some(started),
        );
    }
    let stop = new_rsc_pseudo_action(ws, r, "stop", !child_stopping, true);
    let stopped = new_rsc_pseudo_action(ws, r, "stopped", !child_stopping, true);
    ws.actions[stopped].priority = INFINITY;
    if allow_dependent_migrations {
        ws.actions[stop].set(aflags::MIGRATE_RUNNABLE);
    }
    if with_notify && ws.resources[r].clone.stop_notify.is_none() {
        ws.resources[r].clone.stop_notify =
            crate::actions::notif::clone_notif_pseudo_ops(ws, r, "stop", Some(stop), Some(stopped));
        crate::actions::notif::order_stop_notify_before_start(ws, r);
    }
}

/// `find_rsc_action`: the only required action of a task.
fn find_rsc_action(ws: &mut WorkingSet, r: RscId, task: &str) -> Option<ActionId> {
    let mut m = None;
    for a in ws.resource_actions(r, None, task, false) {
        if !ws.actions[a].is_set(aflags::OPTIONAL) {
            if m.is_some() {
                return None;
            }
            m = Some(a);
        }
    }
    m
}

fn child_ordering_constraints(ws: &mut WorkingSet, r: RscId) {
    if !ws.resources[r].clone.ordered {
        return;
    }
    let mut children = std::mem::take(&mut ws.resources[r].children);
    glib::list_sort(&mut children, &mut |&a, &b| cmp_instance_number(ws, a, b));
    ws.resources[r].children = children.clone();
    let mut last_stop = None;
    let mut last_start = None;
    for c in children {
        if let Some(stop) = find_rsc_action(ws, c, "stop") {
            if let Some(ls) = last_stop {
                order_actions(ws, stop, ls, oflags::OPTIONAL);
            }
            last_stop = Some(stop);
        }
        if let Some(start) = find_rsc_action(ws, c, "start") {
            if let Some(ls) = last_start {
                order_actions(ws, ls, start, oflags::OPTIONAL);
            }
            last_start = Some(start);
        }
    }
}

/// `clone_create_actions`.
fn clone_create_actions(ws: &mut WorkingSet, r: RscId) {
    let children = ws.resources[r].children.clone();
    clone_create_pseudo_actions(ws, r, &children, true);
    child_ordering_constraints(ws, r);
    if ws.resources[r].is_set(rflags::PROMOTABLE) {
        crate::promotable::create_promotable_actions(ws, r);
    }
}

/// `check_params` for deferred parameter checks.
fn check_params(ws: &mut WorkingSet, r: RscId, n: NodeId, op: XmlId, active: bool) {
    let mut reason = false;
    if active {
        if check_action_config(ws, r, n, op) && get_failcount(ws, n, r, FC_EFFECTIVE, None).0 != 0 {
            reason = true;
        }
    } else {
        let d = digest_cmp(ws, r, op, n);
        if !matches!(d.rc, DigestRc::Unknown | DigestRc::Match) {
            reason = true;
        }
    }
    if reason {
        clear_failcount(ws, r, n);
    }
}

/// `clear_failcounts_if_orphaned`.
fn clear_failcounts_if_orphaned(ws: &mut WorkingSet, r: RscId) {
    if !ws.resources[r].is_set(rflags::ORPHAN) {
        return;
    }
    for n in ws.node_list.clone() {
        if !ws.nodes[n].online {
            continue;
        }
        if get_failcount(ws, n, r, FC_EFFECTIVE, None).0 == 0 {
            continue;
        }
        let clear = clear_failcount(ws, r, n);
        let sk = op_key(&ws.resources[r].id, "stop", 0);
        new_ordering(
            ws,
            ws.actions[clear].rsc,
            None,
            Some(clear),
            Some(r),
            Some(sk),
            None,
            oflags::OPTIONAL,
        );
    }
}

/// `schedule_resource_actions`.
pub fn schedule_resource_actions(ws: &mut WorkingSet) {
    let checks = std::mem::take(&mut ws.param_checks);
    for (op, r, n, active) in checks.into_iter().rev() {
        check_params(ws, r, n, op, active);
    }
    if ws.is_set(wsflags::STARTUP_PROBES) {
        probes::schedule_probes(ws);
    }
    if ws.is_set(wsflags::STOP_RSC_ORPHANS) {
        for r in ws.top.clone() {
            clear_failcounts_if_orphaned(ws, r);
        }
    }
    for r in ws.top.clone() {
        create_actions(ws, r);
    }
}

// ---- configuration changes (pcmk_sched_actions.c) ----

fn action_in_config(ws: &WorkingSet, r: RscId, task: &str, interval: u32) -> bool {
    let key = op_key(&ws.resources[r].id, task, interval);
    crate::actions::create::find_rsc_op_entry(ws, r, &key, false).is_some()
}

fn task_for_digest(task: &str, interval: u32) -> &str {
    if interval == 0 && matches!(task, "monitor" | "migrate_from" | "promote") {
        "start"
    } else {
        task
    }
}

fn only_sanitized_changed(ws: &WorkingSet, op: XmlId, d: &crate::unpack::digest::Digests) -> bool {
    if !ws.is_set(wsflags::SANITIZED) {
        return false;
    }
    let secure = ws.doc.attr(op, "op-secure-digest");
    d.rc != DigestRc::Match && secure.is_some() && d.digest_secure_calc.as_deref() == secure
}

fn force_restart(ws: &mut WorkingSet, r: RscId, task: &str, interval: u32, n: NodeId) {
    let key = op_key(&ws.resources[r].id, task, interval);
    let required = crate::actions::create::custom_action(ws, Some(r), key, task, None, false);
    crate::actions::create::set_reason(ws, required, Some("resource definition change"), true);
    crate::actions::fencing::trigger_unfencing(
        ws,
        Some(r),
        Some(n),
        "Device parameters changed",
        None,
    );
}

fn schedule_reload(ws: &mut WorkingSet, r: RscId, n: Option<NodeId>) {
    if ws.resources[r].variant > Variant::Native {
        for c in ws.resources[r].children.clone() {
            schedule_reload(ws, c, n);
        }
        return;
    }
    let Some(n) = n else { return };
    if !ws.resources[r].is_set(rflags::MANAGED) || ws.resources[r].is_set(rflags::FAILED) {
        return;
    }
    if ws.resources[r].is_set(rflags::START_PENDING) {
        crate::actions::create::rsc_action(ws, r, "stop", Some(n), false);
        return;
    }
    ws.resources[r].set(rflags::RELOAD);
    let reload = crate::actions::create::rsc_action(ws, r, "reload-agent", Some(n), false);
    crate::actions::create::set_reason(ws, reload, Some("resource definition change"), false);
    let id = ws.resources[r].id.clone();
    new_ordering(
        ws,
        None,
        None,
        Some(reload),
        Some(r),
        Some(op_key(&id, "stop", 0)),
        None,
        oflags::OPTIONAL | oflags::THEN_CANCELS_FIRST,
    );
    new_ordering(
        ws,
        None,
        None,
        Some(reload),
        Some(r),
        Some(op_key(&id, "demote", 0)),
        None,
        oflags::OPTIONAL | oflags::THEN_CANCELS_FIRST,
    );
}

/// `pcmk__check_action_config`.
pub fn check_action_config(ws: &mut WorkingSet, r: RscId, n: NodeId, op: XmlId) -> bool {
    let Some(task) = ws.doc.attr(op, "operation").map(str::to_owned) else {
        return false;
    };
    let interval = util::value_ms(ws.doc.attr(op, "interval"));
    if interval > 0 {
        if action_in_config(ws, r, &task, interval) {
        } else if ws.is_set(wsflags::STOP_ACTION_ORPHANS) {
            let call_id = ws.doc.attr(op, "call-id").map(str::to_owned);
            recurring::schedule_cancel(ws, r, call_id.as_deref(), &task, interval, n);
            return true;
        } else {
            return true;
        }
    }
    let task = task_for_digest(&task, interval).to_owned();
    let d = digest_cmp(ws, r, op, n);
    if only_sanitized_changed(ws, op, &d) {
        let msg = format!(
            "Only 'private' parameters to {}-interval {} for {} on {} changed: {}",
            readable_interval(interval),
            task,
            ws.resources[r].id,
            ws.nodes[n].uname,
            ws.doc.attr(op, "transition-magic").unwrap_or("")
        );
        ws.messages.push(crate::model::Msg::Info(msg));
        return false;
    }
    match d.rc {
        DigestRc::Restart => {
            force_restart(ws, r, &task, interval, n);
            true
        }
        DigestRc::All | DigestRc::Unknown => {
            if interval > 0 {
                recurring::reschedule_recurring(ws, r, &task, interval, n);
            } else if ws.doc.attr(op, "op-restart-digest").is_some() {
                crate::actions::fencing::trigger_unfencing(
                    ws,
                    Some(r),
                    Some(n),
                    "Device parameters changed (reload)",
                    None,
                );
                schedule_reload(ws, r, Some(n));
            } else {
                force_restart(ws, r, &task, interval, n);
            }
            true
        }
        DigestRc::Match => false,
    }
}

/// `pcmk__readable_interval`.
pub fn readable_interval(ms: u32) -> String {
    if ms == 0 {
        return "0s".into();
    }
    let mut s = String::new();
    let mut rem = ms;
    let d = rem / 86_400_000;
    if d > 0 {
        s.push_str(&format!("{d}d"));
        rem -= d * 86_400_000;
    }
    let h = rem / 3_600_000;
    if h > 0 {
        s.push_str(&format!("{h}h"));
        rem -= h * 3_600_000;
    }
    let m = rem / 60_000;
    if m > 0 {
        s.push_str(&format!("{m}m"));
        rem -= m * 60_000;
    }
    let sec = rem / 1000;
    if sec > 0 {
        s.push_str(&format!("{sec}s"));
        rem -= sec * 1000;
    }
    if rem > 0 {
        s.push_str(&format!("{rem}ms"));
    }
    s
}

/// `pcmk__rsc_agent_changed`.
fn rsc_agent_changed(ws: &mut WorkingSet, r: RscId, n: NodeId, entry: XmlId, active: bool) -> bool {
    let mut changed = false;
    for attr in ["type", "class", "provider"] {
        let v = ws.doc.attr(ws.resources[r].xml, attr).map(str::to_owned);
        let old = ws.doc.attr(entry, attr).map(str::to_owned);
        if v != old {
            changed = true;
            crate::actions::fencing::trigger_unfencing(
                ws,
                Some(r),
                Some(n),
                "Device definition changed",
                None,
            );
        }
    }
    if changed && active {
        crate::actions::create::rsc_action(ws, r, "stop", Some(n), false);
        ws.resources[r].set(rflags::START_PENDING);
    }
    changed
}

fn process_rsc_history(ws: &mut WorkingSet, entry: XmlId, r: RscId, n: NodeId) {
    if ws.resources[r].is_set(rflags::ORPHAN) {
        let top = ws.uber_parent(r);
        if !ws.is_anon_clone(top) {
            primitive::schedule_cleanup(ws, r, n, false);
        }
        return;
    }
    let nid = ws.nodes[n].id.clone();
    let running_here = ws.resources[r]
        .running_on
        .iter()
        .any(|&x| ws.nodes[x].id.eq_ignore_ascii_case(&nid));
    if !running_here {
        if rsc_agent_changed(ws, r, n, entry, false) {
            primitive::schedule_cleanup(ws, r, n, false);
        }
        return;
    }
    if rsc_agent_changed(ws, r, n, entry, true) {
        primitive::schedule_cleanup(ws, r, n, false);
    }
    let mut ops: Vec<XmlId> = ws.doc.children_named(entry, "lrm_rsc_op").collect();
    ops.reverse();
    glib::list_sort(&mut ops, &mut |&a, &b| {
        crate::unpack::history::sort_op_by_callid(ws, a, b)
    });
    let (start_index, stop_index) = crate::unpack::status::calculate_active_ops(ws, &ops);
    if start_index < stop_index {
        return;
    }
    for (offset, op) in ops.into_iter().enumerate() {
        if (offset as i32) < start_index {
            continue;
        }
        let task = ws.doc.attr(op, "operation").unwrap_or("").to_owned();
        let interval = util::value_ms(ws.doc.attr(op, "interval"));
        if interval > 0 && (ws.resources[r].is_set(rflags::MAINTENANCE) || ws.nodes[n].maintenance)
        {
            let call_id = ws.doc.attr(op, "call-id").map(str::to_owned);
            recurring::schedule_cancel(ws, r, call_id.as_deref(), &task, interval, n);
        } else if interval > 0
            || matches!(
                task.to_ascii_lowercase().as_str(),
                "monitor" | "start" | "promote" | "migrate_from"
            )
        {
            if crate::unpack::bundle::needs_remote_name(ws, r) {
                // pe__add_param_check(..., pe_check_active)
                ws.param_checks.push((op, r, n, true));
            } else if check_action_config(ws, r, n, op)
                && get_failcount(ws, n, r, FC_EFFECTIVE, None).0 != 0
            {
                clear_failcount(ws, r, n);
            }
        }
    }
}

/// `pcmk__rscs_matching_id`: resources whose id or history name is `id`,
/// most recently found first.
fn rscs_matching_id(ws: &WorkingSet, id: &str) -> Vec<RscId> {
    fn add(ws: &WorkingSet, r: RscId, id: &str, out: &mut Vec<RscId>) {
        let rsc = &ws.resources[r];
        if rsc.id == id || rsc.clone_name.as_deref() == Some(id) {
            out.insert(0, r);
        }
        for &c in &rsc.children {
            add(ws, c, id, out);
        }
    }
    let mut out = Vec::new();
    for &r in &ws.top {
        add(ws, r, id, &mut out);
    }
    out
}

/// `pcmk__handle_rsc_config_changes`.
pub fn handle_rsc_config_changes(ws: &mut WorkingSet) {
    for n in ws.node_list.clone() {
        if !(ws.nodes[n].maintenance || crate::assign::node_available(ws, n, None, false)) {
            continue;
        }
        let uname = ws.nodes[n].uname.clone();
        let Some(status) = ws.doc.first_child(ws.cib, "status") else {
            continue;
        };
        let states: Vec<XmlId> = ws
            .doc
            .children_named(status, "node_state")
            .filter(|&s| ws.doc.attr(s, "uname") == Some(uname.as_str()))
            .collect();
        if states.len() != 1 {
            continue;
        }
        let Some(lrm) = ws.doc.first_child(states[0], "lrm") else {
            continue;
        };
        let Some(rscs) = ws.doc.first_child(lrm, "lrm_resources") else {
            continue;
        };
        let entries: Vec<XmlId> = ws.doc.children_named(rscs, "lrm_resource").collect();
        for entry in entries {
            if ws.doc.children(entry).is_empty() {
                continue;
            }
            let Some(id) = ws.doc.id(entry).map(str::to_owned) else {
                crate::check_failed!(
                    "pcmk__rscs_matching_id",
                    "pcmk_sched_resource.c:175",
                    "(id != NULL) && (data_set != NULL)"
                );
                continue;
            };
            for r in rscs_matching_id(ws, &id) {
                if ws.resources[r].variant == Variant::Native {
                    process_rsc_history(ws, entry, r, n);
                }
            }
        }
    }
}
