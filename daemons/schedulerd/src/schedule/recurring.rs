//! Recurring actions (lib/pacemaker/pcmk_sched_recurring.c).

use crate::actions::create::{add_expected_result, custom_action, rsc_action};
use crate::constraints::ordering::new_ordering;
use crate::model::{aflags, oflags, rflags, ActionId, NodeId, RscId, WorkingSet};
use crate::unpack::resources::add_hash_param;
use crate::util::{self, op_key, Role};
use crate::xml::XmlId;

struct OpHistory {
    name: String,
    key: String,
    role: Role,
    interval_ms: u32,
}

fn is_op_dup(ws: &WorkingSet, r: RscId, name: &str, interval: u32) -> bool {
    let Some(ops) = ws.resources[r].ops_xml else {
        return false;
    };
    let d = &ws.doc;
    let mut first: Option<&str> = None;
    for op in d.children_named(ops, "op") {
        if d.attr(op, "name") != Some(name) || util::interval_ms(d.attr(op, "interval")) != interval
        {
            continue;
        }
        let Some(id) = d.id(op) else { continue };
        if let Some(first) = first {
            crate::config_err!(
                "is_op_dup",
                "Operation {id} is duplicate of {first} (do not use same name and interval combination more than once per resource)"
            );
            return true;
        }
        first = Some(id);
    }
    false
}

fn is_recurring_history(ws: &WorkingSet, r: RscId, xml: XmlId) -> Option<OpHistory> {
    let d = &ws.doc;
    let interval_ms = util::interval_ms(d.attr(xml, "interval"));
    if interval_ms == 0 {
        return None;
    }
    if d.id(xml).map_or(true, str::is_empty) {
        crate::config_err!(
            "is_recurring_history",
            "Ignoring resource history entry without ID"
        );
        return None;
    }
    let op_id = d.id(xml).unwrap_or("");
    let name = d.attr(xml, "name");
    if matches!(
        name,
        Some(
            "stop"
                | "start"
                | "demote"
                | "promote"
                | "reload-agent"
                | "migrate_to"
                | "migrate_from"
        )
    ) {
        crate::config_err!(
            "is_recurring_history",
            "Ignoring {op_id} because {} action cannot be recurring",
            name.unwrap_or("unnamed")
        );
        return None;
    }
    let name = name.unwrap_or("(null)").to_owned();
    if is_op_dup(ws, r, &name, interval_ms) {
        return None;
    }
    let role = match d.attr(xml, "role") {
        None => Role::Unknown,
        Some(s) => {
            let role = Role::parse(s);
            if role == Role::Unknown {
                crate::config_err!(
                    "is_recurring_history",
                    "Ignoring {op_id} because {s} is not a valid role"
                );
            }
            role
        }
    };
    let key = op_key(&ws.resources[r].id, &name, interval_ms);
    crate::actions::create::find_rsc_op_entry(ws, r, &key, false)?;
    Some(OpHistory {
        name,
        key,
        role,
        interval_ms,
    })
}

fn active_recurring_should_be_optional(
    ws: &mut WorkingSet,
    r: RscId,
    node: Option<NodeId>,
    key: &str,
    start: ActionId,
) -> bool {
    if node.is_none() {
        return false;
    }
    if crate::ordering::action_flags(ws, start, None) & aflags::OPTIONAL == 0 {
        return false;
    }
    let matches = ws.find_actions_exact(r, key, node);
    if matches.is_empty() {
        return false;
    }
    !matches
        .iter()
        .any(|&a| ws.actions[a].is_set(aflags::RESCHEDULE))
}

/// `pcmk__new_cancel_action`.
pub fn new_cancel_action(
    ws: &mut WorkingSet,
    r: RscId,
    task: &str,
    interval_ms: u32,
    node: NodeId,
) -> ActionId {
    let key = op_key(&ws.resources[r].id, task, interval_ms);
    let a = custom_action(ws, Some(r), key, "cancel", Some(node), false);
    ws.actions[a].task = "cancel".into();
    ws.actions[a].cancel_task = Some(task.to_owned());
    add_hash_param(&mut ws.actions[a].meta, "operation", task);
    add_hash_param(
        &mut ws.actions[a].meta,
        "interval",
        &interval_ms.to_string(),
    );
    a
}

/// `pcmk__schedule_cancel`.
pub fn schedule_cancel(
    ws: &mut WorkingSet,
    r: RscId,
    call_id: Option<&str>,
    task: &str,
    interval_ms: u32,
    node: NodeId,
) {
    let cancel = new_cancel_action(ws, r, task, interval_ms, node);
    if let Some(c) = call_id {
        add_hash_param(&mut ws.actions[cancel].meta, "call-id", c);
    }
    let sk = op_key(&ws.resources[r].id, "stop", 0);
    new_ordering(
        ws,
        Some(r),
        Some(sk),
        None,
        Some(r),
        None,
        Some(cancel),
        oflags::OPTIONAL,
    );
}

/// `pcmk__reschedule_recurring`.
pub fn reschedule_recurring(
    ws: &mut WorkingSet,
    r: RscId,
    task: &str,
    interval_ms: u32,
    node: NodeId,
) {
    crate::actions::fencing::trigger_unfencing(
        ws,
        Some(r),
        Some(node),
        "Device parameters changed (reschedule)",
        None,
    );
    let key = op_key(&ws.resources[r].id, task, interval_ms);
    let op = custom_action(ws, Some(r), key, task, Some(node), true);
    ws.actions[op].set(aflags::RESCHEDULE);
}

fn recurring_op_for_active(
    ws: &mut WorkingSet,
    r: RscId,
    start: ActionId,
    node: Option<NodeId>,
    op: &OpHistory,
) {
    if op.role == Role::Stopped {
        return;
    }
    let is_optional = active_recurring_should_be_optional(ws, r, node, &op.key, start);
    let next_role = ws.resources[r].next_role;
    if (op.role != Role::Unknown && next_role != op.role)
        || (op.role == Role::Unknown && next_role == Role::Promoted)
    {
        if is_optional {
            let Some(n) = node else { return };
            let cancel_op = new_cancel_action(ws, r, &op.name, op.interval_ms, n);
            let id = ws.resources[r].id.clone();
            let after_key = match ws.resources[r].role {
                Role::Unpromoted | Role::Started => {
                    if next_role == Role::Promoted {
                        Some(op_key(&id, "promote", 0))
                    } else if next_role == Role::Stopped {
                        Some(op_key(&id, "stop", 0))
                    } else {
                        None
                    }
                }
                Role::Promoted => Some(op_key(&id, "demote", 0)),
                _ => None,
            };
            if let Some(k) = after_key {
                new_ordering(
                    ws,
                    Some(r),
                    None,
                    Some(cancel_op),
                    Some(r),
                    Some(k),
                    None,
                    oflags::RUNNABLE_LEFT,
                );
            }
        }
        return;
    }
    let mon = custom_action(ws, Some(r), op.key.clone(), &op.name, node, is_optional);
    if !ws.actions[start].is_set(aflags::RUNNABLE) {
        ws.actions[mon].clear(aflags::RUNNABLE);
    } else if node.map_or(true, |n| !ws.nodes[n].online || ws.nodes[n].unclean) {
        ws.actions[mon].clear(aflags::RUNNABLE);
    }
    if next_role == Role::Promoted {
        add_expected_result(ws, mon, 8);
    }
    if node.is_none() || ws.resources[r].is_set(rflags::MANAGED) {
        let id = ws.resources[r].id.clone();
        let uuid = ws.actions[mon].uuid.clone();
        new_ordering(
            ws,
            Some(r),
            Some(op_key(&id, "start", 0)),
            None,
            None,
            Some(uuid.clone()),
            Some(mon),
            oflags::IMPLIES_THEN | oflags::RUNNABLE_LEFT,
        );
        new_ordering(
            ws,
            Some(r),
            Some(op_key(&id, "reload-agent", 0)),
            None,
            None,
            Some(uuid),
            Some(mon),
            oflags::IMPLIES_THEN | oflags::RUNNABLE_LEFT,
        );
        if next_role == Role::Promoted {
            new_ordering(
                ws,
                Some(r),
                Some(op_key(&id, "promote", 0)),
                None,
                Some(r),
                None,
                Some(mon),
                oflags::OPTIONAL | oflags::RUNNABLE_LEFT,
            );
        } else if ws.resources[r].role == Role::Promoted {
            new_ordering(
                ws,
                Some(r),
                Some(op_key(&id, "demote", 0)),
                None,
                Some(r),
                None,
                Some(mon),
                oflags::OPTIONAL | oflags::RUNNABLE_LEFT,
            );
        }
    }
}

fn cancel_if_running(
    ws: &mut WorkingSet,
    r: RscId,
    node: NodeId,
    key: &str,
    name: &str,
    interval_ms: u32,
) {
    if ws.find_actions_exact(r, key, Some(node)).is_empty() {
        return;
    }
    let cancel_op = new_cancel_action(ws, r, name, interval_ms, node);
    match ws.resources[r].next_role {
        Role::Started | Role::Unpromoted => {
            let k = op_key(&ws.resources[r].id, "start", 0);
            new_ordering(
                ws,
                Some(r),
                None,
                Some(cancel_op),
                Some(r),
                Some(k),
                None,
                oflags::RUNNABLE_LEFT,
            );
        }
        _ => {}
    }
}

fn order_after_probes(ws: &mut WorkingSet, r: RscId, node: NodeId, action: ActionId) {
    for p in ws.resource_actions(r, Some(node), "monitor", false) {
        crate::actions::create::order_actions(ws, p, action, oflags::RUNNABLE_LEFT);
    }
}

fn order_after_stops(ws: &mut WorkingSet, r: RscId, node: NodeId, action: ActionId) {
    for stop in ws.resource_actions(r, Some(node), "stop", true) {
        if !ws.actions[stop].is_set(aflags::OPTIONAL)
            && !ws.actions[action].is_set(aflags::OPTIONAL)
            && !ws.resources[r].is_set(rflags::MANAGED)
        {
            ws.actions[action].set(aflags::OPTIONAL);
        }
        if !ws.actions[stop].is_set(aflags::RUNNABLE) {
            ws.actions[action].clear(aflags::RUNNABLE);
        }
        if ws.resources[r].is_set(rflags::MANAGED) {
            let k = op_key(&ws.resources[r].id, "stop", 0);
            new_ordering(
                ws,
                Some(r),
                Some(k),
                Some(stop),
                None,
                None,
                Some(action),
                oflags::IMPLIES_THEN | oflags::RUNNABLE_LEFT,
            );
        }
    }
}

fn recurring_op_for_inactive(ws: &mut WorkingSet, r: RscId, node: Option<NodeId>, op: &OpHistory) {
    if op.role != Role::Stopped {
        return;
    }
    if !ws.resources[r].is_set(rflags::UNIQUE) {
        return;
    }
    for stop_node in ws.node_list.clone() {
        if let Some(n) = node {
            if ws.nodes[stop_node]
                .uname
                .eq_ignore_ascii_case(&ws.nodes[n].uname)
            {
                cancel_if_running(ws, r, n, &op.key, &op.name, op.interval_ms);
                continue;
            }
        }
        let is_optional = !ws
            .find_actions_exact(r, &op.key, Some(stop_node))
            .is_empty();
        let mon = custom_action(
            ws,
            Some(r),
            op.key.clone(),
            &op.name,
            Some(stop_node),
            is_optional,
        );
        add_expected_result(ws, mon, 7);
        if ws.resources[r].is_set(rflags::MANAGED) {
            order_after_probes(ws, r, stop_node, mon);
        }
        order_after_stops(ws, r, stop_node, mon);
        if !ws.nodes[stop_node].online || ws.nodes[stop_node].unclean {
            ws.actions[mon].clear(aflags::RUNNABLE);
        }
    }
}

/// `pcmk__create_recurring_actions`.
pub fn create_recurring_actions(ws: &mut WorkingSet, r: RscId) {
    if ws.resources[r].is_set(rflags::BLOCK) || ws.resources[r].is_set(rflags::MAINTENANCE) {
        return;
    }
    let alloc = ws.resources[r].allocated_to.map(|a| a.node);
    let mut start = None;
    if let Some(a) = alloc {
        if ws.nodes[a].maintenance {
        } else if ws.resources[r].next_role != Role::Stopped
            || !ws.resources[r].is_set(rflags::MANAGED)
        {
            start = Some(rsc_action(ws, r, "start", Some(a), true));
        }
    }
    let Some(ops) = ws.resources[r].ops_xml else {
        return;
    };
    let op_list: Vec<XmlId> = ws.doc.children_named(ops, "op").collect();
    for op in op_list {
        let Some(h) = is_recurring_history(ws, r, op) else {
            continue;
        };
        if let Some(s) = start {
            recurring_op_for_active(ws, r, s, alloc, &h);
        }
        recurring_op_for_inactive(ws, r, alloc, &h);
    }
}
